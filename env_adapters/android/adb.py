"""Finding the adb server and the device, and running commands on it.

The server is found as adb and adbutils find it: arguments, else ``ANDROID_ADB_SERVER_HOST``/
``ANDROID_ADB_SERVER_PORT``, else 127.0.0.1:5037. It is probed with a plain TCP connect
first: adbutils, finding no server, would run ``adb start-server`` itself (``AdbConnection.
_safe_connect``), which starts one on adb's default port whatever port was asked for.

The device: the serial given, else ``ANDROID_SERIAL``, else the only device attached; none,
several, or one not attached is an error listing what is attached (``host:devices``).

Commands run over the ``shell,v2:`` service (AOSP ``packages/modules/adb/SERVICES.TXT``,
``shell_protocol.h``: packets of 1 byte id, 4-byte little-endian length, data; 1 stdout,
2 stderr, 3 exit code), so a failing command's exit code and stderr are seen; a device
without shell v2 (before Android 7) falls back to adbutils' ``shell2`` (v1 with an echoed
exit code). Binary output (``screencap``) comes over ``exec:`` (``adb exec-out``), which
carries bytes untouched where a v1 shell's pty would turn ``\\n`` into ``\\r\\n``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...actions import ActionFailed, ConfigError, EnvUnreachable
from .errors import adb_errors

if TYPE_CHECKING:
    from adbutils import AdbClient, AdbDevice

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Adb", "Result", "choose_serial", "connect", "server_address"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
_TIMEOUT = 60.0
"""Seconds a command may take: `uiautomator dump` on a busy phone takes several."""


@dataclass(frozen=True, slots=True)
class Result:
    """What a shell command gave back."""

    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def said(self) -> str:
        """Its output, stderr first, cut to one readable line for error messages."""
        text = " ".join((self.stderr.strip() + " " + self.stdout.strip()).split())
        return text[:300] or "nothing"


def server_address(host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """The adb server's (host, port): arguments, else the adb environment variables, else 127.0.0.1:5037.

    Raises:
        ConfigError: a port that is not a number in 1..65535.
    """
    host = host or os.environ.get("ANDROID_ADB_SERVER_HOST") or DEFAULT_HOST
    if port is None:
        raw = os.environ.get("ANDROID_ADB_SERVER_PORT")
        if raw:
            try:
                port = int(raw)
            except ValueError:
                raise ConfigError(f"ANDROID_ADB_SERVER_PORT={raw!r} is not a port number") from None
        else:
            port = DEFAULT_PORT
    if not 0 < port < 65536:
        raise ConfigError(f"adb server port {port} is not in 1..65535")
    return host, port


def probe(host: str, port: int, timeout: float = 3.0) -> None:
    """Connect once to see that a server listens.

    Raises:
        EnvUnreachable: nothing accepts connections at host:port.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise EnvUnreachable(
            f"no adb server at {host}:{port} ({exc.strerror or exc}): start it with `adb start-server`, "
            "or point ANDROID_ADB_SERVER_HOST/ANDROID_ADB_SERVER_PORT (--adb-host/--adb-port) at yours"
        ) from exc


def choose_serial(attached: list[tuple[str, str]], wanted: str | None) -> str:
    """The serial to drive: ``wanted`` (checked to be attached and ready) or the only ready device.

    Args:
        attached: (serial, state) pairs as ``host:devices`` lists them.
        wanted: the serial asked for (argument or ``ANDROID_SERIAL``), or None.

    Raises:
        EnvUnreachable: no device, several and none chosen, or the chosen one missing or not
            ready (``offline``, ``unauthorized``); the message lists what is attached.
    """
    listing = ", ".join(f"{s} ({state})" for s, state in attached) or "none"
    ready = [s for s, state in attached if state == "device"]
    if wanted is not None:
        states = dict(attached)
        if wanted not in states:
            raise EnvUnreachable(f"device {wanted!r} is not attached; attached: {listing}")
        if states[wanted] != "device":
            hint = (
                " (accept the USB debugging prompt on the phone)" if states[wanted] == "unauthorized" else ""
            )
            raise EnvUnreachable(f"device {wanted!r} is {states[wanted]}{hint}; attached: {listing}")
        return wanted
    if not ready:
        raise EnvUnreachable(f"no Android device is attached and ready; attached: {listing}")
    if len(ready) > 1:
        raise EnvUnreachable(
            f"{len(ready)} devices are attached: {listing}; choose one with --serial or ANDROID_SERIAL"
        )
    return ready[0]


class Adb:
    """One device through one adb server: commands in, output out, errors translated."""

    def __init__(self, client: AdbClient, device: AdbDevice, server: str) -> None:
        self.client = client
        self.device = device
        self.server = server
        self.serial: str = device.serial or ""
        self._v2 = True

    def run(self, command: str, *, doing: str, action: Any = None, check: bool = True) -> Result:
        """Run ``command`` in the device's shell.

        Raises:
            ActionFailed: with ``check``, a non-zero exit code; the message quotes the device.
            EnvUnreachable: the adb server went away.
        """
        with adb_errors(doing, self.server, action=action):
            result = self._shell_v2(command) if self._v2 else None
            if result is None:
                self._v2 = False
                raw = self.device.shell2(command, timeout=_TIMEOUT)
                result = Result(command, raw.returncode, raw.output, "")
        if check and result.returncode != 0:
            raise ActionFailed(
                f"{doing}: `{command[:120]}` exited {result.returncode}: {result.said}", action=action
            )
        return result

    def _shell_v2(self, command: str) -> Result | None:
        """Run over ``shell,v2:``; None when the device refuses that service (no shell v2)."""
        from adbutils.errors import AdbError

        conn = self.device.open_transport(timeout=_TIMEOUT)
        try:
            conn.send_command(f"shell,v2:{command}")
            try:
                conn.check_okay()
            except AdbError:
                return None
            out, err, code = bytearray(), bytearray(), 255
            while True:
                header = conn.read_exact(5)
                length = int.from_bytes(header[1:5], "little")
                data = conn.read_exact(length) if length else b""
                if header[0] == 1:
                    out += data
                elif header[0] == 2:
                    err += data
                elif header[0] == 3:
                    code = data[0] if data else 255
                    break
            return Result(command, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
        finally:
            conn.close()

    def exec_out(self, command: str, *, doing: str) -> bytes:
        """``adb exec-out command``: the raw bytes it wrote, untouched.

        Raises:
            ActionFailed: the device refused the service; EnvUnreachable: the server went away.
        """
        with adb_errors(doing, self.server):
            conn = self.device.open_transport(timeout=_TIMEOUT)
            try:
                conn.send_command(f"exec:{command}")
                conn.check_okay()
                data = conn.read_until_close(encoding=None)
            finally:
                conn.close()
        assert isinstance(data, bytes)
        return data


def connect(serial: str | None = None, host: str | None = None, port: int | None = None) -> Adb:
    """Find the server, choose the device, and hand back an `Adb` for it.

    Raises:
        ConfigError: adbutils is not installed; a bad port.
        EnvUnreachable: no server at host:port, or no device to choose (the message lists them).
    """
    try:
        import adbutils
    except ImportError as exc:
        raise ConfigError(
            "the Android env needs adbutils: pip install 'mimo-gui[android]' (or pip install adbutils)"
        ) from exc
    host, port = server_address(host, port)
    server = f"{host}:{port}"
    probe(host, port)
    wanted = serial or os.environ.get("ANDROID_SERIAL") or None
    client = adbutils.AdbClient(host=host, port=port, socket_timeout=_TIMEOUT)
    with adb_errors("cannot list the attached devices", server, fallback=EnvUnreachable):
        attached = [(info.serial, info.state) for info in client.list()]
    chosen = choose_serial(attached, wanted)
    with adb_errors(f"cannot open device {chosen}", server, fallback=EnvUnreachable):
        device = client.device(serial=chosen)
    return Adb(client, device, server)
