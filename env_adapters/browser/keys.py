"""Key names: ours (``ctrl``, ``enter``, ``arrowleft``) as Playwright spells them, and chords."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...actions import ActionFailed
from ..keys import canonical_key

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["playwright_key", "press"]

# canonical name (env_adapters/keys.py) -> Playwright's key name; f1..f24 are built below.
_PLAYWRIGHT = {
    "ctrl": "Control",
    "shift": "Shift",
    "alt": "Alt",
    "meta": "Meta",
    "enter": "Enter",
    "tab": "Tab",
    "backspace": "Backspace",
    "delete": "Delete",
    "escape": "Escape",
    "space": "Space",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "pagedown": "PageDown",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "capslock": "CapsLock",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
}


def playwright_key(name: str) -> str:
    """Our key name (``ctrl``, ``enter``, ``arrowleft``, ``a``) as Playwright spells it (``Control``…).

    Single characters pass through as they are. A name we do not know passes through
    untouched, for Playwright to accept or refuse: it knows more than we do (``KeyA``,
    ``Digit1``, ``NumpadEnter``) and its refusal is a clear error. (The desktop cannot do
    this: pyautogui ignores a name it does not know without a word.)
    """
    if len(name) == 1:
        return name
    try:
        canonical = canonical_key(name)
    except ActionFailed:
        return name
    return _PLAYWRIGHT[canonical]


def press(page: Page, keys: tuple[str, ...]) -> str:
    """Hold ``keys`` down in order and release them in reverse: a chord such as ctrl+a.

    Keys already down are released even when a later one is refused, so a failed chord
    leaves no modifier stuck.
    """
    names = [playwright_key(k) for k in keys]
    pressed: list[str] = []
    try:
        for name in names:
            page.keyboard.down(name)
            pressed.append(name)
    finally:
        for name in reversed(pressed):
            page.keyboard.up(name)
    return "pressed " + "+".join(names)
