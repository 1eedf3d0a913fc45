"""Make a grounding set from live web pages: screenshots plus the boxes of their named controls.

`synthesize` opens each URL in headless Chromium (`BrowserEnv.launch`), lists the interactive
elements the page shows, and writes a `jsonl` grounding set (see `mimo_gui.eval.datasets`):

* ``page_001.png``, ``page_002.png``, …: one screenshot per URL, in physical pixels (the viewport
  times the device scale factor), written even when the page gave no sample;
* ``samples.jsonl``: one line per element: ``image`` (the screenshot's file name), ``instruction``
  (the element's accessible name, as it is: ``Sign in``, ``Search``), ``box`` (its bounding box
  in the screenshot's physical pixels: the CSS rectangle times the device scale factor), ``id``
  (``page_NNN:K``) and ``tags`` (``url``, ``kind``: the ARIA role, ``input:<type>`` or the tag name).

A call that fails part way (a page that does not load) removes what it wrote, so no half set
passes for a whole one.

An element becomes a sample when all of these hold:

* it is interactive: ``a[href]``, ``button``, ``input`` (not hidden), ``select``, ``textarea``,
  ``summary``, an interactive ARIA role (button, link, checkbox, radio, tab, menuitem, switch,
  option, combobox, textbox, searchbox), ``[onclick]``, ``[tabindex]`` (not -1) or
  ``[contenteditable]``; not disabled; and it holds no other such element (the innermost wins:
  a link wrapping a button gives the button);
* it is rendered and visible (``checkVisibility`` with opacity and CSS visibility), at least
  3×3 CSS pixels, and lies wholly inside the viewport;
* it is on top: ``elementFromPoint`` at its centre and at the middle of each side, 1 px in,
  finds the element, something inside it, or one of its labels;
* it has a usable name: aria-label, aria-labelledby, its labels, a button input's value, its
  text, placeholder, title, alt, a contained image's alt, its value or selected option, in that
  order; whitespace collapsed, 1 to 80 characters, with a letter or digit in it;
* no other element kept on the same page has the same name (compared case-insensitively):
  "Save" twice is an instruction with two right answers, so both are dropped;
* its box was the same just before and just after the screenshot (an animated element is not
  where its box says).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ..actions import ConfigError

if TYPE_CHECKING:
    from ..env_adapters.browser import BrowserEnv

__all__ = ["MAX_NAME_LENGTH", "SAMPLES_FILE", "synthesize"]

SAMPLES_FILE = "samples.jsonl"
"""The grounding set's file name inside the output folder."""

MAX_NAME_LENGTH = 80
"""Longer names read as paragraphs, not as something to point at."""

_NAVIGATE_TIMEOUT_MS = 30_000

_COLLECT_JS = """(maxName) => {
  const SELECTOR = [
    'a[href]', 'button', 'input:not([type=hidden])', 'select', 'textarea', 'summary',
    '[role=button]', '[role=link]', '[role=checkbox]', '[role=radio]', '[role=tab]',
    '[role=menuitem]', '[role=switch]', '[role=option]', '[role=combobox]', '[role=textbox]',
    '[role=searchbox]', '[onclick]', '[tabindex]:not([tabindex="-1"])', '[contenteditable=""]',
    '[contenteditable=true]',
  ].join(',');
  const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  const nameOf = (el) => {
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') || '').toLowerCase();
    const attr = (name) => clean(el.getAttribute(name));
    const by = el.getAttribute('aria-labelledby');
    const candidates = [
      () => attr('aria-label'),
      () => clean((by || '').split(/\\s+/).map((id) => document.getElementById(id)?.innerText).join(' ')),
      () => el.labels ? clean(Array.from(el.labels).map((l) => l.innerText).join(' ')) : '',
      () => tag === 'input' && ['button', 'submit', 'reset'].includes(type) ? clean(el.value) : '',
      // A field's or a list's innerText is its content or every option, not its name.
      () => ['input', 'textarea', 'select'].includes(tag) ? '' : clean(el.innerText),
      () => attr('placeholder'),
      () => attr('title'),
      () => attr('alt'),
      () => clean(el.querySelector('img[alt]')?.getAttribute('alt')),
      () => tag === 'select' ? clean(el.selectedOptions[0]?.text) : '',
      () => typeof el.value === 'string' && tag !== 'select' ? clean(el.value) : '',
    ];
    for (const candidate of candidates) {
      const text = candidate();
      if (text) return text;
    }
    return '';
  };
  const kindOf = (el) => {
    const role = el.getAttribute('role');
    if (role) return role;
    const tag = el.tagName.toLowerCase();
    return tag === 'input' ? 'input:' + (el.getAttribute('type') || 'text').toLowerCase() : tag;
  };
  const onTop = (el, x, y) => {
    const hit = document.elementFromPoint(x, y);
    if (!hit) return false;
    if (el === hit || el.contains(hit)) return true;
    return !!el.labels && Array.from(el.labels).some((l) => l.contains(hit));
  };
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const found = [];
  for (const el of document.querySelectorAll(SELECTOR)) {
    if (el.querySelector(SELECTOR)) continue;
    if (el.matches(':disabled')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 3 || r.height < 3) continue;
    if (r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) continue;
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const points = [[cx, cy], [r.left + 1, cy], [r.right - 1, cy], [cx, r.top + 1], [cx, r.bottom - 1]];
    if (!points.every(([x, y]) => onTop(el, x, y))) continue;
    const name = nameOf(el);
    if (!name || name.length > maxName || !/[\\p{L}\\p{N}]/u.test(name)) continue;
    found.push({name, kind: kindOf(el), x: r.left, y: r.top, width: r.width, height: r.height});
  }
  return found;
}"""


class _Found(BaseModel):
    """One element as the page script reports it, in CSS pixels of the viewport."""

    model_config = ConfigDict(frozen=True, strict=True)

    name: str
    kind: str
    x: float
    y: float
    width: float
    height: float


def synthesize(
    urls: Sequence[str],
    out: Path,
    *,
    viewport: tuple[int, int] = (1280, 800),
    device_scale_factor: float = 1.0,
    chromium: str | None = None,
) -> Path:
    """Render each URL and write a jsonl grounding set of its named controls into ``out``.

    Args:
        urls: the pages, in order; ``page_NNN.png`` numbers them from 1.
        out: the folder to write; it must be empty or not exist yet.
        viewport: the browser's size in CSS pixels.
        device_scale_factor: physical pixels per CSS pixel (2 renders a HiDPI screen).
        chromium: the executable (else `find_chromium`'s choice).

    Returns:
        The ``samples.jsonl`` path (load it with ``load_dataset("jsonl", path)``).

    Raises:
        ConfigError: no URL, a non-empty ``out``, no Chromium, a page that fails to load or
            answers an HTTP error, one that opens a dialog, or one with no usable element.
    """
    from ..env_adapters.browser import BrowserEnv

    if not urls:
        raise ConfigError("synthesize needs at least one URL")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"output folder {out} is not empty: pick a new or empty one")
    created = not out.exists()
    target = out / SAMPLES_FILE
    written: list[Path] = []
    with BrowserEnv.launch(
        viewport=viewport, device_scale_factor=device_scale_factor, chromium=chromium
    ) as env:
        try:
            out.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8") as lines:
                written.append(target)
                for number, url in enumerate(urls, start=1):
                    shot = out / f"page_{number:03d}.png"
                    written.append(shot)
                    records = _page_samples(env, url, shot, device_scale_factor)
                    if not records:
                        # A page's screenshot with no sample on it would be a set that scores nothing.
                        raise ConfigError(
                            f"{url} has no usable elements (visible, named, unambiguous controls "
                            "inside the viewport): nothing to ground on it"
                        )
                    for index, record in enumerate(records):
                        entry = {"id": f"page_{number:03d}:{index}", "image": shot.name, **record}
                        lines.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except BaseException:
            # Half a set would pass for a whole one, and block the rerun as a non-empty folder.
            _remove(written, out if created else None)
            raise
    return target


def _remove(files: list[Path], folder: Path | None) -> None:
    """Delete what this call wrote (and the folder, where this call created it)."""
    for path in files:
        path.unlink(missing_ok=True)
    if folder is not None:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _page_samples(env: BrowserEnv, url: str, shot: Path, dsf: float) -> list[dict[str, Any]]:
    """Open ``url``, save its screenshot to ``shot``, and give its samples' jsonl fields."""
    _open(env, url)
    if env.observe().dialog is not None:
        # The page's script is frozen until someone answers; nothing more can be read from it.
        raise ConfigError(f"{url} opened a dialog while loading: cannot read its elements")
    before = _collect(env, url)
    observation = env.observe()
    after = set(_collect(env, url))
    if observation.png is not None:
        shot.write_bytes(observation.png)
    else:
        observation.image.save(shot, format="PNG")
    stable = [f for f in before if f in after]
    counts = Counter(f.name.casefold() for f in stable)
    page_url = env.page.url
    return [
        {
            "instruction": f.name,
            "box": [f.x * dsf, f.y * dsf, (f.x + f.width) * dsf, (f.y + f.height) * dsf],
            "tags": {"url": page_url, "kind": f.kind},
        }
        for f in stable
        if counts[f.name.casefold()] == 1
    ]


def _open(env: BrowserEnv, url: str) -> None:
    from playwright.sync_api import Error as PlaywrightError

    page = env.page
    try:
        response = page.goto(url, wait_until="load", timeout=_NAVIGATE_TIMEOUT_MS)
        # Text drawn in a fallback font and then swapped would move every box after the screenshot.
        page.evaluate("document.fonts.ready.then(() => true)")
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot open {url}: {first}") from exc
    if response is not None and response.status >= 400:
        raise ConfigError(f"{url} answered HTTP {response.status}")


def _collect(env: BrowserEnv, url: str) -> list[_Found]:
    raw = env.page.evaluate(_COLLECT_JS, MAX_NAME_LENGTH)
    try:
        return [_Found.model_validate(item) for item in raw]
    except (ValidationError, TypeError) as exc:
        raise ConfigError(f"{url}: the element scan returned something unexpected ({exc})") from exc
