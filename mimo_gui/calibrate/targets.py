"""Where the calibration targets go: whole model pixels spread over the model image.

The points a wrong mapping moves most are the ones far from the origin, so besides a 3×3
grid there is one point near each corner, a few percent in: a wrong scale moves the
bottom-right one by half the screen, a wrong monitor origin moves every one by the same
offset. Each target gets a colour no other target and nothing else on the board has, so
the screenshot alone says which marker is which.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Frame

__all__ = ["BACKGROUND", "CAPTION", "GRID", "MARKER_COLOURS", "TEXT_COLOUR", "Target", "choose_targets"]

RGB = tuple[int, int, int]

BACKGROUND: RGB = (128, 128, 128)
"""The board's background. A marker's anti-aliased edge blends its colour with this grey;
every channel then lies strictly between 128 and 0 or 255 (or stays at 128), so no blend
can pass for another marker, whose channels are all 0, 128 or 255."""

TEXT_COLOUR: RGB = (255, 255, 255)
"""The board's caption: its blends with the background are greys, and no marker is grey."""

MARKER_COLOURS: tuple[RGB, ...] = tuple(
    (r, g, b)
    for r in (255, 0, 128)
    for g in (0, 255, 128)
    for b in (0, 255, 128)
    if not r == g == b  # greys: the background, the caption and its blends
)
"""24 colours, channels 0, 128 or 255, none grey: at least 127 apart on some channel."""

CAPTION = "mimo-gui calibrate: clicking the markers, please leave the mouse alone"
"""The line a board shows above its middle, in `TEXT_COLOUR`."""

GRID = (0.2, 0.5, 0.8)
"""The 3×3 grid's lines, as fractions of the image's width and height."""

CORNER_INSET = 0.03
"""How far in from the image's edges the corner targets sit, as a fraction of each side."""


@dataclass(frozen=True, slots=True)
class Target:
    """One target: a whole model pixel and the colour of its marker.

    Attributes:
        index: 1-based, the order of the table's rows.
        model: the model pixel ``(x, y)`` a perfect model would answer for this marker.
        colour: the marker's RGB colour, unique on the board.
    """

    index: int
    model: tuple[int, int]
    colour: RGB


def choose_targets(frame: Frame, *, inset: int = 0) -> tuple[Target, ...]:
    """The targets for a frame: the 3×3 grid, then the four corners, as whole model pixels.

    Only the content is used (in ``pad`` mode the padding is blank, and a point there is
    a `CoordinateError`, never a target). Corners sit ``CORNER_INSET`` of each side in, or
    ``inset`` model pixels when that is more (a marker must fit between a corner target
    and the edge). Points that round to the same pixel on a tiny image appear once.
    """
    width, height = frame.content_width, frame.content_height
    dx = max(inset, round(width * CORNER_INSET))
    dy = max(inset, round(height * CORNER_INSET))
    points = [(round(width * fx), round(height * fy)) for fy in GRID for fx in GRID]
    points += [(dx, dy), (width - dx, dy), (dx, height - dy), (width - dx, height - dy)]
    unique = list(dict.fromkeys(points))
    if len(unique) > len(MARKER_COLOURS):
        raise ValueError(f"{len(unique)} targets but only {len(MARKER_COLOURS)} marker colours")
    return tuple(Target(i + 1, p, MARKER_COLOURS[i]) for i, p in enumerate(unique))
