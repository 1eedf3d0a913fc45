"""`AndroidEnv`: one Android device through an adb server, with adbutils.

Screen units are device pixels of the current orientation, the screenshot's own pixels:
`Observation.scale` is 1 and `origin` (0, 0), so a point on the model's image maps straight
to ``input tap X Y``. The geometry the device reports (``wm size`` with any override,
``wm density``, the rotation) is read at start and recorded in `settings` for ``run.json``;
the rotation is read again with every observation, since the user may turn the phone.

Settling (`ANDROID_SETTLE`): one ``screencap`` costs 0.5–1.5 s on real phones, so comparing
two captures per step (what `Settle(pixels=True)` does) would double the slowest part of a
step. The default is instead a fixed wait after an action (``interval``, 0.4 s: Android's
standard transition animations run 300 ms) and one capture: never two per step.
`Settle(pixels=True)` is there for apps whose screens keep moving after that.

Several phones can be driven at once, one `AndroidEnv` (and agent) each, in threads or
processes: each env holds its own adbutils client and every command opens its own
connection to the server; the UI dump file is per device.

The SDK level (``getprop ro.build.version.sdk``) is read once at start, for what depends on
the release (key chords need Android 13), and recorded in `settings`.
"""

from __future__ import annotations

import math
import time
from typing import Any, Self, assert_never

from ...actions import (
    Action,
    ActionFailed,
    AnswerDialog,
    Back,
    CallUser,
    Click,
    Drag,
    EnvError,
    Fail,
    Finish,
    Home,
    Hotkey,
    LongPress,
    MoveTo,
    Navigate,
    OpenApp,
    Point,
    Scroll,
    Space,
    Swipe,
    SwitchTab,
    Type,
    UnsupportedAction,
    Wait,
)
from ..base import ActionResult, EnvBase, Observation
from ..settle import Settle
from .adb import Adb, Result, connect
from .apps import choose_package, launch_command, parse_focus, parse_packages, parse_resumed
from .capture import Shot, screencap
from .commands import chord_command, chord_refused, parse_sdk, tap_command
from .geometry import Geometry, parse_density, parse_rotation, parse_wm_size
from .keys import keycode
from .text import (
    ADB_KEYBOARD_HELP,
    ADB_KEYBOARD_IME,
    adb_keyboard_command,
    input_text_plan,
    needs_adb_keyboard,
)
from .ui import label_at

__all__ = ["ANDROID_SETTLE", "DRAG_MS", "AndroidEnv"]

ANDROID_SETTLE = Settle(timeout=2.0, interval=0.4, pixels=False)
"""After an action: wait 0.4 s, then capture once (pixels=True: until two captures agree, ≤ 2 s)."""

DRAG_MS = 1500
"""A drag is a slow swipe: slow enough that lists and sliders follow the finger, not fling."""

SCROLL_MS = 400
"""A scroll swipe: fast enough to move content, slow enough not to fling it far."""

_DUMP_PATH = "/sdcard/mimo_gui_window_dump.xml"


class AndroidEnv(EnvBase):
    """One Android device as an env.

    Args:
        serial: the device; None: ``ANDROID_SERIAL``, else the only device attached.
        adb_host, adb_port: the adb server; None: ``ANDROID_ADB_SERVER_HOST``/``_PORT``, else
            127.0.0.1:5037.
        settle: how `observe` waits after an action (`ANDROID_SETTLE`).

    Raises:
        ConfigError: adbutils missing, a bad port.
        EnvUnreachable: no adb server at host:port; no device, several and none chosen, or
            the chosen one not attached or not ready (the message lists the devices).
        CaptureFailed: the first screenshot failed.
        ActionFailed: the device would not report its size or density.
    """

    platform = "android"
    supported_actions = frozenset(
        {Click, LongPress, Swipe, Drag, Scroll, Type, Hotkey, Back, Home, OpenApp, Wait}
    )

    def __init__(
        self,
        serial: str | None = None,
        *,
        adb_host: str | None = None,
        adb_port: int | None = None,
        settle: Settle | None = None,
    ) -> None:
        self._adb: Adb = connect(serial, adb_host, adb_port)
        self._settle = settle or ANDROID_SETTLE
        self._geometry = self._read_geometry()
        self._rotation: int | None = parse_rotation(
            self._run("dumpsys window", "cannot read the rotation").stdout
        )
        self._sdk = parse_sdk(
            self._run("getprop ro.build.version.sdk", "cannot read the SDK level", check=False).stdout
        )
        self._size: tuple[int, int] = screencap(self._adb).image.size
        self._acted = False
        self._closed = False

    def __enter__(self) -> Self:
        return self

    @property
    def serial(self) -> str:
        return self._adb.serial

    # -- the Env contract ---------------------------------------------------------------

    def observe(self) -> Observation:
        """Capture the screen (after an action: once settled) and what app is in front.

        Raises:
            CaptureFailed: the device did not send a PNG; EnvUnreachable: the server went away.
        """
        self._require_open()
        acted, self._acted = self._acted, False
        shot = self._capture_settled() if acted else screencap(self._adb)
        self._size = shot.image.size
        window = self._run("dumpsys window", "cannot read the focused window", check=False).stdout
        rotation = parse_rotation(window)
        if rotation is not None:
            self._rotation = rotation
        front = parse_focus(window)
        if front is None:
            activities = self._run("dumpsys activity activities", "cannot read the activities", check=False)
            front = parse_resumed(activities.stdout)
        package, activity = front if front is not None else (None, None)
        return Observation(
            image=shot.image,
            png=shot.png,
            app=package,
            title=activity,
            extra={"orientation": self._rotation, "serial": self.serial},
        )

    def execute(self, action: Action) -> ActionResult:
        """Carry out one action with ``input``, ``am``, ``monkey``.

        Raises:
            UnsupportedAction: not in `supported_actions`; nothing was done.
            ActionFailed: a point off the screen or not in screen space, an unknown key, an
                app not installed, text needing the ADB Keyboard where it is not installed,
                a command the device refused (its words quoted).
            EnvUnreachable: the adb server or the device went away.
        """
        self._require_supported(action)
        self._require_open()
        detail = self._dispatch(action)
        self._acted = True
        return ActionResult(action=action, detail=detail)

    def describe(self, point: Point) -> str | None:
        """The text (or content description) of the UI node under ``point``, from ``uiautomator dump``.

        None where nothing labelled lies there, or where the device cannot dump (a secure
        screen, an animation that never idles: uiautomator says ``ERROR: could not get idle state``).
        """
        self._require_open()
        if point.space is not Space.SCREEN or not (math.isfinite(point.x) and math.isfinite(point.y)):
            return None
        dumped = self._run(f"uiautomator dump {_DUMP_PATH}", "cannot dump the UI", check=False)
        if dumped.returncode != 0 or "ERROR" in dumped.stdout + dumped.stderr:
            return None
        xml = self._adb.exec_out(f"cat {_DUMP_PATH}", doing="cannot read the UI dump").decode(
            "utf-8", "replace"
        )
        try:
            return label_at(xml, point.x, point.y)
        except ValueError:
            return None

    def settings(self) -> dict[str, Any]:
        g = self._geometry
        return {
            "kind": self.platform,
            "serial": self.serial,
            "adb": self._adb.server,
            "size": list(self._size),
            "physical_size": list(g.physical_size),
            "override_size": list(g.override_size) if g.override_size else None,
            "density": g.density,
            "override_density": g.override_density,
            "orientation": self._rotation,
            "sdk": self._sdk,
            "shell_v2": self._adb.shell_v2,
            "settle": {
                "timeout": self._settle.timeout,
                "interval": self._settle.interval,
                "pixels": self._settle.pixels,
            },
        }

    def close(self) -> None:
        """Nothing is held between commands; later calls are refused. Idempotent."""
        self._closed = True

    # -- helpers --------------------------------------------------------------------------

    def _run(self, command: str, doing: str, *, action: Action | None = None, check: bool = True) -> Result:
        return self._adb.run(command, doing=doing, action=action, check=check)

    def _read_geometry(self) -> Geometry:
        physical, override = parse_wm_size(self._run("wm size", "cannot read the screen size").stdout)
        density, override_density = parse_density(self._run("wm density", "cannot read the density").stdout)
        return Geometry(physical, override, density, override_density)

    def _capture_settled(self) -> Shot:
        settle = self._settle
        if settle.timeout == 0:
            return screencap(self._adb)
        if not settle.pixels:
            time.sleep(min(settle.interval, settle.timeout))
            return screencap(self._adb)
        shots: dict[bytes, Shot] = {}

        def grab() -> bytes:
            shot = screencap(self._adb)
            shots.clear()
            shots[shot.png] = shot
            return shot.png

        png = settle.until_still(grab).frame
        return shots[png]

    def _require_open(self) -> None:
        if self._closed:
            raise EnvError("android env is closed")

    # -- actions ------------------------------------------------------------------------

    def _dispatch(self, action: Action) -> str:
        match action:
            case Click(point=p, button=button, count=count):
                if button != "left":
                    raise ActionFailed(f"a phone has no {button} button: use LongPress", action=action)
                x, y = self._xy(p, action)
                self._input(tap_command(x, y, count), action)
                return f"tap ×{count} at ({x}, {y})" if count > 1 else f"tap at ({x}, {y})"
            case LongPress(point=p, seconds=seconds):
                x, y = self._xy(p, action)
                ms = _ms(seconds)
                self._input(f"input swipe {x} {y} {x} {y} {ms}", action)
                return f"long press {ms} ms at ({x}, {y})"
            case Swipe(start=a, end=b, seconds=seconds):
                (x1, y1), (x2, y2) = self._xy(a, action), self._xy(b, action)
                ms = _ms(seconds)
                self._input(f"input swipe {x1} {y1} {x2} {y2} {ms}", action)
                return f"swiped from ({x1}, {y1}) to ({x2}, {y2}) in {ms} ms"
            case Drag(start=a, end=b):
                (x1, y1), (x2, y2) = self._xy(a, action), self._xy(b, action)
                self._input(f"input swipe {x1} {y1} {x2} {y2} {DRAG_MS}", action)
                return f"dragged from ({x1}, {y1}) to ({x2}, {y2})"
            case Scroll(direction=direction, point=p, amount=amount):
                return self._scroll(action, direction, p, amount)
            case Type(text=text):
                return self._type(text, action)
            case Hotkey(keys=keys):
                codes = [keycode(k) for k in keys]
                if len(codes) == 1:
                    self._input(f"input keyevent {codes[0]}", action)
                    return f"pressed {codes[0]}"
                command = chord_command(keys, codes, self._sdk)
                result = self._run(command, "key combination failed", action=action, check=False)
                if chord_refused(result.returncode, result.stdout + result.stderr):
                    raise ActionFailed(
                        f"cannot press {'+'.join(keys)} together: `{command}` was refused: {result.said}",
                        action=action,
                    )
                return f"pressed {'+'.join(codes)}"
            case Back():
                self._input("input keyevent KEYCODE_BACK", action)
                return "pressed back"
            case Home():
                self._input("input keyevent KEYCODE_HOME", action)
                return "pressed home"
            case OpenApp(name=name):
                return self._open_app(name, action)
            case Wait(seconds=seconds):
                time.sleep(seconds)
                return f"waited {seconds:g} s"
            case MoveTo() | Navigate() | SwitchTab() | AnswerDialog() | Finish() | Fail() | CallUser():
                # Not in supported_actions, so _require_supported has refused them already.
                raise UnsupportedAction(
                    f"android env does not support {type(action).__name__}", action=action
                )
            case _:
                assert_never(action)

    def _input(self, command: str, action: Action) -> None:
        self._run(command, f"{type(action).__name__} failed", action=action)

    def _scroll(self, action: Action, direction: str, point: Point | None, amount: float | None) -> str:
        """A swipe that brings content from ``direction`` into view: ``down`` moves the finger up."""
        w, h = self._size
        cx, cy = self._xy(point, action) if point is not None else (w // 2, h // 2)
        vertical = direction in ("up", "down")
        span = amount if amount is not None else (h if vertical else w) / 2
        sign = 1 if direction in ("down", "right") else -1
        dx, dy = (0.0, sign * span / 2) if vertical else (sign * span / 2, 0.0)
        x1, y1 = _clamp(cx + dx, w), _clamp(cy + dy, h)
        x2, y2 = _clamp(cx - dx, w), _clamp(cy - dy, h)
        self._input(f"input swipe {x1} {y1} {x2} {y2} {SCROLL_MS}", action)
        return f"scrolled {direction}: swiped from ({x1}, {y1}) to ({x2}, {y2})"

    def _type(self, text: str, action: Action) -> str:
        if not text:
            return "typed nothing"
        if needs_adb_keyboard(text):
            imes = self._run("ime list -s", "cannot list the input methods", action=action, check=False)
            if ADB_KEYBOARD_IME not in imes.stdout.split():
                raise ActionFailed(
                    f"cannot type {text[:40]!r}: `input text` types only ASCII and the ADB Keyboard "
                    f"is not enabled; {ADB_KEYBOARD_HELP}",
                    action=action,
                )
            # The IME receives the broadcast only while it is the selected input method;
            # `ime set` is idempotent, and the ADB Keyboard stays selected afterwards.
            self._input(f"ime set {ADB_KEYBOARD_IME}", action)
            self._input(adb_keyboard_command(text), action)
            return f"typed {len(text)} characters with the ADB Keyboard"
        for step in input_text_plan(text):
            self._input(step.command, action)
        return f"typed {len(text)} characters"

    def _open_app(self, name: str, action: Action) -> str:
        listed = self._run("pm list packages", "cannot list the installed packages", action=action)
        package = choose_package(name, parse_packages(listed.stdout))
        result = self._run(launch_command(package), f"cannot open {package}", action=action, check=False)
        if result.returncode != 0 or "No activities found" in result.stdout + result.stderr:
            raise ActionFailed(
                f"cannot open {package}: it has no launcher activity ({result.said})", action=action
            )
        return f"opened {package}"

    def _xy(self, point: Point, action: Action) -> tuple[int, int]:
        """A screen point as the device pixel to touch: the nearest (half up, as the desktop
        rounds to logical points), the far edges being the last pixel."""
        if point.space is not Space.SCREEN:
            raise ActionFailed(
                f"point {point} is in {point.space} space; map it with Frame.to_screen first", action=action
            )
        if not (math.isfinite(point.x) and math.isfinite(point.y)):
            raise ActionFailed(f"point {point} is not finite", action=action)
        w, h = self._size
        if not (0 <= point.x <= w and 0 <= point.y <= h):
            raise ActionFailed(f"point {point} is off the screen: it is {w}x{h} device pixels", action=action)
        return min(math.floor(point.x + 0.5), w - 1), min(math.floor(point.y + 0.5), h - 1)


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _clamp(value: float, size: int) -> int:
    return max(0, min(size - 1, round(value)))
