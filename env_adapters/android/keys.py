"""Key names -> Android key codes (``KEYCODE_*`` names, which ``input keyevent`` accepts).

Phone keys first (``back``, ``home``, ``app_switch``, volume, power, …), then our canonical
names (`env_adapters.keys`) where a phone has the key, meaning what they mean on the desktop
and in the browser: ``backspace`` erases backwards (``KEYCODE_DEL``, which Android names
"delete" although it is backspace) and ``delete``/``del`` forwards (``KEYCODE_FORWARD_DEL``;
``forward_delete`` too). One differs on purpose: ``home`` is the phone's Home button (the
launcher), not line start (``KEYCODE_MOVE_HOME``, reachable as ``move_home``). A name spelled
as a key code (``KEYCODE_CAMERA``, ``KEYCODE_DEL``) passes as it is. Key codes: AOSP
``frameworks/base/core/java/android/view/KeyEvent.java``.
"""

from __future__ import annotations

import re

from ...actions import ActionFailed
from ..keys import canonical_key

__all__ = ["PHONE_KEYS", "keycode"]

PHONE_KEYS: dict[str, str] = {
    "back": "KEYCODE_BACK",
    "home": "KEYCODE_HOME",
    "app_switch": "KEYCODE_APP_SWITCH",
    "recents": "KEYCODE_APP_SWITCH",
    "recent_apps": "KEYCODE_APP_SWITCH",
    "overview": "KEYCODE_APP_SWITCH",
    "menu": "KEYCODE_MENU",
    "search": "KEYCODE_SEARCH",
    "power": "KEYCODE_POWER",
    "wakeup": "KEYCODE_WAKEUP",
    "sleep": "KEYCODE_SLEEP",
    "camera": "KEYCODE_CAMERA",
    "volume_up": "KEYCODE_VOLUME_UP",
    "volume_down": "KEYCODE_VOLUME_DOWN",
    "volume_mute": "KEYCODE_VOLUME_MUTE",
    "mute": "KEYCODE_VOLUME_MUTE",
    "notification": "KEYCODE_NOTIFICATION",
    "notifications": "KEYCODE_NOTIFICATION",
    "forward_delete": "KEYCODE_FORWARD_DEL",
    "move_home": "KEYCODE_MOVE_HOME",
    "move_end": "KEYCODE_MOVE_END",
    "media_play_pause": "KEYCODE_MEDIA_PLAY_PAUSE",
}

# Canonical names (env_adapters/keys.py) -> key codes, for those a phone has.
_CANONICAL: dict[str, str] = {
    "ctrl": "KEYCODE_CTRL_LEFT",
    "shift": "KEYCODE_SHIFT_LEFT",
    "alt": "KEYCODE_ALT_LEFT",
    "meta": "KEYCODE_META_LEFT",
    "enter": "KEYCODE_ENTER",
    "tab": "KEYCODE_TAB",
    "backspace": "KEYCODE_DEL",
    "delete": "KEYCODE_FORWARD_DEL",
    "escape": "KEYCODE_ESCAPE",
    "space": "KEYCODE_SPACE",
    "insert": "KEYCODE_INSERT",
    "end": "KEYCODE_MOVE_END",
    "pageup": "KEYCODE_PAGE_UP",
    "pagedown": "KEYCODE_PAGE_DOWN",
    "up": "KEYCODE_DPAD_UP",
    "down": "KEYCODE_DPAD_DOWN",
    "left": "KEYCODE_DPAD_LEFT",
    "right": "KEYCODE_DPAD_RIGHT",
    "capslock": "KEYCODE_CAPS_LOCK",
    **{f"f{n}": f"KEYCODE_F{n}" for n in range(1, 13)},
}

_CHARACTERS: dict[str, str] = {
    " ": "KEYCODE_SPACE",
    ",": "KEYCODE_COMMA",
    ".": "KEYCODE_PERIOD",
    "-": "KEYCODE_MINUS",
    "=": "KEYCODE_EQUALS",
    "[": "KEYCODE_LEFT_BRACKET",
    "]": "KEYCODE_RIGHT_BRACKET",
    "\\": "KEYCODE_BACKSLASH",
    ";": "KEYCODE_SEMICOLON",
    "'": "KEYCODE_APOSTROPHE",
    "/": "KEYCODE_SLASH",
    "@": "KEYCODE_AT",
    "+": "KEYCODE_PLUS",
    "`": "KEYCODE_GRAVE",
    "*": "KEYCODE_STAR",
    "#": "KEYCODE_POUND",
}

_KEYCODE_NAME = re.compile(r"KEYCODE_[A-Z0-9_]+")


def keycode(name: str) -> str:
    """The ``KEYCODE_*`` name for a key name: ``"back"`` -> ``"KEYCODE_BACK"``.

    Raises:
        ActionFailed: no Android key by that name; the message names it.
    """
    if _KEYCODE_NAME.fullmatch(name):
        return name
    if len(name) == 1:
        if name.isascii() and name.isalnum():
            return f"KEYCODE_{name.upper()}"
        if name in _CHARACTERS:
            return _CHARACTERS[name]
        raise ActionFailed(f"no Android key types {name!r}: use Type for text")
    phone = PHONE_KEYS.get(name.lower().replace("-", "_").replace(" ", "_"))
    if phone is not None:
        return phone
    try:
        canonical = canonical_key(name)
    except ActionFailed as exc:
        raise ActionFailed(
            f"unknown Android key {name!r}: known keys are {', '.join(sorted(PHONE_KEYS))}, "
            "the keyboard keys (enter, tab, backspace, escape, space, arrows, ctrl, shift, alt, f1..f12), "
            "single letters and digits, and KEYCODE_* names"
        ) from exc
    code = _CANONICAL.get(canonical)
    if code is None:
        raise ActionFailed(f"key {name!r} has no Android key code")
    return code
