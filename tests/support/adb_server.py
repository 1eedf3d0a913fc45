"""A real adb server for tests: the host smart-socket protocol over TCP, in front of `FakeDevice` phones.

adbutils (and the ``adb`` client) talk to the adb server on 127.0.0.1:5037 with the protocol in AOSP
``packages/modules/adb/OVERVIEW.TXT`` ("smart sockets"), ``SERVICES.TXT`` and ``SYNC.TXT``:

- a request is 4 ASCII hex digits of length, then the payload (``000chost:version``);
- the reply is ``OKAY``, or ``FAIL`` + 4 hex digits of length + message (``device 'X' not found``);
- ``host:version`` answers a hex block (``0029`` = 41); ``host:devices`` / ``host:devices-l`` a block of
  ``serial\\tdevice`` lines (``-l`` adds ``product: model: device: transport_id:``);
- ``host:transport:<serial>``, ``host:transport-id:<id>``, ``host:transport-any`` switch this socket to
  the device; the newer ``host:tport:serial:<serial>`` / ``host:tport:any`` forms answer OKAY then the
  transport id as 8 bytes little-endian (adbutils ``_device_base.py`` ``open_transport`` skips them);
- ``host-serial:<serial>:<request>`` / ``host-transport-id:<id>:<request>`` ask about one device
  (``features``, ``get-state``, ``get-serialno``, ``get-devpath``);
- on a device: ``shell:<cmd>`` (stdout and stderr raw, then close; with a command, adbd uses no pty,
  so no CRLF mangling), ``shell,v2:<cmd>`` (packets: id byte, 4-byte LE length, data; 1 stdout,
  2 stderr, 3 exit code; adbutils ``_shell_v2``), ``exec:<cmd>`` (raw, then close), and ``sync:``
  (``STAT``, ``RECV``, ``SEND``, ``LIST``, ``QUIT`` of ``SYNC.TXT``; adbutils ``sync.py``).

What adbutils 2.12 sends, by call (read from its source): ``device_list()`` -> ``host:devices``;
``shell()`` -> ``host:version`` then ``host:tport:serial:S`` then ``shell:CMD``; ``shell2(v2=True)``
adds ``host-serial:S:features`` and uses ``shell,v2:``; ``shell2()`` appends ``; echo X4EXIT:$?``;
``screenshot()`` -> ``screencap -p``; ``window_size()`` -> ``wm size`` + ``dumpsys display``;
``app_current()`` -> ``dumpsys window windows``; ``dump_hierarchy()`` -> ``rm -f F; uiautomator dump F
&& echo success`` then ``sync:`` ``RECV F``.

Usage::

    phone = FakeDevice("emulator-5554", Image.new("RGB", (1080, 2400), "white"))
    with serve_adb([phone]) as (host, port):
        adbutils.AdbClient(host, port).device("emulator-5554").click(10, 20)
    assert phone.taps == [(10, 20)]
"""

from __future__ import annotations

import select
import socket
import socketserver
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .adb_device import ADB_IME, DEFAULT_UI_XML, DIRS, FEATURES, NO_PERMISSIONS, FakeDevice
from .adb_shell import Io

__all__ = [
    "ADB_IME",
    "DEFAULT_UI_XML",
    "FEATURES",
    "NO_PERMISSIONS",
    "SERVER_VERSION",
    "FakeDevice",
    "serve_adb",
]

SERVER_VERSION = 41
_S_IFDIR, _S_IFREG = 0o040000, 0o100000

# The adb server's words when it will not hand out a transport (AOSP packages/modules/adb
# ``transport.cpp`` ``acquire_one_transport``; the no-permissions text is system/core
# ``diagnose_usb.cpp`` ``UsbNoPermissionsLongHelpText`` for a user in plugdev).
UNAUTHORIZED_ERROR = (
    "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set\n"
    "Try 'adb kill-server' if that seems wrong.\nOtherwise check for a confirmation dialog on your device."
)
NO_PERMISSIONS_ERROR = (
    "insufficient permissions for device: user in plugdev group; are your udev rules wrong?\n"
    "See [http://developer.android.com/tools/device.html] for more information"
)
_NOT_READY = {
    "unauthorized": UNAUTHORIZED_ERROR,
    "offline": "device offline",
    "authorizing": "device still authorizing",
    "connecting": "device still connecting",
}


class _Closed(Exception):
    """The client went away mid-request."""


class _Handler(socketserver.BaseRequestHandler):
    server: _AdbServer

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise _Closed
            data += chunk
        return data

    def _send(self, data: bytes) -> None:
        self.request.sendall(data)

    def _okay(self, block: str | None = None) -> None:
        self._send(b"OKAY" + (b"" if block is None else _block(block)))

    def _fail(self, message: str) -> None:
        self._send(b"FAIL" + _block(message))

    def _client_closed(self) -> bool:
        try:
            readable, _, _ = select.select([self.request], [], [], 0)
            return bool(readable) and not self.request.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def handle(self) -> None:
        try:
            device: FakeDevice | None = None
            while True:
                request = self._read(int(self._read(4), 16)).decode("utf-8")
                if device is None:
                    device, done = self._host(request)
                    if done:
                        return
                else:
                    self._device_service(device, request)
                    return
        except (_Closed, ConnectionError, BrokenPipeError, ValueError):
            return

    # --- host services -------------------------------------------------------------------------------

    def _host(self, request: str) -> tuple[FakeDevice | None, bool]:
        """Answer a host request; return (device now selected, whether the connection is finished)."""
        devices = self.server.devices
        if request == "host:version":
            self._okay(f"{SERVER_VERSION:04x}")
            return None, True
        if request == "host:devices":
            self._okay("".join(f"{d.serial}\t{d.state}\n" for d in devices))
            return None, True
        if request == "host:devices-l":
            self._okay(
                "".join(
                    f"{d.serial:<22} {d.state}"
                    + (" product:panther model:Pixel_7 device:panther" if d.state == "device" else "")
                    + f" transport_id:{d.transport_id}\n"
                    for d in devices
                )
            )
            return None, True
        if request == "host:host-features":  # the server's own features, not a device's
            self._okay(FEATURES + ",push_sync")
            return None, True
        for prefix, tport in (
            ("host:transport:", False),
            ("host:tport:serial:", True),
            ("host:transport-id:", False),
            ("host:tport:id:", True),
        ):
            if request.startswith(prefix):
                key = request[len(prefix) :]
                found = self.server.acquire(key, by_id="id" in prefix)
                if isinstance(found, str):
                    self._fail(found)
                    return None, True
                self._okay()
                if tport:
                    self._send(struct.pack("<Q", found.transport_id))
                return found, False
        if request in ("host:transport-any", "host:tport:any"):
            found = self.server.acquire(None, by_id=False)
            if isinstance(found, str):
                self._fail(found)
                return None, True
            self._okay()
            if request == "host:tport:any":
                self._send(struct.pack("<Q", found.transport_id))
            return found, False
        if request.startswith(("host-serial:", "host-transport-id:", "host:")):
            # host-serial:S:features asks about S; host:features about the only device (adb.cpp
            # handle_host_request: acquire_one_transport with kTransportAny).
            if request.startswith("host:"):
                query = request[len("host:") :]
                found = self.server.acquire(None, by_id=False, any_state=query == "get-state")
            else:
                by_id = request.startswith("host-transport-id:")
                rest = request.split(":", 1)[1]
                found, query = self.server.split_prefixed(
                    rest, by_id=by_id, any_state=rest.endswith(":get-state")
                )
            if query not in ("features", "get-state", "get-serialno", "get-devpath"):
                self._fail(f"unknown host service '{request}'")
                return None, True
            if isinstance(found, str):
                self._fail(found)
                return None, True
            answers = {
                "features": found.features,
                "get-state": found.state,
                "get-serialno": found.serial,
                "get-devpath": "usb:1-1",
            }
            self._okay(answers[query])
            return None, True
        self._fail(f"unknown host service '{request}'")
        return None, True

    # --- device services -----------------------------------------------------------------------------

    def _device_service(self, device: FakeDevice, request: str) -> None:
        if request.startswith(("shell:", "shell,")):
            options, _, command = request.partition(":")
            if "v2" in options.split(","):
                if "shell_v2" not in device.features.split(","):
                    # adbd before Android 7 knows no shell,v2: and closes the stream unopened.
                    self._fail("closed")
                    return
                self._okay()
                self._shell_v2(device, command)
            else:
                self._okay()
                device.run_shell(command, Io(out=self._send, err=self._send, closed=self._client_closed))
            return
        if request.startswith("exec:"):
            self._okay()
            # adbd's exec: (SubprocessProtocol::kNone) sends stdout and stderr down the one socket.
            device.run_shell(request[5:], Io(out=self._send, err=self._send, closed=self._client_closed))
            return
        if request == "sync:":
            self._okay()
            self._sync(device)
            return
        self._fail("closed")

    def _shell_v2(self, device: FakeDevice, command: str) -> None:
        def packet(kind: int) -> object:
            return lambda data: data and self._send(bytes([kind]) + struct.pack("<I", len(data)) + data)

        status = device.run_shell(
            command,
            Io(out=packet(1), err=packet(2), closed=self._client_closed),  # type: ignore[arg-type]
        )
        self._send(bytes([3]) + struct.pack("<I", 1) + bytes([status & 0xFF]))

    def _sync(self, device: FakeDevice) -> None:
        while True:
            ident = self._read(4)
            length = struct.unpack("<I", self._read(4))[0]
            arg = self._read(length).decode("utf-8") if ident != b"DONE" else ""
            files = device.files
            if ident == b"QUIT":
                return
            if ident == b"STAT":
                if arg in DIRS:
                    self._send(b"STAT" + struct.pack("<III", _S_IFDIR | 0o771, 4096, 1700000000))
                elif arg in files:
                    self._send(b"STAT" + struct.pack("<III", _S_IFREG | 0o644, len(files[arg]), 1700000000))
                else:
                    self._send(b"STAT" + struct.pack("<III", 0, 0, 0))
            elif ident == b"RECV":
                if arg not in files:
                    msg = b"open failed: No such file or directory"
                    self._send(b"FAIL" + struct.pack("<I", len(msg)) + msg)
                    continue
                data = files[arg]
                for k in range(0, len(data), 64 * 1024):
                    chunk = data[k : k + 64 * 1024]
                    self._send(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
                self._send(b"DONE" + struct.pack("<I", 0))
            elif ident == b"SEND":
                path = arg.rsplit(",", 1)[0]
                content = b""
                while True:
                    kind = self._read(4)
                    size = struct.unpack("<I", self._read(4))[0]
                    if kind == b"DONE":
                        break
                    content += self._read(size)
                files[path] = content
                self._send(b"OKAY" + struct.pack("<I", 0))
            elif ident == b"LIST":
                prefix = arg.rstrip("/") + "/"
                for path, data in files.items():
                    if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                        name = path[len(prefix) :].encode()
                        head = struct.pack("<IIII", _S_IFREG | 0o644, len(data), 1700000000, len(name))
                        self._send(b"DENT" + head + name)
                self._send(b"DONE" + bytes(16))
            else:
                msg = f"unknown sync request {ident!r}".encode()
                self._send(b"FAIL" + struct.pack("<I", len(msg)) + msg)
                return


def _block(text: str) -> bytes:
    data = text.encode("utf-8")
    return f"{len(data):04x}".encode() + data


class _AdbServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, devices: list[FakeDevice]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.devices = devices
        for k, d in enumerate(devices, start=1):
            d.transport_id = k

    def acquire(self, key: str | None, *, by_id: bool, any_state: bool = False) -> FakeDevice | str:
        """The device for a serial, a transport id or (None) the only one, or the server's FAIL message.

        As AOSP ``acquire_one_transport``: a device without permissions is never handed out
        (the error says why); one found in another state than ``device`` is refused with
        that state's words unless ``any_state`` (``get-state`` accepts any).
        """
        if by_id:
            error = f"no device with transport id '{key}'"
        elif key is not None:
            error = f"device '{key}' not found"
        else:
            error = "no devices/emulators found"
        result: FakeDevice | None = None
        for d in self.devices:
            if d.state.startswith("no permissions"):
                error = NO_PERMISSIONS_ERROR
                continue
            if key is None:
                if result is not None:
                    return "more than one device/emulator"
                result = d
            elif (str(d.transport_id) if by_id else d.serial) == key:
                result = d
                break
        if result is None:
            return error
        if not any_state and result.state != "device":
            return _NOT_READY.get(result.state, f"device {result.state}")
        return result

    def split_prefixed(
        self, rest: str, *, by_id: bool, any_state: bool = False
    ) -> tuple[FakeDevice | str, str]:
        """Split ``<serial>:<request>``; serials may hold colons (``192.168.1.5:5555``), as adb allows."""
        for d in self.devices:
            key = str(d.transport_id) if by_id else d.serial
            if rest.startswith(key + ":"):
                return self.acquire(key, by_id=by_id, any_state=any_state), rest[len(key) + 1 :]
        key, _, query = rest.rpartition(":")
        return self.acquire(key, by_id=by_id, any_state=any_state), query


@contextmanager
def serve_adb(devices: list[FakeDevice]) -> Iterator[tuple[str, int]]:
    """Serve ``devices`` as an adb server on a free 127.0.0.1 port for the block; yields (host, port)."""
    server = _AdbServer(devices)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="adb-double", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield str(host), int(port)
    finally:
        server.shutdown()
        server.server_close()
