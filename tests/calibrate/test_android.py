"""``mimo-gui calibrate --env android``: the geometry adb gives, and taps checked against ``getevent``.

The getevent formats are those of AOSP ``system/core/toolbox/getevent.c``: ``-p`` lists each
device's absolute axes (``0035  : value 0, min 0, max 4095, ...``; ``-lp`` labels them
``ABS_MT_POSITION_X``), ``-lt`` streams ``[ SEC.USEC] EV_ABS ABS_MT_POSITION_X 000007ff`` lines.
The e2e tests go through adbutils, unchanged, over TCP to the adb double, whose touchscreen
runs 0..4095 (not 0..width-1) and which works the raw values out on its own from the phone's
rotation and override size (`FakeDevice.raw_point`): the calibration's conversion back is
checked against that independent one.
"""

from __future__ import annotations

import json
import math

import pytest
from PIL import Image

from mimo_gui.calibrate.android import (
    AbsRange,
    Geometry,
    RawTouch,
    Touchscreen,
    adb_access,
    calibrate_android,
    parse_getevent_p,
    parse_touches,
    raw_to_screen,
)
from mimo_gui.cli import main
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.prompts import get_profile
from tests.support.adb_server import FakeDevice, serve_adb

GETEVENT_P = """\
add device 1: /dev/input/event4
  name:     "gpio-keys"
  events:
    KEY (0001): 0072  0073  0074
  input props:
    <none>
add device 2: /dev/input/event2
  name:     "sec_touchscreen"
  events:
    KEY (0001): 014a
    ABS (0003): 002f  : value 0, min 0, max 9, fuzz 0, flat 0, resolution 0
                0030  : value 0, min 0, max 255, fuzz 0, flat 0, resolution 0
                0035  : value 0, min 0, max 1079, fuzz 0, flat 0, resolution 0
                0036  : value 0, min 0, max 2399, fuzz 0, flat 0, resolution 0
                0039  : value 0, min 0, max 65535, fuzz 0, flat 0, resolution 0
  input props:
    INPUT_PROP_DIRECT
"""

GETEVENT_LP = """\
add device 1: /dev/input/event1
  name:     "fts_ts"
  events:
    KEY (0001): BTN_TOUCH
    ABS (0003): ABS_MT_SLOT           : value 0, min 0, max 9, fuzz 0, flat 0, resolution 0
                ABS_MT_POSITION_X     : value 0, min 0, max 17279, fuzz 0, flat 0, resolution 0
                ABS_MT_POSITION_Y     : value 0, min 0, max 38399, fuzz 0, flat 0, resolution 0
"""

GETEVENT_LT = """\
[   51234.100100] EV_ABS       ABS_MT_TRACKING_ID   0000002a
[   51234.100100] EV_KEY       BTN_TOUCH            DOWN
[   51234.100100] EV_ABS       ABS_MT_POSITION_X    0000021c
[   51234.100100] EV_ABS       ABS_MT_POSITION_Y    000004b0
[   51234.100100] EV_SYN       SYN_REPORT           00000000
[   51234.110100] EV_ABS       ABS_MT_POSITION_X    0000021d
[   51234.110100] EV_SYN       SYN_REPORT           00000000
[   51234.180100] EV_ABS       ABS_MT_TRACKING_ID   ffffffff
[   51234.180100] EV_KEY       BTN_TOUCH            UP
[   51234.180100] EV_SYN       SYN_REPORT           00000000
[   51235.000000] /dev/input/event2: EV_ABS       ABS_MT_TRACKING_ID   0000002b
[   51235.000000] /dev/input/event2: EV_ABS       ABS_MT_POSITION_X    00000010
[   51235.000000] /dev/input/event2: EV_ABS       ABS_MT_POSITION_Y    00000020
[   51235.000000] /dev/input/event2: EV_SYN       SYN_REPORT           00000000
"""


def test_getevent_p_finds_the_touchscreen_and_its_ranges() -> None:
    (screen,) = parse_getevent_p(GETEVENT_P)  # the keys have no position axes
    assert (screen.path, screen.name) == ("/dev/input/event2", "sec_touchscreen")
    assert (screen.x, screen.y) == (AbsRange(0, 1079), AbsRange(0, 2399))
    (labelled,) = parse_getevent_p(GETEVENT_LP)
    assert (labelled.x.max, labelled.y.max, labelled.x.span) == (17279, 38399, 17280)


def test_getevent_lt_gives_each_finished_touch_at_its_first_position() -> None:
    # The second touch has not ended: it is not yielded.
    assert list(parse_touches(iter(GETEVENT_LT.splitlines()))) == [RawTouch(0x21C, 0x4B0)]


SCREEN = Touchscreen("/dev/input/event2", "ts", AbsRange(0, 4095), AbsRange(0, 4095))


def _geometry(screenshot, orientation=0, override=None) -> Geometry:
    return Geometry(screenshot, (1080, 2400), override, 420, None, orientation)


def test_raw_values_become_pixels_of_the_current_orientation_and_override() -> None:
    # TouchInputMapper: pixel = (raw - min) * size / (max - min + 1), natural orientation.
    assert raw_to_screen(RawTouch(2048, 1024), SCREEN, _geometry((1080, 2400))) == (540, 600)
    # A quarter turn: the natural top edge is the left one; the screenshot is 2400 wide.
    assert raw_to_screen(RawTouch(2048, 1024), SCREEN, _geometry((2400, 1080), 1)) == (600, 540)
    assert raw_to_screen(RawTouch(2048, 1024), SCREEN, _geometry((1080, 2400), 2)) == (540, 1800)
    assert raw_to_screen(RawTouch(2048, 1024), SCREEN, _geometry((2400, 1080), 3)) == (1800, 540)
    # An override (wm size 720x1600) shrinks the screenshot, and the touch with it.
    assert raw_to_screen(RawTouch(2048, 1024), SCREEN, _geometry((720, 1600), 0, (720, 1600))) == (360, 400)


def _phones(**second) -> tuple[FakeDevice, FakeDevice]:
    size = second.pop("size", (1080, 2400))
    first = FakeDevice("emulator-5554", Image.new("RGB", (720, 1280), "red"), wm_size=(720, 1280))
    return first, FakeDevice("R58M123ABC", Image.new("RGB", size, "white"), **second)


def _calibrate(port: int, capsys) -> tuple[int, dict]:
    code = main(
        ["calibrate", "--env", "android", "--serial", "R58M123ABC", "--adb-port", str(port), "--json"]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "phone",
    [
        {},
        {"orientation": 1, "size": (2400, 1080)},
        {"override_size": (720, 1600), "size": (720, 1600), "override_density": 280},
    ],
    ids=["portrait", "landscape", "override"],
)
def test_every_tap_verifies_on_the_serial_named(capsys, phone) -> None:
    first, second = _phones(**phone)
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
    assert result["touchscreen"]["x"] == [0, 4095]
    for tap, sent in zip(result["taps"], second.taps):
        assert (
            abs(tap["landed"][0] - tap["intended"][0]) <= 1
            and abs(tap["landed"][1] - tap["intended"][1]) <= 1
        )
        # The tap really went where the row says: its nearest device pixel.
        assert math.floor(tap["intended"][0] + 0.5) == sent[0]


def test_the_table_reports_the_geometry(capsys) -> None:
    first, second = _phones()
    with serve_adb([first, second]) as (_, port):
        code = main(["calibrate", "--env", "android", "--serial", "R58M123ABC", "--adb-port", str(port)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "screenshot 1080x2400 device px; wm size physical 1080x2400, override none" in text
    assert "density 420; orientation 0" in text
    assert '/dev/input/event2 "fts_ts": ABS_MT_POSITION_X 0..4095' in text
    assert "PASS: 13 of 13 taps verified within 1 device px" in text


class NoGetevent(FakeDevice):
    """A build without getevent: the shell answers ``getevent: not found``, exit 127."""

    _cmd_getevent = None


def test_no_getevent_says_so_and_fails(capsys) -> None:
    phone = NoGetevent("R58M123ABC", Image.new("RGB", (1080, 2400), "white"))
    with serve_adb([phone]) as (_, port):
        code, result = _calibrate(port, capsys)
    assert code == 1
    assert not result["passed"] and result["touchscreen"] is None
    assert any(n.startswith("taps not verified: getevent -p") and "not found" in n for n in result["notes"])
    assert phone.taps == []  # nothing to verify against: no taps sent
    assert result["geometry"]["screenshot"] == [1080, 2400]  # the geometry is still reported


class Injected(FakeDevice):
    """Taps that never reach the kernel touchscreen (``input tap`` injected above it)."""

    def _stream_events(self, labels, stamps, count, io_) -> int:
        return 0


def test_taps_getevent_never_sees_are_named_unverified() -> None:
    phone = Injected("R58M123ABC", Image.new("RGB", (1080, 2400), "white"))
    with serve_adb([phone]) as (host, port), AndroidEnv(adb_host=host, adb_port=port) as env:
        shell, stream = adb_access(env.settings())
        result = calibrate_android(env, get_profile("mimo-vl"), shell=shell, stream=stream, tap_timeout=0.1)
    assert not result.passed and result.within == 0
    assert all(t.problem == "no touch reached /dev/input/event2 within 0.1 s" for t in result.taps)
    assert any("inject" in n for n in result.notes) and len(phone.taps) == 13


def test_a_wrong_conversion_would_fail(capsys) -> None:
    # The double's panel is 0..4095: reading it as pixels (no scaling) lands far off.
    first, second = _phones()
    with (
        serve_adb([first, second]) as (host, port),
        AndroidEnv("R58M123ABC", adb_host=host, adb_port=port) as env,
    ):
        shell, stream = adb_access(env.settings())
        as_pixels = lambda command: shell(command).replace("max 4095", "max 1079", 1)  # noqa: E731
        result = calibrate_android(env, get_profile("mimo-vl"), shell=as_pixels, stream=stream)
    assert not result.passed
