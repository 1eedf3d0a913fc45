"""What one agent step costs apart from the model, stage by stage, next to a bare loop.

A 1280x800 page of the demo app in headless Chromium, at device scale factor 1 and 2,
under three workloads, since what changes on screen decides what reframing costs:

* **click**: a click on the page's empty bottom; nothing on screen changes.
* **type**: a letter typed into the focused Username field; a small region changes, as
  after most steps (a focused field, a typed word, a ticked box).
* **repaint**: a click that gives the page a new background colour; nearly every pixel
  changes, as after a navigation.

The toolkit's step is the real `Agent.step` (capture, frame, messages, parse, map,
execute, record) with a scripted model whose only work is encoding the framed screenshot
as the `openai` backend would send it (the "encode" stage); the model's own time is
excluded by construction. The bare loop is what a user would otherwise write: Playwright's
own `page.screenshot()` and the same click or keystroke, nothing else. Also measured:
Chromium's fast capture path (CDP ``Page.captureScreenshot`` with ``optimizeForSpeed``).

    python bench/step_overhead.py [--steps N] [--image-format jpeg|png|webp]   (jpeg: the default transport)

Targets: the toolkit's own stages (all but capture and execute) under 40 ms median, and the
whole step within 1.5x the bare loop.
"""

from __future__ import annotations

import argparse
import base64
import io
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops
from playwright.sync_api import Page

from mimo_gui.agent.backends.base import Completion, CompletionRequest
from mimo_gui.agent.backends.openai import encode_image
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent, _State
from mimo_gui.agent.recorder import Recorder
from mimo_gui.demo.server import DemoServer
from mimo_gui.env_adapters.browser import BrowserEnv

OWN = ("frame", "encode", "messages", "parse", "map", "record")
STAGES = ("capture", *OWN, "execute")
VIEWPORT = (1280, 800)
BOTTOM = (VIEWPORT[0] // 2, VIEWPORT[1] - 20)  # the demo page's empty bottom
BLOCK = 5


@dataclass(frozen=True)
class Workload:
    name: str
    setup: Callable[[Page], None]
    answer: Callable[[tuple[int, int]], str]  # the model's answer, given the framed image's size
    bare_action: Callable[[Page], None]  # the same action, the way a user would write it


def click_bottom(size: tuple[int, int]) -> str:
    x, y = size[0] * BOTTOM[0] // VIEWPORT[0], size[1] * BOTTOM[1] // VIEWPORT[1]
    return f'{{"action": "click", "start_point": [{x}, {y}]}}'


def repaint_on_click(page: Page) -> None:
    # A new background colour on every click, so that two captures always differ, however
    # many clicks fell between them (after two, a toggle would show the same screen again).
    page.evaluate(
        """() => {
            let clicks = 0;
            document.addEventListener('click', () => {
                clicks += 1;
                document.body.style.background = `hsl(${clicks * 37 % 360}, 60%, 85%)`;
            });
        }"""
    )


WORKLOADS = (
    Workload("click", lambda page: None, click_bottom, lambda page: page.mouse.click(*BOTTOM)),
    Workload(
        "type",
        lambda page: page.focus("#username"),
        lambda size: '{"action": "input", "text": "a"}',
        lambda page: page.keyboard.type("a"),
    ),
    Workload("repaint", repaint_on_click, click_bottom, lambda page: page.mouse.click(*BOTTOM)),
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bare_step(page: Page, action: Callable[[Page], None]) -> float:
    """One iteration of what a user would otherwise write: Playwright's screenshot, then the action."""
    start = time.perf_counter()
    png = page.screenshot()
    Image.open(io.BytesIO(png)).load()  # a user needs the pixels, not just the bytes
    action(page)
    return time.perf_counter() - start


def compare(
    env: BrowserEnv, work: Workload, steps: int, fmt: str
) -> tuple[dict[str, list[float]], list[float]]:
    """The toolkit's step and the bare loop, alternated in blocks of `BLOCK` steps so that
    background load on a shared machine falls on both alike, and each loop's capture
    follows its own action (a capture right after another loop's keystroke would wait
    for the frame that keystroke caused)."""
    encode_s: list[float] = []

    def model(request: CompletionRequest) -> Completion:
        start = time.perf_counter()
        for part in request.images():
            encode_image(part.image, fmt)  # type: ignore[arg-type]
        encode_s.append(time.perf_counter() - start)
        return Completion(text=work.answer(request.images()[-1].size))

    work.setup(env.page)
    agent = Agent(env, ScriptedBackend(model), think=False)
    out: dict[str, list[float]] = {s: [] for s in (*STAGES, "step")}
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder(Path(tmp) / "run", agent.run_record("bench", time.time()))
        state = _State()
        for block in range(-(-steps // BLOCK) + 1):
            warm = block == 0
            for _ in range(BLOCK):
                start = time.perf_counter()
                rec = agent.step("bench", state, recorder)
                total = time.perf_counter() - start
                assert rec.error is None, rec.error
                if warm:
                    continue
                t = rec.timings.model_dump()
                for stage in STAGES:
                    out[stage].append(encode_s[-1] if stage == "encode" else t.get(stage) or 0.0)
                # the model's own time is excluded; the encoding done inside the scripted model is ours
                out["step"].append(total - (t.get("model") or 0.0) + encode_s[-1])
            for _ in range(BLOCK):
                bare = bare_step(env.page, work.bare_action)
                if not warm:
                    base.append(bare)
        recorder.close()
    return out, base


def cdp_captures(page: Page, dsf: float, steps: int) -> list[tuple[str, float, str]]:
    """Chromium's fast path, in a CDP session of our own: time per capture (decoded), and
    how its pixels compare with ``page.screenshot()``'s. Such a session does not carry
    Playwright's device-scale emulation, so the clip asks for the scale explicitly."""
    reference = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    session = page.context.new_cdp_session(page)
    clip = {"x": 0, "y": 0, "width": VIEWPORT[0], "height": VIEWPORT[1], "scale": dsf}
    variants = {
        "CDP jpeg q90 optimizeForSpeed": {
            "format": "jpeg",
            "quality": 90,
            "optimizeForSpeed": True,
            "clip": clip,
        },
        "CDP png optimizeForSpeed": {"format": "png", "optimizeForSpeed": True, "clip": clip},
    }
    out = []
    for name, params in variants.items():
        times = []
        image = reference
        for i in range(steps + 3):
            start = time.perf_counter()
            data = base64.b64decode(session.send("Page.captureScreenshot", params)["data"])
            image = Image.open(io.BytesIO(data)).convert("RGB")
            if i >= 3:
                times.append(time.perf_counter() - start)
        if image.size != reference.size:
            verdict = f"{image.width}x{image.height}, not the screenshot's size"
        elif ImageChops.difference(image, reference).getbbox() is None:
            verdict = "the same pixels as page.screenshot()"
        else:
            verdict = "lossy: other pixels than page.screenshot()"
        out.append((name, statistics.median(times), verdict))
    session.detach()
    return out


def report(results: dict[str, tuple[dict[str, list[float]], list[float]]]) -> None:
    names = list(results)

    def row(label: str, cells: list[str], note: str = "") -> None:
        print(f"  {label:<30}{''.join(f'{c:>10}' for c in cells)}{note}")

    def ms(values: list[float], q: float | None = None) -> str:
        return f"{(statistics.median(values) if q is None else pct(values, q)) * 1e3:.1f}"

    row("median, ms", names)
    for stage in STAGES:
        row(stage + (" (own)" if stage in OWN else ""), [ms(results[n][0][stage]) for n in names])
    own = {n: [sum(r[s][i] for s in OWN) for i in range(len(r["step"]))] for n, (r, _) in results.items()}
    row("own stages together", [ms(own[n]) for n in names], "   target < 40")
    row("  p95", [ms(own[n], 0.95) for n in names])
    row("whole step (model excluded)", [ms(results[n][0]["step"]) for n in names])
    row("bare loop (screenshot+action)", [ms(results[n][1]) for n in names])
    ratios = [statistics.median(results[n][0]["step"]) / statistics.median(results[n][1]) for n in names]
    row("step / bare loop", [f"{r:.2f}x" for r in ratios], "   target <= 1.5x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--image-format", default="jpeg", choices=("png", "jpeg", "webp"))
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | Python {platform.python_version()}"
    )
    print(f"steps: {args.steps} per workload (after {BLOCK} warm-up), image sent as {args.image_format}\n")
    with DemoServer() as server:
        for dsf in (1.0, 2.0):
            results = {}
            for work in WORKLOADS:
                with BrowserEnv.launch(server.url, viewport=VIEWPORT, device_scale_factor=dsf) as env:
                    results[work.name] = compare(env, work, args.steps, args.image_format)
                    if work is WORKLOADS[0]:
                        fast = cdp_captures(env.page, dsf, args.steps)
            w, h = round(VIEWPORT[0] * dsf), round(VIEWPORT[1] * dsf)
            print(f"1280x800 page at device scale factor {dsf:g} (screenshot {w}x{h})")
            report(results)
            for name, seconds, verdict in fast:
                print(f"  {name:<30}{seconds * 1e3:10.1f}   the capture alone; {verdict}")
            print()


if __name__ == "__main__":
    main()
