"""What one instant action costs apart from the model: ``agent.click(...)`` on a 1280x800 page.

The demo app's sign-in page in headless Chromium at device scale factor 1 and 2, a model
server that answers at once (`tests.support.chat_server`: real HTTP, an OpenAI-compatible
chat endpoint, MiMo-VL's grounding answer for the field it is asked about), and the
``openai`` backend, as a user runs it against vLLM:

* **ours**: ``agent.click("the Username field")`` at the ``physical`` resolution; at the
  ``logical`` one as ``--resolution logical`` runs it (Chromium captures one pixel per CSS
  pixel, ``BrowserEnv(capture="css")``); and at the logical budget framed on our side from a
  full-resolution capture (``logical, frame``);
* **public API**: what a user writes without it: ``env.observe()``, ``ground(...)`` on the
  screenshot, the point divided by the scale, ``env.execute(Click(...))``.

The toolkit's own cost is each call's wall time minus the model's (the backend's
``latency_s``: the HTTP round trip, the stand-in server's own decoding included), so the
model's speed drops out. Also printed: where our time goes (the step's own stage timings),
and the bytes and image tokens each request carries.

    python bench/instant_action.py [--clicks N]     # about 40 s on 2 cores
    python bench/instant_action.py --quick          # a smoke run for CI

Targets (issue 14): at most 90 ms own cost at scale 1 and 145 ms at scale 2, median.
Times are medians and 95th percentiles after warm-up, ours and the public API alternated in
blocks so background load falls on both alike.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.chat_server: the model server the tests use

from PIL import Image  # noqa: E402

from mimo_gui.actions import Click, Point  # noqa: E402
from mimo_gui.agent.backends.base import Completion, CompletionRequest  # noqa: E402
from mimo_gui.agent.backends.openai import OpenAIBackend  # noqa: E402
from mimo_gui.agent.grounding import ground  # noqa: E402
from mimo_gui.agent.loop import Agent  # noqa: E402
from mimo_gui.agent.records import StepRecord  # noqa: E402
from mimo_gui.demo.server import DemoServer  # noqa: E402
from mimo_gui.env_adapters.browser import BrowserEnv  # noqa: E402
from mimo_gui.prompts import get_profile  # noqa: E402
from tests.support.chat_server import serve_chat  # noqa: E402

VIEWPORT = (1280, 800)
TARGET = "the Username field"
BLOCK = 4
STAGES = ("capture", "frame", "messages", "model", "parse", "execute", "record")
COMPETITORS = ("alumnium", "browser_use", "midscene")


class TimedBackend(OpenAIBackend):
    """The openai backend, keeping each call's ``latency_s`` (the model's share of a call)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latencies: list[float] = []
        self.payload_bytes: list[int] = []

    def complete(self, request: CompletionRequest) -> Completion:
        completion = super().complete(request)
        self.latencies.append(completion.latency_s or 0.0)
        return completion


@dataclass
class Figures:
    own: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    image_bytes: list[int] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    hits: list[bool] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def field_box(env: BrowserEnv) -> tuple[float, float, float, float]:
    box = env.page.evaluate(
        "() => { const r = document.getElementById('username').getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; }"
    )
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


def responder_for(
    box: tuple[float, float, float, float],
) -> Callable[[dict[str, Any], list[Image.Image]], str]:
    """MiMo-VL's grounding answer for the field, in the pixels of the image received."""

    def respond(body: dict[str, Any], images: list[Image.Image]) -> str:
        w, h = images[-1].size
        sx, sy = w / VIEWPORT[0], h / VIEWPORT[1]
        x1, y1, x2, y2 = round(box[0] * sx), round(box[1] * sy), round(box[2] * sx), round(box[3] * sy)
        return f'```json\n[{{"bbox_2d": [{x1}, {y1}, {x2}, {y2}], "label": "Username"}}]\n```'

    return respond


def image_bytes(body: dict[str, Any]) -> int:
    """The decoded size of the request's last image (what the data URL carries)."""
    for message in reversed(body["messages"]):
        content = message.get("content")
        if isinstance(content, list):
            for part in reversed(content):
                if part.get("type") == "image_url":
                    return len(base64.b64decode(part["image_url"]["url"].split(",", 1)[1]))
    return 0


def measure(dsf: float, clicks: int) -> dict[str, Figures]:
    profile = get_profile("mimo-vl")
    launch = {"viewport": VIEWPORT, "device_scale_factor": dsf}
    with (
        DemoServer() as demo,
        BrowserEnv.launch(f"{demo.url}/", **launch) as env,  # type: ignore[arg-type]
        BrowserEnv.launch(f"{demo.url}/", capture="css", **launch) as css_env,  # type: ignore[arg-type]
    ):
        box = field_box(env)
        with serve_chat(responder_for(box)) as server:
            backend = TimedBackend(server.url, model="mimo-vl-test")
            steps: list[StepRecord] = []

            def agent(e: BrowserEnv, resolution: str) -> Agent:
                return Agent(e, backend, profile, think=False, resolution=resolution, on_step=steps.append)  # type: ignore[arg-type]

            agents = {
                "physical": agent(env, "physical"),
                "logical": agent(css_env, "logical"),  # what --resolution logical runs
                "logical, frame": agent(env, "logical"),  # the same budget, framed on our side
            }
            figures = {name: Figures() for name in (*agents, "public API")}

            def ours(name: str) -> Callable[[], Point]:
                return lambda: agents[name].click(TARGET)

            def public_api() -> Point:
                obs = env.observe()
                found = ground(obs.image, TARGET, backend, profile, think=False)
                point = Point(x=found.point.x / obs.scale, y=found.point.y / obs.scale)
                env.execute(Click(point=point))
                return point

            calls: dict[str, Callable[[], Point]] = {name: ours(name) for name in agents}
            calls["public API"] = public_api
            for block in range(-(-clicks // BLOCK) + 1):
                for name, call in calls.items():
                    for _ in range(BLOCK):
                        before = len(server.chat_requests)
                        start = time.perf_counter()
                        point = call()
                        wall = time.perf_counter() - start
                        if block == 0:  # warm-up
                            continue
                        fig = figures[name]
                        fig.wall.append(wall)
                        fig.hits.append(box[0] <= point.x <= box[2] and box[1] <= point.y <= box[3])
                        fig.own.append(wall - backend.latencies[-1])
                        request = server.chat_requests[before]
                        fig.image_bytes.append(image_bytes(request.body))
                        w, h = request.images[-1].size
                        fig.tokens.append((w // 28) * (h // 28))
                        if name in agents:
                            timings = steps[-1].timings.model_dump()
                            for stage in STAGES:
                                fig.stages[stage].append(timings.get(stage) or 0.0)
            backend.close()
    return figures


def report(dsf: float, figures: dict[str, Figures]) -> None:
    print(f"\ndevice scale factor {dsf:g}: {VIEWPORT[0]}x{VIEWPORT[1]} CSS px, ms per click")
    names = list(figures)
    print(f"  {'':<28}" + "".join(f"{n:>16}" for n in names))

    def row(label: str, cells: list[str]) -> None:
        print(f"  {label:<28}" + "".join(f"{c:>16}" for c in cells))

    row("own cost, median", [f"{statistics.median(f.own) * 1e3:.1f}" for f in figures.values()])
    row("own cost, p95", [f"{pct(f.own, 0.95) * 1e3:.1f}" for f in figures.values()])
    row("wall, median", [f"{statistics.median(f.wall) * 1e3:.1f}" for f in figures.values()])
    base = statistics.median(figures["public API"].own)
    row("own cost / public API", [f"{statistics.median(f.own) / base:.2f}" for f in figures.values()])
    row("clicks inside the field", [f"{sum(f.hits)}/{len(f.hits)}" for f in figures.values()])
    row("image KB per request", [f"{statistics.median(f.image_bytes) / 1024:.0f}" for f in figures.values()])
    row("image tokens per request", [f"{statistics.median(f.tokens):.0f}" for f in figures.values()])
    print("  where ours goes (median ms; model = encode + HTTP + the stand-in's reply):")
    for stage in STAGES:
        row(
            f"    {stage}",
            [
                f"{statistics.median(f.stages[stage]) * 1e3:.1f}" if f.stages[stage][0:1] else ""
                for f in figures.values()
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=24, help="measured clicks per variant (default 24)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few clicks, scale 1 and 2")
    args = parser.parse_args()
    clicks = 4 if args.quick else args.clicks
    installed = [c for c in COMPETITORS if importlib.util.find_spec(c) is not None]
    print(
        "competitor: "
        + (", ".join(installed) if installed else f"none installed (looked for {', '.join(COMPETITORS)})")
    )
    for dsf in (1.0, 2.0):
        figures = measure(dsf, clicks)
        for name, fig in figures.items():
            if not fig.own:
                raise SystemExit(f"no {name} click was measured")
        report(dsf, figures)


if __name__ == "__main__":
    main()
