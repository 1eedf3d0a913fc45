"""`DesktopEnv`: one monitor of the real desktop, seen with mss and driven with pyautogui.

Screen units are logical points (X pixels on X11, points on macOS, pixels on a
DPI-aware Windows process: see `monitors`); screenshots are physical pixels of the chosen
monitor only, so `Observation.scale` is the HiDPI factor and `Observation.origin` the
monitor's top-left: a `Frame` built from them sends a click on monitor 2 to monitor 2.

A desktop has no load event, so settling is pixel comparison (`DESKTOP_SETTLE`): after an
action the next `observe` captures until two captures agree, within the deadline.

Threads: build and use a `DesktopEnv` on one thread (`capture` says why: mss and pyautogui X connections).
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
    CaptureFailed,
    Click,
    Drag,
    EnvError,
    EnvUnreachable,
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
from .capture import Camera, open_mss, to_image
from .display import load_pyautogui, require_display
from .errors import input_errors
from .keyboard import press_keys, type_text
from .monitors import (
    Monitor,
    check_scale,
    choose_monitor,
    read_monitors,
    reference_sizes,
    scale_from_sizes,
)
from .pointer import Pointer, logical, wheel_clicks
from .windows import FocusedTitle

__all__ = ["DESKTOP_SETTLE", "DesktopEnv"]

DESKTOP_SETTLE = Settle(timeout=2.0, interval=0.1, pixels=True)
"""The desktop's default: capture every 0.1 s until two captures agree, for at most 2 s."""


class DesktopEnv(EnvBase):
    """One monitor of the desktop as an env.

    Args:
        monitor: which monitor to capture, numbered from 1 as mss numbers them; None: the
            primary (mss's ``is_primary``), else monitor 1.
        scale: physical pixels per logical point; None: detected (`monitors.scale_from_sizes`).
        settle: how `observe` waits for the screen to settle after an action.

    Raises:
        EnvUnreachable: no display, Wayland without XWayland, an X server that refuses us.
        ConfigError: pyautogui or mss missing; a ``monitor`` that is not one (the message
            lists the monitors); a ``scale`` that is not a positive finite number.
    """

    platform = "desktop"
    supported_actions = frozenset({Click, MoveTo, Drag, Scroll, Type, Hotkey, Wait})

    def __init__(
        self, *, monitor: int | None = None, scale: float | None = None, settle: Settle | None = None
    ) -> None:
        override = None if scale is None else check_scale(scale)
        self._display = require_display()
        self._pag = load_pyautogui()
        self._settle = settle or DESKTOP_SETTLE
        sct = open_mss()
        try:
            try:
                whole, monitors = read_monitors(sct.monitors)
            except EnvError:
                raise  # already ours, with its own message
            except Exception as exc:
                raise EnvUnreachable(f"mss could not list the monitors: {type(exc).__name__}: {exc}") from exc
            chosen = choose_monitor(monitors, monitor)
            with input_errors("cannot read the screen size", fallback=EnvUnreachable):
                # Read after mss started: on Windows mss makes the process DPI-aware first.
                width, height = self._pag.size()
            pointer_size = (int(width), int(height))
            try:
                physical, logical_size = reference_sizes(sct, pointer_size)
            except Exception as exc:
                raise CaptureFailed(f"cannot capture the screen to detect its scale: {exc}") from exc
            reading = scale_from_sizes(physical, logical_size)
        except BaseException:
            sct.close()
            raise
        self._whole: Monitor = whole
        self._monitors = monitors
        self._monitor: Monitor = chosen
        self._detected = reading.factor
        self._scale_note = reading.note
        self._override_given = override is not None
        self._scale = override if override is not None else reading.factor
        self._camera = Camera(sct, chosen)
        self._pointer = Pointer(self._pag)
        self._titles = FocusedTitle(self._display, self._pag)
        self._acted = False
        self._closed = False

    def __enter__(self) -> Self:
        # EnvBase's own returns EnvBase, which mypy cannot match to the Env protocol.
        return self

    # -- the Env contract ---------------------------------------------------------------

    def observe(self) -> Observation:
        """Capture the monitor (after an action: once the screen is still) and the focused window's title.

        Raises:
            CaptureFailed: mss failed, or this is not the thread the env was built on.
        """
        self._require_open()
        acted, self._acted = self._acted, False
        shot = self._settle.until_still(self._camera.grab).frame if acted else self._camera.grab()
        monitor = self._monitor
        return Observation(
            image=to_image(shot),
            scale=self._scale,
            origin=(float(monitor.left), float(monitor.top)),
            title=self._titles.read(),
            extra={"monitor": monitor.number},
        )

    def execute(self, action: Action) -> ActionResult:
        """Carry out one action with pyautogui.

        Raises:
            UnsupportedAction: not in `supported_actions`; nothing was done.
            ActionFailed: a point not in screen space, not finite or off the screen; an
                unknown key; anything pyautogui raised (chained).
            FailSafeTriggered: the user moved the pointer into a screen corner.
            EnvUnreachable: the X display went away.
        """
        self._require_supported(action)
        self._require_open()
        doing = f"{type(action).__name__} failed"
        with input_errors(doing, action=action):
            self._pointer.guard()
            detail = self._dispatch(action)
        self._acted = True
        return ActionResult(action=action, detail=detail)

    def settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.platform,
            "display": self._display,
            "monitor": self._monitor.number,
            "monitors": [m.geometry for m in self._monitors],
            "monitor_geometry": self._monitor.geometry,
            "scale": self._scale,
            "scale_source": "override" if self._override_given else "detected",
            "detected_scale": self._detected,
            "origin": [self._monitor.left, self._monitor.top],
            "settle": {
                "timeout": self._settle.timeout,
                "interval": self._settle.interval,
                "pixels": self._settle.pixels,
            },
        }
        if self._scale_note:
            out["scale_warning"] = self._scale_note
        return out

    def close(self) -> None:
        """Release mss's and the title reader's X connections; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._camera.close()
        self._titles.close()

    # -- actions ------------------------------------------------------------------------

    def _dispatch(self, action: Action) -> str:
        match action:
            case Click(point=p, button=button, count=count):
                x, y = self._xy(p, action)
                self._pointer.click(x, y, button, count)
                return (
                    f"{button} click ×{count} at ({x}, {y})" if count > 1 else f"{button} click at ({x}, {y})"
                )
            case MoveTo(point=p):
                x, y = self._xy(p, action)
                self._pointer.move(x, y)
                return f"pointer at ({x}, {y})"
            case Drag(start=a, end=b):
                start, end = self._xy(a, action), self._xy(b, action)
                self._pointer.drag(start, end)
                return f"dragged from {start} to {end}"
            case Scroll(direction=direction, point=p, amount=amount):
                x, y = self._xy(p, action) if p is not None else self._centre()
                clicks = wheel_clicks(amount)
                self._pointer.scroll(x, y, direction, clicks)
                return f"scrolled {direction} {clicks} wheel click{'s' if clicks != 1 else ''} at ({x}, {y})"
            case Type(text=text, keystrokes=keystrokes):
                return type_text(text, keystrokes=keystrokes)
            case Hotkey(keys=keys):
                return press_keys(keys)
            case Wait(seconds=seconds):
                time.sleep(seconds)
                return f"waited {seconds:g} s"
            case (
                Navigate()
                | Back()
                | SwitchTab()
                | AnswerDialog()
                | LongPress()
                | Swipe()
                | Home()
                | OpenApp()
                | Finish()
                | Fail()
                | CallUser()
            ):
                # Not in supported_actions, so _require_supported has refused them already.
                raise UnsupportedAction(
                    f"desktop env does not support {type(action).__name__}", action=action
                )
            case _:
                assert_never(action)

    def _xy(self, point: Point, action: Action) -> tuple[int, int]:
        """A screen point as the whole logical point to send, checked to be on the screen.

        A point on the far edge of the observed monitor (the right or bottom edge of the
        model's image) is that monitor's last pixel, not the next monitor's first.
        """
        if point.space is not Space.SCREEN:
            message = f"point {point} is in {point.space} space; map it with Frame.to_screen first"
            raise ActionFailed(message, action=action)
        if not (math.isfinite(point.x) and math.isfinite(point.y)):
            raise ActionFailed(f"point {point} is not finite", action=action)
        m = self._monitor
        x, y = logical(point.x), logical(point.y)
        if m.left <= point.x <= m.left + m.width and m.top <= point.y <= m.top + m.height:
            x, y = min(x, m.left + m.width - 1), min(y, m.top + m.height - 1)
        w = self._whole
        if not (w.left <= x < w.left + w.width and w.top <= y < w.top + w.height):
            raise ActionFailed(
                f"point {point} is off the screen: the desktop spans "
                f"{w.width}x{w.height}{w.left:+d}{w.top:+d} logical points",
                action=action,
            )
        return x, y

    def _centre(self) -> tuple[int, int]:
        m = self._monitor
        return m.left + m.width // 2, m.top + m.height // 2

    def _require_open(self) -> None:
        if self._closed:
            raise EnvError("desktop env is closed")
