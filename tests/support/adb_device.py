"""One phone of the adb test double: its screen, its state, and the commands it answers as Android does.

Output formats follow the Android tools that print them (AOSP ``frameworks/base``):

- ``wm size`` / ``wm density`` (``WindowManagerShellCommand``): ``Physical size: 1080x2400``, then
  ``Override size: 720x1600`` when one is set; ``Physical density: 420``, ``Override density: 320``.
- ``dumpsys window`` (``WindowManagerService``/``DisplayContent``): ``mCurrentFocus=Window{hash u0
  pkg/full.Activity}``, ``mFocusedApp=ActivityRecord{hash u0 pkg/.Activity t12}``,
  ``mCurrentRotation=ROTATION_90``, ``DisplayFrames w=.. h=.. r=1``.
- ``dumpsys display`` (``DisplayManagerService``): ``DisplayViewport{type=INTERNAL, valid=true, ...,
  orientation=N, ..., deviceWidth=W, deviceHeight=H}`` (adbutils ``shell.py`` ``rotation()``
  reads the first ``orientation=``).
- ``dumpsys activity activities``: ``mResumedActivity: ActivityRecord{hash u0 pkg/.Activity t12}``;
  ``dumpsys activity top``: ``ACTIVITY pkg/.Activity hash pid=N``.
- ``input`` (``cmds/input`` ``Input.java``, since Android 11 ``InputShellCommand.java``): ``text``
  types only its first argument, turning each ``%s`` into a space (the loop in ``sendText``);
  characters the virtual keyboard's ``KeyCharacterMap`` cannot map (non-ASCII) make ``getEvents``
  return null and the command die with a ``NullPointerException``, typing nothing.
- ``uiautomator dump [FILE]`` (``cmds/uiautomator`` ``DumpCommand.java``): writes the XML (default
  ``/sdcard/window_dump.xml``) and prints ``UI hierchary dumped to: FILE`` (sic).
- ``dumpsys input``'s ``RecentQueue`` (frameworks/native ``InputDispatcher::dumpDispatchStateLocked``,
  ``MotionEntry::getDescription`` in ``dispatcher/Entry.cpp``): the last 10 events, oldest first, one
  ``MotionEvent(deviceId=-1, eventTime=NS, source=..., displayId=0, action=DOWN, ..., pointers=[0: (X, Y)]),
  policyFlags=0x..., age=Nms`` line each; a bare ``MotionEvent, age=Nms`` on a user build
  (``ro.debuggable`` 0). Android 13 on (``transformMotionEntryForInjectionLocked``) keeps an injected
  pointer in the physical display's space (natural orientation, panel pixels); Android 12 keeps it as
  sent, and prints ``source=0x00001002``. ``input tap`` is injected above the kernel, so ``getevent``
  (reading ``/dev/input``) never shows it: the double has no getevent.
- ADB Keyboard (github.com/senzhk/ADBKeyBoard): ``am broadcast -a ADB_INPUT_B64 --es msg <base64>``
  types the UTF-8 text, when ``com.android.adbkeyboard/.AdbIME`` is the selected input method.
"""

from __future__ import annotations

import base64
import binascii
import io
import threading
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from .adb_shell import Io, Shell

__all__ = ["ADB_IME", "DEFAULT_UI_XML", "FEATURES", "NO_PERMISSIONS", "FakeDevice"]

# What a current adbd advertises (``host-serial:S:features``; AOSP ``transport.cpp`` kFeature*).
FEATURES = (
    "shell_v2,cmd,stat_v2,ls_v2,fixed_push_mkdir,apex,abb,fixed_push_symlink_timestamp,abb_exec,"
    "remount_shell,track_app,sendrecv_v2,sendrecv_v2_brotli,sendrecv_v2_lz4,sendrecv_v2_zstd"
)
# How ``host:devices`` lists a USB device the server may not open (AOSP system/core
# ``diagnose_usb.cpp`` UsbNoPermissionsShortHelpText, for a user in plugdev).
NO_PERMISSIONS = (
    "no permissions (user in plugdev group; are your udev rules wrong?); "
    "see [http://developer.android.com/tools/device.html]"
)

ADB_IME = "com.android.adbkeyboard/.AdbIME"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"
RECENT_QUEUE_MAX_SIZE = 10  # InputDispatcher.cpp
DIRS = {"/", "/sdcard", "/sdcard/Download", "/data", "/data/local", "/data/local/tmp", "/dev"}

DEFAULT_UI_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
    '<hierarchy rotation="0">'
    '<node index="0" text="" resource-id="" class="android.widget.FrameLayout" package="com.example.app" '
    'content-desc="" clickable="false" enabled="true" bounds="[0,0][1080,2400]">'
    '<node index="0" text="Search" resource-id="com.example.app:id/search" class="android.widget.EditText" '
    'package="com.example.app" content-desc="" clickable="true" enabled="true" bounds="[40,200][1040,320]" />'
    '<node index="1" text="" resource-id="com.example.app:id/ok" class="android.widget.Button" '
    'package="com.example.app" content-desc="OK button" clickable="true" enabled="true" '
    'bounds="[340,1000][740,1160]" />'
    "</node></hierarchy>"
)


def android_input_text(argument: str) -> str:
    """What Android's ``input text ARG`` types for ``ARG``: a port of the loop in AOSP
    ``InputShellCommand.sendText``, where a ``%`` followed by ``s`` becomes one space
    (``%%s`` types ``%`` and a space: there is no escape)."""
    buff = list(argument)
    escape = False
    i = 0
    while i < len(buff):
        if escape:
            escape = False
            if buff[i] == "s":
                buff[i] = " "
                del buff[i - 1]
                i -= 1
        if buff[i] == "%":
            escape = True
        i += 1
    return "".join(buff)


def _num(text: str) -> float:
    return float(text)  # Input.java parses coordinates with Float.parseFloat


class FakeDevice:
    """A phone as adb sees it. Read ``commands``, ``typed``, ``taps``, ``keys``, ``swipes`` in tests."""

    def __init__(
        self,
        serial: str,
        screen: Image.Image,
        *,
        wm_size: tuple[int, int] = (1080, 2400),
        override_size: tuple[int, int] | None = None,
        density: int = 420,
        override_density: int | None = None,
        orientation: int = 0,
        focus: str = "com.example.app/.MainActivity",
        packages: dict[str, str] | None = None,
        ui_xml: str | None = DEFAULT_UI_XML,
        adb_keyboard: bool = False,
        debuggable: bool = True,
        state: str = "device",
        features: str = FEATURES,
        sdk: int = 34,
    ) -> None:
        """``state``: as ``host:devices`` lists it (``device``, ``unauthorized``, ``offline``,
        `NO_PERMISSIONS`, ...); the server refuses every other request for a device not in
        ``device`` state, with adb's words. ``features``: what adbd advertises (drop
        ``shell_v2`` for a device before Android 7: ``shell,v2:`` is then refused). ``sdk``:
        ``ro.build.version.sdk``; below 33 ``input keycombination`` does not exist."""
        self.serial = serial
        self.screen = screen
        self.wm_size = wm_size
        self.override_size = override_size
        self.density = density
        self.override_density = override_density
        self.orientation = orientation
        self.focus = focus
        self.packages = dict(packages if packages is not None else {"com.example.app": "Example"})
        self.ui_xml = ui_xml
        self.adb_keyboard = adb_keyboard
        self.debuggable = debuggable  # ro.debuggable: an emulator or userdebug build
        self.state = state
        self.features = features
        self.sdk = sdk
        self.ime = ADB_IME if adb_keyboard else LATIN_IME
        self.commands: list[str] = []
        self.typed: list[str] = []
        self.taps: list[tuple[int, int]] = []
        self.swipes: list[tuple[int, int, int, int, int]] = []
        self.keys: list[str] = []
        self.chords: list[tuple[str, ...]] = []  # input keycombination, key codes in order
        self.broadcasts: list[list[str]] = []
        self.files: dict[str, bytes] = {}
        self.transport_id = 0  # set by serve_adb
        # Touch gestures in device order, for dumpsys input: (time, [(x, y), ...] points of one stroke).
        self._strokes: list[tuple[float, list[tuple[float, float]]]] = []
        self.lock = threading.RLock()
        self._started = time.monotonic()

    # --- the shell ---------------------------------------------------------------------------------

    def run_shell(self, command: str, io_: Io) -> int:
        """Run one ``shell:``/``exec:`` command line as ``/system/bin/sh -c`` would; record it first."""
        with self.lock:
            self.commands.append(command)
        return Shell(self._lookup, self.files).run(command, io_)

    def _lookup(self, name: str) -> Callable[[list[str], Io], int] | None:
        fn: Any = getattr(self, "_cmd_" + name.replace("-", "_"), None) if name.isidentifier() else None
        if fn is None and name.startswith("/system/bin/"):
            return self._lookup(name.rsplit("/", 1)[1])
        return fn  # type: ignore[no-any-return]

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.screen.save(buf, format="PNG")
        return buf.getvalue()

    # --- shell builtins and toybox -----------------------------------------------------------------

    def _cmd_echo(self, argv: list[str], io_: Io) -> int:
        args = argv[1:]
        newline = True
        if args[:1] == ["-n"]:
            newline, args = False, args[1:]
        io_.out((" ".join(args) + ("\n" if newline else "")).encode())
        return 0

    def _cmd_true(self, argv: list[str], io_: Io) -> int:
        return 0

    def _cmd_false(self, argv: list[str], io_: Io) -> int:
        return 1

    def _cmd_sleep(self, argv: list[str], io_: Io) -> int:
        return 0  # the double's time does not pass; nothing waits on it

    def _cmd_cat(self, argv: list[str], io_: Io) -> int:
        if len(argv) == 1:
            io_.out(io_.stdin)
            return 0
        status = 0
        for path in argv[1:]:
            if path in self.files:
                io_.out(self.files[path])
            else:
                io_.err(f"cat: {path}: No such file or directory\n".encode())
                status = 1
        return status

    def _cmd_rm(self, argv: list[str], io_: Io) -> int:
        force = "-f" in argv or "-rf" in argv
        status = 0
        for path in (a for a in argv[1:] if not a.startswith("-")):
            if self.files.pop(path, None) is None and not force:
                io_.err(f"rm: {path}: No such file or directory\n".encode())
                status = 1
        return status

    def props(self) -> dict[str, str]:
        """The system properties ``getprop`` lists."""
        return {
            "ro.product.model": "Pixel 7",
            "ro.product.name": "panther",
            "ro.product.device": "panther",
            "ro.build.version.sdk": str(self.sdk),
            "ro.build.version.release": "14",
            "ro.serialno": self.serial,
            "ro.debuggable": "1" if self.debuggable else "0",
        }

    def _cmd_getprop(self, argv: list[str], io_: Io) -> int:
        props = self.props()
        if len(argv) > 1:
            io_.out((props.get(argv[1], "") + "\n").encode())
        else:
            io_.out("".join(f"[{k}]: [{v}]\n" for k, v in props.items()).encode())
        return 0

    def _cmd_settings(self, argv: list[str], io_: Io) -> int:
        if argv[1:4] == ["get", "secure", "default_input_method"]:
            io_.out((self.ime + "\n").encode())
            return 0
        io_.out(b"null\n")
        return 0

    # --- screen and geometry -----------------------------------------------------------------------

    def _cmd_screencap(self, argv: list[str], io_: Io) -> int:
        args = [a for a in argv[1:] if a != "-p"]
        if "-d" in args:
            k = args.index("-d")
            del args[k : k + 2]
        png = "-p" in argv or (args and args[0].endswith(".png"))
        with self.lock:
            image = self.screen
        if png:
            data = self.png()
        else:  # raw: width, height, format (1 = RGBA_8888), dataspace, then pixels (screencap.cpp)
            rgba = image.convert("RGBA")
            w, h = rgba.size
            data = b"".join(v.to_bytes(4, "little") for v in (w, h, 1, 0)) + rgba.tobytes()
        if args:
            self.files[args[0]] = data
        else:
            io_.out(data)
        return 0

    def _cmd_wm(self, argv: list[str], io_: Io) -> int:
        sub = argv[1] if len(argv) > 1 else ""
        if sub == "size" and len(argv) == 2:
            w, h = self.wm_size
            text = f"Physical size: {w}x{h}\n"
            if self.override_size:
                text += "Override size: {}x{}\n".format(*self.override_size)
            io_.out(text.encode())
            return 0
        if sub == "density" and len(argv) == 2:
            text = f"Physical density: {self.density}\n"
            if self.override_density:
                text += f"Override density: {self.override_density}\n"
            io_.out(text.encode())
            return 0
        io_.err(f"Error: unknown or unsupported wm command: {' '.join(argv[1:])}\n".encode())
        return 255

    def _focus_parts(self) -> tuple[str, str, str]:
        pkg, _, act = self.focus.partition("/")
        full = pkg + act if act.startswith(".") else act
        short = act if act.startswith(".") else (act[len(pkg) :] if act.startswith(pkg + ".") else act)
        return pkg, full, short

    def logical_size(self) -> tuple[int, int]:
        """Size of the display in the current orientation (override size when set)."""
        w, h = self.override_size or self.wm_size
        return (h, w) if self.orientation % 2 else (w, h)

    def _cmd_dumpsys(self, argv: list[str], io_: Io) -> int:
        service = argv[1] if len(argv) > 1 else ""
        pkg, full, short = self._focus_parts()
        w, h = self.logical_size()
        if service == "input":
            io_.out(self._dumpsys_input().encode())
            return 0
        if service == "window":
            io_.out(
                (
                    "WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
                    f"  Window #0 Window{{5e1b2c3 u0 {pkg}/{full}}}:\n"
                    f"  mCurrentFocus=Window{{5e1b2c3 u0 {pkg}/{full}}}\n"
                    f"  mFocusedApp=ActivityRecord{{8a7d6c5 u0 {pkg}/{short} t12}}\n"
                    "WINDOW MANAGER DISPLAY CONTENTS (dumpsys window displays)\n"
                    f"  Display: mDisplayId=0 rotation={self.orientation}\n"
                    f"    mCurrentRotation=ROTATION_{self.orientation * 90}\n"
                    f"    DisplayFrames w={w} h={h} r={self.orientation}\n"
                ).encode()
            )
            return 0
        if service == "display":
            pw, ph = (self.wm_size[1], self.wm_size[0]) if self.orientation % 2 else self.wm_size
            io_.out(
                (
                    "DISPLAY MANAGER (dumpsys display)\n"
                    "  mViewports=[DisplayViewport{type=INTERNAL, valid=true, isActive=true, displayId=0, "
                    f"uniqueId='local:4619827259835644672', physicalPort=0, orientation={self.orientation}, "
                    f"logicalFrame=Rect(0, 0 - {w}, {h}), physicalFrame=Rect(0, 0 - {pw}, {ph}), "
                    f"deviceWidth={pw}, deviceHeight={ph}}}]\n"
                ).encode()
            )
            return 0
        if service == "activity" and argv[2:3] == ["top"]:
            io_.out(f"TASK 12:{pkg}\n  ACTIVITY {pkg}/{short} 8a7d6c5 pid=12345\n".encode())
            return 0
        if service == "activity":
            io_.out(
                (
                    "ACTIVITY MANAGER ACTIVITIES (dumpsys activity activities)\n"
                    f"    mResumedActivity: ActivityRecord{{8a7d6c5 u0 {pkg}/{short} t12}}\n"
                    f"  ResumedActivity: ActivityRecord{{8a7d6c5 u0 {pkg}/{short} t12}}\n"
                ).encode()
            )
            return 0
        io_.out(f"Can't find service: {service}\n".encode())
        return 0

    # --- input -------------------------------------------------------------------------------------

    def _cmd_input(self, argv: list[str], io_: Io) -> int:
        args = argv[1:]
        if args and args[0] in ("touchscreen", "touchpad", "keyboard", "mouse", "dpad", "stylus"):
            args = args[1:]
        if args[:1] == ["-d"]:
            args = args[2:]
        if not args:
            io_.err(b"Usage: input [<source>] [-d DISPLAY_ID] <command> [<arg>...]\n")
            return 1
        sub, rest = args[0], args[1:]
        try:
            if sub == "tap" and len(rest) == 2:
                x, y = _num(rest[0]), _num(rest[1])
                with self.lock:
                    self.taps.append((int(x), int(y)))
                    self._strokes.append((time.monotonic(), [(x, y)]))
                return 0
            if sub in ("swipe", "draganddrop") and len(rest) in (4, 5):
                x1, y1, x2, y2 = (_num(v) for v in rest[:4])
                ms = int(rest[4]) if len(rest) == 5 else 300
                with self.lock:
                    self.swipes.append((int(x1), int(y1), int(x2), int(y2), ms))
                    self._strokes.append((time.monotonic(), [(x1, y1), (x2, y2)]))
                return 0
        except ValueError as e:
            io_.err(f"Error: Invalid arguments for command: {sub}\n{e}\n".encode())
            return 1
        if sub == "keyevent" and rest:
            keys = [k for k in rest if k not in ("--longpress", "--doubletap")]
            with self.lock:
                self.keys.extend(keys)
            return 0
        if sub == "text" and rest:
            return self._input_text(rest[0], io_)
        if sub == "keycombination":
            return self._input_keycombination(rest, io_)
        io_.err(f"Error: Invalid arguments for command: {sub}\n".encode())
        return 1

    def _input_keycombination(self, args: list[str], io_: Io) -> int:
        """``input keycombination [-t ms] KEY KEY...`` as AOSP ``InputShellCommand.runKeyCombination``
        (Android 13+) takes it; earlier releases do not know the command: Android 11-12's
        ``InputShellCommand`` prints ``Unknown command`` (``ShellCommand.handleDefaultCommands``)
        and still exits 0, Android 10's ``Input.java`` prints an error and its usage, exit 1."""
        if self.sdk < 30:
            io_.err(b"Error: Unknown command: keycombination\nUsage: input [<source>] <command> [<arg>...]\n")
            return 1
        if self.sdk < 33:
            io_.out(b"Unknown command: keycombination\n")
            return 0
        if args[:1] == ["-t"]:
            if len(args) < 2 or not args[1].isdigit():
                io_.err(
                    b"Exception occurred while executing 'keycombination':\njava.lang.NumberFormatException\n"
                )
                return 255
            args = args[2:]
        for key in args:
            if not (key.startswith("KEYCODE_") or key.isdigit()):
                io_.err(
                    b"Exception occurred while executing 'keycombination':\n"
                    + f"java.lang.IllegalArgumentException: Unknown keycode: {key}\n".encode()
                )
                return 255
        if len(args) < 2:
            io_.err(
                b"Exception occurred while executing 'keycombination':\n"
                b"java.lang.IllegalArgumentException: keycombination requires at least 2 keycodes\n"
            )
            return 255
        with self.lock:
            self.chords.append(tuple(args))
        return 0

    def _input_text(self, text: str, io_: Io) -> int:
        typed = android_input_text(text)
        if any(not (32 <= ord(c) < 127 or c in "\n\t") for c in typed):
            io_.err(
                b"Exception occurred while executing 'text':\n"
                b"java.lang.NullPointerException: Attempt to get length of null array\n"
                b"\tat com.android.server.input.InputShellCommand.sendText(InputShellCommand.java:355)\n"
            )
            return 255
        with self.lock:
            self.typed.append(typed)
        return 0

    def _cmd_am(self, argv: list[str], io_: Io) -> int:
        sub = argv[1] if len(argv) > 1 else ""
        if sub == "broadcast":
            with self.lock:
                self.broadcasts.append(argv[2:])
            action = argv[argv.index("-a") + 1] if "-a" in argv[:-1] else ""
            extras: dict[str, str] = {}
            for k, a in enumerate(argv):
                if a == "--es" and k + 2 < len(argv):
                    extras[argv[k + 1]] = argv[k + 2]
            io_.out(f"Broadcasting: Intent {{ act={action} flg=0x400000 (has extras) }}\n".encode())
            if self.ime == ADB_IME and action in ("ADB_INPUT_B64", "ADB_INPUT_TEXT") and "msg" in extras:
                msg = extras["msg"]
                if action == "ADB_INPUT_B64":
                    try:
                        msg = base64.b64decode(msg, validate=True).decode("utf-8")
                    except (binascii.Error, UnicodeDecodeError):
                        msg = ""  # AdbIME logs the bad payload and types nothing
                if msg:
                    with self.lock:
                        self.typed.append(msg)
            io_.out(b"Broadcast completed: result=0\n")
            return 0
        if sub == "start" and "-n" in argv[:-1]:
            component = argv[argv.index("-n") + 1]
            pkg = component.partition("/")[0]
            if pkg not in self.packages:
                io_.err(f"Error: Activity class {{{component}}} does not exist.\n".encode())
                return 1
            io_.out(f"Starting: Intent {{ cmp={component} }}\n".encode())
            self.focus = component
            return 0
        if sub == "force-stop":
            return 0
        io_.err(f"Unknown command: {sub}\n".encode())
        return 255

    def _cmd_ime(self, argv: list[str], io_: Io) -> int:
        installed = [LATIN_IME] + ([ADB_IME] if self.adb_keyboard else [])
        if argv[1:2] == ["list"]:
            io_.out("".join(i + "\n" for i in installed).encode())
            return 0
        if argv[1:2] in (["set"], ["enable"]) and len(argv) > 2:
            if argv[2] not in installed:
                io_.err(f"Unknown input method {argv[2]} cannot be selected for user #0\n".encode())
                return 255
            if argv[1] == "set":
                self.ime = argv[2]
                io_.out(f"Input method {argv[2]} selected for user #0\n".encode())
            else:
                io_.out(f"Input method {argv[2]}: already enabled for user #0\n".encode())
            return 0
        io_.err(b"ime: unknown command\n")
        return 255

    # --- packages ----------------------------------------------------------------------------------

    def _cmd_pm(self, argv: list[str], io_: Io) -> int:
        if argv[1:3] == ["list", "packages"]:
            wanted = [a for a in argv[3:] if not a.startswith("-")]
            names = [p for p in sorted(self.packages) if not wanted or wanted[0] in p]
            io_.out("".join(f"package:{p}\n" for p in names).encode())
            return 0
        if argv[1:2] == ["path"] and len(argv) > 2:
            if argv[2] in self.packages:
                io_.out(f"package:/data/app/~~x==/{argv[2]}-1/base.apk\n".encode())
                return 0
            return 1
        io_.err(b"pm: unsupported command in the double\n")
        return 255

    def _cmd_cmd(self, argv: list[str], io_: Io) -> int:
        if argv[1:3] == ["package", "resolve-activity"]:
            pkg = argv[-1]
            if pkg not in self.packages:
                io_.out(b"No activity found\n")
                return 0
            io_.out(
                b"priority=0 preferredOrder=0 match=0x108000 specificIndex=-1 isDefault=true\n"
                + f"{pkg}/.MainActivity\n".encode()
            )
            return 0
        if argv[1:3] == ["package", "list"]:
            return self._cmd_pm(["pm", *argv[2:]], io_)
        io_.err(f"cmd: Can't find service: {argv[1] if len(argv) > 1 else ''}\n".encode())
        return 20

    def _cmd_monkey(self, argv: list[str], io_: Io) -> int:
        pkg = argv[argv.index("-p") + 1] if "-p" in argv[:-1] else ""
        io_.out("".join(f"  bash arg: {a}\n" for a in argv[1:]).encode())
        if pkg not in self.packages:
            io_.out(b"args: " + str(argv[1:]).encode() + b"\n")
            io_.out(b' arg: "-p"\n** No activities found to run, monkey aborted.\n')
            return 251
        self.focus = f"{pkg}/.MainActivity"
        io_.out(
            b"Events injected: 1\n## Network stats: elapsed time=12ms (0ms mobile, 0ms wifi, 12ms not connected)\n"
        )
        return 0

    # --- uiautomator and dumpsys input ----------------------------------------------------------------

    def _cmd_uiautomator(self, argv: list[str], io_: Io) -> int:
        if argv[1:2] != ["dump"]:
            io_.err(b"Usage: uiautomator <subcommand> [options]\n")
            return 1
        target = next((a for a in argv[2:] if not a.startswith("--")), "/sdcard/window_dump.xml")
        if self.ui_xml is None:
            io_.err(b"ERROR: null root node returned by UiTestAutomationBridge.\n")
            return 0
        data = self.ui_xml.encode()
        if target == "/dev/tty":
            io_.out(data)
        else:
            self.files[target] = data
        io_.out(f"UI hierchary dumped to: {target}\n".encode())
        return 0

    def physical_point(self, x: float, y: float) -> tuple[float, float]:
        """Display point (x, y), logical (current orientation, override size), in the physical
        display's space: natural orientation, panel pixels (what Android 13's dispatcher keeps)."""
        pw, ph = self.wm_size
        lw, lh = self.override_size or self.wm_size  # natural orientation
        # Undo the rotation: under ROTATION_90 the natural top edge is on the left.
        nx, ny = {0: (x, y), 1: (lw - y, x), 2: (lw - x, lh - y), 3: (y, lh - x)}[self.orientation % 4]
        return nx * pw / lw, ny * ph / lh

    def _recent_queue(self) -> list[str]:
        """The dispatcher's last events as ``dumpsys input`` prints them, oldest first."""
        sdk = self.sdk
        now = time.monotonic()
        entries: list[tuple[float, str, tuple[float, float]]] = []
        with self.lock:
            strokes = list(self._strokes)
        for stamp, points in strokes:
            moves = [(stamp + 0.01 * k, "MOVE", p) for k, p in enumerate(points[1:], 1)]
            up = (stamp + 0.01 * len(points), "UP", points[-1])
            entries += [(stamp, "DOWN", points[0]), *moves, up]
        lines = []
        for stamp, action, (x, y) in entries[-RECENT_QUEUE_MAX_SIZE:]:
            age = f", age={max(0, round((now - stamp) * 1000))}ms"
            if not self.debuggable:
                lines.append("MotionEvent" + age)
                continue
            px, py = self.physical_point(x, y) if sdk >= 33 else (x, y)
            source = "TOUCHSCREEN" if sdk >= 33 else "0x00001002"
            event_ns = round((stamp - self._started + 1000) * 1e9)
            lines.append(
                f"MotionEvent(deviceId=-1, eventTime={event_ns}, source={source}, displayId=0, "
                f"action={action}, actionButton=0x00000000, flags=0x00000000, metaState=0x00000000, "
                "buttonState=0x00000000, classification=NONE, edgeFlags=0x00000000, xPrecision=1.0, "
                f"yPrecision=1.0, xCursorPosition=nan, yCursorPosition=nan, pointers=[0: ({px:.1f}, {py:.1f})]), "
                f"policyFlags=0x62000000{age}"
            )
        return lines

    def _dumpsys_input(self) -> str:
        queue = self._recent_queue()
        recent = (
            f"  RecentQueue: length={len(queue)}\n" + "".join(f"    {e}\n" for e in queue)
            if queue
            else "  RecentQueue: <empty>\n"
        )
        return (
            "INPUT MANAGER (dumpsys input)\n\n"
            "Input Manager State:\n  Interactive: true\n\n"
            "Input Dispatcher State:\n  DispatchEnabled: true\n  DispatchFrozen: false\n"
            "  FocusedDisplayId: 0\n" + recent + "  PendingEvent: <none>\n  InboundQueue: <empty>\n"
        )
