"""`BrowserEnv`: Chromium driven through Playwright's sync API.

Screen units are CSS pixels of the viewport; screenshots are physical pixels, so
`Observation.scale` is the device scale factor.

Dialogs. Playwright dismisses a dialog at once unless a listener is registered, which
would silently cancel a "Delete? OK/Cancel" confirm. This env registers a listener that
does *not* answer: the dialog stays open, shows up in `Observation.dialog`, and is
answered only by an `AnswerDialog` action. While a dialog is open the page's JavaScript
is blocked, and so is the input event that opened it: Playwright's ``mouse.click`` (or
``keyboard.press``) does not return until the dialog is answered. So every action runs
in a greenlet of its own (the sync API is built on greenlets: each blocking call switches
to Playwright's dispatcher fiber); when a dialog opens, the listener hands control back
to `execute`, and the blocked input call is left to finish on the dispatcher once the
dialog is answered. A screenshot hangs as well while a dialog is open (Playwright's and
CDP's alike, tried here), so `observe` returns the last frame captured from that tab,
marked ``extra["stale_frame"] = True``; a headless dialog is not drawn anyway, and the
model reads it from ``Observation.dialog``.

Only one sync Playwright may run per thread, so all envs of a thread share one, started
on the first `launch`/`connect` and stopped when the last of them closes.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from PIL import Image

from ..actions import (
    Action,
    ActionFailed,
    AnswerDialog,
    Back,
    CaptureFailed,
    Click,
    ConfigError,
    Drag,
    EnvError,
    Hotkey,
    MoveTo,
    Navigate,
    Point,
    Scroll,
    Space,
    SwitchTab,
    Type,
    Wait,
)
from .base import ActionResult, Dialog, EnvBase, Observation, Tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright
    from playwright.sync_api import Dialog as PwDialog

__all__ = ["CHROMIUM_ARGS", "BrowserEnv", "find_chromium", "playwright_key"]

CHROMIUM_ARGS = (
    "--no-sandbox",  # needed as root (containers, CI); harmless otherwise
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
"""Flags every launched Chromium gets."""

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_CAPTURE_TIMEOUT_MS = 5_000
_CAPTURE_TRIES = 3
_LOAD_WAIT_MS = 2_000
_NAVIGATE_TIMEOUT_MS = 30_000
_DESCRIBE_LIMIT = 100
_INTERRUPTED = "interrupted by a dialog"

_KEY_NAMES = {
    "ctrl": "Control",
    "control": "Control",
    "shift": "Shift",
    "alt": "Alt",
    "option": "Alt",
    "meta": "Meta",
    "cmd": "Meta",
    "command": "Meta",
    "win": "Meta",
    "super": "Meta",
    "enter": "Enter",
    "return": "Enter",
    "tab": "Tab",
    "backspace": "Backspace",
    "delete": "Delete",
    "del": "Delete",
    "esc": "Escape",
    "escape": "Escape",
    "space": "Space",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "arrowup": "ArrowUp",
    "arrowdown": "ArrowDown",
    "arrowleft": "ArrowLeft",
    "arrowright": "ArrowRight",
    "capslock": "CapsLock",
}

_DESCRIBE_JS = """([x, y]) => {
  const el = document.elementFromPoint(x, y);
  // The page itself is no answer: its text is everything on screen.
  if (!el || el === document.body || el === document.documentElement) return null;
  const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  let text = clean(el.getAttribute('aria-label'));
  const labelledBy = el.getAttribute('aria-labelledby');
  if (!text && labelledBy) {
    text = clean(labelledBy.split(/\\s+/).map((id) => document.getElementById(id)?.innerText).join(' '));
  }
  if (!text && el.labels && el.labels.length) text = clean(el.labels[0].innerText);
  if (!text) text = clean(el.innerText);
  if (!text && typeof el.value === 'string') text = clean(el.value);
  const attr = (name) => clean(el.getAttribute(name));
  if (!text) text = attr('placeholder') || attr('title') || attr('alt');
  return text || null;
}"""


def playwright_key(name: str) -> str:
    """Our key name (``ctrl``, ``enter``, ``arrowleft``, ``a``) as Playwright spells it (``Control``…).

    Single characters pass through as they are; ``f1``…``f12`` become ``F1``…; any other
    name passes through untouched, for Playwright to accept (``PageDown``) or refuse.
    """
    if len(name) == 1:
        return name
    low = name.lower()
    if low in _KEY_NAMES:
        return _KEY_NAMES[low]
    if low[0] == "f" and low[1:].isdigit():
        return "F" + low[1:]
    return name


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable to launch: ``explicit``, else ``$MIMO_GUI_CHROMIUM``, else one on PATH.

    Raises:
        ConfigError: the named executable does not exist, or none is found.
    """
    named = explicit or os.environ.get("MIMO_GUI_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            source = "--chromium" if explicit else "MIMO_GUI_CHROMIUM"
            raise ConfigError(f"Chromium executable {named!r} (from {source}) not found or not executable")
        return found
    for candidate in _CANDIDATES:
        if found := shutil.which(candidate):
            return found
    raise ConfigError(
        "no Chromium found on PATH (looked for chromium, chromium-browser, google-chrome): "
        "install Debian's with `apt-get install chromium`, or pass --chromium PATH "
        "(or set MIMO_GUI_CHROMIUM)"
    )


class _SharedPlaywright(threading.local):
    """The thread's one sync Playwright, counted by the envs using it."""

    def __init__(self) -> None:
        self.instance: Any = None
        self.users = 0

    def acquire(self) -> Playwright:
        if self.instance is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError as exc:
                raise ConfigError("BrowserEnv needs playwright: pip install 'mimo-gui[browser]'") from exc
            self.instance = sync_playwright().start()
        self.users += 1
        playwright: Playwright = self.instance
        return playwright

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0 and self.instance is not None:
            instance, self.instance, self.users = self.instance, None, 0
            instance.stop()


_shared = _SharedPlaywright()


@dataclass
class _Opened:
    """A dialog waiting for its answer."""

    dialog: PwDialog
    page: Page


class BrowserEnv(EnvBase):
    """A Chromium tab (and the tabs it opens) as an env. Build one with `launch`, `connect` or `from_page`.

    Attributes:
        dialog_log: every dialog seen and how it was answered, in order (dicts, JSON-ready).
    """

    platform = "browser"
    supported_actions = frozenset(
        {Click, MoveTo, Drag, Scroll, Type, Hotkey, Wait, Navigate, Back, SwitchTab, AnswerDialog}
    )

    def __init__(
        self,
        page: Page,
        *,
        browser: Browser | None = None,
        owns_browser: bool = False,
        uses_shared_playwright: bool = False,
        chromium: str = "external",
        headless: bool | None = None,
        device_scale_factor: float | None = None,
    ) -> None:
        """Wrap ``page``; prefer `launch`, `connect` or `from_page`.

        Args:
            page: the tab to start on; tabs its context opens later are followed.
            browser: the browser to close with the env, when ``owns_browser``.
            owns_browser: whether `close` closes (or, over CDP, disconnects from) ``browser``.
            uses_shared_playwright: whether this env holds a reference on the thread's Playwright.
            chromium: the executable path, ``cdp:<url>`` or ``external``, for `settings`.
            headless: as launched, where known.
            device_scale_factor: as launched; else read from the page.
        """
        self._page: Page | None = page
        self._context: BrowserContext = page.context
        self._browser = browser
        self._owns_browser = owns_browser
        self._uses_shared = uses_shared_playwright
        self._chromium = chromium
        self._headless = headless
        self._dsf = device_scale_factor or float(page.evaluate("window.devicePixelRatio"))
        self._closed = False
        self._opened: list[_Opened] = []
        self._frames: dict[int, Image.Image] = {}
        self._interrupt: tuple[Any, Any] | None = None
        self._handler_greenlet: Any = None
        self.dialog_log: list[dict[str, Any]] = []
        self._context.on("page", self._on_page)
        self._context.on("dialog", self._on_dialog)

    def __enter__(self) -> Self:
        # EnvBase's own returns EnvBase, which mypy cannot match to the Env protocol.
        return self

    # -- construction ----------------------------------------------------------------

    @classmethod
    def launch(
        cls,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 800),
        device_scale_factor: float = 1.0,
        headless: bool = True,
        chromium: str | None = None,
    ) -> BrowserEnv:
        """Start Chromium with one tab of ``viewport`` CSS pixels, open on ``url`` if given.

        Raises:
            ConfigError: no Chromium, no playwright, a bad viewport or scale, or Chromium failed to start.
            ActionFailed: ``url`` could not be opened.
        """
        if len(viewport) != 2 or min(viewport) < 1:
            raise ConfigError(f"viewport must be two positive integers (width, height), got {viewport!r}")
        if not (math.isfinite(device_scale_factor) and device_scale_factor > 0):
            raise ConfigError(f"device_scale_factor must be a positive number, got {device_scale_factor!r}")
        executable = find_chromium(chromium)
        playwright = _shared.acquire()
        from playwright.sync_api import Error as PlaywrightError

        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=headless, args=list(CHROMIUM_ARGS)
            )
        except PlaywrightError as exc:
            _shared.release()
            raise ConfigError(f"Chromium at {executable} failed to start: {_first_line(exc)}") from exc
        try:
            context = browser.new_context(
                viewport={"width": int(viewport[0]), "height": int(viewport[1])},
                device_scale_factor=device_scale_factor,
            )
            page = context.new_page()
        except PlaywrightError as exc:
            browser.close()
            _shared.release()
            message = f"Chromium at {executable} started but gave no page: {_first_line(exc)}"
            raise ConfigError(message) from exc
        env = cls(
            page,
            browser=browser,
            owns_browser=True,
            uses_shared_playwright=True,
            chromium=executable,
            headless=headless,
            device_scale_factor=device_scale_factor,
        )
        if url is not None:
            try:
                env.execute(Navigate(url=url))
            except EnvError:
                env.close()
                raise
        return env

    @classmethod
    def connect(cls, cdp_url: str, *, timeout: float = 30.0) -> BrowserEnv:
        """Attach to a running Chromium (``--remote-debugging-port``) and use its first tab.

        `close` disconnects and leaves that Chromium running.

        Raises:
            EnvError: nothing answers at ``cdp_url`` (the URL is named).
        """
        playwright = _shared.acquire()
        from playwright.sync_api import Error as PlaywrightError

        try:
            browser = playwright.chromium.connect_over_cdp(cdp_url, timeout=timeout * 1000)
        except PlaywrightError as exc:
            _shared.release()
            raise EnvError(f"cannot attach to Chromium at {cdp_url}: {_first_line(exc)}") from exc
        try:
            context = browser.contexts[0] if browser.contexts else browser.new_context()
            page = context.pages[0] if context.pages else context.new_page()
            source = f"cdp:{cdp_url}"
            return cls(page, browser=browser, owns_browser=True, uses_shared_playwright=True, chromium=source)
        except PlaywrightError as exc:
            browser.close()
            _shared.release()
            message = f"attached to Chromium at {cdp_url} but found no page: {_first_line(exc)}"
            raise EnvError(message) from exc

    @classmethod
    def from_page(cls, page: Page) -> BrowserEnv:
        """Wrap a Playwright page someone else owns (a test suite's); `close` leaves its browser open."""
        return cls(page)

    # -- the Env contract ---------------------------------------------------------------

    @property
    def page(self) -> Page:
        """The active tab.

        Raises:
            EnvError: the env is closed, or every tab has been closed.
        """
        if self._closed:
            raise EnvError("browser env is closed")
        if self._page is None or self._page.is_closed():
            open_pages = [p for p in self._context.pages if not p.is_closed()]
            if not open_pages:
                raise EnvError("every tab of the browser has been closed")
            self._page = open_pages[-1]
        return self._page

    def observe(self) -> Observation:
        """Screenshot the active tab and list the tabs and any open dialog.

        Raises:
            CaptureFailed: the screenshot failed on every try.
        """
        for _ in range(3):
            page = self._page_for_capture()
            opened = self._opened_on(page)
            extra: dict[str, Any] = {}
            png: bytes | None = None
            if opened is not None:
                image = self._stale_frame(page)
                extra["stale_frame"] = True
            else:
                image, png = self._capture(page)
            # A tab opened, or a dialog appeared elsewhere, while capturing: look at that one instead.
            if self._page is page:
                break
        tabs = self._tabs(page)  # one title round trip per tab; the active one is among them
        return Observation(
            image=image,
            scale=self._dsf,
            url=page.url,
            title=next((t.title for t in tabs if t.active), None),
            tabs=tabs,
            dialog=_dialog_of(opened),
            extra=extra,
            png=png,
        )

    def execute(self, action: Action) -> ActionResult:
        """Carry out one action on the active tab.

        Raises:
            UnsupportedAction: the action type is not in `supported_actions`; nothing was done.
            ActionFailed: Playwright failed (the original is chained), or the action cannot apply.
        """
        self._require_supported(action)
        from playwright.sync_api import Error as PlaywrightError

        try:
            page = self.page
        except EnvError as exc:
            raise ActionFailed(str(exc), action=action) from exc
        try:
            outcome = self._interruptible(lambda: self._dispatch(action, page))
        except PlaywrightError as exc:
            raise ActionFailed(f"{type(action).__name__} failed: {_first_line(exc)}", action=action) from exc
        except EnvError as exc:
            if exc.action is None:
                exc.action = action
            raise
        if outcome is None:
            opened = self._opened[-1] if self._opened else None
            kind = opened.dialog.type if opened else "a"
            return ActionResult(action=action, detail=f"{kind} dialog opened and waits for an answer")
        return ActionResult(action=action, detail=outcome)

    def describe(self, point: Point) -> str | None:
        """The accessible name or visible text of the element at a CSS point (up to ~100 characters)."""
        from playwright.sync_api import Error as PlaywrightError

        if self._closed or point.space is not Space.SCREEN:
            return None
        try:
            page = self.page
            if self._opened_on(page) is not None:
                return None  # the page's JavaScript is blocked until the dialog is answered
            text = page.evaluate(_DESCRIBE_JS, [point.x, point.y])
        except (PlaywrightError, EnvError):
            return None
        if not isinstance(text, str) or not text:
            return None
        return text if len(text) <= _DESCRIBE_LIMIT else text[: _DESCRIBE_LIMIT - 1] + "…"

    def settings(self) -> dict[str, Any]:
        return {
            "kind": self.platform,
            "url": None if self._closed or self._page is None else self._page.url,
            "viewport": None if self._closed else list(self._viewport()),
            "device_scale_factor": self._dsf,
            "headless": self._headless,
            "chromium": self._chromium,
        }

    def close(self) -> None:
        """Close what this env owns (the browser it launched, the CDP connection it made); idempotent.

        A page given to `from_page` stays open: open dialogs on it are dismissed, so the
        owner's page is not left frozen, and this env's listeners are removed.
        """
        if self._closed:
            return
        self._closed = True
        from playwright.sync_api import Error as PlaywrightError

        try:
            self._context.remove_listener("page", self._on_page)
            self._context.remove_listener("dialog", self._on_dialog)
            if self._owns_browser and self._browser is not None:
                self._browser.close()
            else:
                for opened in self._opened:
                    opened.dialog.dismiss()
                    d = opened.dialog
                    self.dialog_log.append(
                        {"event": "dismissed on close", "kind": d.type, "message": d.message}
                    )
        except PlaywrightError:
            pass  # already gone: the browser crashed or its owner closed it
        finally:
            self._opened.clear()
            self._frames.clear()
            if self._uses_shared:
                self._uses_shared = False
                _shared.release()

    # -- actions -------------------------------------------------------------------------

    def _dispatch(self, action: Action, page: Page) -> str:
        match action:
            case Click(point=p, button=button, count=count):
                x, y = _xy(p, action)
                page.mouse.click(x, y, button=button, click_count=count)
                return f"{button} click ×{count} at {p}" if count > 1 else f"{button} click at {p}"
            case MoveTo(point=p):
                page.mouse.move(*_xy(p, action))
                return f"pointer at {p}"
            case Drag(start=a, end=b):
                page.mouse.move(*_xy(a, action))
                page.mouse.down()
                page.mouse.move(*_xy(b, action), steps=8)
                page.mouse.up()
                return f"dragged from {a} to {b}"
            case Scroll():
                return self._scroll(action, page)
            case Type(text=text):
                page.keyboard.type(text)
                return f"typed {len(text)} characters"
            case Hotkey(keys=keys):
                return _press(page, keys)
            case Wait(seconds=seconds):
                time.sleep(seconds)
                return f"waited {seconds:g} s"
            case Navigate(url=url):
                page.goto(_with_scheme(url), wait_until="domcontentloaded", timeout=_NAVIGATE_TIMEOUT_MS)
                return f"navigated to {page.url}"
            case Back():
                before = page.url
                response = page.go_back(wait_until="domcontentloaded", timeout=_NAVIGATE_TIMEOUT_MS)
                if response is None and page.url == before:
                    return "no earlier page in this tab's history"
                return f"back to {page.url}"
            case SwitchTab(index=index):
                pages = self._context.pages
                if index >= len(pages):
                    message = f"there is no tab {index}: {len(pages)} tab(s) are open"
                    raise ActionFailed(message, action=action)
                pages[index].bring_to_front()
                self._page = pages[index]
                return f"switched to tab {index} ({pages[index].url})"
            case AnswerDialog(accept=accept, text=text):
                return self._answer(action, page, accept=accept, text=text)
            case _:
                # supported_actions keeps every other type out before dispatch
                raise ActionFailed(f"{type(action).__name__} has no browser implementation", action=action)

    def _scroll(self, action: Scroll, page: Page) -> str:
        width, height = self._viewport()
        x, y = _xy(action.point, action) if action.point else (width / 2, height / 2)
        vertical = action.direction in ("up", "down")
        amount = action.amount or (height if vertical else width) / 2
        sign = 1 if action.direction in ("down", "right") else -1
        page.mouse.move(x, y)
        page.mouse.wheel(0 if vertical else sign * amount, sign * amount if vertical else 0)
        return f"scrolled {action.direction} {amount:g} px at ({x:g}, {y:g})"

    def _answer(self, action: AnswerDialog, page: Page, *, accept: bool, text: str | None) -> str:
        opened = self._opened_on(page)
        if opened is None:
            raise ActionFailed("no dialog is open on this tab", action=action)
        self._opened.remove(opened)
        dialog = opened.dialog
        entry = {"kind": dialog.type, "message": dialog.message, "url": page.url}
        if accept:
            if dialog.type == "prompt" and text is not None:
                dialog.accept(text)
            else:
                dialog.accept()
        else:
            dialog.dismiss()
        self.dialog_log.append({**entry, "event": "answered", "accept": accept, "text": text})
        return f"{dialog.type} dialog {'accepted' if accept else 'dismissed'}"

    # -- dialogs and the greenlet hand-off ------------------------------------------------

    def _interruptible(self, work: Callable[[], str]) -> str | None:
        """Run ``work``; its result, or None when a dialog opened before it returned.

        ``work`` runs in a greenlet of its own. If a dialog opens while it is blocked in
        Playwright, `_on_dialog` switches straight back here; the blocked call finishes
        later on the dispatcher fiber, once the dialog is answered, and its outcome is dropped.
        """
        greenlet = importlib.import_module("greenlet")
        results: list[str] = []
        errors: list[Exception] = []

        def body() -> None:
            try:
                results.append(work())
            except Exception as exc:
                errors.append(exc)

        worker = greenlet.greenlet(body)
        self._interrupt = (worker, greenlet.getcurrent())
        try:
            signal = worker.switch()
        finally:
            self._interrupt = None
        if signal == _INTERRUPTED:
            # Let the listener's greenlet run to its end, so Playwright's dispatch of
            # the dialog event completes (it would auto-dismiss if it saw no listener).
            handler, self._handler_greenlet = self._handler_greenlet, None
            handler.parent = greenlet.getcurrent()
            handler.switch()
            return None
        if errors:
            raise errors[0]
        return results[0]

    def _on_dialog(self, dialog: PwDialog) -> None:
        page = dialog.page
        if page is None or self._closed:
            dialog.dismiss()
            return
        self._opened.append(_Opened(dialog=dialog, page=page))
        # A dialog needs an answer before anything else happens in its tab: bring it forward.
        self._page = page
        self.dialog_log.append(
            {
                "event": "opened",
                "kind": dialog.type,
                "message": dialog.message,
                "default_value": dialog.default_value,
                "url": page.url,
            }
        )
        if self._interrupt is None:
            return
        greenlet = importlib.import_module("greenlet")
        worker, waiter = self._interrupt
        self._interrupt = None
        here = greenlet.getcurrent()
        # The blocked call now belongs to the dispatcher fiber, which resumes it when it completes.
        worker.parent = here.parent
        self._handler_greenlet = here
        waiter.switch(_INTERRUPTED)

    def _on_page(self, page: Page) -> None:
        # A tab the page opened (target=_blank, window.open) is where the user's eyes go.
        if not self._closed:
            self._page = page

    def _opened_on(self, page: Page) -> _Opened | None:
        return next((o for o in self._opened if o.page is page), None)

    # -- observation helpers ---------------------------------------------------------

    def _page_for_capture(self) -> Page:
        try:
            return self.page
        except EnvError as exc:
            raise CaptureFailed(str(exc)) from exc

    def _capture(self, page: Page) -> tuple[Image.Image, bytes | None]:
        from playwright.sync_api import Error as PlaywrightError

        # A page still loading is captured as it is: the model may want to wait.
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("load", timeout=_LOAD_WAIT_MS)
        last: PlaywrightError | None = None
        for _ in range(_CAPTURE_TRIES):
            if self._opened_on(page) is not None:
                return self._stale_frame(page), None
            try:
                # Headless Chromium sometimes never answers a screenshot right after a
                # navigation; a short timeout and another try gets past it.
                png = page.screenshot(type="png", timeout=_CAPTURE_TIMEOUT_MS)
            except PlaywrightError as exc:
                last = exc
                continue
            decoded = Image.open(io.BytesIO(png))
            decoded.load()
            # Chromium's PNGs are RGB already: convert only otherwise, to spare a copy per step.
            image = decoded if decoded.mode == "RGB" else decoded.convert("RGB")
            self._frames = {id(page): image}
            return image, png
        raise CaptureFailed(
            f"screenshot of {page.url} failed {_CAPTURE_TRIES} times: {_first_line(last) if last else '?'}"
        ) from last

    def _stale_frame(self, page: Page) -> Image.Image:
        frame = self._frames.get(id(page))
        if frame is not None:
            return frame.copy()
        width, height = self._viewport()
        size = (max(1, round(width * self._dsf)), max(1, round(height * self._dsf)))
        return Image.new("RGB", size, (255, 255, 255))

    def _viewport(self) -> tuple[int, int]:
        page = self.page
        size = page.viewport_size
        if size is not None:
            return size["width"], size["height"]
        inner = page.evaluate("[window.innerWidth, window.innerHeight]")
        return int(inner[0]), int(inner[1])

    def _tabs(self, active: Page) -> tuple[Tab, ...]:
        return tuple(
            Tab(index=i, title=self._title(p), url=p.url, active=p is active)
            for i, p in enumerate(self._context.pages)
        )

    @staticmethod
    def _title(page: Page) -> str:
        from playwright.sync_api import Error as PlaywrightError

        try:
            return page.title()
        except PlaywrightError:
            return ""


def _dialog_of(opened: _Opened | None) -> Dialog | None:
    if opened is None:
        return None
    d = opened.dialog
    return Dialog(kind=d.type, message=d.message, default_value=d.default_value)


def _press(page: Page, keys: tuple[str, ...]) -> str:
    names = [playwright_key(k) for k in keys]
    pressed: list[str] = []
    try:
        for name in names:
            page.keyboard.down(name)
            pressed.append(name)
    finally:
        for name in reversed(pressed):
            page.keyboard.up(name)
    return "pressed " + "+".join(names)


def _xy(point: Point, action: Action) -> tuple[float, float]:
    if point.space is not Space.SCREEN:
        raise ActionFailed(
            f"point {point} is in {point.space} space; map it with Frame.to_screen first", action=action
        )
    if not (math.isfinite(point.x) and math.isfinite(point.y)):
        raise ActionFailed(f"point {point} is not finite", action=action)
    return point.x, point.y


def _with_scheme(url: str) -> str:
    # Models often write "example.com"; Playwright refuses a URL without a scheme.
    if "://" in url or url.startswith(("about:", "data:", "file:", "chrome:", "javascript:")):
        return url
    return "https://" + url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
