"""How far a screenshot is from the one a recorded step saw (``mimo-gui replay --verify``).

The metric is the share of pixels that changed: a pixel counts as changed when its largest
channel difference (R, G or B, 0..255) exceeds `DEFAULT_TOLERANCE`. Screenshots are PNGs,
so an unchanged page captured twice by the same browser gives exactly 0.0; the tolerance
only keeps colour-management and anti-aliasing jitter of a few levels from counting, while
text, borders and focus rings change by far more than that. Screenshots of different sizes
are as different as can be (1.0): the screen itself is not the one recorded.

`DEFAULT_THRESHOLD` (0.1 % of the pixels, about 1,000 px of a 1280x800 screenshot) lets a
ticking clock or a blinking caret pass and stops at a heading, a message or a dialog that
was not there; ``--threshold 0`` stops at any changed pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageChops

from ..actions.errors import ConfigError

__all__ = ["DEFAULT_THRESHOLD", "DEFAULT_TOLERANCE", "ScreenDifference", "check_threshold", "compare_screens"]

DEFAULT_TOLERANCE = 32
"""Channel levels (of 255) a pixel may move and still count as unchanged."""
DEFAULT_THRESHOLD = 0.001
"""The share of changed pixels above which a replayed screen is not the recorded one."""


@dataclass(frozen=True, slots=True)
class ScreenDifference:
    """The outcome of one comparison.

    Attributes:
        fraction: the share of changed pixels, 0.0..1.0 (1.0 when the sizes differ).
        changed: how many pixels changed (0 when the sizes differ: nothing was compared).
        box: the smallest rectangle (x1, y1, x2, y2, physical px, x2/y2 exclusive) holding every
            changed pixel; None when none changed or the sizes differ.
        recorded_size, size: the recorded and the new screenshot's sizes.
    """

    fraction: float
    changed: int
    box: tuple[int, int, int, int] | None
    recorded_size: tuple[int, int]
    size: tuple[int, int]

    def exceeds(self, threshold: float) -> bool:
        """Whether this is more than ``threshold`` allows (exactly at it still passes)."""
        return self.fraction > threshold

    def describe(self) -> str:
        """The difference in words, e.g. ``0.35% of the pixels differ, within (40, 120)-(242, 152)``."""
        if self.size != self.recorded_size:
            (w, h), (rw, rh) = self.size, self.recorded_size
            return f"the screenshot is {w}x{h} px but was {rw}x{rh} px when recorded"
        where = f", within {self.box[:2]}-{self.box[2:]}" if self.box is not None else ""
        return f"{percent(self.fraction)} of the pixels differ{where}"


def percent(fraction: float) -> str:
    """A share as a short percentage: 0.0035 -> ``0.35%``, 0.001 -> ``0.1%``, 0 -> ``0%``."""
    return f"{fraction * 100:.3g}%"


def check_threshold(threshold: float) -> float:
    """``threshold`` when it is a share of pixels one may exceed (0 <= t < 1).

    Raises:
        ConfigError: not a finite number in [0, 1).
    """
    if not (math.isfinite(threshold) and 0.0 <= threshold < 1.0):
        raise ConfigError(
            f"the threshold is a share of the pixels, 0 <= threshold < 1 (0.001 is 0.1%), got {threshold}"
        )
    return threshold


def compare_screens(
    recorded: Image.Image, now: Image.Image, *, tolerance: int = DEFAULT_TOLERANCE
) -> ScreenDifference:
    """How much of ``now`` differs from ``recorded`` (see the module's docstring for the metric)."""
    if recorded.size != now.size:
        return ScreenDifference(1.0, 0, None, recorded.size, now.size)
    red, green, blue = ImageChops.difference(recorded.convert("RGB"), now.convert("RGB")).split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    changed_mask = largest.point([255 if level > tolerance else 0 for level in range(256)])
    changed = changed_mask.histogram()[255]
    width, height = now.size
    box = changed_mask.getbbox() if changed else None
    return ScreenDifference(changed / (width * height), changed, box, recorded.size, now.size)
