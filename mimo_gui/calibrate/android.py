"""Calibrating a phone: report the geometry adb gives, and check each tap where Android's input
dispatcher says it went.

A phone cannot show a board of markers the way a browser tab or a desktop window can, so the
check is the other half of the mapping: a tap sent at screen unit ``(x, y)`` (device pixels of
the current orientation, what the screenshot shows) through the agent's own path (``input
tap``) must reach the input pipeline at that pixel.

Why not ``getevent``: it reads the kernel's ``/dev/input`` nodes, and ``input tap`` injects
above the kernel, through InputManager into the dispatcher (``InputDispatcher::injectInputEvent``
in AOSP frameworks/native), so getevent never sees those taps on any phone. The dispatcher keeps
its last events, and ``dumpsys input`` prints them::

      RecentQueue: length=10
        MotionEvent(deviceId=-1, eventTime=81376624597000, source=TOUCHSCREEN, displayId=0,
        action=DOWN, ..., pointers=[0: (351.6, 1538.3)]), policyFlags=0x62000000, age=81ms

(``MotionEntry::getDescription``, services/inputflinger/dispatcher/Entry.cpp; one line each.)
Two facts of that source decide what can be read:

- only a debuggable build (``ro.debuggable=1``: emulators, userdebug and eng builds) prints the
  fields; a user build prints a bare ``MotionEvent``, and then the taps cannot be verified;
- since Android 13 (SDK 33) an injected event is turned from the logical display's space into the
  physical display's (``transformMotionEntryForInjectionLocked``: natural orientation, panel
  pixels), so its pointer is turned back here through the rotation and the override; before, the
  dispatcher kept the logical coordinates as sent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..actions import Click, Frame, Point, Space
from ..actions.errors import ActionFailed
from ..env_adapters.base import Env
from ..prompts import Profile
from .targets import choose_targets

__all__ = [
    "PHYSICAL_SPACE_SDK",
    "AndroidCalibration",
    "AndroidTap",
    "DispatchedTouch",
    "Geometry",
    "adb_shell",
    "calibrate_android",
    "dispatcher_to_screen",
    "geometry_from_settings",
    "parse_recent_touches",
    "physical_to_screen",
    "render_android",
]

PHYSICAL_SPACE_SDK = 33
"""From this SDK on, the dispatcher keeps injected pointers in the physical display's space."""

XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Geometry:
    """What the phone says about its screen (`AndroidEnv.settings`).

    Attributes:
        screenshot: the screenshot's size, device pixels of the current orientation.
        physical: ``wm size``'s physical size, natural orientation (None: not reported).
        override: its override size, if one is set.
        density, override_density: ``wm density``.
        orientation: 0..3, quarter turns (``Surface.ROTATION_*``).
    """

    screenshot: tuple[int, int]
    physical: tuple[int, int] | None
    override: tuple[int, int] | None
    density: int | None
    override_density: int | None
    orientation: int

    def to_json(self) -> dict[str, Any]:
        def pair(v: tuple[int, int] | None) -> list[int] | None:
            return None if v is None else [v[0], v[1]]

        return {
            "screenshot": pair(self.screenshot),
            "physical_size": pair(self.physical),
            "override_size": pair(self.override),
            "density": self.density,
            "override_density": self.override_density,
            "orientation": self.orientation,
        }


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (value[0], value[1])
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def geometry_from_settings(settings: dict[str, Any], screenshot: tuple[int, int]) -> Geometry:
    """The geometry out of `AndroidEnv.settings()` and the screenshot actually taken."""
    return Geometry(
        screenshot=screenshot,
        physical=_pair(settings.get("physical_size")),
        override=_pair(settings.get("override_size")),
        density=_int(settings.get("density")),
        override_density=_int(settings.get("override_density")),
        orientation=_int(settings.get("orientation")) or 0,
    )


# -- the dispatcher's record ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DispatchedTouch:
    """One touch-down from ``dumpsys input``'s RecentQueue.

    Attributes:
        key: the entry's text without its age: with ``eventTime`` in it (Android 12 on) it names
            the event; before, it still tells apart touches at different points.
        x, y: its first pointer, in the dispatcher's space (see `dispatcher_to_screen`).
    """

    key: str
    x: float
    y: float


_RECENT_ENTRY = re.compile(r"^\s+(\w+Event\b.*?)(?:, age=[\d.]+ms)?\s*$")
_ACTION = re.compile(r"\baction=(\w+)")
_POINTER = re.compile(r"pointers=\[\d+: \((-?[\d.]+), (-?[\d.]+)\)")


def _recent_queue(dump: str) -> list[str] | None:
    """The RecentQueue's entries, oldest first ([] when empty); None when the dump has none."""
    lines = dump.splitlines()
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "RecentQueue: <empty>":
            return []
        if stripped.startswith("RecentQueue: length="):
            entries = []
            indent = len(line) - len(line.lstrip())
            for entry in lines[i + 1 :]:
                if len(entry) - len(entry.lstrip()) <= indent:
                    break
                if m := _RECENT_ENTRY.match(entry):
                    entries.append(m.group(1))
            return entries
    return None


def parse_recent_touches(dump: str) -> tuple[list[DispatchedTouch], bool] | None:
    """The touch-downs in a ``dumpsys input`` text, oldest first, and whether the build hid
    any event's fields (a user build prints a bare ``MotionEvent``); None: no RecentQueue.

    ``action=DOWN`` is MotionEvent::actionToString's name; Android 10 and older print the
    number (0).
    """
    entries = _recent_queue(dump)
    if entries is None:
        return None
    touches: list[DispatchedTouch] = []
    hidden = False
    for entry in entries:
        if not entry.startswith("MotionEvent"):
            continue
        if entry == "MotionEvent":
            hidden = True
            continue
        action, pointer = _ACTION.search(entry), _POINTER.search(entry)
        if action and pointer and action.group(1) in ("DOWN", "0"):
            touches.append(DispatchedTouch(entry, float(pointer.group(1)), float(pointer.group(2))))
    return touches, hidden


def physical_to_screen(xy: XY, geometry: Geometry) -> XY:
    """A point of the physical display (natural orientation, panel pixels) in screen units:
    device pixels of the current orientation, as the screenshot shows them.

    Raises:
        ActionFailed: the phone did not report its physical size.
    """
    if geometry.physical is None:
        raise ActionFailed("the phone reported no physical size (wm size): its touches cannot be placed")
    pw, ph = geometry.physical
    nx, ny = xy
    turn = geometry.orientation % 4
    # Surface.ROTATION_90 turns the picture a quarter counter-clockwise: the natural top edge
    # becomes the left one.
    if turn == 1:
        x, y, w, h = ny, pw - nx, ph, pw
    elif turn == 2:
        x, y, w, h = pw - nx, ph - ny, pw, ph
    elif turn == 3:
        x, y, w, h = ph - ny, nx, ph, pw
    else:
        x, y, w, h = nx, ny, pw, ph
    sw, sh = geometry.screenshot
    return (x * sw / w, y * sh / h)


def dispatcher_to_screen(touch: DispatchedTouch, geometry: Geometry, sdk: int) -> XY:
    """Where the dispatcher's pointer lies in screen units: from the physical display's space
    on SDK 33 and later, as it is before."""
    if sdk >= PHYSICAL_SPACE_SDK:
        return physical_to_screen((touch.x, touch.y), geometry)
    return (touch.x, touch.y)


# -- the calibration --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AndroidTap:
    """One tap: where it was sent and where the dispatcher put it.

    Attributes:
        index: 1-based.
        intended: the screen point sent (``frame.to_screen`` of a model pixel), device px.
        dispatched: the pointer as ``dumpsys input`` printed it (None: not seen).
        landed: ``dispatched`` in device px of the screenshot (None: not seen).
        problem: why the tap could not be verified.
    """

    index: int
    intended: XY
    dispatched: XY | None = None
    landed: XY | None = None
    problem: str | None = None

    @property
    def error(self) -> XY | None:
        if self.landed is None:
            return None
        return (self.landed[0] - self.intended[0], self.landed[1] - self.intended[1])

    def ok(self, tolerance: float) -> bool:
        e = self.error
        return e is not None and abs(e[0]) <= tolerance and abs(e[1]) <= tolerance


@dataclass(frozen=True)
class AndroidCalibration:
    """What calibrating a phone found, for the report and ``--json``."""

    settings: dict[str, Any]
    geometry: Geometry
    profile: str
    frame: Frame
    sdk: int | None
    debuggable: bool
    taps: tuple[AndroidTap, ...]
    notes: tuple[str, ...] = field(default=())
    tolerance: float = 1.0

    @property
    def within(self) -> int:
        return sum(t.ok(self.tolerance) for t in self.taps)

    @property
    def passed(self) -> bool:
        return bool(self.taps) and self.within == len(self.taps) and not self.geometry_problems()

    @property
    def dispatcher_space(self) -> str:
        """The space ``dumpsys input`` prints injected pointers in, on this phone."""
        if self.sdk is not None and self.sdk >= PHYSICAL_SPACE_SDK:
            return "physical display"
        return "logical display"

    def geometry_problems(self) -> list[str]:
        """Disagreements between the screenshot and what ``wm size`` says the display is."""
        g = self.geometry
        size = g.override or g.physical
        if size is None:
            return []
        w, h = (size[1], size[0]) if g.orientation % 2 else size
        if (w, h) != g.screenshot:
            which = "override" if g.override else "physical"
            return [
                f"the screenshot is {g.screenshot[0]}x{g.screenshot[1]} but wm size's {which} size, "
                f"turned to orientation {g.orientation}, is {w}x{h}"
            ]
        return []

    def to_json(self) -> dict[str, Any]:
        def pair(v: XY | None) -> list[float] | None:
            return None if v is None else [v[0], v[1]]

        return {
            "passed": self.passed,
            "platform": "android",
            "unit": "device px",
            "tolerance": self.tolerance,
            "profile": self.profile,
            "settings": self.settings,
            "geometry": self.geometry.to_json(),
            "frame": {
                "screenshot": [self.frame.image_width, self.frame.image_height],
                "model_image": [self.frame.model_width, self.frame.model_height],
            },
            "verified_by": "dumpsys input",
            "sdk": self.sdk,
            "debuggable": self.debuggable,
            "dispatcher_space": self.dispatcher_space,
            "taps": [
                {
                    "index": t.index,
                    "intended": list(t.intended),
                    "dispatched": pair(t.dispatched),
                    "landed": pair(t.landed),
                    "error": pair(t.error),
                    "ok": t.ok(self.tolerance),
                    "problem": t.problem,
                }
                for t in self.taps
            ],
            "within": self.within,
            "problems": self.geometry_problems(),
            "notes": list(self.notes),
        }


Shell = Callable[[str], str]
"""Runs one shell command on the phone and returns its output."""


def adb_shell(settings: dict[str, Any], *, timeout: float = 10.0) -> Shell:
    """A `Shell` on the phone `AndroidEnv.settings()` names (its serial, its adb server),
    through adbutils: a second connection beside the env's own, as ``adb`` gives.

    Raises:
        ConfigError: adbutils is not installed, or the settings name no serial or server.
    """
    from ..actions.errors import ConfigError

    try:
        import adbutils
    except ImportError as exc:
        raise ConfigError("--env android needs adbutils: pip install 'mimo-gui[android]'") from exc
    serial, where = settings.get("serial"), settings.get("adb")
    if not isinstance(serial, str) or not isinstance(where, str) or ":" not in where:
        raise ConfigError(f"the android env's settings name no serial and adb server: {settings}")
    host, port = where.rsplit(":", 1)
    device = adbutils.AdbClient(host=host, port=int(port), socket_timeout=timeout).device(serial)

    def shell(command: str) -> str:
        try:
            return str(device.shell(command, timeout=timeout))
        except adbutils.AdbError as exc:
            raise ActionFailed(f"adb shell {command!r} on {serial} failed: {exc}") from exc

    return shell


def calibrate_android(
    env: Env,
    profile: Profile,
    *,
    shell: Shell,
    tolerance: float = 1.0,
    tap_timeout: float = 2.0,
    poll: float = 0.05,
) -> AndroidCalibration:
    """Report ``env``'s geometry and verify a tap on each target against ``dumpsys input``.

    The targets are `choose_targets`' model pixels sent through ``frame.to_screen`` and
    ``env.execute`` as the agent loop sends an answer, so the taps are the ones a run sends.
    On a build that hides event fields nothing is tapped: the geometry is reported, and the
    notes say why the taps could not be verified.

    Args:
        env: an `AndroidEnv` (its ``settings()`` carry the geometry).
        shell: runs a command on the same phone (`adb_shell`).
        tap_timeout: seconds to wait for each tap to show in the dispatcher's queue.

    Raises:
        EnvUnreachable, ActionFailed, CaptureFailed: the phone or adb failed.
    """
    obs = env.observe()
    settings = env.settings()
    geometry = geometry_from_settings(settings, obs.size)
    frame = profile.frame(obs.size, scale=obs.scale, origin=obs.origin)
    intended = [
        _xy(frame.to_screen(Point(x=t.model[0], y=t.model[1], space=Space.MODEL_PIXELS)))
        for t in choose_targets(frame)
    ]
    level = _prop(shell, "ro.build.version.sdk")
    sdk = int(level) if level.isdigit() else None
    debuggable = _prop(shell, "ro.debuggable") == "1"

    def result(taps: list[AndroidTap], *notes: str) -> AndroidCalibration:
        return AndroidCalibration(
            settings, geometry, profile.name, frame, sdk, debuggable, tuple(taps), notes, tolerance
        )

    def unverified(why: str) -> AndroidCalibration:
        taps = [AndroidTap(i + 1, p, problem="not verified") for i, p in enumerate(intended)]
        return result(taps, f"taps not verified: {why}")

    if not debuggable:
        return unverified(
            "this is a user build (ro.debuggable is not 1), whose dumpsys input hides where events "
            "went; an emulator or a userdebug build shows it"
        )
    if sdk is None:
        return unverified("the phone reported no SDK level (getprop ro.build.version.sdk)")
    seen = _touches(shell)
    if isinstance(seen, str):
        return unverified(seen)
    taps: list[AndroidTap] = []
    for i, point in enumerate(intended):
        before = {t.key for t in seen}
        env.execute(Click(point=Point(x=point[0], y=point[1])))
        deadline = time.monotonic() + tap_timeout
        new: list[DispatchedTouch] = []
        while True:
            now = _touches(shell)
            if isinstance(now, str):
                return result(taps, f"taps not verified after tap {i + 1}: {now}")
            seen = now
            new = [t for t in seen if t.key not in before]
            if new or time.monotonic() >= deadline:
                break
            time.sleep(poll)
        if not new:
            problem = f"no touch reached the input dispatcher within {tap_timeout:g} s"
            taps.append(AndroidTap(i + 1, point, problem=problem))
            continue
        touch = new[-1]  # the newest: a finger on the glass meanwhile would come first
        landed = dispatcher_to_screen(touch, geometry, sdk)
        taps.append(AndroidTap(i + 1, point, (touch.x, touch.y), landed))
    return result(taps)


def _xy(p: Point) -> XY:
    return (p.x, p.y)


def _prop(shell: Shell, name: str) -> str:
    return shell(f"getprop {name}").strip()


def _touches(shell: Shell) -> list[DispatchedTouch] | str:
    """The dispatcher's recent touch-downs, or why they cannot be read."""
    dump = shell("dumpsys input")
    parsed = parse_recent_touches(dump)
    if parsed is None:
        first = dump.strip().splitlines()[0] if dump.strip() else "nothing"
        return f"dumpsys input printed no RecentQueue (it printed: {first[:120]})"
    touches, hidden = parsed
    if hidden and not touches:
        return "dumpsys input hides where events went on this build"
    return touches


# -- the report -------------------------------------------------------------------------------


def render_android(result: AndroidCalibration) -> str:
    """The report as text: the geometry, one row per tap, a verdict."""
    g = result.geometry

    def size(v: tuple[int, int] | None) -> str:
        return "not reported" if v is None else f"{v[0]}x{v[1]}"

    s = result.settings
    lines = [
        f"android {s.get('serial')} via adb at {s.get('adb')}",
        f"screenshot {size(g.screenshot)} device px; wm size physical {size(g.physical)}, "
        f"override {size(g.override) if g.override else 'none'}",
        f"density {g.density if g.density is not None else 'not reported'}"
        + (f" (override {g.override_density})" if g.override_density else "")
        + f"; orientation {g.orientation} ({g.orientation * 90} degrees)",
        f"profile {result.profile}: model image {result.frame.model_width}x{result.frame.model_height}",
    ]
    if result.debuggable and result.sdk is not None:
        lines.append(
            f"taps checked in dumpsys input (SDK {result.sdk}: pointers in the "
            f"{result.dispatcher_space}'s space)"
        )
    lines.append("")
    lines.append(f"{'#':>2}  {'tap sent':>16}  {'dispatched':>16}  {'landed':>16}  {'error':>14}")
    for t in result.taps:
        sent = f"({t.intended[0]:.1f}, {t.intended[1]:.1f})"
        if t.landed is None or t.dispatched is None or t.error is None:
            lines.append(f"{t.index:>2}  {sent:>16}  {t.problem or 'not verified'}")
            continue
        dispatched = f"({t.dispatched[0]:.1f}, {t.dispatched[1]:.1f})"
        landed = f"({t.landed[0]:.1f}, {t.landed[1]:.1f})"
        err = f"({t.error[0]:+.1f}, {t.error[1]:+.1f})"
        mark = "" if t.ok(result.tolerance) else "  <- off"
        lines.append(f"{t.index:>2}  {sent:>16}  {dispatched:>16}  {landed:>16}  {err:>14}{mark}")
    lines.append("")
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"{verdict}: {result.within} of {len(result.taps)} taps verified within "
        f"{result.tolerance:g} device px on each axis"
    )
    lines += [f"problem: {p}" for p in result.geometry_problems()]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
