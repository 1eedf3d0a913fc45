"""Drawing what the model pointed at onto a screenshot (``ground --annotate``, reports)."""

from __future__ import annotations

from PIL import Image, ImageDraw

from ..actions import Box, Point

__all__ = ["annotate"]


def annotate(
    image: Image.Image, point: Point, box: Box | None = None, *, color: str = "#ff2d55"
) -> Image.Image:
    """A copy of ``image`` with ``point`` marked by a ring and crosshair (and ``box`` outlined).

    Both are in the image's own pixels.
    """
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    width = max(2, round(min(out.size) / 300))
    if box is not None:
        draw.rectangle((box.x1, box.y1, box.x2, box.y2), outline=color, width=width)
    r = max(8, round(min(out.size) / 60))
    x, y = point.x, point.y
    draw.ellipse((x - r, y - r, x + r, y + r), outline=color, width=width)
    draw.line((x - 2 * r, y, x - r // 2, y), fill=color, width=width)
    draw.line((x + r // 2, y, x + 2 * r, y), fill=color, width=width)
    draw.line((x, y - 2 * r, x, y - r // 2), fill=color, width=width)
    draw.line((x, y + r // 2, x, y + 2 * r), fill=color, width=width)
    return out
