"""Hotkeys, typing and the clipboard on a real X server, into a real Tk window.

Each test reads what the Tk probe (tests/support/tk_probe.py) received: its text box's
content after every change, and every key event with its keysym and modifier state, so a
paste (ctrl+v and nothing else) and typing (one key event per character) are told apart.
The clipboard is read with ``xclip -o``, as another program would. Keysym names are X's
(keysymdef.h: ``eacute``, ``U6771``, ``U0001F44B`` for characters outside Latin-1).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import ActionFailed, ConfigError, FailSafeTriggered
from mimo_gui.env_adapters.desktop import clipboard
from mimo_gui.env_adapters.desktop.keyboard import press_keys, type_text
from tests.support.xserver import TkProbe, XServer

MIXED = 'café 東京 👋 "quoted" $HOME'
NON_ASCII_KEYSYMS = ["eacute", "U6771", "U4EAC", "U0001F44B"]  # é 東 京 👋
MODIFIERS = {"Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Super_L"}
CONTROL_MASK = 4  # X11 KeyPress state bit for Control (X.h ControlMask)
XCLIP = shutil.which("xclip") or "xclip"  # found once: a test below empties PATH


# -- helpers --------------------------------------------------------------------------------


def keys(probe: TkProbe) -> list[dict[str, Any]]:
    """Key presses the probe got since its last clear(), modifiers left out."""
    return [e for e in probe.new_events() if e["event"] == "key" and e["keysym"] not in MODIFIERS]


def fresh(probe: TkProbe) -> None:
    """Empty the probe's text box and forget its events so far."""
    probe.send("clear")
    probe.wait_for(lambda e: e["event"] == "cleared", what="the text box to be cleared")
    probe.clear()


def read_clipboard(server: XServer) -> str | None:
    """The clipboard's text as xclip reads it; None when nobody holds it."""
    done = subprocess.run(
        [XCLIP, "-o", "-selection", "clipboard"], env=server.env(), capture_output=True, timeout=10
    )
    return done.stdout.decode() if done.returncode == 0 else None


def clipboard_owner(server: XServer) -> int:
    from Xlib import display

    xd = display.Display(server.display)
    try:
        owner = xd.get_selection_owner(xd.intern_atom("CLIPBOARD"))
        return int(getattr(owner, "id", owner))
    finally:
        xd.close()


def set_previous(probe: TkProbe, text: str) -> None:
    """Put ``text`` on the clipboard with the probe (Tk) as its owner, as a user's copy would."""
    probe.send(f"set {text}")
    probe.wait_for(lambda e: e["event"] == "clipboard_set", what="the probe to take the clipboard")
    assert read_clipboard(probe.server) == text


def empty_clipboard(server: XServer) -> None:
    """Leave CLIPBOARD with no owner: take it with a window, then close that connection."""
    from Xlib import X, display

    xd = display.Display(server.display)
    window = xd.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
    window.set_selection_owner(xd.intern_atom("CLIPBOARD"), X.CurrentTime)
    xd.sync()
    xd.close()  # a selection dies with its owner's connection
    deadline = time.monotonic() + 5
    while clipboard_owner(server) != 0:
        assert time.monotonic() < deadline, "the clipboard kept an owner"
        time.sleep(0.01)


def keyboard_map(server: XServer) -> list[tuple[int, ...]]:
    from Xlib import display

    xd = display.Display(server.display)
    try:
        first = xd.display.info.min_keycode
        return [tuple(r) for r in xd.get_keyboard_mapping(first, xd.display.info.max_keycode - first + 1)]
    finally:
        xd.close()


def pointer_to(server: XServer, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y)], env=server.env(), check=True, timeout=10)


# -- typing ---------------------------------------------------------------------------------


def test_non_ascii_text_is_pasted_intact_and_the_clipboard_restored(tk_probe: TkProbe) -> None:
    set_previous(tk_probe, "what the user copied")
    fresh(tk_probe)
    detail = type_text(MIXED)
    assert tk_probe.text(MIXED) == MIXED
    assert detail == f"pasted {len(MIXED)} characters (clipboard restored)"
    # A paste: ctrl+v and no key per character.
    pressed = keys(tk_probe)
    assert [(e["keysym"], e["state"] & CONTROL_MASK) for e in pressed] == [("v", CONTROL_MASK)]
    assert read_clipboard(tk_probe.server) == "what the user copied"


def test_forced_keystrokes_type_non_ascii_by_key(tk_probe: TkProbe) -> None:
    set_previous(tk_probe, "untouched")
    before = keyboard_map(tk_probe.server)
    fresh(tk_probe)
    detail = type_text(MIXED, keystrokes=True)
    assert tk_probe.text(MIXED) == MIXED
    assert detail == f"typed {len(MIXED)} characters as keystrokes (4 through a borrowed keycode)"
    pressed = keys(tk_probe)
    assert [e["char"] for e in pressed] == list(MIXED)  # one key event per character, in order
    assert [e["keysym"] for e in pressed if ord(e["char"]) > 0x7F] == NON_ASCII_KEYSYMS
    assert not any(e["state"] & CONTROL_MASK for e in pressed)  # no ctrl+v: not a paste
    assert read_clipboard(tk_probe.server) == "untouched"
    assert keyboard_map(tk_probe.server) == before  # the borrowed keycodes were given back


def test_more_distinct_characters_than_spare_keycodes(tk_probe: TkProbe) -> None:
    # Xvfb's map has 19 empty keycodes: 40 distinct characters reuse them in two rounds.
    text = "".join(chr(0x0410 + i) for i in range(40))  # Cyrillic А..
    fresh(tk_probe)
    type_text(text, keystrokes=True)
    assert tk_probe.text(text) == text


def test_ascii_is_typed_one_key_per_character(tk_probe: TkProbe) -> None:
    set_previous(tk_probe, "kept")
    text = "say \"hi\" to $HOME & 'x'\n\tdone~`|"
    fresh(tk_probe)
    detail = type_text(text)
    assert tk_probe.text(text) == text
    assert detail == f"typed {len(text)} characters as keystrokes"
    # Tk reports Return's character as "\r".
    assert [e["char"] for e in keys(tk_probe)] == list(text.replace("\n", "\r"))
    assert read_clipboard(tk_probe.server) == "kept"


def test_an_empty_clipboard_stays_empty(tk_probe: TkProbe) -> None:
    empty_clipboard(tk_probe.server)
    fresh(tk_probe)
    detail = type_text("naïve")
    assert tk_probe.text("naïve") == "naïve"
    assert detail == "pasted 5 characters (clipboard was empty; left empty)"
    assert clipboard_owner(tk_probe.server) == 0
    assert read_clipboard(tk_probe.server) is None


def test_a_clipboard_without_text_is_named_as_not_restored(x_server: XServer, tk_probe: TkProbe) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(32)
    subprocess.run(
        ["xclip", "-i", "-selection", "clipboard", "-t", "image/png"],
        input=png, env=x_server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, timeout=10, check=True,
    )  # fmt: skip
    fresh(tk_probe)
    detail = type_text("ü")
    assert tk_probe.text("ü") == "ü"
    assert "could not be restored" in detail and "image/png" in detail
    assert clipboard_owner(x_server) == 0  # not left holding our text


def test_a_paste_nobody_takes_times_out_and_restores(tk_probe: TkProbe) -> None:
    set_previous(tk_probe, "before")
    with pytest.raises(ActionFailed, match=r"nothing took the paste within 0\.3 s"):
        clipboard.paste("ß", lambda: None, timeout=0.3)  # no chord: nobody asks
    assert read_clipboard(tk_probe.server) == "before"


def test_xsel_restores_the_clipboard_where_xclip_is_missing(
    tk_probe: TkProbe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xsel = shutil.which("xsel")
    assert xsel is not None, "xsel is not installed (Debian package xsel; .ci/setup installs it)"
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "xsel").symlink_to(xsel)
    set_previous(tk_probe, "kept by xsel")
    fresh(tk_probe)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # xsel alone
    detail = type_text("Grüße")
    assert tk_probe.text("Grüße") == "Grüße"
    assert detail == "pasted 5 characters (clipboard restored)"
    assert read_clipboard(tk_probe.server) == "kept by xsel"


def test_no_clipboard_tool_is_a_config_error_naming_the_package(
    tk_probe: TkProbe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_previous(tk_probe, "untouched")
    fresh(tk_probe)
    monkeypatch.setenv("PATH", str(tmp_path))  # neither xclip nor xsel
    with pytest.raises(ConfigError, match=r"xclip or xsel.*Debian package xclip"):
        type_text("œuvre")
    monkeypatch.undo()
    type_text("x")
    assert tk_probe.text("x") == "x"  # nothing was pasted before the refusal
    assert read_clipboard(tk_probe.server) == "untouched"


# -- hotkeys --------------------------------------------------------------------------------


def test_ctrl_a_is_a_chord_the_window_acts_on(tk_probe: TkProbe) -> None:
    fresh(tk_probe)
    type_text("world")
    assert tk_probe.text("world") == "world"
    assert press_keys(("Control", "a")) == "pressed ctrl+a"
    # Tk's Text on X11 binds ctrl+a to the line's start (tk.tcl, <<LineStart>>).
    type_text("hello ")
    assert tk_probe.text("hello world") == "hello world"
    chord = [e for e in keys(tk_probe) if e["keysym"] == "a"]
    assert [e["state"] & CONTROL_MASK for e in chord] == [CONTROL_MASK]


def test_select_all_then_typing_replaces_the_text(tk_probe: TkProbe) -> None:
    fresh(tk_probe)
    type_text("old text")
    assert tk_probe.text("old text") == "old text"
    press_keys(("ctrl", "/"))  # Tk's <<SelectAll>> on X11
    type_text("new")
    assert tk_probe.text("new") == "new"


def test_key_names_reach_the_window_as_their_keys(tk_probe: TkProbe) -> None:
    names = {
        "esc": "Escape", "Return": "Return", "backspace": "BackSpace", "del": "Delete",
        "home": "Home", "end": "End", "pageup": "Prior", "pagedown": "Next", "arrowleft": "Left",
        "up": "Up", "right": "Right", "down": "Down", "f5": "F5", "F12": "F12", "space": "space",
        "insert": "Insert", "super": "Super_L", "cmd": "Super_L", "7": "7", "A": "A",
    }  # fmt: skip
    fresh(tk_probe)
    for ours, keysym in names.items():
        press_keys((ours,))
        tk_probe.wait_for(lambda e, k=keysym: e["event"] == "key" and e["keysym"] == k, what=keysym)
        tk_probe.clear()
    # Tk's Text binds <Tab> with "break" (text.tcl), so the probe logs no key event for it:
    # the tab it inserts shows it arrived.
    fresh(tk_probe)
    press_keys(("tab",))
    assert tk_probe.text("\t") == "\t"


def test_an_unknown_key_is_refused_before_anything_is_pressed(tk_probe: TkProbe) -> None:
    fresh(tk_probe)
    with pytest.raises(ActionFailed, match="'no-such-key'"):
        press_keys(("ctrl", "no-such-key"))
    with pytest.raises(ActionFailed, match="'é' cannot be pressed"):  # a character with no key
        press_keys(("ctrl", "é"))
    type_text("x")
    assert tk_probe.text("x") == "x"
    # The first key the window saw is the x: no ctrl went down, none is held.
    first = [e for e in tk_probe.new_events() if e["event"] == "key"]
    assert [(e["keysym"], e["state"]) for e in first] == [("x", 0)]


# -- the fail-safe --------------------------------------------------------------------------


def test_the_fail_safe_stops_typing_before_it_starts(tk_probe: TkProbe) -> None:
    server = tk_probe.server
    set_previous(tk_probe, "safe")
    before = keyboard_map(server)
    fresh(tk_probe)
    pointer_to(server, 0, 0)  # the user flings the pointer into the corner
    try:
        for text, forced in (("abc", False), ("é", True), ("café", False)):
            with pytest.raises(FailSafeTriggered, match="fail-safe"):
                type_text(text, keystrokes=forced)
        with pytest.raises(FailSafeTriggered):
            press_keys(("ctrl", "a"))
    finally:
        pointer_to(server, 1600, 700)
    type_text("ok")
    assert tk_probe.text("ok") == "ok"
    assert [e["keysym"] for e in tk_probe.new_events() if e["event"] == "key"] == ["o", "k"]
    assert read_clipboard(server) == "safe"  # the failed paste gave the clipboard back
    assert keyboard_map(server) == before


def test_the_fail_safe_stops_typing_midway(tk_probe: TkProbe) -> None:
    server = tk_probe.server
    text = "a" * 1000  # about 1.5 s of key events on Xvfb

    def fling_when_typing_began() -> None:
        tk_probe.wait_for(lambda e: e["event"] == "key", what="typing to begin")
        pointer_to(server, 0, 0)

    fresh(tk_probe)
    flinger = threading.Thread(target=fling_when_typing_began)
    flinger.start()
    try:
        with pytest.raises(FailSafeTriggered):
            type_text(text)
    finally:
        flinger.join()
        pointer_to(server, 1600, 700)
    typed = len(keys(tk_probe))
    assert 0 < typed < len(text)
