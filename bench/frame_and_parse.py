"""Benchmark: framing a screenshot, encoding it for the wire, and parsing the model's answer.

The three CPU costs mimo-gui adds to every agent step on the client, measured on
synthetic but realistic screenshots (text, widgets, gradients and a photo-like region,
so that compression is not trivial):

1. framing: ``Frame.fit`` + ``Frame.apply`` in ``resize`` and ``pad`` mode, under
   MiMo-VL's budget (min 4·28·28, max 4096·28·28 pixels);
2. encoding the framed image: PNG (Pillow's default level 6, and level 1), JPEG q90,
   WebP q90, and the openai backend's own ``encode_image`` (a base64 data URL);
3. parsing one realistic answer per dialect into typed, validated actions
   (``dialect.parse``), against PyPI ``ui-tars``' ``parse_action_to_structure_output``.

Run::

    python bench/frame_and_parse.py            # about a minute on 2 cores
    python bench/frame_and_parse.py --quick    # a few seconds: a smoke run for CI
    python bench/frame_and_parse.py --repeat 31

Times are medians (and 95th percentiles) of ``time.perf_counter_ns`` samples taken
after warm-up runs, with the garbage collector off while a sample runs. This is a
benchmark, not a test: it prints figures and fails only if a parser misreads an answer.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import io
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

from mimo_gui.actions import Click
from mimo_gui.actions.dialects import MIMO, QWEN_COMPUTER, UITARS, Dialect
from mimo_gui.actions.geometry import Frame, FrameMode, Space
from mimo_gui.agent.backends.openai import encode_image

MIN_PIXELS = 4 * 28 * 28
MAX_PIXELS = 4096 * 28 * 28
SIZES: tuple[tuple[int, int], ...] = ((1280, 800), (1920, 1080), (2560, 1600), (3840, 2160))
QUICK_SIZES: tuple[tuple[int, int], ...] = ((1280, 800),)
TARGET_US = 14.0
"""The parse budget: one answer typed and validated in at most this many microseconds."""

PARSE_BATCH = 20
"""Answers parsed per timed sample: enough to drown the timer's own ~0.1 µs."""

UPLINK_MBIT = 100
"""The link speed assumed for the 'enc+send' column (a LAN or a good cloud uplink)."""


# -- timing ------------------------------------------------------------------------


def interleaved_ns(
    fns: dict[str, Callable[[], Any]], *, reps: int, warmup: int, budget_s: float = math.inf
) -> dict[str, list[int]]:
    """Per-call times in ns of each of ``fns``, sampled round-robin so that background load
    falls on all of them alike: ``warmup`` untimed rounds, then up to ``reps`` timed rounds.

    Stops early (after at least 3 rounds) once the rounds have spent ``budget_s`` seconds
    per function on average, so slow cells (PNG level 6 on a 4K frame) do not dominate the run.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[int]] = {name: [] for name in fns}
    spent = 0
    gc.collect()
    gc.disable()
    try:
        for rnd in range(1, reps + 1):
            for name, fn in fns.items():
                t0 = time.perf_counter_ns()
                fn()
                dt = time.perf_counter_ns() - t0
                out[name].append(dt)
                spent += dt
            if rnd >= 3 and spent > budget_s * 1e9 * len(fns):
                break
    finally:
        gc.enable()
    return out


def batch_ns(
    fns: dict[str, Callable[[], Any]], *, batches: int, size: int, warmup: int
) -> dict[str, list[float]]:
    """Per-call times in ns of each of ``fns``, each sample the mean of ``size`` back-to-back
    calls; the functions take turns batch by batch, so background load falls on all alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    rng = range(size)
    gc.collect()
    gc.disable()
    try:
        for _ in range(batches):
            for name, fn in fns.items():
                t0 = time.perf_counter_ns()
                for _ in rng:
                    fn()
                out[name].append((time.perf_counter_ns() - t0) / size)
    finally:
        gc.enable()
    return out


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def p95(xs: Sequence[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> str:
    """Plain-text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        parts = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        return indent + "  ".join(parts).rstrip()

    rule = indent + "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


# -- synthetic screenshots ------------------------------------------------------------

_WORD_TEXT = (
    "account settings search results flights hotels cart checkout profile sign in out help "
    "download upload share file edit view window tools the a of to and for with on your new "
    "open recent documents project report quarterly revenue update status pending approved "
    "message inbox draft sent archive calendar meeting tomorrow notes task done priority high"
)
_WORDS = _WORD_TEXT.split()


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=px)
    except (TypeError, ValueError, OSError):  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize()


def _photo(rng: random.Random, w: int, h: int) -> Image.Image:
    """A photo-like patch: smooth colour blobs plus sensor-like fine noise."""
    sw, sh = max(2, w // 24), max(2, h // 24)
    blobs = Image.frombytes("RGB", (sw, sh), rng.randbytes(sw * sh * 3))
    blobs = blobs.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    grain = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
    return Image.blend(blobs, grain, 0.12)


def screenshot(width: int, height: int, seed: int = 0) -> Image.Image:
    """A deterministic desktop/web-app-like RGB screenshot, UI scaled with the width."""
    rng = random.Random(seed)
    s = width / 1280  # UI scale: 2560×1600 is a 2× laptop panel, 3840×2160 a 3× 4K one
    u = lambda v: round(v * s)  # noqa: E731
    img = Image.new("RGB", (width, height), (246, 247, 249))
    d = ImageDraw.Draw(img)
    small, body, title = _font(u(12)), _font(u(14)), _font(u(22))

    # Title bar, tab strip, address bar.
    d.rectangle((0, 0, width, u(32)), fill=(40, 44, 52))
    for i, c in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
        d.ellipse((u(12 + 20 * i), u(10), u(24 + 20 * i), u(22)), fill=c)
    x = u(90)
    for i in range(5):
        tw = u(rng.randint(120, 200))
        d.rounded_rectangle((x, u(4), x + tw, u(32)), u(6), fill=(255, 255, 255) if i == 1 else (60, 64, 72))
        d.text(
            (x + u(10), u(10)), _words(rng, 2), font=small, fill=(20, 20, 20) if i == 1 else (220, 220, 220)
        )
        x += tw + u(4)
    d.rectangle((0, u(32), width, u(72)), fill=(255, 255, 255))
    d.rounded_rectangle((u(120), u(38), width - u(200), u(66)), u(14), fill=(241, 243, 244))
    d.text(
        (u(140), u(44)),
        "https://example.com/" + "/".join(rng.sample(_WORDS, 3)),
        font=body,
        fill=(60, 60, 60),
    )
    d.line((0, u(72), width, u(72)), fill=(218, 220, 224), width=max(1, u(1)))

    # Sidebar with a list.
    side = u(240)
    d.rectangle((0, u(73), side, height), fill=(236, 239, 243))
    y = u(90)
    while y < height - u(30):
        if rng.random() < 0.15:
            d.rounded_rectangle((u(8), y - u(4), side - u(8), y + u(24)), u(6), fill=(210, 227, 252))
        d.ellipse((u(16), y, u(34), y + u(18)), fill=tuple(rng.randrange(60, 220) for _ in range(3)))
        d.text((u(44), y + u(1)), _words(rng, rng.randint(1, 3)), font=body, fill=(32, 33, 36))
        y += u(34)

    # Gradient banner.
    left = side + u(24)
    banner_h = u(120)
    grad = Image.linear_gradient("L").rotate(90).resize((width - left - u(24), banner_h))
    banner = Image.merge("RGB", (grad, grad.point(lambda v: 80 + v // 3), Image.new("L", grad.size, 200)))
    img.paste(banner, (left, u(90)))
    d.text((left + u(24), u(120)), _words(rng, 4), font=title, fill=(255, 255, 255))

    # Photo-like region (a hero image, a video thumbnail).
    photo_w, photo_h = (width - left) * 2 // 5, height * 2 // 5
    img.paste(_photo(rng, photo_w, photo_h), (width - photo_w - u(24), u(230)))

    # Paragraphs, form fields and buttons in the main column.
    col_right = width - photo_w - u(48)
    y = u(230)
    while y < height - u(60):
        kind = rng.random()
        if kind < 0.55:
            line_w = rng.randint(6, 14)
            d.text(
                (left, y),
                _words(rng, line_w)[: max(8, (col_right - left) // u(7))],
                font=body,
                fill=(32, 33, 36),
            )
            y += u(22)
        elif kind < 0.75:
            d.rounded_rectangle(
                (left, y, left + u(280), y + u(32)),
                u(4),
                outline=(154, 160, 166),
                width=max(1, u(1)),
                fill=(255, 255, 255),
            )
            d.text((left + u(10), y + u(8)), _words(rng, 2), font=body, fill=(128, 134, 139))
            y += u(44)
        elif kind < 0.9:
            bx = left
            for _ in range(rng.randint(1, 3)):
                label = _words(rng, rng.randint(1, 2))
                bw = u(24) + round(d.textlength(label, font=body))
                d.rounded_rectangle((bx, y, bx + bw, y + u(34)), u(17), fill=(26, 115, 232))
                d.text((bx + u(12), y + u(9)), label, font=body, fill=(255, 255, 255))
                bx += bw + u(12)
            y += u(48)
        else:
            d.line((left, y + u(8), col_right, y + u(8)), fill=(218, 220, 224), width=max(1, u(1)))
            y += u(18)

    # Table under the photo.
    y = u(250) + photo_h
    tx = width - photo_w - u(24)
    while y < height - u(26):
        d.rectangle(
            (tx, y, width - u(24), y + u(26)), fill=(255, 255, 255) if (y // u(26)) % 2 else (248, 249, 250)
        )
        for j in range(4):
            d.text((tx + u(8) + j * photo_w // 4, y + u(6)), _words(rng, 1), font=small, fill=(60, 64, 67))
        y += u(28)
    return img


# -- 1. framing -----------------------------------------------------------------------


def frame_once(image: Image.Image, mode: FrameMode) -> Image.Image:
    frame = Frame.fit(image.width, image.height, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS, mode=mode)
    return frame.apply(image)


def bench_framing(shots: dict[tuple[int, int], Image.Image], reps: int, warmup: int) -> None:
    print("\n1. Framing: Frame.fit + Frame.apply, mimo-vl budget (min 4*28*28, max 4096*28*28 px)")
    rows: list[list[object]] = []
    for (w, h), img in shots.items():
        modes: tuple[FrameMode, ...] = ("resize", "pad")
        samples = interleaved_ns(
            {m: (lambda i=img, m=m: frame_once(i, m)) for m in modes}, reps=reps, warmup=warmup
        )
        for mode in modes:
            frame = Frame.fit(w, h, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS, mode=mode)
            ns = samples[mode]
            content = (frame.content_width, frame.content_height)
            what = "resample" if content != frame.image_size else "no resample"
            if frame.model_size != content:
                what += " + pad"
            rows.append(
                [
                    f"{w}x{h}",
                    mode,
                    f"{frame.model_width}x{frame.model_height}",
                    frame.image_tokens,
                    what,
                    f"{median(ns) / 1e6:.2f}",
                    f"{p95(ns) / 1e6:.2f}",
                    len(ns),
                ]
            )
        rows.append(
            [
                "",
                "pad/resize",
                "",
                "",
                "",
                f"{median(samples['pad']) / median(samples['resize']):.2f}x",
                "",
                "",
            ]
        )
    print(table(["screenshot", "mode", "model image", "tokens", "work", "median ms", "p95 ms", "n"], rows))


# -- 2. encoding ---------------------------------------------------------------------


def _pil(fmt: str, **kw: Any) -> Callable[[Image.Image], int]:
    def enc(image: Image.Image) -> int:
        buf = io.BytesIO()
        image.save(buf, format=fmt, **kw)
        return buf.tell()

    return enc


def _data_url(fmt: Any) -> Callable[[Image.Image], int]:
    return lambda image: len(encode_image(image, fmt))


ENCODERS: tuple[tuple[str, Callable[[Image.Image], int]], ...] = (
    ("PNG (Pillow default, level 6)", _pil("PNG")),
    ("PNG compress_level=1", _pil("PNG", compress_level=1)),
    ("JPEG quality=90", _pil("JPEG", quality=90)),
    ("WebP quality=90", _pil("WEBP", quality=90)),
    ("(extra) JPEG q90 4:4:4 chroma", _pil("JPEG", quality=90, subsampling=0)),
    ("(extra) WebP q90 method=0", _pil("WEBP", quality=90, method=0)),
    ("encode_image png   (data URL)", _data_url("png")),
    ("encode_image jpeg  (data URL)", _data_url("jpeg")),
    ("encode_image webp  (data URL)", _data_url("webp")),
)


def bench_encoding(
    shots: dict[tuple[int, int], Image.Image], reps: int, warmup: int, budget_s: float
) -> None:
    print(
        f"\n2. Encoding the framed (resize-mode) image; 'enc+send' adds the transfer at {UPLINK_MBIT} Mbit/s;\n"
        "   data-URL sizes include base64's 4/3"
    )
    for (w, h), img in shots.items():
        framed = frame_once(img, "resize")
        raw = framed.width * framed.height * 3
        samples = interleaved_ns(
            {name: (lambda e=enc, f=framed: e(f)) for name, enc in ENCODERS},
            reps=reps,
            warmup=warmup,
            budget_s=budget_s,
        )
        rows: list[list[object]] = []
        for name, enc in ENCODERS:
            size = enc(framed)
            ns = samples[name]
            send_ms = size * 8 / (UPLINK_MBIT * 1e6) * 1e3
            rows.append(
                [
                    name,
                    f"{size / 1024:.0f}",
                    f"{raw / size:.1f}",
                    f"{median(ns) / 1e6:.1f}",
                    f"{p95(ns) / 1e6:.1f}",
                    f"{median(ns) / 1e6 + send_ms:.1f}",
                    len(ns),
                ]
            )
        print(
            f"\n  {w}x{h} screenshot -> {framed.width}x{framed.height} model image ({raw / 2**20:.1f} MiB raw RGB)"
        )
        print(
            table(["encoder", "KiB", "ratio", "median ms", "p95 ms", "enc+send ms", "n"], rows, indent="    ")
        )


# -- 3. parsing ------------------------------------------------------------------------

M = Space.MODEL_PIXELS

MIMO_AGENT = (
    "<think>\nThe task is to book a flight from Berlin to Lisbon on the 14th. The search form is "
    "already open: the origin field shows Berlin (BER), and the destination field below it is still "
    "empty, with the placeholder text 'Where to?'. Before choosing a date I have to fill in the "
    "destination, otherwise the date picker stays disabled. The destination field is in the left half "
    "of the form, just under the origin field, at about x=812, y=530 in the screenshot. I'll click it "
    "to focus it, then type Lisbon in the next step.\n</think>\n"
    '{"action": "click", "start_point": [812, 530]}'
)
MIMO_GROUNDING = (
    '<think>\n</think>\n\n```json\n[\n\t{"bbox_2d": [1104, 38, 1188, 66], "label": "the Save button '
    'in the toolbar"}\n]\n```'
)
QWEN_TOOL_CALL = (
    '<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [935, 406]}}\n'
    "</tool_call>"
)
# vLLM strips <|box_start|>/<|box_end|> by default, and ui-tars' parser cannot read them:
# the bare form is what both parsers get in practice.
UITARS_ANSWER = (
    "Thought: To change the display language I need the Settings page. The gear icon at the top "
    "right of the window opens it, so I'll click that.\nAction: click(start_box='(1182,47)')"
)

PARSE_CASES: tuple[tuple[str, Dialect, str, tuple[float, float]], ...] = (
    ("MiMo agent JSON, <think> block", MIMO, MIMO_AGENT, (812.0, 530.0)),
    ("MiMo grounding bbox, fenced", MIMO, MIMO_GROUNDING, (1146.0, 52.0)),
    ("Qwen2.5-VL <tool_call>", QWEN_COMPUTER, QWEN_TOOL_CALL, (935.0, 406.0)),
    ("UI-TARS Thought/Action", UITARS, UITARS_ANSWER, (1182.0, 47.0)),
)


def _check(dialect: Dialect, text: str, want: tuple[float, float]) -> None:
    """Refuse to time a parse that reads the answer wrongly."""
    action = dialect.parse(text, M).action
    if not (
        isinstance(action, Click) and (action.point.x, action.point.y) == want and action.point.space is M
    ):
        raise SystemExit(f"{dialect.name} misread {text!r}: {action!r}")


def _uitars_baseline() -> tuple[Callable[[str], Any] | None, str]:
    """PyPI ui-tars' parser, or None and why not (pip install ui-tars)."""
    try:
        from ui_tars.action_parser import parse_action_to_structure_output
    except ImportError as exc:
        return None, f"not installed ({exc}); pip install ui-tars"
    version = importlib.metadata.version("ui-tars")

    def parse(text: str) -> Any:
        # The screenshot size goes in; ui-tars runs its own smart_resize and returns
        # 0..1 floats, as strings, per action.
        return parse_action_to_structure_output(text, 1000, 1080, 1920, model_type="qwen25vl")

    try:
        out = parse(UITARS_ANSWER)
        assert out[0]["action_type"] == "click", out
    except Exception as exc:
        return None, f"ui-tars {version} failed on the answer: {exc!r}"
    return parse, version


def bench_parsing(batches: int, warmup: int) -> None:
    print(
        f"\n3. Parsing one answer into typed, validated actions: dialect.parse(text, Space.MODEL_PIXELS)\n"
        f"   ({batches} samples of {PARSE_BATCH} back-to-back parses each; µs per answer)"
    )
    fns: dict[str, Callable[[], Any]] = {}
    for label, dialect, text, want in PARSE_CASES:
        _check(dialect, text, want)
        fns[label] = lambda d=dialect, t=text: d.parse(t, M)
    baseline, why = _uitars_baseline()
    if baseline is not None:
        fns["baseline"] = lambda: baseline(UITARS_ANSWER)
    samples = batch_ns(fns, batches=batches, size=PARSE_BATCH, warmup=warmup)

    rows: list[list[object]] = []
    for label, dialect, text, _ in PARSE_CASES:
        ns = samples[label]
        verdict = "ok" if median(ns) / 1e3 <= TARGET_US else "OVER"
        rows.append(
            [label, dialect.name, len(text), f"{median(ns) / 1e3:.2f}", f"{p95(ns) / 1e3:.2f}", verdict]
        )
    ours_uitars = median(samples[next(label for label, d, *_ in PARSE_CASES if d is UITARS)])
    theirs = median(samples["baseline"]) if baseline is not None else 0.0
    if baseline is not None:
        rows.append(
            [
                "UI-TARS Thought/Action (baseline)",
                f"ui-tars {why}",
                len(UITARS_ANSWER),
                f"{theirs / 1e3:.2f}",
                f"{p95(samples['baseline']) / 1e3:.2f}",
                "untyped",
            ]
        )
    print(table(["answer", "parser", "chars", "median µs", "p95 µs", f"<= {TARGET_US:g} µs"], rows))
    if baseline is None:
        print(f"  ui-tars baseline unavailable: {why}")
    else:
        print(
            f"  ours/ui-tars on the UI-TARS answer: {ours_uitars / theirs:.2f}x "
            f"({ours_uitars / 1e3:.2f} µs typed+validated vs {theirs / 1e3:.2f} µs dicts of strings)"
        )
    worst = max(float(r[3]) for r in rows[: len(PARSE_CASES)])
    status = "met" if worst <= TARGET_US else "NOT met"
    print(
        f"  target: at most {TARGET_US:g} µs per answer typed and validated -> {status} (slowest dialect {worst:.2f} µs)"
    )


# -- main ------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _loadavg() -> tuple[float, ...]:
    try:
        return os.getloadavg()
    except OSError:  # not on Windows
        return ()


def header() -> str:
    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cpus
    codecs = (
        f"libjpeg-turbo {features.version('libjpeg_turbo') or '-'}, "
        f"webp {features.version('webp') or '-'}, zlib {features.version('zlib') or '-'}"
    )
    return (
        f"machine: {platform.platform()} | {_cpu_model()} | {cpus} CPUs ({usable} usable)\n"
        f"python:  {platform.python_implementation()} {platform.python_version()} | load average "
        f"{' '.join(f'{x:.2f}' for x in _loadavg())}\n"
        f"packages: mimo-gui {_version('mimo-gui')}, pillow {_version('pillow')} ({codecs}), "
        f"pydantic {_version('pydantic')}, ui-tars {_version('ui-tars')}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--quick", action="store_true", help="a few-second smoke run: 1280x800 only, few repetitions"
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="timed runs per image cell (default 15; --quick 3); parsing takes 100x this many samples",
    )
    args = ap.parse_args(argv)
    reps = args.repeat if args.repeat is not None else (3 if args.quick else 15)
    if reps < 1:
        ap.error("--repeat must be at least 1")
    sizes = QUICK_SIZES if args.quick else SIZES
    warmup = 1 if args.quick else 2
    budget_s = 0.3 if args.quick else 1.2
    parse_batches = 100 * reps

    t0 = time.perf_counter()
    print(header())
    print(f"run: {'quick' if args.quick else 'full'}, {reps} repetitions per image cell, {warmup} warm-up")
    shots = {(w, h): screenshot(w, h) for w, h in sizes}
    bench_framing(shots, reps, warmup)
    bench_encoding(shots, reps, warmup, budget_s)
    bench_parsing(parse_batches, warmup=200)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
