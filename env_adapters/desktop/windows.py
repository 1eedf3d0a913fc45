"""The focused window's title, for `Observation.title`: context the model reads beside the pixels.

X11 (python-xlib, which pyautogui depends on there): the window manager's
``_NET_ACTIVE_WINDOW`` on the root window (EWMH) when one sets it; without a window
manager (Xvfb, a kiosk) the input focus (``XGetInputFocus``), walking up from it to the
first window with a name: focus usually sits on a child of the top-level window (Tk's
text box), and only the top-level window carries ``_NET_WM_NAME`` / ``WM_NAME`` (ICCCM).
When the focus is ``PointerRoot`` (the keyboard follows the pointer: Xvfb's default,
where Tk's ``focus_force`` leaves it) the walk starts at the deepest window under the
pointer. Elsewhere pyautogui's ``getActiveWindowTitle`` where it exists (Windows). A title is
context, never required: every failure is None.
"""

from __future__ import annotations

import contextlib
import sys
from types import ModuleType
from typing import Any

__all__ = ["FocusedTitle"]

_MAX_DEPTH = 32  # a parent chain longer than this is not a real window tree


class FocusedTitle:
    """Reads the focused window's title over its own X connection (opened on first use)."""

    def __init__(self, display: str | None, pyautogui: ModuleType | None = None) -> None:
        self._display_name = display
        self._pyautogui = pyautogui
        self._x: Any = None

    def read(self) -> str | None:
        """The focused window's title, or None where there is none or it cannot be read."""
        try:
            if self._display_name is not None and sys.platform not in ("darwin", "win32"):
                return self._x11()
            getter = getattr(self._pyautogui, "getActiveWindowTitle", None)
            title = getter() if callable(getter) else None
            return title if isinstance(title, str) and title else None
        except Exception:
            return None

    def close(self) -> None:
        if self._x is not None:
            with contextlib.suppress(Exception):
                self._x.close()
            self._x = None

    def _x11(self) -> str | None:
        import Xlib.display
        from Xlib import X

        if self._x is None:
            self._x = Xlib.display.Display(self._display_name)
        x = self._x
        root = x.screen().root
        window = None
        active = root.get_full_property(x.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if active is not None and len(active.value) and active.value[0]:
            window = x.create_resource_object("window", int(active.value[0]))
        else:
            focus = x.get_input_focus().focus
            if focus == X.PointerRoot:
                # Focus follows the pointer (Xvfb's default, no window manager): the keyboard
                # goes to the deepest window under it.
                window = _deepest_under_pointer(root)
            elif isinstance(focus, int):
                return None  # None (0): no window has the focus
            else:
                window = focus
        return self._name_up_from(window, root.id)

    def _name_up_from(self, window: Any, root_id: int) -> str | None:
        x = self._x
        net_name, utf8 = x.intern_atom("_NET_WM_NAME"), x.intern_atom("UTF8_STRING")
        for _ in range(_MAX_DEPTH):
            if window is None or window.id == root_id:
                return None
            prop = window.get_full_property(net_name, utf8)
            if prop is not None and prop.value:
                return _text(prop.value)
            name = window.get_wm_name()
            if name:
                return _text(name)
            window = window.query_tree().parent
        return None


def _deepest_under_pointer(root: Any) -> Any:
    window = None
    child = root.query_pointer().child
    for _ in range(_MAX_DEPTH):
        if not child:  # X.NONE: the pointer is over no child of this window
            break
        window = child
        child = window.query_pointer().child
    return window


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, str):
        text = value
    else:
        return None
    return text or None
