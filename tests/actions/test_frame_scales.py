"""The screenshot-to-screen mapping on HiDPI and multi-monitor desktops, as pure Frame tests.

A desktop monitor of ``W x H`` logical points at scale factor ``f`` is captured as
``round(W f) x round(H f)`` physical pixels (macOS Retina: 2; Windows display scaling:
1.25, 1.5, 2), and its top-left sits at ``origin`` in logical points: (0, 0) for the
primary, (1920, 300) for a second monitor right of and below it, (-1280, 0) for one left
of the primary (Windows and macOS give such monitors negative coordinates). Also the
scale detection (`scale_from_sizes`) and the monitor choice, which decide ``f`` and
``origin`` in `DesktopEnv`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from mimo_gui.actions import ConfigError, EnvUnreachable, Frame, Point, Space
from mimo_gui.env_adapters.desktop.monitors import (
    Monitor,
    check_scale,
    choose_monitor,
    read_monitors,
    reference_sizes,
    scale_from_sizes,
)
from mimo_gui.prompts import get_profile

FACTORS = (1.0, 1.25, 1.5, 2.0)
ORIGINS = ((0.0, 0.0), (1920.0, 300.0), (-1280.0, 0.0))
LOGICAL = (1280, 800)  # a monitor's size in logical points


def _frame(factor: float, origin: tuple[float, float], mode: str = "resize") -> Frame:
    physical = (round(LOGICAL[0] * factor), round(LOGICAL[1] * factor))
    return get_profile("mimo-vl").frame(physical, scale=factor, origin=origin, mode=mode)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["resize", "pad"])
@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("factor", FACTORS)
def test_screen_to_model_to_screen_round_trips(factor: float, origin: tuple[float, float], mode: str) -> None:
    frame = _frame(factor, origin, mode)
    for fx, fy in ((0.0, 0.0), (0.5, 0.5), (0.999, 0.001), (0.31, 0.77), (1.0, 1.0)):
        screen = Point(x=origin[0] + fx * LOGICAL[0], y=origin[1] + fy * LOGICAL[1])
        back = frame.to_screen(frame.to_model(screen))
        assert back.space is Space.SCREEN
        assert math.isclose(back.x, screen.x, abs_tol=1e-9) and math.isclose(back.y, screen.y, abs_tol=1e-9)


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("factor", FACTORS)
def test_a_model_pixel_lands_at_origin_plus_physical_over_scale(
    factor: float, origin: tuple[float, float]
) -> None:
    frame = _frame(factor, origin)
    # The physical capture is the monitor at the factor; the model image is smart_resize's.
    assert frame.image_size == (round(1280 * factor), round(800 * factor))
    for mx, my in ((0, 0), (100, 37), (frame.model_width - 1, frame.model_height - 1)):
        got = frame.to_screen(Point(x=mx, y=my, space=Space.MODEL_PIXELS))
        # Exact arithmetic, independent of Frame: model px -> physical px -> logical points.
        px = Fraction(mx) * frame.image_width / frame.model_width
        py = Fraction(my) * frame.image_height / frame.model_height
        want_x = Fraction(origin[0]) + px / Fraction(factor)
        want_y = Fraction(origin[1]) + py / Fraction(factor)
        assert math.isclose(got.x, float(want_x), abs_tol=1e-9)
        assert math.isclose(got.y, float(want_y), abs_tol=1e-9)
        # ...and it is on this monitor, whatever its offset (negative included).
        assert origin[0] <= got.x <= origin[0] + 1280 and origin[1] <= got.y <= origin[1] + 800


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize(("true", "wrong"), [(2.0, 1.0), (1.0, 2.0), (1.25, 1.0), (1.5, 1.25), (1.0, 1.5)])
def test_a_wrong_scale_misplaces_by_a_computable_amount(
    true: float, wrong: float, origin: tuple[float, float]
) -> None:
    """A frame told ``wrong`` where the screen is ``true`` sends a physical pixel p to
    origin + p / wrong instead of origin + p / true: off by p (1/wrong - 1/true), which
    grows from nothing at the monitor's origin to most of it at the far corner."""
    physical = (round(1280 * true), round(800 * true))
    profile = get_profile("mimo-vl")
    right = profile.frame(physical, scale=true, origin=origin)
    bad = profile.frame(physical, scale=wrong, origin=origin)
    assert right.model_size == bad.model_size  # the image the model sees is the same
    for mx, my in ((0, 0), (right.model_width // 2, right.model_height // 2), (right.model_width, 0)):
        point = Point(x=mx, y=my, space=Space.MODEL_PIXELS)
        good, off = right.to_screen(point), bad.to_screen(point)
        p_x = mx * right.image_width / right.model_width
        p_y = my * right.image_height / right.model_height
        assert math.isclose(off.x - good.x, p_x * (1 / wrong - 1 / true), abs_tol=1e-9)
        assert math.isclose(off.y - good.y, p_y * (1 / wrong - 1 / true), abs_tol=1e-9)
    centre = Point(x=right.model_width / 2, y=right.model_height / 2, space=Space.MODEL_PIXELS)
    # At the image centre the miss is far beyond one logical point: calibrate must see it.
    assert abs(bad.to_screen(centre).x - right.to_screen(centre).x) > 100


# -- the scale detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("physical", "logical", "factor"),
    [
        ((2880, 1800), (1440, 900), 2.0),  # a MacBook Pro Retina: physical pixels over points
        ((2400, 1350), (1920, 1080), 1.25),  # Windows 125% before the process is DPI-aware
        ((2880, 1620), (1920, 1080), 1.5),  # Windows 150%
        ((3840, 2160), (1920, 1080), 2.0),  # a 4K screen at 200%
        ((3200, 1400), (3200, 1400), 1.0),  # X11: both are X pixels
        ((1366, 768), (1093, 614), 1366 / 1093),  # 125% of an odd size: height off by rounding only
    ],
)
def test_scale_is_capture_size_over_pointer_size(
    physical: tuple[int, int], logical: tuple[int, int], factor: float
) -> None:
    reading = scale_from_sizes(physical, logical)
    assert reading.factor == pytest.approx(factor)
    assert reading.note is None


def test_a_height_that_disagrees_beyond_rounding_is_noted_and_the_width_used() -> None:
    reading = scale_from_sizes((2880, 1800), (1440, 1000))
    assert reading.factor == 2.0
    assert reading.note is not None
    assert "2880x1800" in reading.note and "1440x1000" in reading.note and "--scale" in reading.note


def test_scale_detection_refuses_empty_sizes() -> None:
    with pytest.raises(ConfigError, match="cannot detect the scale"):
        scale_from_sizes((0, 1080), (1920, 1080))


def test_reference_sizes_use_monitor_zero_on_x11_without_grabbing() -> None:
    class NoGrab:
        monitors: ClassVar[list[dict[str, int]]] = [{"left": 0, "top": 0, "width": 3200, "height": 1400}]

        def grab(self, _: Any) -> None:
            raise AssertionError("X11 needs no grab: monitor 0 is in capture pixels")

    assert reference_sizes(NoGrab(), (3200, 1400), platform="linux") == ((3200, 1400), (3200, 1400))


def test_reference_sizes_grab_the_primary_on_macos() -> None:
    # macOS lists monitors in points; only a grab's size is physical (mss darwin's grab
    # returns the image's own size). No macOS here: a stand-in with mss's shape.
    primary = {"left": 0, "top": 0, "width": 1440, "height": 900, "is_primary": True}
    sct = SimpleNamespace(
        monitors=[primary, primary],
        primary_monitor=primary,
        grab=lambda region: SimpleNamespace(
            size=SimpleNamespace(width=region["width"] * 2, height=region["height"] * 2)
        ),
    )
    physical, logical = reference_sizes(sct, (1440, 900), platform="darwin")
    assert physical == (2880, 1800) and logical == (1440, 900)
    assert scale_from_sizes(physical, logical).factor == 2.0


@pytest.mark.parametrize("value", [1, 1.25, 2.0, 0.5])
def test_a_scale_override_is_a_positive_finite_number(value: float) -> None:
    assert check_scale(value) == float(value)


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, "2", True, None])
def test_a_bad_scale_override_is_a_config_error(value: Any) -> None:
    with pytest.raises(ConfigError, match="--scale"):
        check_scale(value)


# -- the monitor choice ----------------------------------------------------------------------

_MSS_LIST = [
    {"left": 0, "top": 0, "width": 3200, "height": 1400},
    {"left": 0, "top": 0, "width": 1920, "height": 1080, "is_primary": False},
    {"left": 1920, "top": 300, "width": 1280, "height": 1024, "is_primary": False},
]


def test_monitors_are_read_in_mss_order_numbered_from_one() -> None:
    whole, monitors = read_monitors(_MSS_LIST)
    assert whole == Monitor(0, 0, 0, 3200, 1400)
    assert [m.number for m in monitors] == [1, 2]
    assert monitors[1].geometry == [1920, 300, 1280, 1024]


def test_without_a_primary_the_default_is_monitor_one() -> None:
    _, monitors = read_monitors(_MSS_LIST)
    assert choose_monitor(monitors, None).number == 1


def test_the_primary_is_the_default() -> None:
    marked = [dict(m) for m in _MSS_LIST]
    marked[2]["is_primary"] = True
    _, monitors = read_monitors(marked)
    assert choose_monitor(monitors, None).number == 2
    assert choose_monitor(monitors, 1).number == 1


@pytest.mark.parametrize("requested", [0, 3, -1, True])
def test_a_monitor_that_is_not_there_is_a_config_error_listing_them(requested: Any) -> None:
    _, monitors = read_monitors(_MSS_LIST)
    with pytest.raises(ConfigError) as caught:
        choose_monitor(monitors, requested)
    message = str(caught.value)
    assert f"--monitor {requested!r}" in message
    assert "1: 1920x1080+0+0, 2: 1280x1024+1920+300" in message


def test_no_monitor_at_all_is_unreachable() -> None:
    with pytest.raises(EnvUnreachable, match="no monitor"):
        read_monitors(_MSS_LIST[:1])


# -- the budget at the logical resolution ------------------------------------------------------

_MIMO = get_profile("mimo-vl")
MIMO_BUDGET = {"min_pixels": _MIMO.min_pixels, "max_pixels": _MIMO.max_pixels}


@pytest.mark.parametrize("mode", ["resize", "pad"])
def test_logical_framing_shows_the_screen_as_it_looks_at_scale_1(mode) -> None:
    # A 1280x800 page at device scale factor 2: a 2560x1600 screenshot.
    logical = Frame.fit(2560, 1600, **MIMO_BUDGET, mode=mode, scale=2.0, resolution="logical")
    at_1x = Frame.fit(1280, 800, **MIMO_BUDGET, mode=mode)
    assert logical.model_size == at_1x.model_size
    physical = Frame.fit(2560, 1600, **MIMO_BUDGET, mode=mode, scale=2.0)
    # A quarter of the pixels, less what the budget already cuts from the physical image.
    assert logical.image_tokens * 2.9 < physical.image_tokens <= 4096
    # The way back still starts from the physical screenshot and lands on the same CSS pixel.
    for mx, my in [(0, 0), (640, 400), (1279, 799), (123.5, 456.25)]:
        p = logical.to_screen(Point(x=mx, y=my, space=Space.MODEL_PIXELS))
        q = at_1x.to_screen(Point(x=mx, y=my, space=Space.MODEL_PIXELS))
        assert (p.x, p.y) == pytest.approx((q.x, q.y), abs=1e-9)
        back = logical.to_model(p)
        assert (back.x, back.y) == pytest.approx((mx, my), abs=1e-9)


def test_logical_framing_changes_nothing_at_scale_1_and_never_upscales() -> None:
    for scale in (1.0, 0.5):
        assert Frame.fit(1920, 1080, **MIMO_BUDGET, scale=scale, resolution="logical") == Frame.fit(
            1920, 1080, **MIMO_BUDGET, scale=scale
        )
    with pytest.raises(ValueError, match="unknown resolution 'retina'"):
        Frame.fit(100, 100, **MIMO_BUDGET, resolution="retina")  # type: ignore[arg-type]
