"""Hotkeys and typing on the desktop, through pyautogui, without ever dropping a key.

pyautogui ignores key names and characters it has no key for, silently. So every name of
a chord is checked before the first is pressed, and text is typed by keys only when each
character has one (printable ASCII, newline, tab); any other text is pasted
(`clipboard.paste`), or, with ``keystrokes=True``, typed through a borrowed keycode on X11
and refused by name elsewhere.

`DesktopEnv` calls `press_keys` for a `Hotkey` and `type_text` for a `Type`.
"""

from __future__ import annotations

import sys
import time
from types import ModuleType
from typing import Any

from ...actions import ActionFailed
from ..keys import canonical_key
from . import clipboard
from .display import load_pyautogui
from .errors import input_errors

__all__ = ["REMAP_GRACE", "press_keys", "type_text"]

# Characters pyautogui types by their own key on every platform: its KEY_NAMES holds
# printable ASCII, "\n" (Return) and "\t"; "\r" is left to the paste, which keeps it.
_KEYED = frozenset(chr(c) for c in range(0x20, 0x7F)) | {"\n", "\t"}

# canonical name (env_adapters/keys.py) -> pyautogui's name, where they differ. ``meta``
# is the command key on macOS and the Windows key elsewhere (X11: Super_L).
_PYAUTOGUI = {"escape": "esc", "meta": "command" if sys.platform == "darwin" else "win"}

_PASTE_CHORD = ("meta", "v") if sys.platform == "darwin" else ("ctrl", "v")

REMAP_GRACE = 0.25
"""Seconds a borrowed keycode keeps its character after its last key event (X11).

A program reads the new keyboard map lazily, when it handles the first key event after
the change, and the server does not say when that was. Given the map back at once, a
program still behind on its events reads the restored map and gets the wrong character
(seen here with Tk: "é東👋ü" typed through one keycode arrived as "é👋👋"). So each
character keeps its own keycode for its whole chunk (`_type_x11`), and the map is
restored this long after the chunk's last key.
"""


def press_keys(keys: tuple[str, ...]) -> str:
    """Press ``keys`` as one chord (down in order, up in reverse); the step detail.

    Raises:
        ActionFailed: a key is unknown, or this desktop has no key for it; nothing was pressed.
        FailSafeTriggered: pyautogui's fail-safe fired; keys already down were released.
    """
    pyautogui = load_pyautogui()
    names = [_pyautogui_key(pyautogui, key) for key in keys]  # all checked before any press
    down: list[str] = []
    try:
        with input_errors("pressing " + "+".join(keys)):
            for name in names:
                pyautogui.keyDown(name, _pause=False)
                down.append(name)
    except BaseException:
        _release(pyautogui, down, quiet=True)
        raise
    _release(pyautogui, down, quiet=False)
    return "pressed " + "+".join(canonical_key(key) for key in keys)


def _pyautogui_key(pyautogui: ModuleType, key: str) -> str:
    name = canonical_key(key)
    name = _PYAUTOGUI.get(name, name)
    # pyautogui's platform layer presses only what its table maps (KEYBOARD_KEYS lacks the
    # capitals it types fine). A None there is no key; on X11 so is keycode 0, what a keysym
    # missing from the keyboard map gives (macOS's keycode 0 is a real key: "a").
    table = getattr(getattr(pyautogui, "platformModule", None), "keyboardMapping", None)
    if isinstance(table, dict):
        code = table.get(name)
        known = code is not None and (code != 0 or sys.platform in ("darwin", "win32"))
    else:
        known = name in pyautogui.KEYBOARD_KEYS
    if not known:
        raise ActionFailed(f"key {key!r} cannot be pressed on this desktop: pyautogui has no key for it")
    return name


def _release(pyautogui: ModuleType, names: list[str], *, quiet: bool) -> None:
    """Release ``names`` in reverse; with ``quiet``, failures are swallowed (an error is on its way).

    pyautogui.keyUp checks the fail-safe first and would leave the chord held down for the
    user once the pointer is in a corner; its platform layer's ``_keyUp`` does not, so a
    release always happens.
    """
    key_up: Any = getattr(getattr(pyautogui, "platformModule", None), "_keyUp", None)
    for name in reversed(names):
        try:
            with input_errors(f"releasing {name}"):
                if key_up is not None:
                    key_up(name)
                else:
                    pyautogui.keyUp(name, _pause=False)
        except Exception:
            if not quiet:
                raise


def type_text(text: str, *, keystrokes: bool = False) -> str:
    """Type ``text`` into the focused window; the step detail.

    Text whose every character has a key is typed as key events; any other text is pasted
    with the clipboard restored afterwards, unless ``keystrokes``: then every character is
    a key event (X11: characters without a key borrow a spare keycode, as xdotool does).

    Raises:
        ActionFailed: the paste was not taken, or (``keystrokes``) a character cannot be
            typed as a key event here; nothing is dropped silently.
        FailSafeTriggered: pyautogui's fail-safe fired.
    """
    pyautogui = load_pyautogui()
    if all(c in _KEYED for c in text):
        with input_errors("typing"):
            pyautogui.write(text, interval=0, _pause=False)
        return f"typed {len(text)} characters as keystrokes"
    if not keystrokes:
        return clipboard.paste(text, lambda: press_keys(_PASTE_CHORD))
    if sys.platform in ("darwin", "win32"):
        missing = "".join(sorted({c for c in text if c not in _KEYED}))
        raise ActionFailed(
            f"cannot type {missing!r} as keystrokes here: pyautogui has no key for them "
            "(type without keystrokes to paste them)"
        )
    with input_errors("typing as keystrokes"):
        borrowed = _type_x11(pyautogui, text)
    return f"typed {len(text)} characters as keystrokes ({borrowed} through a borrowed keycode)"


def _keysym(char: str) -> int:
    # X11 keysyms (X Window System Protocol, appendix A, and keysymdef.h): Latin-1
    # characters are their own keysym; any other Unicode character U is 0x01000000 + U,
    # astral ones included (👋 is 0x0101F44B).
    code = ord(char)
    return code if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF else 0x01000000 + code


def _type_x11(pyautogui: ModuleType, text: str) -> int:
    """Type ``text``: runs of keyed characters by pyautogui, the others by borrowed keycodes.

    The text goes in chunks with no more distinct unkeyed characters than there are spare
    keycodes; a chunk's characters are all mapped before its first key event, so the map
    never changes while a program may still be reading key events against it (changing it
    between taps lost a character here: Tk read one of 19 Cyrillic letters as nothing).
    Both connections sync after each key event (pyautogui does, and so do we), so the
    server receives the events in the text's order. Returns how many characters borrowed.
    """
    from Xlib import X, display
    from Xlib.ext.xtest import fake_input

    xd = display.Display()
    try:
        spare = _SpareKeycodes(xd)
        try:
            for chunk in _chunks(text, spare.count):
                keycodes = spare.lend({c for c in chunk if c not in _KEYED})
                run = ""
                for char in chunk:
                    if char in _KEYED:
                        run += char
                        continue
                    if run:
                        pyautogui.write(run, interval=0, _pause=False)
                        run = ""
                    pyautogui.failSafeCheck()  # what pyautogui does before each key of its own
                    fake_input(xd, X.KeyPress, keycodes[char])
                    fake_input(xd, X.KeyRelease, keycodes[char])
                    xd.sync()
                if run:
                    pyautogui.write(run, interval=0, _pause=False)
        finally:
            spare.restore()
    finally:
        xd.close()
    return sum(c not in _KEYED for c in text)


def _chunks(text: str, size: int) -> list[str]:
    """``text`` cut so that no piece holds more than ``size`` distinct unkeyed characters."""
    chunks: list[str] = []
    start, seen = 0, set[str]()
    for i, char in enumerate(text):
        if char not in _KEYED and char not in seen:
            if len(seen) == size:
                chunks.append(text[start:i])
                start, seen = i, set()
            seen.add(char)
    chunks.append(text[start:])
    return chunks


class _SpareKeycodes:
    """Keycodes with no keysym in the keyboard map, lent to characters and given back."""

    def __init__(self, xd: Any) -> None:
        self._xd = xd
        first = xd.display.info.min_keycode
        rows = xd.get_keyboard_mapping(first, xd.display.info.max_keycode - first + 1)
        self._empty = {first + i: tuple(row) for i, row in enumerate(rows) if not any(row)}
        if not self._empty:
            raise ActionFailed("cannot type as keystrokes: the keyboard map has no spare keycode to borrow")
        self._lent: list[int] = []

    @property
    def count(self) -> int:
        return len(self._empty)

    def lend(self, chars: set[str]) -> dict[str, int]:
        """Map each of ``chars`` (at most `count`) to its own spare keycode, all at once."""
        self.restore()  # a previous chunk's keycodes, after the grace
        lent = dict(zip(sorted(chars), sorted(self._empty), strict=False))
        for char, keycode in lent.items():
            self._xd.change_keyboard_mapping(keycode, [(_keysym(char), _keysym(char))])
        self._xd.sync()
        self._lent = list(lent.values())
        return lent

    def restore(self) -> None:
        """Give every lent keycode its old (empty) row back, `REMAP_GRACE` after the last key."""
        if not self._lent:
            return
        time.sleep(REMAP_GRACE)
        for keycode in self._lent:
            self._xd.change_keyboard_mapping(keycode, [self._empty[keycode]])
        self._xd.sync()
        self._lent = []
