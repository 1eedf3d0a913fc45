"""The adb test double, proved with adbutils itself over real TCP (tests/support/adb_server.py).

adbutils 2.12 is used unchanged: every call below goes through its socket code, so a reply in the
wrong shape (AOSP ``packages/modules/adb/SERVICES.TXT`` / ``SYNC.TXT`` framing, ``wm``/``dumpsys``
text) fails here the way it would fail against a real server.
"""

from __future__ import annotations

import base64
import io
import subprocess
from collections.abc import Iterator

import adbutils
import pytest
from PIL import Image, ImageDraw

from tests.support.adb_server import ADB_IME, FakeDevice, serve_adb

HARD = "a b'c\"d;$(x)&|<>\\%"


def _phone_screen(size: tuple[int, int], colour: str) -> Image.Image:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 200, 1040, 320), fill="white", outline="black")
    draw.text((60, 240), "Search", fill="black")
    return image


@pytest.fixture
def phones() -> Iterator[tuple[adbutils.AdbClient, FakeDevice, FakeDevice]]:
    a = FakeDevice(
        "emulator-5554",
        _phone_screen((1080, 2400), "#3050a0"),
        packages={"com.example.app": "Example", "com.android.settings": "Settings"},
    )
    b = FakeDevice(
        "192.168.1.5:5555",
        _phone_screen((1600, 720), "#a03030"),
        wm_size=(720, 1600),
        orientation=1,
        adb_keyboard=True,
    )
    with serve_adb([a, b]) as (host, port):
        yield adbutils.AdbClient(host, port), a, b


def test_device_list_sees_both_phones(phones) -> None:
    client, a, b = phones
    assert [d.serial for d in client.device_list()] == [a.serial, b.serial]
    infos = client.list(extended=True)
    assert [i.transport_id for i in infos] == [1, 2]
    assert client.server_version() == 41


def test_shell_output_and_exit_codes_v1_and_v2(phones) -> None:
    client, a, _ = phones
    d = client.device(a.serial)
    assert d.shell("echo hello") == "hello"
    assert d.shell2("false").returncode == 1  # v1: adbutils appends "; echo X4EXIT:$?"
    r = d.shell2("nosuchtool --x", v2=True)
    assert (r.returncode, r.stderr) == (127, "/system/bin/sh: nosuchtool: not found\n")
    assert d.shell2("echo out; echo err >&2; exit 3", v2=True).stdout == "out\n"
    assert d.shell2("exit 3", v2=True).returncode == 3


def test_screenshot_is_the_screen(phones) -> None:
    client, a, _ = phones
    shot = client.device(a.serial).screenshot(error_ok=False)
    assert shot.size == a.screen.size
    assert shot.tobytes() == a.screen.tobytes()
    a.screen = Image.new("RGB", (1080, 2400), "green")
    assert client.device(a.serial).screenshot(error_ok=False).getpixel((5, 5)) == (0, 128, 0)
    raw = client.device(a.serial).shell(["screencap", "-p"], encoding=None)
    assert Image.open(io.BytesIO(raw)).tobytes() == a.screen.tobytes()


def test_geometry_and_foreground_app(phones) -> None:
    client, a, b = phones
    assert client.device(a.serial).window_size() == (1080, 2400)
    assert client.device(b.serial).window_size() == (1600, 720)  # rotated: width and height swap
    assert client.device(b.serial).rotation() == 1
    current = client.device(a.serial).app_current()
    assert (current.package, current.activity) == ("com.example.app", "com.example.app.MainActivity")
    a.override_size, a.override_density = (720, 1600), 320
    out = client.device(a.serial).shell("wm size; wm density")
    assert out.splitlines() == [
        "Physical size: 1080x2400",
        "Override size: 720x1600",
        "Physical density: 420",
        "Override density: 320",
    ]
    assert client.device(a.serial).window_size() == (720, 1600)
    assert "mResumedActivity: ActivityRecord{8a7d6c5 u0 com.example.app/.MainActivity t12}" in client.device(
        a.serial
    ).shell("dumpsys activity activities")


def test_dump_hierarchy_and_dev_tty(phones) -> None:
    client, a, _ = phones
    xml = client.device(a.serial).dump_hierarchy()
    assert xml.startswith("<?xml") and 'bounds="[40,200][1040,320]"' in xml
    tty = client.device(a.serial).shell("uiautomator dump /dev/tty")
    assert tty == a.ui_xml + "UI hierchary dumped to: /dev/tty"
    a.ui_xml = None
    with pytest.raises(adbutils.AdbError, match="uiautomator dump failed"):
        client.device(a.serial).dump_hierarchy()


def test_taps_keys_swipes_are_recorded(phones) -> None:
    client, a, _ = phones
    d = client.device(a.serial)
    d.click(100, 200)
    d.keyevent("KEYCODE_BACK")
    d.swipe(10, 20, 30, 40, 0.25)
    assert a.taps == [(100, 200)]
    assert a.keys == ["KEYCODE_BACK"]
    assert a.swipes == [(10, 20, 30, 40, 250)]


def test_input_text_decodes_like_a_device_and_sh_agrees(phones) -> None:
    client, a, _ = phones
    d = client.device(a.serial)
    d.send_keys(HARD)  # adbutils quotes with shlex.quote
    d.shell("input text 50%sale")  # Android's input turns %s into a space
    d.shell("input text a b")  # unquoted space: input types only its first argument
    d.shell("input text $(x)ok")  # unescaped substitution runs on the device
    assert a.typed == [HARD, "50 ale", "a", "ok"]
    # What a POSIX shell hands `input` as its text, for each recorded command line.
    recorded = [c for c in a.commands if c.startswith("input text")]
    script = "input() { printf '%s\\0' \"$2\"; }; x() { :; }; "
    seen = [
        subprocess.run(["sh", "-c", script + c], capture_output=True, check=True).stdout.decode().rstrip("\0")
        for c in recorded
    ]
    assert seen == [HARD, "50%sale", "a", "ok"]


def test_non_ascii_input_text_fails_and_adb_keyboard_types_it(phones) -> None:
    client, a, b = phones
    r = client.device(a.serial).shell2(["input", "text", "café"], v2=True)
    assert r.returncode == 255 and "NullPointerException" in r.stderr
    assert a.typed == []
    assert ADB_IME in client.device(b.serial).shell("ime list -s").splitlines()
    assert ADB_IME not in client.device(a.serial).shell("ime list -s")
    msg = base64.b64encode("café ✓".encode()).decode()
    client.device(b.serial).shell(["am", "broadcast", "-a", "ADB_INPUT_B64", "--es", "msg", msg])
    client.device(a.serial).shell(["am", "broadcast", "-a", "ADB_INPUT_B64", "--es", "msg", msg])
    assert b.typed == ["café ✓"]
    assert a.typed == []  # no ADB Keyboard on this phone: the broadcast has no receiver


def test_two_devices_keep_their_commands_apart(phones) -> None:
    client, a, b = phones
    client.device(a.serial).click(1, 2)
    client.device(b.serial).click(3, 4)
    assert (a.taps, b.taps) == ([(1, 2)], [(3, 4)])
    assert "input tap 3 4" not in a.commands and "input tap 1 2" not in b.commands


def test_unknown_serial_is_adbutils_own_error(phones) -> None:
    client, _, _ = phones
    with pytest.raises(adbutils.AdbError, match=r"^device 'nope' not found$"):
        client.device("nope").shell("echo hi")


def test_apps_open_and_resolve(phones) -> None:
    client, a, _ = phones
    d = client.device(a.serial)
    d.app_start("com.android.settings")
    assert d.app_current().package == "com.android.settings"
    assert (
        d.shell("cmd package resolve-activity --brief com.example.app").splitlines()[-1]
        == "com.example.app/.MainActivity"
    )
    assert d.list_packages() == ["com.android.settings", "com.example.app"]
    assert d.shell2("monkey -p no.such -c android.intent.category.LAUNCHER 1").returncode != 0


def test_dumpsys_input_lists_taps_as_the_dispatcher_keeps_them(phones) -> None:
    # The format of MotionEntry::getDescription (frameworks/native dispatcher/Entry.cpp) as
    # real dumps print it, e.g. "MotionEvent(deviceId=7, eventTime=81376624597000,
    # source=TOUCHSCREEN, displayId=0, action=MOVE, ..., pointers=[0: (351.6, 1538.3)]),
    # policyFlags=0x62000000, age=81ms".
    client, a, _ = phones
    d = client.device(a.serial)
    assert "RecentQueue: <empty>" in d.shell("dumpsys input")
    d.click(1079, 1200)
    queue = d.shell("dumpsys input").split("RecentQueue: length=2\n", 1)[1].splitlines()[:2]
    assert [ln.split("action=")[1].split(",")[0] for ln in queue] == ["DOWN", "UP"]
    assert all("source=TOUCHSCREEN" in ln and "pointers=[0: (1079.0, 1200.0)])" in ln for ln in queue)
    assert queue[0].startswith("    MotionEvent(deviceId=-1, eventTime=") and queue[0].endswith("ms")
    # A quarter turn: Android 13 keeps the pointer in the panel's natural orientation.
    a.orientation = 1
    d.click(100, 50)
    assert "pointers=[0: (1030.0, 100.0)])" in d.shell("dumpsys input")
    a.debuggable = False
    assert "    MotionEvent, age=" in d.shell("dumpsys input")  # a user build hides the fields
