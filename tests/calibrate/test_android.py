"""``mimo-gui calibrate --env android``: the geometry adb gives, and taps checked where Android's
input dispatcher says they went (``dumpsys input``'s RecentQueue).

The dump formats are those of AOSP frameworks/native (``MotionEntry::getDescription`` in
services/inputflinger/dispatcher/Entry.cpp; ``InputDispatcher::dumpDispatchStateLocked``), as
the LineageOS mirror of frameworks/native has them for Android 11 to 15, and as dumps taken on
real phones print them (quoted below). The e2e tests go through adbutils, unchanged, over TCP to
the adb double, which works out on its own where Android 13 and later keep an injected pointer
(the physical display's space: `FakeDevice.physical_point`); the calibration's way back is
checked against that independent one.
"""

from __future__ import annotations

import json
import math

import pytest
from PIL import Image

from mimo_gui.calibrate.android import (
    DispatchedTouch,
    Geometry,
    adb_shell,
    calibrate_android,
    dispatcher_to_screen,
    parse_recent_touches,
    physical_to_screen,
)
from mimo_gui.cli import main
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.prompts import get_profile
from tests.support.adb_server import FakeDevice, serve_adb

# Android 14 (a userdebug build): the source named, eventTime in nanoseconds, whole-ms ages.
DUMP_14 = """\
Input Dispatcher State:
  DispatchEnabled: true
  RecentQueue: length=3
    MotionEvent(deviceId=-1, eventTime=81376624597000, source=TOUCHSCREEN, displayId=0, action=DOWN, actionButton=0x00000000, flags=0x00000000, metaState=0x00000000, buttonState=0x00000000, classification=NONE, edgeFlags=0x00000000, xPrecision=1.0, yPrecision=1.0, xCursorPosition=nan, yCursorPosition=nan, pointers=[0: (351.6, 1538.3)]), policyFlags=0x62000000, age=81ms
    MotionEvent(deviceId=-1, eventTime=81376632885000, source=TOUCHSCREEN, displayId=0, action=UP, actionButton=0x00000000, flags=0x00000000, metaState=0x00000000, buttonState=0x00000000, classification=NONE, edgeFlags=0x00000000, xPrecision=1.0, yPrecision=1.0, xCursorPosition=nan, yCursorPosition=nan, pointers=[0: (351.6, 1538.3)]), policyFlags=0x62000000, age=73ms
    KeyEvent(deviceId=-1, eventTime=81376700000000, source=KEYBOARD, displayId=-1, action=DOWN, flags=0x00000008, keyCode=KEYCODE_BACK(4), scanCode=0, metaState=0x00000000, repeatCount=0), policyFlags=0x62000000, age=5ms
  PendingEvent: <none>
"""
# Android 7 to 10: the source as a number, the action as a number, no eventTime.
DUMP_OLD = """\
  RecentQueue: length=2
    MotionEvent(deviceId=4, source=0x00001002, action=0, flags=0x00000000, metaState=0x00000000, buttonState=0x00000000, edgeFlags=0x00000000, xPrecision=1.0, yPrecision=1.0, displayId=0, pointers=[0: (335.0, 1465.0)]), policyFlags=0x62000000, age=217264.0ms
    MotionEvent(deviceId=4, source=0x00001002, action=1, flags=0x00000000, metaState=0x00000000, buttonState=0x00000000, edgeFlags=0x00000000, xPrecision=1.0, yPrecision=1.0, displayId=0, pointers=[0: (335.0, 1465.0)]), policyFlags=0x6200
  PendingEvent: <none>
"""
# A user build (ro.debuggable=0), as a Pixel on Android 15 prints it.
DUMP_USER = """\
  RecentQueue: length=2
    MotionEvent, age=559ms
    MotionEvent, age=550ms
  PendingEvent:
    MotionEvent, age=7ms
"""


def test_the_recent_queue_gives_each_touch_down_and_its_pointer() -> None:
    touches, hidden = parse_recent_touches(DUMP_14) or ([], True)
    assert [(t.x, t.y) for t in touches] == [(351.6, 1538.3)] and not hidden
    assert "eventTime=81376624597000" in touches[0].key and "age=" not in touches[0].key
    old, _ = parse_recent_touches(DUMP_OLD) or ([], True)
    assert [(t.x, t.y) for t in old] == [(335.0, 1465.0)]  # action=0 is DOWN; action=1 is UP
    assert parse_recent_touches(DUMP_USER) == ([], True)  # the PendingEvent is not in the queue
    assert parse_recent_touches("  RecentQueue: <empty>\n") == ([], False)
    assert parse_recent_touches("Can't find service: input\n") is None


def _geometry(screenshot, orientation=0, override=None) -> Geometry:
    return Geometry(screenshot, (1080, 2400), override, 420, None, orientation)


def test_physical_points_become_pixels_of_the_current_orientation_and_override() -> None:
    assert physical_to_screen((540, 600), _geometry((1080, 2400))) == (540, 600)
    # A quarter turn: the natural top edge is the left one; the screenshot is 2400 wide.
    assert physical_to_screen((540, 600), _geometry((2400, 1080), 1)) == (600, 540)
    assert physical_to_screen((540, 600), _geometry((1080, 2400), 2)) == (540, 1800)
    assert physical_to_screen((540, 600), _geometry((2400, 1080), 3)) == (1800, 540)
    # An override (wm size 720x1600) shrinks the screenshot, and the point with it.
    assert physical_to_screen((540, 600), _geometry((720, 1600), 0, (720, 1600))) == (360, 400)


def test_android_13_turns_injected_pointers_into_the_physical_space_and_12_does_not() -> None:
    touch = DispatchedTouch("k", 1030.0, 100.0)
    landscape = _geometry((2400, 1080), 1)
    assert dispatcher_to_screen(touch, landscape, 33) == (100.0, 50.0)
    assert dispatcher_to_screen(touch, landscape, 32) == (1030.0, 100.0)


def _phones(sdk: int = 34, **second) -> tuple[FakeDevice, FakeDevice]:
    size = second.pop("size", (1080, 2400))
    first = FakeDevice("emulator-5554", Image.new("RGB", (720, 1280), "red"), wm_size=(720, 1280))
    return first, FakeDevice("R58M123ABC", Image.new("RGB", size, "white"), sdk=sdk, **second)


def _calibrate(port: int, capsys) -> tuple[int, dict]:
    code = main(
        ["calibrate", "--env", "android", "--serial", "R58M123ABC", "--adb-port", str(port), "--json"]
    )
    return code, json.loads(capsys.readouterr().out)


PHONES = [
    {},
    {"orientation": 1, "size": (2400, 1080)},
    {"orientation": 3, "size": (2400, 1080)},
    {"override_size": (720, 1600), "size": (720, 1600), "override_density": 280},
    {"orientation": 1, "size": (1600, 720), "override_size": (720, 1600)},
]


@pytest.mark.parametrize("sdk", [34, 32])
@pytest.mark.parametrize("phone", PHONES, ids=["portrait", "landscape", "seascape", "override", "both"])
def test_every_tap_verifies_on_the_serial_named(capsys, phone, sdk) -> None:
    first, second = _phones(sdk, **phone)
    with serve_adb([first, second]) as (_, port):
        code, result = _calibrate(port, capsys)
    assert code == 0, result
    assert result["passed"] and result["within"] == len(result["taps"]) == 13
    assert first.taps == [] and len(second.taps) == 13
    g = result["geometry"]
    assert g["screenshot"] == list(phone.get("size", (1080, 2400)))
    assert (g["physical_size"], g["orientation"]) == ([1080, 2400], phone.get("orientation", 0))
    assert g["override_size"] == (list(phone["override_size"]) if "override_size" in phone else None)
    assert (g["density"], g["override_density"]) == (420, phone.get("override_density"))
    assert (result["sdk"], result["debuggable"]) == (sdk, True)
    assert result["dispatcher_space"] == ("physical display" if sdk >= 33 else "logical display")
    for tap, sent in zip(result["taps"], second.taps):
        assert abs(tap["error"][0]) <= 1 and abs(tap["error"][1]) <= 1
        # The tap really went where the row says: its nearest device pixel.
        assert math.floor(tap["intended"][0] + 0.5) == sent[0]
    if sdk >= 33 and phone.get("orientation") == 1:
        # The dispatcher's own numbers are in the panel's natural orientation, not the screenshot's.
        tap = result["taps"][0]
        assert tap["dispatched"] != pytest.approx(tap["landed"], abs=2)


def test_the_table_reports_the_geometry(capsys) -> None:
    first, second = _phones()
    with serve_adb([first, second]) as (_, port):
        code = main(["calibrate", "--env", "android", "--serial", "R58M123ABC", "--adb-port", str(port)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "screenshot 1080x2400 device px; wm size physical 1080x2400, override none" in text
    assert "density 420; orientation 0" in text
    assert "taps checked in dumpsys input (SDK 34: pointers in the physical display's space)" in text
    assert "PASS: 13 of 13 taps verified within 1 device px" in text


def test_a_user_build_is_reported_unverified_and_fails(capsys) -> None:
    phone = FakeDevice("R58M123ABC", Image.new("RGB", (1080, 2400), "white"), debuggable=False)
    with serve_adb([phone]) as (_, port):
        code, result = _calibrate(port, capsys)
    assert code == 1
    assert not result["passed"] and result["debuggable"] is False
    (note,) = result["notes"]
    assert note.startswith("taps not verified: this is a user build (ro.debuggable is not 1)")
    assert phone.taps == []  # nothing to verify against: no taps sent
    assert result["geometry"]["screenshot"] == [1080, 2400]  # the geometry is still reported


class LostTaps(FakeDevice):
    """A dispatcher that never records the taps (a tap the system dropped)."""

    def _recent_queue(self) -> list[str]:
        return []


def test_taps_the_dispatcher_never_saw_are_named_unverified() -> None:
    phone = LostTaps("R58M123ABC", Image.new("RGB", (1080, 2400), "white"))
    with serve_adb([phone]) as (host, port), AndroidEnv(adb_host=host, adb_port=port) as env:
        shell = adb_shell(env.settings())
        result = calibrate_android(env, get_profile("mimo-vl"), shell=shell, tap_timeout=0.1)
    assert not result.passed and result.within == 0
    assert all(t.problem == "no touch reached the input dispatcher within 0.1 s" for t in result.taps)
    assert len(phone.taps) == 13


def test_a_wrong_space_would_fail() -> None:
    # Read Android 13's physical-space pointers as logical ones (as Android 12 keeps them): in
    # landscape every tap but the centre lands far off.
    first, second = _phones(orientation=1, size=(2400, 1080))
    with (
        serve_adb([first, second]) as (host, port),
        AndroidEnv("R58M123ABC", adb_host=host, adb_port=port) as env,
    ):
        shell = adb_shell(env.settings())
        as_12 = lambda command: "32\n" if command == "getprop ro.build.version.sdk" else shell(command)  # noqa: E731
        result = calibrate_android(env, get_profile("mimo-vl"), shell=as_12)
    assert not result.passed and result.within < 3
