"""The screenshot: ``screencap -p`` over ``exec:`` (adb exec-out), checked, decoded to RGB.

Not adbutils' ``screenshot()``: it reads over the v1 ``shell:`` service (whose pty, on older
devices, turns ``\\n`` into ``\\r\\n`` inside the PNG) and by default returns a black image
when decoding fails (``ScreenshotExtesion.screenshot(error_ok=True)``), which a model would
happily act on. Here bytes that are not a PNG are `CaptureFailed`, quoting what the device
wrote instead (``screencap`` prints its errors to the same stream).

This is the one capture function: on real phones ``screencap`` itself costs 0.5–1.5 s a
frame, and a faster source (a scrcpy-style video stream) can replace it here alone.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from ...actions import ActionFailed, CaptureFailed
from .adb import Adb

__all__ = ["PNG_SIGNATURE", "Shot", "decode_png", "screencap"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG starts with (PNG spec, section 5.2)."""


@dataclass(frozen=True, slots=True, eq=False)
class Shot:
    """One screenshot: the bytes the device sent and the RGB image decoded from them."""

    png: bytes
    image: Image.Image


def decode_png(data: bytes) -> Image.Image:
    """Check and decode what ``screencap -p`` wrote.

    Raises:
        CaptureFailed: empty output, anything that is not a PNG (the message quotes it), a
            PNG with a broken line ending translation, or one Pillow cannot decode.
    """
    if not data:
        raise CaptureFailed(
            "screencap -p wrote nothing (is the screen off or the device locked in a secure app?)"
        )
    if not data.startswith(PNG_SIGNATURE):
        if data.startswith(b"\x89PNG\r\r\n"):
            raise CaptureFailed("screencap -p came through a pty that turned \\n into \\r\\n: use exec-out")
        said = data[:200].decode("utf-8", "replace").strip()
        raise CaptureFailed(f"screencap -p did not write a PNG; the device said: {said!r}")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return img.convert("RGB")
    except Exception as exc:
        raise CaptureFailed(
            f"screencap -p wrote a PNG that cannot be decoded ({len(data)} bytes): {exc}"
        ) from exc


def screencap(adb: Adb) -> Shot:
    """Take one screenshot of the device.

    Raises:
        CaptureFailed: see `decode_png`, and a device that refused the command.
        EnvUnreachable: the adb server went away.
    """
    try:
        data = adb.exec_out("screencap -p", doing="cannot take a screenshot")
    except ActionFailed as exc:  # the device refused exec: ours, not the model's
        raise CaptureFailed(str(exc)) from exc
    return Shot(png=data, image=decode_png(data))
