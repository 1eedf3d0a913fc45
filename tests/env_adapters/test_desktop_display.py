"""What `DesktopEnv` says when the display is missing, Wayland-only, not running or refusing us.

Each case runs in a fresh interpreter: pyautogui binds ``$DISPLAY`` when first imported,
so the in-process tests all share the session's X server. The child builds a
`DesktopEnv` and prints its error line (or ``OK`` and the monitors it found).

Auth cases start their own Xvfb with ``-auth FILE``: the server then admits only clients
presenting a cookie from FILE (Xserver(1), "-auth authorization-file"). The cookie file
is written in the Xauthority format (libXau's ``Xauth.h``: big-endian 16-bit family, then
address, display number, auth name and auth data, each a 16-bit length and its bytes)
with an empty display number, which libXau (xrandr) and python-xlib both take as "any
display": the display number is only known once Xvfb has picked it (``-displayfd``).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.xserver import XServer, start_xvfb

ROOT = Path(__file__).parents[2]

_CHILD = """
from mimo_gui.actions import MimoGuiError
from mimo_gui.env_adapters.desktop import DesktopEnv
try:
    env = DesktopEnv()
except MimoGuiError as exc:
    print(type(exc).__name__ + ": " + str(exc))
else:
    print("OK", env.settings()["monitors"])
    env.close()
"""


def _build(env: dict[str, str]) -> str:
    """Build a DesktopEnv in a fresh interpreter with ``env``; its one output line."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout + done.stderr
    return lines[0]


def _without_display(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY")}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def test_no_display_at_all(tmp_path: Path) -> None:
    line = _build(_without_display(tmp_path))
    assert line.startswith("EnvUnreachable: no display: DISPLAY is not set")


def test_wayland_without_xwayland(tmp_path: Path) -> None:
    line = _build(_without_display(tmp_path, WAYLAND_DISPLAY="wayland-0"))
    assert line.startswith("EnvUnreachable: this is a Wayland session without XWayland")
    assert "DISPLAY is not" in line


def test_a_display_with_no_server_is_named(tmp_path: Path) -> None:
    number = next(
        n
        for n in range(700, 800)
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists()
    )
    line = _build(_without_display(tmp_path, DISPLAY=f":{number}"))
    assert line.startswith(f"EnvUnreachable: cannot connect to the X server at DISPLAY=:{number}")
    assert "is an X server running there?" in line


def test_a_server_without_access_control_needs_no_xauthority_file(x_server: XServer, tmp_path: Path) -> None:
    # python-xlib connects without a cookie when ~/.Xauthority does not exist.
    assert not (tmp_path / ".Xauthority").exists()
    line = _build(_without_display(tmp_path, DISPLAY=x_server.display))
    assert line == "OK [[0, 0, 1920, 1080], [1920, 300, 1280, 1024]]"


def _cookie_file(path: Path) -> Path:
    def field(data: bytes) -> bytes:
        return struct.pack(">H", len(data)) + data

    family_local = 256  # FamilyLocal: a connection over the Unix socket, keyed by host name
    entry = (
        struct.pack(">H", family_local)
        + field(socket.gethostname().encode())
        + field(b"")  # display number: empty, any display
        + field(b"MIT-MAGIC-COOKIE-1")
        + field(os.urandom(16))
    )
    path.write_bytes(entry)
    return path


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[XServer, Path]]:
    """An Xvfb that admits only clients with the cookie in the file it returns."""
    cookie = _cookie_file(tmp_path_factory.mktemp("xauth") / "cookie")
    saved = os.environ.get("XAUTHORITY")
    os.environ["XAUTHORITY"] = str(cookie)  # for start_xvfb's own xrandr calls, then put back
    try:
        with start_xvfb(extra_args=("-auth", str(cookie))) as server:
            _restore(saved)
            yield server, cookie
    finally:
        _restore(saved)


def _restore(saved: str | None) -> None:
    if saved is None:
        os.environ.pop("XAUTHORITY", None)
    else:
        os.environ["XAUTHORITY"] = saved


def test_the_cookie_file_is_one_xauth_can_read(guarded_server: tuple[XServer, Path]) -> None:
    _, cookie = guarded_server
    listed = subprocess.run(["xauth", "-f", str(cookie), "list"], capture_output=True, text=True, timeout=10)
    assert "MIT-MAGIC-COOKIE-1" in listed.stdout, listed.stderr


def test_a_refusal_for_a_missing_xauthority_file_says_what_to_do(
    guarded_server: tuple[XServer, Path], tmp_path: Path
) -> None:
    server, _ = guarded_server
    missing = tmp_path / "no-such-cookie"
    line = _build(_without_display(tmp_path, DISPLAY=server.display, XAUTHORITY=str(missing)))
    assert line.startswith(f"EnvUnreachable: the X server at DISPLAY={server.display} refused the connection")
    assert "authorization" in line
    assert f"XAUTHORITY={missing} and that file does not exist" in line


def test_a_refusal_with_no_xauthority_at_all_names_the_variable(
    guarded_server: tuple[XServer, Path], tmp_path: Path
) -> None:
    server, _ = guarded_server
    line = _build(_without_display(tmp_path, DISPLAY=server.display))  # HOME has no .Xauthority
    assert "refused the connection: it wants authorization" in line
    assert "XAUTHORITY is not set, so ~/.Xauthority was read and that file does not exist" in line
    assert "point XAUTHORITY at the server's cookie file" in line


def test_the_right_cookie_gets_in(guarded_server: tuple[XServer, Path], tmp_path: Path) -> None:
    server, cookie = guarded_server
    line = _build(_without_display(tmp_path, DISPLAY=server.display, XAUTHORITY=str(cookie)))
    assert line == "OK [[0, 0, 1920, 1080], [1920, 300, 1280, 1024]]"
