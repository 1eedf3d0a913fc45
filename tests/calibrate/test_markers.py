"""The pure parts of calibration: finding markers, choosing targets, the palette, the hints."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import Frame
from mimo_gui.calibrate import (
    MARKER_COLOURS,
    CalibrationResult,
    Measured,
    TargetResult,
    choose_targets,
    find_markers,
)
from mimo_gui.calibrate.markers import DEFAULT_TOLERANCE
from mimo_gui.calibrate.table import hints, render_table
from mimo_gui.calibrate.targets import BACKGROUND, TEXT_COLOUR, Target

RED, GREEN, BLUE = MARKER_COLOURS[0], MARKER_COLOURS[1], MARKER_COLOURS[2]


def board(size: tuple[int, int] = (300, 200)) -> Image.Image:
    return Image.new("RGB", size, BACKGROUND)


def square(image: Image.Image, left: int, top: int, side: int, colour: tuple[int, int, int]) -> None:
    # Pillow's rectangle includes both corners: pixels left..left+side-1.
    ImageDraw.Draw(image).rectangle((left, top, left + side - 1, top + side - 1), fill=colour)


def test_centroids_are_exact_in_continuous_coordinates() -> None:
    image = board()
    square(image, 94, 40, 12, RED)  # pixels 94..105: spans [94, 106), centre 100
    square(image, 10, 11, 7, GREEN)  # pixels 10..16: spans [10, 17), centre 13.5
    square(image, 250, 150, 1, BLUE)  # one pixel: centre 250.5, 150.5
    red, green, blue = find_markers(image, [RED, GREEN, BLUE])
    assert red is not None and red.centre == (100.0, 46.0) and red.pixels == 144
    assert red.box == (94, 40, 106, 52)
    assert green is not None and green.centre == (13.5, 14.5)
    assert blue is not None and blue.centre == (250.5, 150.5) and blue.pixels == 1


def test_a_missing_marker_is_none_and_the_others_are_still_found() -> None:
    image = board()
    square(image, 20, 20, 10, GREEN)
    red, green = find_markers(image, [RED, GREEN])
    assert red is None
    assert green is not None and green.centre == (25.0, 25.0)


def test_an_antialiased_edge_is_left_out_and_a_near_colour_counts() -> None:
    image = board()
    square(image, 40, 40, 10, RED)
    # A half-covered column on the right (a fractional edge): a blend with the background.
    blend = tuple((a + b) // 2 for a, b in zip(RED, BACKGROUND))
    ImageDraw.Draw(image).line((50, 40, 50, 49), fill=blend)
    # And the same colour shifted by a colour-managed screen: still the marker.
    shifted = tuple(
        max(0, min(255, v + (DEFAULT_TOLERANCE if v < 128 else -DEFAULT_TOLERANCE))) for v in GREEN
    )
    square(image, 100, 100, 4, shifted)  # type: ignore[arg-type]
    red, green = find_markers(image, [RED, GREEN])
    assert red is not None and red.centre == (45.0, 45.0)
    assert green is not None and green.centre == (102.0, 102.0)


def test_no_blend_with_the_background_or_the_caption_passes_for_another_marker() -> None:
    # The palette's promise: an anti-aliased edge (marker over background) or the caption's
    # text (white over background) never matches a marker it is not.
    for colour in MARKER_COLOURS:
        others = [c for c in MARKER_COLOURS if c != colour]
        for t in range(0, 101):
            mixed = tuple(round(b + (c - b) * t / 100) for c, b in zip(colour, BACKGROUND))
            near = [o for o in others if all(abs(m - v) <= DEFAULT_TOLERANCE for m, v in zip(mixed, o))]
            assert not near, (colour, t, mixed, near)
    for t in range(0, 101):
        grey = tuple(round(b + (c - b) * t / 100) for c, b in zip(TEXT_COLOUR, BACKGROUND))
        assert not [
            o for o in MARKER_COLOURS if all(abs(m - v) <= DEFAULT_TOLERANCE for m, v in zip(grey, o))
        ]
    assert len(set(MARKER_COLOURS)) == len(MARKER_COLOURS) == 24
    assert BACKGROUND not in MARKER_COLOURS and TEXT_COLOUR not in MARKER_COLOURS


@pytest.mark.parametrize(
    ("size", "budget", "mode"),
    [
        ((1920, 1080), 4096 * 28 * 28, "resize"),
        ((1280, 800), 200_000, "resize"),
        ((1000, 700), 4096 * 28 * 28, "pad"),
    ],
)
def test_targets_are_whole_model_pixels_on_the_content_with_corners_inside(size, budget, mode) -> None:
    frame = Frame.fit(*size, min_pixels=56 * 56, max_pixels=budget, mode=mode)
    targets = choose_targets(frame, inset=10)
    assert len(targets) == 13 and [t.index for t in targets] == list(range(1, 14))
    assert len({t.colour for t in targets}) == 13
    xs, ys = [t.model[0] for t in targets], [t.model[1] for t in targets]
    assert all(isinstance(v, int) for v in xs + ys)
    # Inside the content (not the padding), the corners at least `inset` in from each edge.
    assert min(xs) >= 10 and max(xs) <= frame.content_width - 10
    assert min(ys) >= 10 and max(ys) <= frame.content_height - 10
    # The corners are the extremes: the points a wrong scale or origin moves most.
    corners = [t.model for t in targets[-4:]]
    assert set(corners) == set(itertools.product((min(xs), max(xs)), (min(ys), max(ys))))


def _result(scale: float, measured: Measured | None, errors: list[tuple[float, float]]) -> CalibrationResult:
    frame = Frame.fit(1920, 1080, min_pixels=3136, max_pixels=4096 * 784, scale=scale)
    rows = tuple(
        TargetResult(
            Target(i + 1, (100 * i, 50), MARKER_COLOURS[i]),
            intended=(10.0 * i, 5.0),
            drawn=(10.0 * i, 5.0),
            seen=(10.0 * i, 5.0),
            answer=(100 * i, 50),
            clicked=(10.0 * i + e[0], 5.0 + e[1]),
            landed=(10.0 * i + e[0], 5.0 + e[1]),
        )
        for i, e in enumerate(errors)
    )
    settings = {"kind": "desktop", "monitor": 1, "monitors": [[0, 0, 1920, 1080]], "monitor_geometry": [0, 0, 1920, 1080],
                "scale": scale, "scale_source": "override", "detected_scale": 1.0, "display": ":9"}  # fmt: skip
    return CalibrationResult("desktop", settings, "mimo-vl", frame, "logical pt", rows, 1.0, measured)


def test_one_unit_passes_and_a_little_more_fails() -> None:
    assert _result(1.0, None, [(1.0, -1.0), (0.0, 0.0)]).passed
    failed = _result(1.0, None, [(1.0, -1.0), (0.0, 1.01)])
    assert not failed.passed and failed.within == 1
    assert "FAIL: 1 of 2 targets" in render_table(failed)


def test_a_wrong_scale_is_named_with_what_was_detected_and_used() -> None:
    result = _result(2.0, Measured(scale=(1.0, 1.0), origin=(0.0, 0.0)), [(-96.0, -54.0), (-240.0, -54.0)])
    assert hints(result) == [
        "the markers measure 1 physical px per logical pt, the mapping used 2 (--scale): "
        "a wrong --scale? detected 1, used 2"
    ]
    table = render_table(result)
    assert "scale 2 (--scale; detected 1)" in table
    assert "(-96.0, -54.0)" in table  # the error in points, and in physical px at the measured scale
    assert table.splitlines()[-1].startswith("hint: the markers measure 1 physical px")


def test_a_wrong_origin_is_named_when_the_scale_is_right() -> None:
    result = _result(1.0, Measured(scale=(1.0, 1.0), origin=(1920.0, 300.0)), [(-1920.0, -300.0)])
    assert hints(result) == [
        "the markers put the screenshot's top-left at (1920.0, 300.0), the mapping used (0, 0): a wrong monitor origin"
    ]
