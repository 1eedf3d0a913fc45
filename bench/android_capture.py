"""Benchmark: an Android observation, from ``screencap`` to the image the model is sent.

Against the adb test double (`tests.support.adb_server`: the adb host protocol over real
TCP on this machine; it PNG-encodes the screen on every ``screencap``, on these same cores,
as a phone does on its own), a 1080×2400 phone showing a realistic synthetic screen (so PNG and JPEG have real work to do):

* **ours**: `AndroidEnv.observe()` (``screencap -p`` over ``exec:``, the PNG checked and
  decoded to RGB, the app in front from ``dumpsys``) + the ``mimo-vl`` profile's `Frame` +
  `Frame.apply` + the openai backend's `encode_image` (JPEG q90 4:4:4, base64);
* **baseline**: adbutils' plain ``device.screenshot()`` (``screencap -p`` over ``shell:``,
  decoded; on a failed capture it returns a black image) + the same frame and encode.

What this cannot show: on real phones ``screencap`` itself costs 0.5–1.5 s a frame (the
device renders and PNG-compresses the screen), far more than everything measured here;
the double answers at once, so the figures are the client side's own cost.

    python bench/android_capture.py            # about 20 s on 2 cores
    python bench/android_capture.py --quick    # a smoke run for CI: few repetitions

Times are medians of ``time.perf_counter_ns`` samples after warm-up, ours and the baseline
sampled round-robin (`frame_and_parse.interleaved_ns`), garbage collector off while sampling.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.adb_server: the adb double the tests use

import adbutils  # noqa: E402
from frame_and_parse import header, interleaved_ns, median, screenshot, table  # noqa: E402

from mimo_gui.agent.backends.openai import encode_image  # noqa: E402
from mimo_gui.env_adapters.android import AndroidEnv  # noqa: E402
from mimo_gui.prompts import get_profile  # noqa: E402
from tests.support.adb_server import FakeDevice, serve_adb  # noqa: E402

SIZE = (1080, 2400)
SERIAL = "bench-phone"


def _frame_and_encode(image: Any) -> str:
    profile = get_profile("mimo-vl")
    frame = profile.frame(image.size)
    return encode_image(frame.apply(image))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="a few repetitions: a smoke run for CI")
    ap.add_argument("--repeat", type=int, default=None, help="timed rounds (default 15; --quick 3)")
    args = ap.parse_args(argv)
    reps = args.repeat or (3 if args.quick else 15)
    warmup = 1 if args.quick else 3

    phone = FakeDevice(SERIAL, screenshot(*SIZE))
    with serve_adb([phone]) as (host, port), AndroidEnv(SERIAL, adb_host=host, adb_port=port) as env:
        device = adbutils.AdbClient(host=host, port=port).device(SERIAL)
        ours_obs = env.observe()
        theirs = device.screenshot(error_ok=False)
        if ours_obs.image.tobytes() != theirs.convert("RGB").tobytes():
            print("the two captures differ: the comparison would be meaningless", file=sys.stderr)
            return 1
        png_bytes = len(ours_obs.png or b"")

        # adbutils hands back a PNG Pillow has not decoded yet: convert() decodes it, as
        # ours does, so both columns include the decode.
        def baseline() -> Any:
            return device.screenshot(error_ok=False).convert("RGB")

        fns = {
            "ours": lambda: _frame_and_encode(env.observe().image),
            "baseline": lambda: _frame_and_encode(baseline()),
            "ours capture only": env.observe,
            "baseline capture only": baseline,
        }
        gc.disable()
        try:
            times = interleaved_ns(fns, reps=reps, warmup=warmup)
        finally:
            gc.enable()

    ms = {k: median(v) / 1e6 for k, v in times.items()}
    print(header())
    print(f"screen {SIZE[0]}x{SIZE[1]}, PNG {png_bytes / 1e6:.2f} MB, {reps} rounds, medians")
    rows = [
        ["observe + frame + encode", f"{ms['ours']:.1f}", f"{ms['baseline']:.1f}", f"{ms['ours'] / ms['baseline']:.2f}"],
        ["capture only", f"{ms['ours capture only']:.1f}", f"{ms['baseline capture only']:.1f}", f"{ms['ours capture only'] / ms['baseline capture only']:.2f}"],
    ]  # fmt: skip
    print(table(["ms per step", "ours", "adbutils screenshot()", "ours/baseline"], rows))
    print(
        "note: on a real phone screencap itself adds 0.5-1.5 s a frame, once per step (never twice); "
        "the double answers at once"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
