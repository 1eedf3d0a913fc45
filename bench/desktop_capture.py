"""Benchmark: a desktop observation, from the X screen to the image the model is sent.

Per screen size (1920×1080 and 3840×2160 X screens, each its own Xvfb showing a realistic
synthetic screenshot in a borderless Tk window, so JPEG has real work to do):

* **ours**: `DesktopEnv.observe()` (mss grab of the monitor, BGRX→RGB in C, the focused
  window's title) + the ``mimo-vl`` profile's `Frame` + `Frame.apply` + the openai
  backend's `encode_image` (JPEG q90 4:4:4, base64: what goes on the wire);
* **baseline**: what a user would otherwise write: ``PIL.ImageGrab.grab(xdisplay=...)``
  (what pyautogui's ``screenshot()`` falls back on under X11, through pyscreeze, where it
  works at all) + the same frame and encode.

Both see the same screen; the run fails if their pixels differ. Each size is measured in a
child process of its own, because pyautogui (which `DesktopEnv` drives input with)
connects to ``$DISPLAY`` once, when first imported.

    python bench/desktop_capture.py             # about 30 s on 2 cores
    python bench/desktop_capture.py --quick     # a smoke run for CI: few repetitions
    python bench/desktop_capture.py --capture mss   # ours = bare mss grab, without DesktopEnv

Times are medians of ``time.perf_counter_ns`` samples after warm-up, ours and the baseline
sampled round-robin (`frame_and_parse.interleaved_ns`), garbage collector off while sampling.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageGrab

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.xserver: the Xvfb the desktop tests use

from frame_and_parse import header, interleaved_ns, median, screenshot, table  # noqa: E402

from mimo_gui.agent.backends.openai import encode_image  # noqa: E402
from mimo_gui.prompts import get_profile  # noqa: E402

SIZES: tuple[tuple[int, int], ...] = ((1920, 1080), (3840, 2160))

# A borderless window at the screen's top-left showing the PNG: with no window manager on
# Xvfb, override-redirect places it exactly, so the screen holds exactly these pixels.
PAINTER = """
import sys, tkinter as tk
root = tk.Tk()
root.overrideredirect(True)
image = tk.PhotoImage(file=sys.argv[1])
root.geometry(f"{image.width()}x{image.height()}+0+0")
tk.Label(root, image=image, borderwidth=0, highlightthickness=0).pack()
root.update()
root.after(300, lambda: print("ready", flush=True))
root.mainloop()
"""


# -- the child: one screen, already showing its content --------------------------------


def _ours_capture(kind: str) -> tuple[Callable[[], tuple[Image.Image, float, tuple[float, float]]], Any]:
    """The observation the toolkit makes: the image, its scale and origin; and what to close."""
    if kind == "env":
        from mimo_gui.env_adapters.desktop import DesktopEnv

        env = DesktopEnv(monitor=1)

        def observe() -> tuple[Image.Image, float, tuple[float, float]]:
            obs = env.observe()
            return obs.image, obs.scale, obs.origin

        return observe, env
    import mss

    sct = mss.MSS()
    region = sct.monitors[1]

    def grab() -> tuple[Image.Image, float, tuple[float, float]]:
        shot = sct.grab(region)
        # as the env's capture does it: one C pass from BGRX to RGB
        image = Image.frombuffer("RGB", shot.size, shot.raw, "raw", "BGRX", 0, 1)
        return image, 1.0, (float(region["left"]), float(region["top"]))

    return grab, sct


def child(kind: str, reps: int, warmup: int) -> dict[str, Any]:
    display = os.environ["DISPLAY"]
    profile = get_profile("mimo-vl")
    capture, handle = _ours_capture(kind)

    def baseline_grab() -> Image.Image:
        return ImageGrab.grab(xdisplay=display)

    def to_model(image: Image.Image, scale: float, origin: tuple[float, float]) -> str:
        frame = profile.frame(image.size, scale=scale, origin=origin)
        return encode_image(frame.apply(image), "jpeg")

    mine, _, _ = capture()
    theirs = baseline_grab()
    if mine.size != theirs.size or mine.tobytes() != theirs.tobytes():
        raise SystemExit(f"ours and the baseline captured different pixels ({mine.size} vs {theirs.size})")
    framed = profile.frame(mine.size)
    fns: dict[str, Callable[[], Any]] = {
        "ours capture": capture,
        "baseline capture": baseline_grab,
        "ours": lambda: to_model(*capture()),
        "baseline": lambda: to_model(baseline_grab(), 1.0, (0.0, 0.0)),
    }
    times = interleaved_ns(fns, reps=reps, warmup=warmup)
    handle.close()
    return {
        "model_size": list(framed.model_size),
        "jpeg_kb": round(len(to_model(mine, 1.0, (0.0, 0.0))) * 3 / 4 / 1024),
        "ms": {name: median(ts) / 1e6 for name, ts in times.items()},
        "n": min(len(ts) for ts in times.values()),
    }


# -- the parent: an Xvfb per size, content on it, a child to measure ------------------------


def measure(size: tuple[int, int], kind: str, reps: int, warmup: int, folder: Path) -> dict[str, Any]:
    from tests.support.xserver import start_xvfb

    png = folder / f"screen-{size[0]}x{size[1]}.png"
    shot = screenshot(*size)
    shot.save(png, compress_level=1)
    with start_xvfb(size, monitors=()) as server:
        painter = subprocess.Popen(
            [sys.executable, "-c", PAINTER, str(png)], env=server.env(), stdout=subprocess.PIPE, text=True
        )
        try:
            assert painter.stdout is not None
            if painter.stdout.readline().strip() != "ready":
                raise SystemExit(f"the Tk painter did not start on {server.display}")
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, "--repeat", str(reps), "--warmup", str(warmup)],
                env=server.env(),
                capture_output=True,
                text=True,
                timeout=600,
                check=False,  # its stderr goes into our one error line
            )
            if out.returncode != 0:
                raise SystemExit(f"measuring {size[0]}x{size[1]} failed:\n{out.stderr.strip()[-2000:]}")
            result: dict[str, Any] = json.loads(out.stdout)
            # the screen showed the synthetic screenshot, pixel for pixel (so encoding is realistic)
            result["content_exact"] = ImageGrab.grab(xdisplay=server.display).tobytes() == shot.tobytes()
            return result
        finally:
            painter.terminate()
            painter.wait(timeout=5)
            if painter.stdout is not None:
                painter.stdout.close()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="a smoke run for CI: 3 repetitions, 1 warm-up")
    ap.add_argument("--repeat", type=int, help="timed observations per candidate (default 15; --quick 3)")
    ap.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    ap.add_argument(
        "--capture",
        choices=("env", "mss"),
        default="env",
        help="ours: DesktopEnv.observe() (default), or a bare mss grab",
    )
    ap.add_argument("--child", choices=("env", "mss"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    reps = args.repeat if args.repeat is not None else (3 if args.quick else 15)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    if reps < 1:
        ap.error("--repeat must be at least 1")
    if args.child:
        print(json.dumps(child(args.child, reps, warmup)))
        return 0

    t0 = time.perf_counter()
    print(header())
    ours = "DesktopEnv.observe()" if args.capture == "env" else "mss grab"
    print(f"run: {'quick' if args.quick else 'full'}, {reps} observations per candidate, {warmup} warm-up")
    print(f"ours: {ours} + frame + JPEG; baseline: PIL.ImageGrab.grab(xdisplay) + frame + JPEG")
    rows = []
    with tempfile.TemporaryDirectory(prefix="mimo-gui-bench-") as tmp:
        for size in SIZES:
            r = measure(size, args.capture, reps, warmup, Path(tmp))
            ms = r["ms"]
            rows.append(
                [
                    f"{size[0]}×{size[1]} → {r['model_size'][0]}×{r['model_size'][1]}",
                    f"{ms['ours capture']:.1f}",
                    f"{ms['baseline capture']:.1f}",
                    f"{ms['ours']:.1f}",
                    f"{ms['baseline']:.1f}",
                    f"{ms['ours'] / ms['baseline']:.2f}×",
                    r["jpeg_kb"],
                    r["n"],
                    "yes" if r["content_exact"] else "NO",
                ]
            )
    print("\nms per observation, medians (capture alone, then capture + frame + JPEG)")
    print(
        table(
            [
                "screen → model image",
                "ours cap",
                "base cap",
                "ours",
                "baseline",
                "ratio",
                "KiB",
                "n",
                "content",
            ],
            rows,
        )
    )
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
