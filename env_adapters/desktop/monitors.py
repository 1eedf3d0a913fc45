"""Which monitor to capture, where it is, and how many physical pixels make one logical point.

Units. mss reports each monitor's ``left``/``top``/``width``/``height`` in the units the
pointer moves in, which is what `Observation.origin` must be (the screen space):

- X11: X pixels, which are both the capture's pixels and pyautogui's units (scale 1);
- macOS: points, while a capture is in physical pixels (2 per point on a Retina display);
- Windows: physical pixels, because mss makes the process DPI-aware when it starts, and
  from then on pyautogui's coordinates are physical pixels too.

So a monitor's origin is mss's ``left, top`` on all three, and the scale is the one
factor between a capture and the pointer: physical capture size over pyautogui's
screen size, measured on the same area (`reference_sizes`): pyautogui's ``size()`` is the
whole X screen on X11 (mss monitor 0) and the main display elsewhere (mss's primary).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from ...actions import ConfigError, EnvUnreachable

__all__ = [
    "Monitor",
    "ScaleReading",
    "check_scale",
    "choose_monitor",
    "describe_monitors",
    "read_monitors",
    "reference_sizes",
    "scale_from_sizes",
]


@dataclass(frozen=True, slots=True)
class Monitor:
    """One monitor as mss lists it, numbered from 1 (0 is the box around all of them)."""

    number: int
    left: int
    top: int
    width: int
    height: int
    primary: bool = False

    @property
    def geometry(self) -> list[int]:
        """``[left, top, width, height]``, as ``run.json`` records it."""
        return [self.left, self.top, self.width, self.height]

    @property
    def mss(self) -> dict[str, int]:
        """The region dict mss's ``grab`` takes."""
        return {"left": self.left, "top": self.top, "width": self.width, "height": self.height}

    def __str__(self) -> str:
        return f"{self.number}: {self.width}x{self.height}{self.left:+d}{self.top:+d}" + (
            " (primary)" if self.primary else ""
        )


@dataclass(frozen=True, slots=True)
class ScaleReading:
    """A detected scale factor, and a note when width and height disagreed."""

    factor: float
    note: str | None = None


def read_monitors(mss_monitors: list[dict[str, Any]]) -> tuple[Monitor, tuple[Monitor, ...]]:
    """mss's ``monitors`` list as (the virtual screen, the monitors numbered from 1).

    Raises:
        EnvUnreachable: mss lists no monitor at all.
    """
    if len(mss_monitors) < 2:
        raise EnvUnreachable("mss found no monitor on this display")
    whole = _monitor(0, mss_monitors[0])
    return whole, tuple(_monitor(i, m) for i, m in enumerate(mss_monitors) if i > 0)


def _monitor(number: int, m: dict[str, Any]) -> Monitor:
    return Monitor(
        number=number,
        left=int(m["left"]),
        top=int(m["top"]),
        width=int(m["width"]),
        height=int(m["height"]),
        primary=bool(m.get("is_primary", False)),
    )


def describe_monitors(monitors: tuple[Monitor, ...]) -> str:
    """``1: 1920x1080+0+0, 2: 1280x1024+1920+300``: for error messages."""
    return ", ".join(str(m) for m in monitors)


def choose_monitor(monitors: tuple[Monitor, ...], requested: int | None) -> Monitor:
    """The monitor ``--monitor N`` names (1-based, mss's order); None: the primary, else monitor 1.

    mss marks the primary where the platform says so (RandR's primary output on X11); a
    setup with none marked (Xvfb's ``--setmonitor`` monitors) gets monitor 1, as mss's own
    ``primary_monitor`` does.

    Raises:
        ConfigError: ``requested`` is not the number of a monitor; the message lists them.
    """
    if requested is None:
        return next((m for m in monitors if m.primary), monitors[0])
    if isinstance(requested, bool) or not isinstance(requested, int) or not 1 <= requested <= len(monitors):
        raise ConfigError(
            f"--monitor {requested!r}: there is no such monitor; this display has {len(monitors)} "
            f"(numbered from 1): {describe_monitors(monitors)}"
        )
    return monitors[requested - 1]


def scale_from_sizes(physical: tuple[int, int], logical: tuple[int, int]) -> ScaleReading:
    """Physical pixels per logical point: a capture's size over the pointer's size of the same area.

    Pure. Retina: 2880x1800 physical over 1440x900 points is 2; Windows at 125% (before
    DPI awareness): 2400x1350 over 1920x1080 is 1.25; X11: the same size twice, 1.

    The width gives the factor. Sizes are whole pixels, so the height may disagree by
    rounding (one physical pixel); when it disagrees by more, the capture and the
    pointer do not cover the same area, the factor is suspect, and the note says so
    (`DesktopEnv.settings` records it as ``scale_warning``; ``mimo-gui calibrate`` measures
    what is really right).

    Raises:
        ConfigError: a size is not positive.
    """
    (pw, ph), (lw, lh) = physical, logical
    if min(pw, ph, lw, lh) <= 0:
        raise ConfigError(f"cannot detect the scale from sizes {pw}x{ph} (capture) and {lw}x{lh} (pointer)")
    factor = pw / lw
    note = None
    if abs(ph - lh * factor) > 1:
        note = (
            f"capture {pw}x{ph} over pointer area {lw}x{lh}: width gives scale {factor:g}, "
            f"height {ph / lh:g}; using the width's (check with `mimo-gui calibrate`, or pass --scale)"
        )
    return ScaleReading(factor=factor, note=note)


def check_scale(value: object) -> float:
    """A ``--scale`` override: a positive finite number of physical pixels per logical point.

    Raises:
        ConfigError: anything else (0, negative, NaN, infinite, not a number).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"--scale must be a number of physical pixels per logical point, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"--scale must be a positive finite number (physical pixels per point), got {value!r}"
        )
    return float(value)


def reference_sizes(
    sct: Any, pointer_size: tuple[int, int], *, platform: str = sys.platform
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two sizes `scale_from_sizes` compares: (physical capture, pyautogui's size) of one area.

    Args:
        sct: an ``mss.MSS`` (created on this thread; read pyautogui's size after creating
            it, so that on Windows both see the process DPI-aware).
        pointer_size: ``pyautogui.size()``.
        platform: ``sys.platform``; X11 everywhere but macOS and Windows.

    X11: mss's monitor 0 (the whole X screen, what ``pyautogui.size()`` measures) is already
    in capture pixels, so no grab is needed. Elsewhere the primary monitor is grabbed once:
    on macOS its monitor entry is in points and only the grab's size is physical.
    """
    if platform not in ("darwin", "win32", "cygwin"):
        whole = sct.monitors[0]
        return (int(whole["width"]), int(whole["height"])), pointer_size
    shot = sct.grab(sct.primary_monitor)
    return (int(shot.size.width), int(shot.size.height)), pointer_size
