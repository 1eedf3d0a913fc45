"""What one agent step costs apart from the model, stage by stage, next to a bare loop.

A 1280x800 page of the demo app in headless Chromium, at device scale factor 1 and 2.
The toolkit's step is the real `Agent.step` (capture, frame, messages, parse, map,
execute, record) with a scripted model whose only work is encoding the framed screenshot
as the `openai` backend would send it (the "encode" stage); the model's own time is
excluded by construction. The bare loop is what a user would otherwise write: Playwright's
own `page.screenshot()` and `page.mouse.click()`, nothing else. Also measured: Chromium's
fast capture path (CDP ``Page.captureScreenshot`` as JPEG with ``optimizeForSpeed``).

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
from pathlib import Path

from PIL import Image

from mimo_gui.agent.backends.base import Completion, CompletionRequest
from mimo_gui.agent.backends.openai import encode_image
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent, _State
from mimo_gui.agent.recorder import Recorder
from mimo_gui.demo.server import DemoServer
from mimo_gui.env_adapters.browser import BrowserEnv

OWN = ("frame", "encode", "messages", "parse", "map", "record")
STAGES = ("capture", *OWN, "execute")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bare_step(env: BrowserEnv) -> float:
    """One iteration of what a user would otherwise write: Playwright's screenshot, then a click."""
    page = env.page
    size = page.viewport_size or {"width": 1280, "height": 800}
    start = time.perf_counter()
    png = page.screenshot()
    Image.open(io.BytesIO(png)).load()  # a user needs the pixels, not just the bytes
    page.mouse.click(size["width"] / 2, size["height"] - 20)
    return time.perf_counter() - start


def compare(env: BrowserEnv, steps: int, fmt: str) -> tuple[dict[str, list[float]], list[float]]:
    """The toolkit's step and the bare loop, alternated step by step so that background load
    on a shared machine falls on both alike."""
    encode_s: list[float] = []

    def model(request: CompletionRequest) -> Completion:
        start = time.perf_counter()
        for part in request.images():
            encode_image(part.image, fmt)  # type: ignore[arg-type]
        encode_s.append(time.perf_counter() - start)
        # a click on the page's empty bottom: nothing navigates
        w, h = request.images()[-1].size
        return Completion(text=f'{{"action": "click", "start_point": [{w // 2}, {h - 20}]}}')

    agent = Agent(env, ScriptedBackend(model), think=False)
    out: dict[str, list[float]] = {s: [] for s in (*STAGES, "step")}
    base: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder(Path(tmp) / "run", agent.run_record("bench", time.time()))
        state = _State()
        for i in range(steps + 3):
            start = time.perf_counter()
            rec = agent.step("bench", state, recorder)
            total = time.perf_counter() - start
            assert rec.error is None, rec.error
            bare = bare_step(env)
            if i < 3:
                continue  # warm-up
            base.append(bare)
            t = rec.timings.model_dump()
            for stage in STAGES:
                out[stage].append(encode_s[-1] if stage == "encode" else t.get(stage) or 0.0)
            # the model's own time is excluded; the encoding done inside the scripted model is ours
            out["step"].append(total - (t.get("model") or 0.0) + encode_s[-1])
        recorder.close()
    return out, base


def cdp_fast(env: BrowserEnv, steps: int) -> tuple[list[float], tuple[int, int]]:
    """Chromium's fast path, and the size it captured: a fresh CDP session does not carry
    Playwright's device-scale emulation, so at scale 2 it returns CSS-sized images."""
    page = env.page
    session = page.context.new_cdp_session(page)
    times = []
    size = (0, 0)
    for i in range(steps + 3):
        start = time.perf_counter()
        params = {"format": "jpeg", "quality": 90, "optimizeForSpeed": True}
        image = Image.open(
            io.BytesIO(base64.b64decode(session.send("Page.captureScreenshot", params)["data"]))
        )
        image.load()
        size = image.size
        if i >= 3:
            times.append(time.perf_counter() - start)
    session.detach()
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--image-format", default="jpeg", choices=("png", "jpeg", "webp"))
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | Python {platform.python_version()}"
    )
    print(
        f"steps: {args.steps} per setting (after 3 warm-up), image sent as {args.image_format}; milliseconds\n"
    )
    with DemoServer() as server:
        for dsf in (1.0, 2.0):
            with BrowserEnv.launch(server.url, viewport=(1280, 800), device_scale_factor=dsf) as env:
                ours, base = compare(env, args.steps, args.image_format)
                fast, fast_size = cdp_fast(env, args.steps)
            print(
                f"1280x800 page at device scale factor {dsf:g} (screenshot {round(1280 * dsf)}x{round(800 * dsf)})"
            )
            print(f"  {'stage':<28} {'median':>8} {'p95':>8}")
            for stage in STAGES:
                tag = " (own)" if stage in OWN else ""
                print(
                    f"  {stage + tag:<28} {statistics.median(ours[stage]) * 1e3:8.1f} {pct(ours[stage], 0.95) * 1e3:8.1f}"
                )
            own = [sum(ours[s][i] for s in OWN) for i in range(len(ours["step"]))]
            print(
                f"  {'own stages together':<28} {statistics.median(own) * 1e3:8.1f} {pct(own, 0.95) * 1e3:8.1f}   target < 40 median"
            )
            print(
                f"  {'whole step (model excluded)':<28} {statistics.median(ours['step']) * 1e3:8.1f} {pct(ours['step'], 0.95) * 1e3:8.1f}"
            )
            print(
                f"  {'bare loop: screenshot+click':<28} {statistics.median(base) * 1e3:8.1f} {pct(base, 0.95) * 1e3:8.1f}"
            )
            print(
                f"  {'CDP jpeg optimizeForSpeed':<28} {statistics.median(fast) * 1e3:8.1f} {pct(fast, 0.95) * 1e3:8.1f}   (capture alone, {fast_size[0]}x{fast_size[1]})"
            )
            ratio = statistics.median(ours["step"]) / statistics.median(base)
            print(f"  step / bare loop: {ratio:.2f}x   target <= 1.5x\n")


if __name__ == "__main__":
    main()
