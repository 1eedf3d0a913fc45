"""Key names: ours (``ctrl``, ``enter``, ``arrowleft``) as Playwright spells them, and chords."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["playwright_key", "press"]

_KEY_NAMES = {
    "ctrl": "Control",
    "control": "Control",
    "shift": "Shift",
    "alt": "Alt",
    "option": "Alt",
    "meta": "Meta",
    "cmd": "Meta",
    "command": "Meta",
    "win": "Meta",
    "super": "Meta",
    "enter": "Enter",
    "return": "Enter",
    "tab": "Tab",
    "backspace": "Backspace",
    "delete": "Delete",
    "del": "Delete",
    "esc": "Escape",
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
    "arrowup": "ArrowUp",
    "arrowdown": "ArrowDown",
    "arrowleft": "ArrowLeft",
    "arrowright": "ArrowRight",
    "capslock": "CapsLock",
}


def playwright_key(name: str) -> str:
    """Our key name (``ctrl``, ``enter``, ``arrowleft``, ``a``) as Playwright spells it (``Control``…).

    Single characters pass through as they are; ``f1``…``f12`` become ``F1``…; any other
    name passes through untouched, for Playwright to accept (``PageDown``) or refuse.
    """
    if len(name) == 1:
        return name
    low = name.lower()
    if low in _KEY_NAMES:
        return _KEY_NAMES[low]
    if low[0] == "f" and low[1:].isdigit():
        return "F" + low[1:]
    return name


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
