"""The ``input`` command lines the actions become, and what the device's release allows. Pure functions.

- Taps: ``input tap X Y``. A multi-tap is one shell command line, ``input tap X Y && input tap
  X Y``, so no adb round trip lies between the taps (each costs a connection to the server
  and one to the device). Each ``input`` still starts its own ``app_process`` JVM (about
  100–300 ms on a phone), so the taps land that far apart: an app with a short double-tap
  timeout (``ViewConfiguration.DOUBLE_TAP_TIMEOUT``, 300 ms) may read them as two taps.
  ``&&`` rather than ``;``: when the first tap fails, the exit status says so.
- Key chords: ``input keycombination KEYCODE_CTRL_LEFT KEYCODE_A`` (AOSP ``frameworks/base/
  services/core/java/com/android/server/input/InputShellCommand.java``, ``runKeyCombination``:
  ``keycombination [-t duration(ms)] <key code 1> <key code 2> ...``, at least two key codes,
  the order kept, each modifier's meta state applied to the keys after it). The command came
  with Android 13 (SDK 33); earlier releases answer ``Unknown command: keycombination`` and
  exit 0, so the SDK is checked first and the device's answer read after.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...actions import ActionFailed

__all__ = ["KEYCOMBINATION_SDK", "chord_command", "chord_refused", "parse_sdk", "tap_command"]

KEYCOMBINATION_SDK = 33
"""The first SDK level with ``input keycombination`` (Android 13)."""


def tap_command(x: int, y: int, count: int = 1) -> str:
    """``count`` taps at device pixel (x, y) as one command line."""
    return " && ".join([f"input tap {x} {y}"] * max(1, count))


def parse_sdk(output: str) -> int | None:
    """``getprop ro.build.version.sdk`` output -> the SDK level; None when the device printed no number."""
    text = output.strip()
    return int(text) if text.isdigit() else None


def chord_command(keys: Sequence[str], codes: Sequence[str], sdk: int | None) -> str:
    """The command that presses ``codes`` together, in order.

    Raises:
        ActionFailed: the device's SDK is known to lack ``input keycombination``; the message
            names what is needed and what the device runs.
    """
    if sdk is not None and sdk < KEYCOMBINATION_SDK:
        raise ActionFailed(
            f"cannot press {'+'.join(keys)} together: `input keycombination` needs Android 13 "
            f"(SDK {KEYCOMBINATION_SDK}) and this device runs SDK {sdk}; press the keys one at a time "
            "or type the text instead"
        )
    return "input keycombination " + " ".join(codes)


def chord_refused(returncode: int, output: str) -> bool:
    """Whether the device refused a ``keycombination``: a failure status, or the words of one.

    Android 11–12's ``InputShellCommand`` prints ``Unknown command: keycombination`` and still
    exits 0; an unknown key code is an ``IllegalArgumentException`` (exit 255).
    """
    return returncode != 0 or any(w in output for w in ("Unknown command", "Exception", "Error:"))
