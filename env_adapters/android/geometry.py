"""Pure parsers of what a device says about its screen: `wm size`, `wm density`, rotation.

Formats (AOSP ``frameworks/base/services/core/java/com/android/server/wm/WindowManagerShellCommand.java``,
``runDisplaySize``/``runDisplayDensity``)::

    $ wm size                      $ wm density
    Physical size: 1080x2400       Physical density: 420
    Override size: 720x1600        Override density: 320      (only when overridden)

Rotation, as ``dumpsys window`` prints it (``DisplayRotation.dump``: ``mRotation=1``; older
releases: ``mCurrentRotation=ROTATION_90`` or ``mCurrentRotation=1``), ``dumpsys input``
(``SurfaceOrientation: 1``) or ``dumpsys display`` (``orientation=1``, what adbutils' ``rotation()``
reads). Rotation is in quarter turns: 0 natural, 1 = 90°, 2 = 180°, 3 = 270°.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...actions import ActionFailed

__all__ = ["Geometry", "parse_density", "parse_rotation", "parse_wm_size"]

_SIZE = re.compile(r"(Physical|Override) size:\s*(\d+)\s*x\s*(\d+)")
_DENSITY = re.compile(r"(Physical|Override) density:\s*(\d+)")
_ROTATION = (
    re.compile(r"\bmRotation=(?:ROTATION_)?(\d+)"),
    re.compile(r"\bmCurrentRotation=(?:ROTATION_)?(\d+)"),
    re.compile(r"\bmDisplayRotation=(?:ROTATION_)?(\d+)"),
    re.compile(r"\bSurfaceOrientation:\s*(\d+)"),
    re.compile(r"\borientation=(\d+)"),
)


@dataclass(frozen=True, slots=True)
class Geometry:
    """The screen as the device reports it; sizes are (width, height) in natural orientation."""

    physical_size: tuple[int, int]
    override_size: tuple[int, int] | None
    density: int
    override_density: int | None

    @property
    def size(self) -> tuple[int, int]:
        """The size apps are laid out in: the override when one is set."""
        return self.override_size or self.physical_size

    @property
    def effective_density(self) -> int:
        return self.override_density or self.density


def parse_wm_size(output: str) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """``wm size`` output -> (physical, override or None).

    Raises:
        ActionFailed: no ``Physical size`` line; the message quotes what the device said.
    """
    found = {kind: (int(w), int(h)) for kind, w, h in _SIZE.findall(output)}
    if "Physical" not in found:
        raise ActionFailed(f"cannot read the screen size: `wm size` said {output.strip()[:200]!r}")
    return found["Physical"], found.get("Override")


def parse_density(output: str) -> tuple[int, int | None]:
    """``wm density`` output -> (physical, override or None).

    Raises:
        ActionFailed: no ``Physical density`` line; the message quotes what the device said.
    """
    found = {kind: int(value) for kind, value in _DENSITY.findall(output)}
    if "Physical" not in found:
        raise ActionFailed(f"cannot read the density: `wm density` said {output.strip()[:200]!r}")
    return found["Physical"], found.get("Override")


def parse_rotation(output: str) -> int | None:
    """The display's rotation in quarter turns (0..3) from ``dumpsys`` output; None when absent.

    ``ROTATION_90``-style values (degrees) become quarter turns; patterns are tried in
    order of how specific they are, so the window manager's own field wins.
    """
    for pattern in _ROTATION:
        match = pattern.search(output)
        if match is None:
            continue
        value = int(match.group(1))
        if value in (90, 180, 270):
            return value // 90
        if 0 <= value <= 3:
            return value
    return None
