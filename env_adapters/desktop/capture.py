"""Screenshots of one monitor with mss, as raw bytes to compare and as a PIL image to show.

mss hands back BGRA bytes (the alpha byte unused); Pillow's ``raw`` decoder in ``BGRX``
mode turns them into RGB in C, as mss's own documentation does it
(``Image.frombytes("RGB", size, bgra, "raw", "BGRX")``), instead of mss's per-pixel
``.rgb``. `Settle` compares `Shot`s, whose equality is the raw bytes': no image is built
until the screen is still.

Threads: `Camera` is made and used on one thread, and says so when it is not. mss 10.2's
default XCB backend guards itself with a lock, but its Xlib backend (the fallback, and
what older mss used) "may only be used on the thread in which it was created"
(``mss/linux/xlib.py``), and pyautogui's one python-xlib connection has no lock at all:
one thread keeps every backend right.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ...actions import CaptureFailed, ConfigError
from .monitors import Monitor

__all__ = ["Camera", "Shot", "open_mss", "to_image"]


@dataclass(frozen=True, slots=True)
class Shot:
    """One capture: BGRA bytes of ``width × height`` physical pixels. Equal when the pixels are."""

    raw: bytes
    width: int
    height: int


def to_image(shot: Shot) -> Image.Image:
    """The capture as an RGB PIL image (one C pass over the bytes)."""
    return Image.frombuffer("RGB", (shot.width, shot.height), shot.raw, "raw", "BGRX", 0, 1)


def open_mss() -> Any:
    """A new ``mss.MSS`` with its default backend (XCB on Linux: the one that lists RandR 1.5 monitors).

    Raises:
        ConfigError: mss is missing or older than 10.2 (which has ``mss.MSS``).
        CaptureFailed: mss could not open the screen.
    """
    try:
        import mss
    except ImportError as exc:
        raise ConfigError(f"the desktop env needs mss ({exc}): pip install 'mimo-gui[desktop]'") from exc
    factory = getattr(mss, "MSS", None)
    if factory is None:
        raise ConfigError(
            f"the desktop env needs mss 10.2 or later, found {getattr(mss, '__version__', '?')}"
        )
    try:
        return factory()
    except Exception as exc:
        raise CaptureFailed(f"mss could not open the screen: {type(exc).__name__}: {exc}") from exc


class Camera:
    """Grabs one monitor with an mss object it owns, on the thread that made it."""

    def __init__(self, sct: Any, monitor: Monitor) -> None:
        self._sct = sct
        self._region = monitor.mss
        self._thread = threading.get_ident()

    def grab(self) -> Shot:
        """One capture of the monitor.

        Raises:
            CaptureFailed: mss failed, or this is not the thread the camera was made on.
        """
        if threading.get_ident() != self._thread:
            raise CaptureFailed(
                "the desktop env must be used from the thread that created it "
                "(its mss X connection is bound to that thread)"
            )
        try:
            shot = self._sct.grab(self._region)
        except Exception as exc:
            raise CaptureFailed(f"screen capture failed: {type(exc).__name__}: {exc}") from exc
        return Shot(raw=bytes(shot.raw), width=int(shot.size.width), height=int(shot.size.height))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a server that is gone: nothing left to release
            self._sct.close()
