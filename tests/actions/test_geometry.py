"""smart_resize against transformers' own, and the Frame's exact round trips."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from mimo_gui.actions import (
    Box,
    CoordinateError,
    Frame,
    FrameMode,
    Point,
    Space,
    UnframeableImage,
    smart_resize,
)

MIMO_MAX = 4096 * 28 * 28
BUDGETS = [
    (56 * 56, 28 * 28 * 1280),
    (4 * 28 * 28, MIMO_MAX),
    (100 * 28 * 28, 16384 * 28 * 28),
    (3136, 12845056),
]


def _sizes(n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    out = [(1, 1), (1, 200), (200, 1), (13, 13), (14, 14), (27, 29), (28, 28), (1080, 1920), (2160, 3840)]
    out += [(rng.randint(1, 5000), rng.randint(1, 5000)) for _ in range(n)]
    # extreme aspect ratios just inside the 200:1 limit
    out += [(h, h * rng.randint(100, 200)) for h in (rng.randint(1, 40) for _ in range(n // 10))]
    out += [(w * rng.randint(100, 200), w) for w in (rng.randint(1, 40) for _ in range(n // 10))]
    return out


@pytest.mark.parametrize(("min_pixels", "max_pixels"), BUDGETS)
def test_smart_resize_matches_transformers(min_pixels: int, max_pixels: int) -> None:
    hf = pytest.importorskip("transformers.models.qwen2_vl.image_processing_qwen2_vl")
    checked = 0
    for h, w in _sizes(1500, seed=min_pixels):
        try:
            expected = hf.smart_resize(h, w, factor=28, min_pixels=min_pixels, max_pixels=max_pixels)
        except ValueError:
            with pytest.raises(ValueError):
                smart_resize(h, w, 28, min_pixels, max_pixels)
            continue
        assert smart_resize(h, w, 28, min_pixels, max_pixels) == expected, (h, w)
        checked += 1
    assert checked > 1500


def test_smart_resize_refuses_more_than_200_to_1() -> None:
    hf = pytest.importorskip("transformers.models.qwen2_vl.image_processing_qwen2_vl")
    for h, w in [(1, 201), (10, 2001), (3000, 14)]:
        with pytest.raises(ValueError, match="aspect ratio must be smaller than 200"):
            hf.smart_resize(h, w)
        # ours: the project's own error (still a ValueError), one line naming the limit and the size
        with pytest.raises(UnframeableImage) as info:
            smart_resize(h, w)
        assert isinstance(info.value, ValueError)
        message = str(info.value)
        assert "\n" not in message and "200:1 limit" in message and f"{w}x{h} image" in message


def test_the_refusal_message_is_pinned() -> None:
    with pytest.raises(UnframeableImage) as info:
        smart_resize(10, 2001)
    assert str(info.value) == (
        "cannot frame a 2001x10 image: its aspect ratio 200.1:1 is over the 200:1 limit "
        "of the model's image processor"
    )


@pytest.mark.parametrize("mode", ["resize", "pad"])
def test_frame_fit_refuses_an_unframeable_screenshot_in_both_modes(mode: FrameMode) -> None:
    with pytest.raises(UnframeableImage, match="cannot frame a 5000x20 image: its aspect ratio 250:1"):
        Frame.fit(5000, 20, min_pixels=3136, max_pixels=MIMO_MAX, mode=mode)
    with pytest.raises(UnframeableImage, match="cannot frame a 0x20 image: both sides must be positive"):
        Frame.fit(0, 20, min_pixels=3136, max_pixels=MIMO_MAX, mode=mode)


def test_a_side_under_28_px_after_scaling_is_refused() -> None:
    # Only a budget that lets round() reach 0 gets there (transformers would return 0).
    with pytest.raises(UnframeableImage) as info:
        smart_resize(10, 1000, min_pixels=0)
    assert str(info.value) == (
        "cannot frame a 1000x10 image: a side would be 0 px after scaling, under the 28 px minimum "
        "(min_pixels=0)"
    )


def test_published_sizes() -> None:
    # formats.md §1.2, two of which match published outputs (MiMo notebook, Qwen mobile cookbook)
    assert smart_resize(599, 540, max_pixels=MIMO_MAX, min_pixels=3136) == (588, 532)
    assert smart_resize(2400, 1080, max_pixels=12845056, min_pixels=3136) == (2408, 1092)
    assert smart_resize(2160, 3840, max_pixels=MIMO_MAX, min_pixels=3136) == (1344, 2380)


sizes = st.tuples(st.integers(20, 4000), st.integers(20, 4000)).filter(lambda s: max(s) / min(s) < 150)
spaces = st.sampled_from([Space.MODEL_PIXELS, Space.NORM_1000, Space.NORM_1])
modes = st.sampled_from(["resize", "pad"])
budgets = st.sampled_from(BUDGETS)


@settings(max_examples=400, deadline=None)
@given(
    size=sizes,
    mode=modes,
    budget=budgets,
    scale=st.sampled_from([1.0, 1.25, 1.5, 2.0, 3.0]),
    origin=st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
    space=spaces,
)
def test_to_model_and_to_screen_are_inverses(size, mode, budget, scale, origin, fx, fy, space) -> None:
    w, h = size
    frame = Frame.fit(w, h, min_pixels=budget[0], max_pixels=budget[1], mode=mode, scale=scale, origin=origin)
    assert frame.model_width % 28 == 0 and frame.model_height % 28 == 0
    # the model image keeps to the budget in both modes (pad mode's margin counts too)
    assert budget[0] <= frame.model_width * frame.model_height <= budget[1], (frame, budget)
    screen = Point(x=origin[0] + fx * w / scale, y=origin[1] + fy * h / scale)
    model = frame.to_model(screen, space)
    back = frame.to_screen(model)
    # within one model pixel, expressed in screen units
    tol = max(w / frame.content_width, h / frame.content_height) / scale * 1e-6 + 1e-6
    assert math.isclose(back.x, screen.x, abs_tol=tol) and math.isclose(back.y, screen.y, abs_tol=tol)
    # and the other way: a model pixel survives to_screen then to_model
    mx, my = fx * frame.content_width, fy * frame.content_height
    again = frame.to_model(frame.to_screen(Point(x=mx, y=my, space=Space.MODEL_PIXELS)))
    assert abs(again.x - mx) < 1e-6 and abs(again.y - my) < 1e-6


def test_resize_maps_model_pixels_by_the_resize_ratio() -> None:
    # 1920x1080 at HiDPI 2 on a monitor whose top-left is (-1920, 0)
    frame = Frame.fit(3840, 2160, min_pixels=3136, max_pixels=MIMO_MAX, scale=2.0, origin=(-1920, 0))
    assert frame.model_size == (2380, 1344)
    p = frame.to_screen(Point(x=1190, y=672, space=Space.MODEL_PIXELS))
    assert (p.x, p.y) == pytest.approx((-1920 + 3840 * 1190 / 2380 / 2, 2160 * 672 / 1344 / 2))
    assert p.space is Space.SCREEN


def test_pad_keeps_pixels_when_within_budget_and_refuses_the_margin() -> None:
    frame = Frame.fit(1000, 700, min_pixels=3136, max_pixels=MIMO_MAX, mode="pad")
    assert (frame.content_width, frame.content_height) == (1000, 700)
    assert frame.model_size == (1008, 700)
    assert frame.to_screen(Point(x=500, y=350, space=Space.MODEL_PIXELS)) == Point(x=500, y=350)
    with pytest.raises(CoordinateError, match="in the padding beyond the 1000x700 image"):
        frame.to_screen(Point(x=1004, y=10, space=Space.MODEL_PIXELS))


def test_pad_scales_uniformly_beyond_budget() -> None:
    frame = Frame.fit(3840, 2160, min_pixels=3136, max_pixels=MIMO_MAX, mode="pad")
    assert frame.model_width * frame.model_height <= MIMO_MAX
    ratio_w = frame.content_width / 3840
    ratio_h = frame.content_height / 2160
    assert abs(ratio_w - ratio_h) < 0.001


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (
            Point(x=-1, y=10, space=Space.MODEL_PIXELS),
            r"point \(-1, 10\) \(model_pixels\) lies outside the 1932x1092",
        ),
        (Point(x=10, y=1093, space=Space.MODEL_PIXELS), "lies outside"),
        (Point(x=1000.5, y=3, space=Space.NORM_1000), "lies outside"),
        (Point(x=0.5, y=1.01, space=Space.NORM_1), "lies outside"),
    ],
)
def test_points_outside_the_image_are_errors_not_clamped(point: Point, message: str) -> None:
    frame = Frame.fit(1920, 1080, min_pixels=3136, max_pixels=MIMO_MAX)
    with pytest.raises(CoordinateError, match=message):
        frame.to_screen(point)


def test_edges_are_inside() -> None:
    frame = Frame.fit(1920, 1080, min_pixels=3136, max_pixels=MIMO_MAX)
    assert frame.to_screen(Point(x=1932, y=1092, space=Space.MODEL_PIXELS)) == Point(x=1920, y=1080)
    assert frame.to_screen(Point(x=1000, y=0, space=Space.NORM_1000)) == Point(x=1920, y=0)


def test_apply_produces_the_model_image() -> None:
    img = Image.new("RGB", (1000, 700), (10, 200, 30))
    resized = Frame.fit(1000, 700, min_pixels=3136, max_pixels=200_000).apply(img)
    assert resized.size[0] % 28 == 0 and resized.size[1] % 28 == 0
    padded_frame = Frame.fit(1000, 700, min_pixels=3136, max_pixels=MIMO_MAX, mode="pad")
    padded = padded_frame.apply(img)
    assert padded.size == padded_frame.model_size
    assert padded.getpixel((999, 699)) == (10, 200, 30) and padded.getpixel((1005, 10)) == (0, 0, 0)
    with pytest.raises(ValueError, match="frame is for a 1000x700 image"):
        padded_frame.apply(Image.new("RGB", (10, 10)))


def test_box_centre_and_contains() -> None:
    box = Box(x1=10, y1=20, x2=30, y2=60)
    assert box.center == Point(x=20, y=40)
    assert box.contains(Point(x=10, y=60)) and not box.contains(Point(x=9.99, y=40))
