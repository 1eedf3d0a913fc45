"""Mouse actions through pyautogui: click, move, drag, scroll at a point; and the fail-safe.

Units: pyautogui takes whole logical points (it truncates floats with ``int()``), so a
screen point is rounded to the nearest point (half up) here, the input device's own
unit; `logical` is that rule. Every call passes ``_pause=False``: pyautogui's
``PAUSE`` is the user's setting, and the env waits for what matters (the screen settling)
instead of a fixed 0.1 s per call.

Scroll amounts are in screen units; a wheel click scrolls about three lines of text in
common toolkits (Windows' default WHEEL_DELTA, GTK, Chromium: ~50 px), so
`wheel_clicks` turns ``amount`` into ``amount / 50`` clicks (at least 1, at most 50), and
``None`` into 5 clicks.

The fail-safe. pyautogui raises ``FailSafeException`` at the START of each call when the
pointer sits in a corner of the screen (``FAILSAFE_POINTS``), so a user stops a run by
flinging the pointer there; it also refuses to click a corner pixel at all (its click
checks again after moving). That would turn a model's own click on a corner pixel into a
false stop at that click or at the next action. `Pointer.guard`, run at the start of every
action, keeps the user's fail-safe and tells the two apart: the pointer in a corner
exactly where our own last action left it was us, and it steps one point inwards
(through pyautogui's platform layer, whose moves are not checked) and goes on; anywhere
else in a corner is the user, and pyautogui's own ``failSafeCheck`` raises, which
`input_errors` turns into `FailSafeTriggered`. A click or drag whose own point is a
corner goes through the same platform layer (after the guard has checked). The one
thing this cannot see is a user flinging the pointer into the very corner our last
action left it in: flinging it into any other corner stops the run. ``pyautogui.FAILSAFE``
is never changed: it stays the user's choice, and when it is off nothing here checks.
"""

from __future__ import annotations

import contextlib
import math
import sys
from types import ModuleType
from typing import Any, Literal

__all__ = ["DEFAULT_WHEEL_CLICKS", "UNITS_PER_WHEEL_CLICK", "Pointer", "logical", "wheel_clicks"]

UNITS_PER_WHEEL_CLICK = 50.0
"""Screen units one wheel click scrolls, roughly: three lines of ~16 px text."""

DEFAULT_WHEEL_CLICKS = 5
_MAX_WHEEL_CLICKS = 50
_DRAG_STEPS = 8  # intermediate moves, so applications see the pointer travel while pressed

Button = Literal["left", "right", "middle"]


def logical(value: float) -> int:
    """A screen coordinate as the whole logical point the pointer can reach: nearest, half up."""
    return math.floor(value + 0.5)


def wheel_clicks(amount: float | None) -> int:
    """Wheel clicks for a scroll of ``amount`` screen units (None: the default)."""
    if amount is None:
        return DEFAULT_WHEEL_CLICKS
    return max(1, min(_MAX_WHEEL_CLICKS, round(amount / UNITS_PER_WHEEL_CLICK)))


class Pointer:
    """pyautogui's mouse, with the corner rule above. Call inside `input_errors`."""

    def __init__(self, pyautogui: ModuleType) -> None:
        self._pag = pyautogui
        self._left_at: tuple[int, int] | None = None  # where our last action left the pointer

    # -- the fail-safe ----------------------------------------------------------------

    def guard(self) -> None:
        """Before an action: the user's fail-safe raises; our own corner is stepped out of.

        Raises:
            pyautogui.FailSafeException: the user put the pointer in a corner.
        """
        if not self._pag.FAILSAFE:
            return
        at = self._position()
        if at not in self._corners():
            return
        if at != self._left_at:
            self._pag.failSafeCheck()  # the user's: pyautogui raises its own exception
            return  # the pointer moved on between our two looks
        inner = self._inwards(at)
        self._platform()._moveTo(*inner)
        self._left_at = inner

    def note_position(self) -> None:
        """Remember where the pointer is now, as our own doing (after each action)."""
        self._left_at = self._position()

    # -- actions ------------------------------------------------------------------------

    def click(self, x: int, y: int, button: Button, count: int) -> None:
        if self._cornered((x, y)):
            raw = self._platform()
            if sys.platform == "darwin":
                raw._multiClick(x, y, button, count)  # what pyautogui.click does there
            else:
                for _ in range(count):
                    raw._click(x, y, button)
        else:
            self._pag.click(x, y, clicks=count, interval=0.0, button=button, _pause=False)
        self.note_position()

    def move(self, x: int, y: int) -> None:
        # A move into a corner is not checked by pyautogui (its target is exempt).
        self._pag.moveTo(x, y, _pause=False)
        self.note_position()

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """Press at ``start``, move there in steps, release at ``end``; the button is
        released even when a step fails (a fail-safe mid-drag included)."""
        path = [
            (
                logical(start[0] + (end[0] - start[0]) * i / _DRAG_STEPS),
                logical(start[1] + (end[1] - start[1]) * i / _DRAG_STEPS),
            )
            for i in range(1, _DRAG_STEPS)
        ]
        raw = self._cornered(start) or self._cornered(end)
        pressed = False
        try:
            if raw:
                platform = self._platform()
                platform._mouseDown(*start, "left")
                pressed = True
                for point in [*path, end]:
                    self._raw_drag_motion(point)
                platform._mouseUp(*end, "left")
            else:
                self._pag.mouseDown(*start, button="left", _pause=False)
                pressed = True
                for point in path:
                    self._pag.moveTo(*point, _pause=False)
                self._pag.mouseUp(*end, button="left", _pause=False)
            pressed = False
        finally:
            if pressed:
                # Never leave the button held; a failure here must not hide the first one.
                with contextlib.suppress(Exception):
                    x, y = self._position()
                    self._platform()._mouseUp(x, y, "left")
        self.note_position()

    def scroll(self, x: int, y: int, direction: str, clicks: int) -> None:
        """Turn the wheel ``clicks`` times at ``(x, y)``: ``down`` shows what is below (wheel
        down, X button 5), ``up`` button 4, ``left`` button 6, ``right`` button 7."""
        signed = clicks if direction in ("up", "right") else -clicks
        if direction in ("up", "down"):
            self._pag.scroll(signed, x=x, y=y, _pause=False)
        else:
            self._pag.hscroll(signed, x=x, y=y, _pause=False)
        self.note_position()

    # -- helpers --------------------------------------------------------------------

    def _position(self) -> tuple[int, int]:
        x, y = self._pag.position()  # pyautogui's position() does not check the fail-safe
        return int(x), int(y)

    def _corners(self) -> list[tuple[int, int]]:
        return [(int(x), int(y)) for x, y in self._pag.FAILSAFE_POINTS]

    def _cornered(self, point: tuple[int, int]) -> bool:
        return bool(self._pag.FAILSAFE) and point in self._corners()

    def _inwards(self, corner: tuple[int, int]) -> tuple[int, int]:
        xs = [c[0] for c in self._corners()]
        ys = [c[1] for c in self._corners()]
        mid_x, mid_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        x, y = corner
        return x + (1 if x < mid_x else -1), y + (1 if y < mid_y else -1)

    def _platform(self) -> Any:
        # pyautogui's per-OS module (_pyautogui_x11, _osx, _win): the primitives its public
        # functions call after their fail-safe checks; the same names on all three.
        return self._pag.platformModule

    def _raw_drag_motion(self, point: tuple[int, int]) -> None:
        platform = self._platform()
        if sys.platform == "darwin":
            platform._dragTo(*point, "left")  # macOS wants drag events while a button is down
        else:
            platform._moveTo(*point)
