"""Typing on Android: what to send so that exactly the model's text arrives. Pure functions.

Two paths:

- ``input text`` for printable ASCII. The command line goes through the device's
  ``/system/bin/sh -c`` (adb ``shell:`` service), so the text is one single-quoted word:
  every shell metacharacter, quote and space arrives as itself (a ``'`` is written
  ``'\\''``). Android's own ``input text`` then replaces every ``%s`` with a space (AOSP
  ``InputShellCommand.sendText``: a ``%`` followed by ``s`` becomes ``' '``; there is no
  escape for it), so a literal ``%s`` is sent split in two commands, ``…%`` then ``s…``:
  neither contains ``%s``, and the device types their concatenation. Newlines and tabs
  become ``KEYCODE_ENTER``/``KEYCODE_TAB`` key events between chunks.
- The ADB Keyboard IME (https://github.com/senzhk/ADBKeyBoard) for anything else (non-ASCII,
  emoji, control characters): ``am broadcast -a ADB_INPUT_B64 --es msg <base64 of UTF-8>``.
  Base64 has no shell metacharacters and keeps every character exactly.

Nothing is ever stripped: text a path cannot carry is refused, with what to do.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

__all__ = [
    "ADB_KEYBOARD_HELP",
    "ADB_KEYBOARD_IME",
    "TextStep",
    "adb_keyboard_command",
    "input_text_plan",
    "needs_adb_keyboard",
    "shell_quote",
]

ADB_KEYBOARD_IME = "com.android.adbkeyboard/.AdbIME"
"""The ADB Keyboard's IME id, as ``ime list -s`` lists it once installed and enabled."""

ADB_KEYBOARD_HELP = (
    "install the ADB Keyboard (https://github.com/senzhk/ADBKeyBoard): "
    f"`adb install ADBKeyboard.apk`, then `adb shell ime enable {ADB_KEYBOARD_IME}` "
    f"and `adb shell ime set {ADB_KEYBOARD_IME}`"
)

_KEYS = {"\n": "KEYCODE_ENTER", "\t": "KEYCODE_TAB"}


@dataclass(frozen=True, slots=True)
class TextStep:
    """One shell command of a typing plan, and what it makes the device type."""

    command: str
    types: str


def shell_quote(text: str) -> str:
    """``text`` as one POSIX shell word: single quotes, a ``'`` written ``'\\''``."""
    return "'" + text.replace("'", "'\\''") + "'"


def needs_adb_keyboard(text: str) -> bool:
    """Whether ``input text`` cannot carry ``text``: anything but printable ASCII, newline, tab."""
    return any(not (" " <= ch <= "~" or ch in _KEYS) for ch in text)


def input_text_plan(text: str) -> list[TextStep]:
    """The ``input text``/``input keyevent`` commands that type ``text`` (printable ASCII, \\n, \\t).

    Raises:
        ValueError: ``text`` holds a character only the ADB Keyboard can type (check
            `needs_adb_keyboard` first).
    """
    if needs_adb_keyboard(text):
        raise ValueError("text holds characters `input text` cannot type; use the ADB Keyboard")
    steps: list[TextStep] = []
    chunk = ""
    for ch in text:
        if ch in _KEYS:
            steps += _chunk_steps(chunk)
            steps.append(TextStep(command=f"input keyevent {_KEYS[ch]}", types=ch))
            chunk = ""
        else:
            chunk += ch
    steps += _chunk_steps(chunk)
    return steps


def _chunk_steps(chunk: str) -> list[TextStep]:
    """One ``input text`` per piece of ``chunk`` cut between every ``%`` and the ``s`` after it."""
    pieces = chunk.split("%s")
    parts: list[str] = []
    for i, piece in enumerate(pieces):
        # Re-attach the cut "%s" as "%" at the end of this piece and "s" at the start of the next.
        head = "s" if i > 0 else ""
        tail = "%" if i < len(pieces) - 1 else ""
        parts.append(head + piece + tail)
    return [TextStep(command=f"input text {shell_quote(p)}", types=p) for p in parts if p]


def adb_keyboard_command(text: str) -> str:
    """The ADB Keyboard broadcast that types ``text`` exactly (any Unicode)."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"am broadcast -a ADB_INPUT_B64 --es msg {encoded}"
