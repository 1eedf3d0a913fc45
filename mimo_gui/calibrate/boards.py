"""Boards: a surface that shows markers where it is told and reports where input really landed.

The truth of a calibration comes from here, never from the `Frame` being tested: a board
says where it really drew each marker (a browser draws on the whole CSS pixel nearest the
point asked, an X window on the nearest whole X pixel) and where each click really arrived (the page's
``pointerdown`` event, the window's ``ButtonPress``), both in the env's screen units.

`BrowserBoard` replaces the tab's page with a grey one (``page.set_content``, no server) and
draws each marker on whole CSS pixels, centred on the whole CSS pixel nearest the point
asked, as the desktop's window does on whole X pixels.
`DesktopBoard` runs ``window.py`` in its own process, a borderless Tk window covering the
monitor, and talks to it in JSON lines.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Protocol, Self

from ..actions import EnvError, EnvUnreachable
from .targets import BACKGROUND, CAPTION, TEXT_COLOUR

if TYPE_CHECKING:
    from ..env_adapters.browser import BrowserEnv

__all__ = ["Board", "BrowserBoard", "DesktopBoard", "Marker"]

RGB = tuple[int, int, int]
XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Marker:
    """A solid square to show: ``2 * half`` screen units a side, centred on ``centre``."""

    centre: XY
    half: int
    colour: RGB


class Board(Protocol):
    """What `calibrate` needs of a surface."""

    unit: str
    """The env's screen unit, for the table: ``CSS px`` or ``logical pt``."""

    def area(self) -> tuple[float, float, float, float]:
        """The board's ``(left, top, width, height)`` in screen units: a click outside it is not made."""
        ...

    def show(self, markers: Sequence[Marker]) -> list[XY | None]:
        """Replace the markers; the centre each was really drawn on, None where it did not fit."""
        ...

    def forget_presses(self) -> None:
        """Drop the presses reported so far, so the next `wait_press` sees only a new one."""
        ...

    def wait_press(self, timeout: float) -> XY | None:
        """Where the next press landed, in screen units; None if none came within ``timeout`` s."""
        ...

    def close(self) -> None: ...


def _css(colour: RGB) -> str:
    return "rgb({}, {}, {})".format(*colour)


_PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>mimo-gui calibrate</title>
<style>
  html, body {{ margin: 0; padding: 0; overflow: hidden; width: 100%; height: 100%;
               background: {_css(BACKGROUND)}; cursor: crosshair; user-select: none; }}
  #caption {{ position: fixed; left: 0; right: 0; top: 35%; text-align: center;
             font: 14px sans-serif; color: {_css(TEXT_COLOUR)}; }}
  .marker {{ position: fixed; margin: 0; padding: 0; border: 0; }}
</style></head>
<body><div id="caption">{CAPTION}</div>
<script>
  // pointerdown, not mousedown: Chromium gives a PointerEvent fractional clientX/clientY,
  // a MouseEvent's are truncated to whole CSS pixels (checked with Playwright's mouse.click).
  window.__presses = [];
  addEventListener("pointerdown", e => window.__presses.push([e.clientX, e.clientY]), true);
</script></body></html>"""

_SHOW = """markers => {
  for (const old of document.querySelectorAll(".marker")) old.remove();
  const w = innerWidth, h = innerHeight;
  return markers.map(([x, y, half, colour]) => {
    // On whole CSS pixels: Chromium snaps a box's paint to whole CSS pixels (a box at
    // left 32.5px painted from 33px at ratio 2, seen here) while hit testing uses the
    // fractional layout box, so a fractional marker would be painted where the board
    // cannot say. A whole-pixel box is painted where its layout says.
    const cx = Math.round(x), cy = Math.round(y);
    const left = cx - half, top = cy - half, size = 2 * half;
    if (left < 0 || top < 0 || left + size > w || top + size > h) return null;
    const div = document.createElement("div");
    div.className = "marker";
    Object.assign(div.style, {left: `${left}px`, top: `${top}px`,
                              width: `${size}px`, height: `${size}px`, background: colour});
    document.body.appendChild(div);
    const r = div.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  });
}"""


class BrowserBoard:
    """The active tab of a `BrowserEnv` as a board; its page is replaced by the board's."""

    unit = "CSS px"

    def __init__(self, env: BrowserEnv) -> None:
        from ..env_adapters.browser.errors import playwright_errors

        self._env = env
        self._errors = playwright_errors
        with self._errors("cannot put the calibration page on the tab", fallback=EnvError):
            env.page.set_content(_PAGE)

    def area(self) -> tuple[float, float, float, float]:
        with self._errors("cannot read the viewport", fallback=EnvError):
            w, h = self._env.page.evaluate("[innerWidth, innerHeight]")
        return (0.0, 0.0, float(w), float(h))

    def show(self, markers: Sequence[Marker]) -> list[XY | None]:
        payload = [[m.centre[0], m.centre[1], m.half, _css(m.colour)] for m in markers]
        with self._errors("cannot draw the markers", fallback=EnvError):
            drawn = self._env.page.evaluate(_SHOW, payload)
        return [None if d is None else (float(d[0]), float(d[1])) for d in drawn]

    def forget_presses(self) -> None:
        self._take()

    def wait_press(self, timeout: float) -> XY | None:
        # Playwright's click has dispatched its events when it returns; the loop is for a
        # page busy with something else.
        deadline = time.monotonic() + timeout
        while True:
            presses = self._take()
            if presses:
                return presses[0]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def _take(self) -> list[XY]:
        with self._errors("cannot read where the clicks landed", fallback=EnvError):
            got = self._env.page.evaluate("window.__presses.splice(0)")
        return [(float(x), float(y)) for x, y in got]

    def close(self) -> None:
        """Nothing to release: the page goes with the env."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class DesktopBoard:
    """A borderless window covering one monitor, in its own process on the same display.

    Args:
        geometry: the monitor's ``(left, top, width, height)`` in logical points (X pixels
            on X11): `DesktopEnv.settings`'s ``monitor_geometry``.
        startup: seconds to wait for the window to appear.

    Raises:
        EnvUnreachable: the window did not start, or came up somewhere other than the monitor.
    """

    unit = "logical pt"

    def __init__(self, geometry: Sequence[int], *, startup: float = 15.0) -> None:
        left, top, width, height = (int(v) for v in geometry)
        self._geometry = (left, top, width, height)
        script = Path(__file__).with_name("window.py")
        self._process = subprocess.Popen(
            [
                sys.executable,
                str(script),
                "--geometry",
                f"{width}x{height}+{left}+{top}",
                "--caption",
                CAPTION,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._presses: queue.Queue[XY] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(target=self._read, args=(self._process.stdout,), daemon=True).start()
        try:
            ready = self._reply("ready", startup, doing="the calibration window to appear")
            if [int(v) for v in ready["geometry"]] != list(self._geometry):
                raise EnvUnreachable(
                    f"the calibration window came up at {ready['geometry']} (left, top, width, height), "
                    f"not on the monitor at {list(self._geometry)}: a window manager moved it?"
                )
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_env(cls, env: Any) -> DesktopBoard:
        """A board on the monitor a `DesktopEnv` captures (its ``settings()["monitor_geometry"]``)."""
        return cls(env.settings()["monitor_geometry"])

    def area(self) -> tuple[float, float, float, float]:
        left, top, width, height = self._geometry
        return (float(left), float(top), float(width), float(height))

    def show(self, markers: Sequence[Marker]) -> list[XY | None]:
        payload = [
            {"x": m.centre[0], "y": m.centre[1], "half": m.half, "colour": list(m.colour)} for m in markers
        ]
        self._send({"cmd": "show", "markers": payload})
        drawn = self._reply("shown", 10.0, doing="the calibration window to draw the markers")["drawn"]
        return [None if d is None else (float(d[0]), float(d[1])) for d in drawn]

    def forget_presses(self) -> None:
        while not self._presses.empty():
            self._presses.get_nowait()

    def wait_press(self, timeout: float) -> XY | None:
        try:
            return self._presses.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        """Close the window (its stdin: it exits on EOF), and wait for it."""
        process = self._process
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the pipe --------------------------------------------------------------------------

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if message.get("event") == "press":
                self._presses.put((float(message["x"]), float(message["y"])))
            else:
                self._replies.put(message)
        self._replies.put(None)  # the window is gone

    def _send(self, command: dict[str, Any]) -> None:
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
        except OSError as exc:
            raise EnvUnreachable(f"the calibration window has gone ({self._why()})") from exc

    def _reply(self, event: str, timeout: float, *, doing: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise EnvUnreachable(f"waited {timeout:g} s for {doing}, in vain") from None
            if message is None:
                raise EnvUnreachable(f"the calibration window has gone ({self._why()})")
            if message.get("event") == event:
                return message

    def _why(self) -> str:
        code = self._process.poll()
        if code is None:
            return "it stopped answering"
        err = ""
        if self._process.stderr is not None:
            try:
                err = self._process.stderr.read().strip().splitlines()[-1:][0]
            except (OSError, ValueError, IndexError):
                err = ""
        return f"it exited with {code}" + (f": {err}" if err else "")
