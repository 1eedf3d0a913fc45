"""Our key names, one table for every adapter: ``canonical_key("Control") == "ctrl"``.

Models write the same key many ways (``ctrl``/``control``, ``cmd``/``super``/``win``,
``return``/``enter``, ``ArrowLeft``/``left``); each adapter maps the one canonical name
to its platform's spelling (``browser/keys.py`` to Playwright's, ``desktop/keyboard.py``
to pyautogui's), so a name means the same key everywhere. ``meta`` is the platform's
command key: Command on macOS, the Windows/Super key elsewhere.
"""

from __future__ import annotations

from ..actions import ActionFailed

__all__ = ["CANONICAL_KEYS", "canonical_key"]

# canonical name -> its aliases (all lowercase).
_TABLE: dict[str, tuple[str, ...]] = {
    "ctrl": ("control",),
    "shift": (),
    "alt": ("option",),
    "meta": ("cmd", "command", "super", "win"),
    "enter": ("return",),
    "tab": (),
    "backspace": (),
    "delete": ("del",),
    "escape": ("esc",),
    "space": (),
    "insert": (),
    "home": (),
    "end": (),
    "pageup": (),
    "pagedown": (),
    "up": ("arrowup",),
    "down": ("arrowdown",),
    "left": ("arrowleft",),
    "right": ("arrowright",),
    "capslock": (),
    **{f"f{n}": () for n in range(1, 25)},
}

CANONICAL_KEYS: frozenset[str] = frozenset(_TABLE)
"""Every canonical name of more than one character; single printable characters are keys too."""

_ALIASES: dict[str, str] = {alias: name for name, aliases in _TABLE.items() for alias in (name, *aliases)}


def canonical_key(name: str) -> str:
    """``name`` as our canonical key name: ``"Control"`` -> ``"ctrl"``, ``"ArrowUp"`` -> ``"up"``.

    Names are case-insensitive. A single printable character is a key of its own and is
    returned as it is (``"A"`` stays ``"A"``: whether that means shift is the platform's call).

    Raises:
        ActionFailed: ``name`` is no key we know; the message names it and some we know.
    """
    if len(name) == 1 and name.isprintable():
        return name
    canonical = _ALIASES.get(name.lower())
    if canonical is None:
        raise ActionFailed(
            f"unknown key {name!r}: known keys are ctrl, shift, alt, meta (cmd, super, win), "
            "enter, tab, backspace, delete, escape, space, home, end, pageup, pagedown, "
            "up, down, left, right, insert, capslock, f1..f24 and single characters"
        )
    return canonical
