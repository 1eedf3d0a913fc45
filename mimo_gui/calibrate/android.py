"""Calibrating a phone: report the geometry adb gives, and check taps against ``getevent``.

A phone cannot show a board of markers the way a browser tab or a desktop window can, so
the check is the other half of the mapping: a tap sent at screen unit ``(x, y)`` (device
pixels of the current orientation, what the screenshot shows) must reach the touchscreen
at that pixel. The touchscreen reports raw axis values in its own range, for its natural
orientation; they become pixels the way Android's ``TouchInputMapper`` does it
(frameworks/native/services/inputflinger/reader/mapper/TouchInputMapper.cpp): scaled by
``size / (max - min + 1)`` per axis against the panel's physical size, rotated to the
current orientation, then scaled to the screenshot (a ``wm size`` override shrinks both).

Formats, from AOSP ``system/core/toolbox/getevent.c``:

- ``getevent -p`` lists each device (``add device N: /dev/input/eventK``, ``name: "..."``)
  and its absolute axes as ``0035  : value 0, min 0, max 4095, ...`` (``-lp``: the label
  ``ABS_MT_POSITION_X`` in place of ``0035``; Y is ``0036``);
- ``getevent -lt DEVICE`` streams ``[   SEC.USEC] EV_ABS       ABS_MT_POSITION_X    000007ff``
  lines (values in hex; with several devices each line names its device after the time),
  a touch ending with ``EV_KEY BTN_TOUCH UP`` and ``EV_SYN SYN_REPORT``.

Where the device allows: ``getevent`` needs the shell user to read ``/dev/input`` (stock
builds allow it), and it sees only what passes through the kernel's touchscreen. Taps that
an Android build injects above the kernel (``input tap`` goes to InputManager) may never
reach it; then each tap says so, plainly, and calibration does not pass.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..actions import Click, Frame, Point, Space
from ..actions.errors import ActionFailed, EnvUnreachable
from ..env_adapters.base import Env
from ..prompts import Profile
from .targets import choose_targets

__all__ = [
    "ABS_MT_POSITION_X",
    "ABS_MT_POSITION_Y",
    "AbsRange",
    "AndroidCalibration",
    "AndroidTap",
    "Geometry",
    "RawTouch",
    "Touchscreen",
    "adb_access",
    "calibrate_android",
    "geometry_from_settings",
    "parse_getevent_p",
    "parse_touches",
    "raw_to_screen",
    "render_android",
]

ABS_MT_POSITION_X = 0x35
ABS_MT_POSITION_Y = 0x36
"""The multi-touch position axes (linux/input-event-codes.h)."""

_LABELS = {"ABS_MT_POSITION_X": ABS_MT_POSITION_X, "ABS_MT_POSITION_Y": ABS_MT_POSITION_Y}

XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class AbsRange:
    """One absolute axis as ``getevent -p`` reports it."""

    min: int
    max: int

    @property
    def span(self) -> int:
        """Raw values the axis can take: ``max - min + 1`` (TouchInputMapper's ``rawWidth``)."""
        return self.max - self.min + 1


@dataclass(frozen=True, slots=True)
class Touchscreen:
    """An input device with both multi-touch position axes."""

    path: str
    name: str
    x: AbsRange
    y: AbsRange


@dataclass(frozen=True, slots=True)
class RawTouch:
    """One finished touch read from ``getevent -lt``: its first position, raw units."""

    x: int
    y: int


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


# -- getevent's formats -----------------------------------------------------------------------

_ADD_DEVICE = re.compile(r"^add device \d+:\s*(\S+)")
_NAME = re.compile(r'^\s*name:\s*"(.*)"')
# "0035  : value 0, min 0, max 4095, fuzz 0, flat 0, resolution 0", after "ABS (0003):" on
# the first axis line; with -l the code is a label.
_AXIS = re.compile(
    r"(?:ABS \(0003\):\s*)?\b([0-9a-fA-F]{4}|ABS_[A-Z_]+)\s*:"
    r"\s*value\s+-?\d+,\s*min\s+(-?\d+),\s*max\s+(-?\d+)"
)


def parse_getevent_p(text: str) -> list[Touchscreen]:
    """The devices in ``getevent -p`` (or ``-lp``) output that have both MT position axes."""
    found: list[Touchscreen] = []
    path: str | None = None
    name = ""
    axes: dict[int, AbsRange] = {}

    def close() -> None:
        if path is not None and ABS_MT_POSITION_X in axes and ABS_MT_POSITION_Y in axes:
            found.append(Touchscreen(path, name, axes[ABS_MT_POSITION_X], axes[ABS_MT_POSITION_Y]))

    for line in text.splitlines():
        if m := _ADD_DEVICE.match(line):
            close()
            path, name, axes = m.group(1), "", {}
        elif m := _NAME.match(line):
            name = m.group(1)
        elif path is not None and (m := _AXIS.search(line)):
            code = _LABELS.get(m.group(1)) if m.group(1).startswith("ABS_") else int(m.group(1), 16)
            if code is not None:
                axes[code] = AbsRange(int(m.group(2)), int(m.group(3)))
    close()
    return found


# "[   12345.678901] /dev/input/event2: EV_ABS       ABS_MT_POSITION_X    000007ff"; the
# device part is there only when getevent watches several devices.
_EVENT = re.compile(r"^\s*(?:\[\s*[\d.]+\]\s*)?(?:(\S+):\s+)?(EV_\w+|[0-9a-f]{4})\s+(\w+)\s+(\w+)\s*$")


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    for line in lines:
        if m := _EVENT.match(line):
            yield m.group(2), m.group(3), m.group(4)


def parse_touches(lines: Iterator[str]) -> Iterator[RawTouch]:
    """Finished touches in ``getevent -lt`` lines: the first position after a touch starts,
    yielded at the ``SYN_REPORT`` after its ``BTN_TOUCH UP`` (or its tracking id -1)."""
    x: int | None = None
    y: int | None = None
    ending = False
    for kind, code, value in _events(lines):
        if code == "ABS_MT_POSITION_X" and x is None:
            x = int(value, 16)
        elif code == "ABS_MT_POSITION_Y" and y is None:
            y = int(value, 16)
        elif (code, value) in (("BTN_TOUCH", "UP"), ("ABS_MT_TRACKING_ID", "ffffffff")):
            ending = True
        elif kind == "EV_SYN" and code == "SYN_REPORT" and ending:
            if x is not None and y is not None:
                yield RawTouch(x, y)
            x = y = None
            ending = False


def raw_to_screen(touch: RawTouch, screen: Touchscreen, geometry: Geometry) -> XY:
    """A raw touch in screen units: device pixels of the current orientation, as the
    screenshot shows them (TouchInputMapper's scale, then rotation, then the override).

    Raises:
        ActionFailed: the phone did not report its physical size.
    """
    if geometry.physical is None:
        raise ActionFailed("the phone reported no physical size (wm size): raw touches cannot be placed")
    pw, ph = geometry.physical
    nx = (touch.x - screen.x.min) * pw / screen.x.span
    ny = (touch.y - screen.y.min) * ph / screen.y.span
    turn = geometry.orientation % 4
    # Surface.ROTATION_90 turns the picture a quarter counter-clockwise: the natural top edge
    # becomes the left one (TouchInputMapper::rotateAndScale).
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


# -- the calibration --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AndroidTap:
    """One tap: where it was sent and where the touchscreen put it.

    Attributes:
        index: 1-based.
        intended: the screen point sent (``frame.to_screen`` of a model pixel), device px.
        raw: the touch's raw axis values (None: none seen).
        landed: ``raw`` in device px of the screenshot (None: none seen).
        problem: why the tap could not be verified.
    """

    index: int
    intended: XY
    raw: tuple[int, int] | None = None
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
    touchscreen: Touchscreen | None
    taps: tuple[AndroidTap, ...]
    notes: tuple[str, ...] = field(default=())
    tolerance: float = 1.0

    @property
    def within(self) -> int:
        return sum(t.ok(self.tolerance) for t in self.taps)

    @property
    def passed(self) -> bool:
        return bool(self.taps) and self.within == len(self.taps) and not self.geometry_problems()

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
        ts = self.touchscreen
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
            "touchscreen": None
            if ts is None
            else {
                "path": ts.path,
                "name": ts.name,
                "x": [ts.x.min, ts.x.max],
                "y": [ts.y.min, ts.y.max],
            },
            "taps": [
                {
                    "index": t.index,
                    "intended": list(t.intended),
                    "raw": None if t.raw is None else list(t.raw),
                    "landed": None if t.landed is None else list(t.landed),
                    "error": None if t.error is None else list(t.error),
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
Stream = Callable[[str], "socket.socket"]
"""Starts one shell command on the phone and returns its output as a socket, still open."""


def adb_access(settings: dict[str, Any], *, timeout: float = 10.0) -> tuple[Shell, Stream]:
    """`Shell` and `Stream` on the phone `AndroidEnv.settings()` names (its serial, its adb
    server), through adbutils: a second connection beside the env's own, as ``adb`` gives.

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

    def stream(command: str) -> socket.socket:
        try:
            return device.shell(command, stream=True).conn  # type: ignore[no-any-return]
        except adbutils.AdbError as exc:
            raise ActionFailed(f"adb shell {command!r} on {serial} failed: {exc}") from exc

    return shell, stream


def calibrate_android(
    env: Env,
    profile: Profile,
    *,
    shell: Shell,
    stream: Stream,
    tolerance: float = 1.0,
    tap_timeout: float = 2.0,
    ready_timeout: float = 0.5,
) -> AndroidCalibration:
    """Report ``env``'s geometry and verify a tap on each target against ``getevent``.

    The targets are `choose_targets`' model pixels sent through ``frame.to_screen`` as the
    agent loop sends an answer, so the taps are the ones a run would send.

    Args:
        env: an `AndroidEnv` (its ``settings()`` carry the geometry).
        shell, stream: run a command on the same phone (`adb_shell`, `adb_stream`).
        tap_timeout: seconds to wait for each tap's touch to show in ``getevent``.
        ready_timeout: seconds to wait for ``getevent`` to say it opened the device.

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
    notes: list[str] = []
    screen, why = _find_touchscreen(shell)
    if screen is None:
        notes.append(f"taps not verified: {why}")
        taps = tuple(AndroidTap(i + 1, p, problem="not verified") for i, p in enumerate(intended))
        return AndroidCalibration(
            settings, geometry, profile.name, frame, None, taps, tuple(notes), tolerance
        )
    results: list[AndroidTap] = []
    # One getevent for all taps: it has to open the device before the first tap, once.
    sock = stream(f"getevent -lt {screen.path}")
    try:
        reader = _Lines(sock)
        # getevent prints "add device" once it has the device open; a tap before that is lost.
        reader.wait_for(lambda line: line.startswith("add device"), ready_timeout)
        for i, point in enumerate(intended):
            env.execute(Click(point=Point(x=point[0], y=point[1])))
            raw = next(parse_touches(reader.until(time.monotonic() + tap_timeout)), None)
            if raw is None:
                problem = f"no touch reached {screen.path} within {tap_timeout:g} s"
                results.append(AndroidTap(i + 1, point, problem=problem))
                continue
            landed = raw_to_screen(raw, screen, geometry)
            results.append(AndroidTap(i + 1, point, (raw.x, raw.y), landed))
    finally:
        sock.close()
    if results and all(t.raw is None for t in results):
        notes.append(
            f"no tap showed in getevent on {screen.path}: this build may inject `input tap` above the "
            "kernel touchscreen, where getevent cannot see it; the taps were sent but not verified"
        )
    return AndroidCalibration(
        settings, geometry, profile.name, frame, screen, tuple(results), tuple(notes), tolerance
    )


def _xy(p: Point) -> XY:
    return (p.x, p.y)


def _find_touchscreen(shell: Shell) -> tuple[Touchscreen | None, str]:
    try:
        text = shell("getevent -p")
    except ActionFailed as exc:
        return None, f"getevent -p failed ({exc})"
    if "not found" in text or "Permission denied" in text:
        line = next((x for x in text.splitlines() if "not found" in x or "denied" in x), text)
        return None, f"getevent -p: {line.strip()}"
    screens = parse_getevent_p(text)
    if not screens:
        return None, "getevent -p lists no device with ABS_MT_POSITION_X and ABS_MT_POSITION_Y"
    # A phone has one touchscreen; a second (a stylus digitiser) would report its own taps.
    return screens[0], ""


class _Lines:
    """Lines off a socket, each wait bounded by a deadline; text before a wait is kept."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._kept: list[str] = []
        self._closed = False

    def _next(self, deadline: float) -> str | None:
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if self._closed or left <= 0:
                return None
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(4096)
            except TimeoutError:
                return None
            except OSError as exc:
                raise EnvUnreachable(f"the getevent stream broke: {exc}") from exc
            if not chunk:
                self._closed = True
                if self._buffer:
                    self._buffer += b"\n"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", errors="replace").rstrip("\r")

    def wait_for(self, match: Callable[[str], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (line := self._next(deadline)) is not None:
            self._kept.append(line)
            if match(line):
                return True
        return False

    def until(self, deadline: float) -> Iterator[str]:
        yield from self._kept
        self._kept = []
        while (line := self._next(deadline)) is not None:
            yield line


# -- the report -------------------------------------------------------------------------------


def render_android(result: AndroidCalibration) -> str:
    """The report as text: the geometry, the touchscreen, one row per tap, a verdict."""
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
    ts = result.touchscreen
    if ts is not None:
        lines.append(
            f'touchscreen {ts.path} "{ts.name}": ABS_MT_POSITION_X {ts.x.min}..{ts.x.max}, '
            f"ABS_MT_POSITION_Y {ts.y.min}..{ts.y.max}"
        )
    lines.append("")
    lines.append(f"{'#':>2}  {'tap sent':>16}  {'raw':>12}  {'landed':>16}  {'error':>14}")
    for t in result.taps:
        sent = f"({t.intended[0]:.1f}, {t.intended[1]:.1f})"
        if t.landed is None or t.raw is None or t.error is None:
            lines.append(f"{t.index:>2}  {sent:>16}  {t.problem or 'not verified'}")
            continue
        raw = f"({t.raw[0]}, {t.raw[1]})"
        landed = f"({t.landed[0]:.1f}, {t.landed[1]:.1f})"
        err = f"({t.error[0]:+.1f}, {t.error[1]:+.1f})"
        mark = "" if t.ok(result.tolerance) else "  <- off"
        lines.append(f"{t.index:>2}  {sent:>16}  {raw:>12}  {landed:>16}  {err:>14}{mark}")
    lines.append("")
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"{verdict}: {result.within} of {len(result.taps)} taps verified within "
        f"{result.tolerance:g} device px on each axis"
    )
    lines += [f"problem: {p}" for p in result.geometry_problems()]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
