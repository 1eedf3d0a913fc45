"""Finding the adb server and the device, and running commands on it.

The server is found as adb and adbutils find it: arguments, else ``ANDROID_ADB_SERVER_HOST``/
``ANDROID_ADB_SERVER_PORT``, else 127.0.0.1:5037. It is probed with a plain TCP connect
first: adbutils, finding no server, would run ``adb start-server`` itself (``AdbConnection.
_safe_connect``), which starts one on adb's default port whatever port was asked for.

The device: the serial given, else ``ANDROID_SERIAL``, else the only device attached; none,
several, or one not attached is an error listing what is attached (``host:devices``).

The device list is read raw (``host:devices``, ``SERIAL\\tSTATE`` lines): adbutils' ``list()``
splits lines on whitespace, which cuts ``no permissions (user in plugdev group; …)`` to ``no``.
A device that is listed but not ready (``unauthorized``, ``offline``, ``no permissions``, …)
is refused with one line naming it, its state and what to do (`errors.not_ready`).

Commands run over the ``shell,v2:`` service when the device's features
(``host-serial:S:features``, what ``adb`` and adbutils' ``shell2(v2=True)`` check) include
``shell_v2`` (AOSP ``packages/modules/adb/SERVICES.TXT``, ``shell_protocol.h``: packets of 1
byte id, 4-byte little-endian length, data; 1 stdout, 2 stderr, 3 exit code), so a failing
command's exit code and stderr are seen. Without it (adbd before Android 7) they run over v1
``shell:`` with ``; echo MIMO_GUI_EXIT:$?`` appended, the exit status read back from the
last marker (the trick adbutils' ``_shell_v1`` uses); stderr then arrives mixed into stdout.
The features are read once per connection. Binary output (``screencap``) comes over ``exec:``
(``adb exec-out``, Android 5 and later), which carries bytes untouched where a v1 shell's pty
would turn ``\\n`` into ``\\r\\n``.

Several devices can be driven at once, one `Adb` each: an `Adb` holds its own `AdbClient`
and opens a fresh connection to the server for every command, so nothing is shared
between them but the server.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...actions import ActionFailed, ConfigError, EnvUnreachable
from .errors import adb_errors, not_ready, state_hint, state_name

if TYPE_CHECKING:
    from adbutils import AdbClient, AdbDevice

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "EXIT_MARK",
    "Adb",
    "Result",
    "choose_serial",
    "connect",
    "parse_devices",
    "server_address",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5037
_TIMEOUT = 60.0
"""Seconds a command may take: `uiautomator dump` on a busy phone takes several."""

EXIT_MARK = "MIMO_GUI_EXIT:"
"""Printed with the exit status after a command on a v1 shell, which reports none itself."""


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


def parse_devices(listing: str) -> list[tuple[str, str]]:
    """``host:devices`` text -> (serial, state) pairs; the state may hold spaces (``no permissions (…)``)."""
    pairs: list[tuple[str, str]] = []
    for line in listing.splitlines():
        serial, tab, state = line.partition("\t")
        if not tab:  # not adb's own format: fall back to the first word as the state
            serial, _, state = line.strip().partition(" ")
        if serial.strip():
            pairs.append((serial.strip(), state.strip() or "unknown"))
    return pairs


def choose_serial(attached: list[tuple[str, str]], wanted: str | None) -> str:
    """The serial to drive: ``wanted`` (checked to be attached and ready) or the only ready device.

    Args:
        attached: (serial, state) pairs as ``host:devices`` lists them.
        wanted: the serial asked for (argument or ``ANDROID_SERIAL``), or None.

    Raises:
        EnvUnreachable: no device, several and none chosen, or the chosen (or only) one
            missing or not ready (``offline``, ``unauthorized``, ``no permissions``); the
            message names its state and what to do, and lists what is attached.
    """
    listing = ", ".join(f"{s} ({state_name(state)})" for s, state in attached) or "none"
    ready = [s for s, state in attached if state == "device"]
    states = dict(attached)
    if wanted is not None:
        if wanted not in states:
            raise EnvUnreachable(f"device {wanted!r} is not attached; attached: {listing}")
        if states[wanted] != "device":
            raise EnvUnreachable(f"{not_ready(wanted, states[wanted])}; attached: {listing}")
        return wanted
    if not ready:
        if len(attached) == 1:
            serial, state = attached[0]
            raise EnvUnreachable(f"{not_ready(serial, state)} (the only device attached)")
        hints = "; ".join(dict.fromkeys(f"{state_name(st)}: {state_hint(st)}" for _, st in attached))
        raise EnvUnreachable(
            f"no Android device is attached and ready; attached: {listing}" + (f"; {hints}" if hints else "")
        )
    if len(ready) > 1:
        raise EnvUnreachable(
            f"{len(ready)} devices are attached: {listing}; choose one with --serial or ANDROID_SERIAL"
        )
    return ready[0]


class Adb:
    """One device through one adb server: commands in, output out, errors translated.

    Args:
        features: the device's adb features (``host-serial:S:features``); ``shell_v2`` among
            them selects the v2 shell, else commands run over v1 with an echoed exit status.
    """

    def __init__(self, client: AdbClient, device: AdbDevice, server: str, features: frozenset[str]) -> None:
        self.client = client
        self.device = device
        self.server = server
        self.serial: str = device.serial or ""
        self.features = features
        self.shell_v2 = "shell_v2" in features

    def run(self, command: str, *, doing: str, action: Any = None, check: bool = True) -> Result:
        """Run ``command`` in the device's shell.

        Raises:
            ActionFailed: with ``check``, a non-zero exit code; the message quotes the device.
                On a v1 shell, also output that ends without the exit status.
            EnvUnreachable: the adb server or the device went away.
        """
        with adb_errors(doing, self.server, action=action, serial=self.serial):
            result = self._shell_v2(command) if self.shell_v2 else self._shell_v1(command)
        if result is None:
            raise ActionFailed(
                f"{doing}: `{command[:120]}` ended without an exit status on the v1 shell "
                "(the connection closed early)",
                action=action,
            )
        if check and result.returncode != 0:
            raise ActionFailed(
                f"{doing}: `{command[:120]}` exited {result.returncode}: {result.said}", action=action
            )
        return result

    def _shell_v1(self, command: str) -> Result | None:
        """Run over v1 ``shell:``, the exit status echoed after the output; None when it never came."""
        raw = self.device.shell(f"{command}; echo {EXIT_MARK}$?", timeout=_TIMEOUT, encoding=None)
        assert isinstance(raw, bytes)
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
        at = text.rfind(EXIT_MARK)
        tail = text[at + len(EXIT_MARK) :].strip() if at >= 0 else ""
        if not tail.isdigit():
            return None
        return Result(command, int(tail), text[:at], "")

    def _shell_v2(self, command: str) -> Result:
        """Run over ``shell,v2:``: stdout, stderr and the exit code kept apart."""
        conn = self.device.open_transport(timeout=_TIMEOUT)
        try:
            conn.send_command(f"shell,v2:{command}")
            conn.check_okay()
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
        with adb_errors(doing, self.server, serial=self.serial):
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
    with (
        adb_errors("cannot list the attached devices", server, fallback=EnvUnreachable),
        client.make_connection(timeout=_TIMEOUT) as conn,
    ):
        conn.send_command("host:devices")
        conn.check_okay()
        attached = parse_devices(conn.read_string_block())
    chosen = choose_serial(attached, wanted)
    with adb_errors(f"cannot open device {chosen}", server, fallback=EnvUnreachable, serial=chosen):
        device = client.device(serial=chosen)
        features = frozenset(f for f in device.get_features().split(",") if f)
    return Adb(client, device, server, features)
