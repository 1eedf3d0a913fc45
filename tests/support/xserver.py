"""A real X server (Xvfb) with two monitors, and a Tk window that logs what it receives.

`start_xvfb` starts Xvfb on a display number it picks itself (``-displayfd``), wide enough
for two monitors, and defines them with ``xrandr --setmonitor`` the way a real multi-head
X server reports its outputs (RandR 1.5 monitors): `MONITORS`, the second one with both an
x and a y offset. ``-noreset`` keeps them: without it Xvfb resets when its last client
leaves and forgets the monitors (seen here). mss 10.2+'s default (XCB) backend lists such
monitors; its legacy Xlib backend does not.

`TkProbe` runs ``tk_probe.py`` in its own process: a window covering the whole X screen
that writes one JSON line per click and key it receives, and the text it holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["MONITORS", "SCREEN", "MonitorSpec", "TkProbe", "XServer", "start_xvfb", "xvfb_missing"]


@dataclass(frozen=True)
class MonitorSpec:
    """One monitor as ``xrandr --setmonitor`` defines it, in X pixels."""

    name: str
    width: int
    height: int
    left: int
    top: int

    def geometry(self) -> str:
        # xrandr wants the physical size in mm too; ~96 dpi, which nothing here reads.
        return f"{self.width}/{round(self.width * 0.2646)}x{self.height}/{round(self.height * 0.2646)}+{self.left}+{self.top}"


SCREEN = (3200, 1400)
"""The X screen: room for a 1920x1080 monitor and a 1280x1024 one beside it, 300 px lower."""

MONITORS = (
    MonitorSpec("LEFT", 1920, 1080, 0, 0),
    MonitorSpec("RIGHT", 1280, 1024, 1920, 300),
)


def xvfb_missing() -> str | None:
    """Why the X tests cannot run here (a missing Debian package), or None."""
    for tool, package in (("Xvfb", "xvfb"), ("xrandr", "x11-xserver-utils"), ("xclip", "xclip")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package {package}; .ci/setup installs it)"
    return None


@dataclass
class XServer:
    """A running Xvfb: its ``DISPLAY`` string, its process and its monitors."""

    display: str
    process: subprocess.Popen[bytes]
    monitors: tuple[MonitorSpec, ...]
    size: tuple[int, int]

    def env(self, **extra: str) -> dict[str, str]:
        """``os.environ`` with this server's ``DISPLAY`` (and no Wayland), for a subprocess."""
        env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
        env["DISPLAY"] = self.display
        env.update(extra)
        return env


@contextmanager
def start_xvfb(
    size: tuple[int, int] = SCREEN,
    monitors: tuple[MonitorSpec, ...] = MONITORS,
    *,
    extra_args: tuple[str, ...] = (),
) -> Iterator[XServer]:
    """Run Xvfb for the ``with`` block, with ``monitors`` defined on it; stops it afterwards."""
    read_fd, write_fd = os.pipe()
    command = [
        "Xvfb",
        "-displayfd",
        str(write_fd),
        "-screen",
        "0",
        f"{size[0]}x{size[1]}x24",
        "-noreset",
        "-nolisten",
        "tcp",
        *extra_args,
    ]
    process = subprocess.Popen(
        command, pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    os.close(write_fd)
    try:
        number = _read_display_number(read_fd, process)
        server = XServer(f":{number}", process, monitors, size)
        for i, monitor in enumerate(monitors):
            # The first monitor takes the server's one output, so it is the one RandR calls
            # primary-capable; the others are outputless, as on a real setmonitor setup.
            output = "screen" if i == 0 else "none"
            _xrandr(server, "--setmonitor", monitor.name, monitor.geometry(), output)
        yield server
    finally:
        os.close(read_fd)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _read_display_number(fd: int, process: subprocess.Popen[bytes]) -> int:
    data = b""
    deadline = time.monotonic() + 15
    os.set_blocking(fd, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 64)
        except BlockingIOError:
            chunk = None
        if chunk:
            data += chunk
            if data.endswith(b"\n"):
                return int(data)
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"Xvfb exited with {process.returncode}: {err.strip()[-500:]}")
        time.sleep(0.02)
    raise RuntimeError("Xvfb did not report its display number within 15 s")


def _xrandr(server: XServer, *args: str) -> None:
    subprocess.run(["xrandr", *args], env=server.env(), check=True, capture_output=True, timeout=15)


class TkProbe:
    """A Tk window over the whole X screen that logs every click and key, in its own process.

    Each line of its log is JSON: ``{"event": "ready", ...}`` once the window is mapped and
    focused, ``{"event": "press", "x": X, "y": Y, "button": B}`` and ``"release"`` per
    mouse button (root coordinates, X pixels), ``{"event": "wheel", "button": 4..7, ...}``,
    ``{"event": "key", "keysym": ..., "char": ...}`` per key press, and ``{"event": "text",
    "text": ...}`` whenever the text box's content changes (typed or pasted).
    """

    def __init__(self, server: XServer, log: Path, *, title: str = "mimo-gui probe") -> None:
        self.log = log
        self.server = server
        script = Path(__file__).with_name("tk_probe.py")
        width, height = server.size
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(script),
                "--log",
                str(log),
                "--geometry",
                f"{width}x{height}+0+0",
                "--title",
                title,
            ],
            env=server.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.wait_for(lambda e: e["event"] == "ready", what="the probe window to appear")

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def clear(self) -> None:
        """Forget the events so far (the probe appends; this marks where to read from)."""
        self._skip = len(self.events())

    _skip = 0

    def new_events(self) -> list[dict[str, Any]]:
        return self.events()[self._skip :]

    def wait_for(self, match: Any, *, what: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first new event ``match`` accepts, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.new_events():
                if match(event):
                    return event
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"the Tk probe exited with {self.process.returncode}: {err[-800:]}")
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}; events: {self.new_events()[-10:]}")

    def text(self, expected: str, timeout: float = 10.0) -> str:
        """Wait until the text box holds ``expected`` (or time out), and return what it holds."""
        try:
            event = self.wait_for(
                lambda e: e["event"] == "text" and e["text"] == expected, what=repr(expected), timeout=timeout
            )
            return str(event["text"])
        except AssertionError:
            texts = [e["text"] for e in self.new_events() if e["event"] == "text"]
            return str(texts[-1]) if texts else ""

    def send(self, command: str) -> None:
        """One command to the probe: ``clear`` (empty the text box) or ``set TEXT`` (own the clipboard)."""
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
