"""Finding the markers in a screenshot: the pixels of each marker's colour, and their centroid.

A pixel's centre is at ``(i + 0.5, j + 0.5)`` in the continuous coordinates `Frame` maps
(pixel ``i`` spans ``[i, i + 1)``), so a solid square covering pixels 94..105 has its
centroid at exactly 100.0, the centre it was drawn on. Edge pixels a fractional position
anti-aliased are left out unless they are almost the full colour (``tolerance``); what is
left is symmetric to within half a physical pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageChops

__all__ = ["DEFAULT_TOLERANCE", "Found", "find_markers"]

RGB = tuple[int, int, int]

DEFAULT_TOLERANCE = 16
"""How far (per channel) a pixel may be from a marker's colour and still count as it.

Screens that colour-manage their output can shift a colour by a few levels; the marker
colours are at least 127 levels apart on some channel, so 16 cannot confuse two."""


@dataclass(frozen=True, slots=True)
class Found:
    """A marker seen in the screenshot.

    Attributes:
        centre: the centroid of its pixels, in the screenshot's physical pixels (continuous).
        pixels: how many pixels matched.
        box: the matching pixels' bounding box ``(left, top, right, bottom)``, right/bottom exclusive.
    """

    centre: tuple[float, float]
    pixels: int
    box: tuple[int, int, int, int]


def find_markers(
    image: Image.Image, colours: Sequence[RGB], *, tolerance: int = DEFAULT_TOLERANCE
) -> list[Found | None]:
    """Each colour's marker in ``image``, in order; None where no pixel has that colour."""
    bands = (image if image.mode == "RGB" else image.convert("RGB")).split()
    return [_find(bands, colour, tolerance) for colour in colours]


def _find(bands: Sequence[Image.Image], colour: RGB, tolerance: int) -> Found | None:
    mask: Image.Image | None = None
    for band, level in zip(bands, colour):
        table = [255 if abs(v - level) <= tolerance else 0 for v in range(256)]
        match = band.point(table, "1")
        mask = match if mask is None else ImageChops.logical_and(mask, match)
    assert mask is not None
    box = mask.getbbox()
    if box is None:
        return None
    left, top, right, _ = box
    # Only the bounding box is walked: a marker is a few hundred pixels, the screen millions.
    crop = mask.crop(box)
    width = right - left
    count = sx = sy = 0
    for i, value in enumerate(crop.getdata()):
        if value:
            count += 1
            sx += i % width
            sy += i // width
    return Found(
        centre=(left + sx / count + 0.5, top + sy / count + 0.5),
        pixels=count,
        box=box,
    )
