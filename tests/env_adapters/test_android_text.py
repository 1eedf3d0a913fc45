"""What `input text` receives, proved through a real POSIX shell (``sh -c``), and what Android types.

A device runs each ``shell:`` command line with ``/system/bin/sh -c`` (AOSP
``packages/modules/adb/daemon/shell_service.cpp``); here ``/bin/sh`` stands in for it, with a
shell function ``input`` that prints the argument it was given. Android's ``input text`` then
turns ``%s`` into a space (AOSP ``InputShellCommand.sendText``), which the double's `android_input_text` ports.
"""

from __future__ import annotations

import base64
import subprocess

import pytest

from mimo_gui.env_adapters.android.text import (
    adb_keyboard_command,
    input_text_plan,
    needs_adb_keyboard,
    shell_quote,
)
from tests.support.adb_device import android_input_text

HARD = "a b'c\"d;$(x)&|<>\\%"

# `input` as a shell function: print its third word ("text" is the second), delimited, so
# that an argument split in two or a command run by the shell shows.
_PRELUDE = 'input() { [ "$1" = text ] && [ $# -eq 2 ] && printf "<%s>" "$2" || printf "BAD(%s)" "$*"; }; x() { printf RAN; }; '


def _received(command: str) -> str:
    """The argument ``input text`` gets when ``sh -c`` runs ``command``, as ``<arg>``."""
    out = subprocess.run(["sh", "-c", _PRELUDE + command], capture_output=True, text=True, check=False)
    return out.stdout


def _device_types(text: str) -> str:
    """What a device types for ``text``: every planned command through sh, then Android's decoding."""
    typed = ""
    for step in input_text_plan(text):
        if step.command.startswith("input keyevent"):
            typed += {"KEYCODE_ENTER": "\n", "KEYCODE_TAB": "\t"}[step.command.split()[-1]]
            continue
        got = _received(step.command)
        assert got.startswith("<") and got.endswith(">"), got
        typed += android_input_text(got[1:-1])
    return typed


def test_shell_metacharacters_arrive_as_one_argument() -> None:
    (step,) = input_text_plan(HARD)
    assert _received(step.command) == f"<{HARD}>"
    assert _device_types(HARD) == HARD


def test_unquoted_text_would_break() -> None:
    # The proof can fail: the same text unquoted runs $(x) and splits words.
    assert _received("input text a b;$(x)") == "BAD(text a b)"  # split in two, then $(x) ran
    assert _received("input text 'a b;$(x)'") == "<a b;$(x)>"


@pytest.mark.parametrize("text", ["50%sale", "%s", "%s%s", "a%%sb", "100%", "%", "s%ss", "%S"])
def test_percent_s_arrives_literally(text: str) -> None:
    assert _device_types(text) == text
    for step in input_text_plan(text):
        assert "%s" not in step.types


def test_unsplit_percent_s_becomes_a_space_on_the_device() -> None:
    assert android_input_text("50%sale") == "50 ale"
    assert android_input_text("%%s") == "% "
    assert [s.types for s in input_text_plan("50%sale")] == ["50%", "sale"]


def test_newlines_and_tabs_are_key_events() -> None:
    plan = input_text_plan("a\nb\tc")
    assert [s.command for s in plan] == [
        "input text 'a'",
        "input keyevent KEYCODE_ENTER",
        "input text 'b'",
        "input keyevent KEYCODE_TAB",
        "input text 'c'",
    ]
    assert _device_types("line one\n50%sale\t'x'") == "line one\n50%sale\t'x'"


def test_every_printable_ascii_character() -> None:
    text = "".join(chr(c) for c in range(32, 127))
    assert not needs_adb_keyboard(text)
    assert _device_types(text) == text


def test_non_ascii_needs_the_adb_keyboard() -> None:
    assert needs_adb_keyboard("café")
    assert needs_adb_keyboard("a\x07b")
    with pytest.raises(ValueError):
        input_text_plan("日本")


def test_adb_keyboard_broadcast_survives_the_shell() -> None:
    text = "日本語 'q' $(x) 😀\n"
    command = adb_keyboard_command(text)
    words = subprocess.run(
        ["sh", "-c", 'am() { printf "%s\\n" "$@"; }; ' + command], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert words[:5] == ["broadcast", "-a", "ADB_INPUT_B64", "--es", "msg"]
    assert base64.b64decode(words[5]).decode("utf-8") == text


def test_shell_quote() -> None:
    assert shell_quote("it's") == "'it'\\''s'"
    assert _received(f"input text {shell_quote('')}") == "<>"
