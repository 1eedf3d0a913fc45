"""Our key names (env_adapters/keys.py) and their Playwright spelling (browser/keys.py): pure."""

from __future__ import annotations

import pytest

from mimo_gui.actions import ActionFailed
from mimo_gui.env_adapters.browser import playwright_key
from mimo_gui.env_adapters.keys import CANONICAL_KEYS, canonical_key


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("ctrl", "ctrl"), ("Control", "ctrl"), ("CTRL", "ctrl"), ("shift", "shift"), ("Alt", "alt"),
     ("option", "alt"), ("meta", "meta"), ("cmd", "meta"), ("Command", "meta"), ("super", "meta"),
     ("win", "meta"), ("enter", "enter"), ("Return", "enter"), ("tab", "tab"), ("BackSpace", "backspace"),
     ("del", "delete"), ("Delete", "delete"), ("esc", "escape"), ("Escape", "escape"), ("space", "space"),
     ("insert", "insert"), ("home", "home"), ("end", "end"), ("PageUp", "pageup"), ("pagedown", "pagedown"),
     ("up", "up"), ("ArrowUp", "up"), ("arrowdown", "down"), ("ArrowLeft", "left"), ("arrowright", "right"),
     ("CapsLock", "capslock"), ("f1", "f1"), ("F12", "f12"), ("f24", "f24")],
)  # fmt: skip
def test_names_and_aliases_are_canonical(name: str, canonical: str) -> None:
    assert canonical_key(name) == canonical


@pytest.mark.parametrize("char", ["a", "A", "7", "/", " ", '"', "$", "é"])
def test_a_single_character_is_its_own_key(char: str) -> None:
    # Case is kept: "A" is shift+a on a keyboard, and the browser types "A" as "A".
    assert canonical_key(char) == char


@pytest.mark.parametrize("name", ["no-such-key", "f0", "f25", "ctl", "\n", "KeyA", ""])
def test_an_unknown_name_is_refused_by_name(name: str) -> None:
    with pytest.raises(ActionFailed) as info:
        canonical_key(name)
    message = str(info.value)
    assert repr(name) in message
    assert "ctrl" in message and "f1..f24" in message  # it lists some keys we know


def test_every_canonical_name_is_its_own_canonical_name() -> None:
    assert all(canonical_key(name) == name for name in CANONICAL_KEYS)
    assert {f"f{n}" for n in range(1, 25)} <= CANONICAL_KEYS


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("ctrl", "Control"), ("control", "Control"), ("option", "Alt"), ("super", "Meta"), ("win", "Meta"),
     ("return", "Enter"), ("del", "Delete"), ("esc", "Escape"), ("arrowup", "ArrowUp"), ("down", "ArrowDown"),
     ("f24", "F24"), ("space", "Space"), ("capslock", "CapsLock"), ("A", "A")],
)  # fmt: skip
def test_canonical_names_map_to_playwright(ours: str, theirs: str) -> None:
    assert playwright_key(ours) == theirs


def test_every_canonical_name_has_a_playwright_name() -> None:
    for name in CANONICAL_KEYS:
        theirs = playwright_key(name)
        assert theirs[0].isupper(), (name, theirs)  # Playwright's names are capitalised


@pytest.mark.parametrize("name", ["KeyA", "Digit1", "NumpadEnter", "no-such-key"])
def test_names_we_do_not_know_pass_through_to_playwright(name: str) -> None:
    # Playwright knows more key names than we do, and refuses the rest itself.
    assert playwright_key(name) == name
