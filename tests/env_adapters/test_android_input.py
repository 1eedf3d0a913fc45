"""Issue 13: key chords, multi-taps and the delete key on Android, through adbutils against the adb double.

Chords are ``input keycombination`` (AOSP ``InputShellCommand.runKeyCombination``, Android 13 /
SDK 33 on); the SDK is read once per env (``getprop ro.build.version.sdk``). A double tap is
one shell command line, so no adb round trip lies between its taps.
"""

from __future__ import annotations

from collections.abc import Iterator

import adbutils
import pytest
from PIL import Image

from mimo_gui.actions import ActionFailed, Click, Hotkey, Point
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.env_adapters.settle import Settle
from tests.support.adb_server import FakeDevice, serve_adb

NO_WAIT = Settle(timeout=0)


@pytest.fixture
def phone_env(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeDevice, AndroidEnv]]:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    phone = FakeDevice("p1", Image.new("RGB", (1080, 2400), "white"), sdk=getattr(request, "param", 34))
    with (
        serve_adb([phone]) as (host, port),
        AndroidEnv("p1", adb_host=host, adb_port=port, settle=NO_WAIT) as env,
    ):
        phone.commands.clear()
        yield phone, env


def test_a_chord_is_one_keycombination(phone_env: tuple[FakeDevice, AndroidEnv]) -> None:
    phone, env = phone_env
    assert env.settings()["sdk"] == 34
    env.execute(Hotkey(keys=("ctrl", "a")))
    env.execute(Hotkey(keys=("Control", "shift", "z")))
    env.execute(Hotkey(keys=("enter",)))  # one key stays a keyevent
    assert [c for c in phone.commands if c.startswith("input ")] == [
        "input keycombination KEYCODE_CTRL_LEFT KEYCODE_A",
        "input keycombination KEYCODE_CTRL_LEFT KEYCODE_SHIFT_LEFT KEYCODE_Z",
        "input keyevent KEYCODE_ENTER",
    ]
    assert phone.chords == [
        ("KEYCODE_CTRL_LEFT", "KEYCODE_A"),
        ("KEYCODE_CTRL_LEFT", "KEYCODE_SHIFT_LEFT", "KEYCODE_Z"),
    ]
    assert phone.keys == ["KEYCODE_ENTER"]


@pytest.mark.parametrize("phone_env", [30, 32], indirect=True)
def test_a_chord_before_android_13_fails_naming_the_need(phone_env: tuple[FakeDevice, AndroidEnv]) -> None:
    phone, env = phone_env
    sdk = env.settings()["sdk"]
    with pytest.raises(
        ActionFailed,
        match=rf"^cannot press ctrl\+a together: `input keycombination` needs Android 13 \(SDK 33\) "
        rf"and this device runs SDK {sdk}",
    ):
        env.execute(Hotkey(keys=("ctrl", "a")))
    assert not [c for c in phone.commands if c.startswith("input ")]
    assert phone.chords == []
    env.execute(Hotkey(keys=("back",)))  # single keys still work there
    assert phone.keys == ["KEYCODE_BACK"]


def test_the_double_answers_keycombination_as_each_release_does() -> None:
    phones = [FakeDevice(f"s{sdk}", Image.new("RGB", (8, 8)), sdk=sdk) for sdk in (29, 31, 34)]
    with serve_adb(phones) as (host, port):
        client = adbutils.AdbClient(host, port)
        run = {
            p.sdk: client.device(p.serial).shell2("input keycombination KEYCODE_CTRL_LEFT KEYCODE_A", v2=True)
            for p in phones
        }
        one = client.device("s34").shell2("input keycombination KEYCODE_A", v2=True)
        assert client.device("s31").shell("getprop ro.build.version.sdk") == "31"
    assert (run[29].returncode, "Unknown command" in run[29].stderr) == (1, True)
    assert (run[31].returncode, run[31].stdout) == (0, "Unknown command: keycombination\n")  # and exit 0
    assert run[34].returncode == 0 and phones[2].chords == [("KEYCODE_CTRL_LEFT", "KEYCODE_A")]
    assert one.returncode == 255 and "requires at least 2 keycodes" in one.stderr
    assert phones[0].chords == phones[1].chords == []


def test_a_double_tap_is_one_shell_command(phone_env: tuple[FakeDevice, AndroidEnv]) -> None:
    phone, env = phone_env
    result = env.execute(Click(point=Point(x=100, y=200), count=2))
    assert result.detail == "tap ×2 at (100, 200)"
    assert [c for c in phone.commands if c.startswith("input ")] == ["input tap 100 200 && input tap 100 200"]
    assert phone.taps == [(100, 200), (100, 200)]
    env.execute(Click(point=Point(x=5, y=6)))
    assert phone.commands[-1] == "input tap 5 6"


def test_delete_is_forward_delete_and_backspace_erases_backwards(
    phone_env: tuple[FakeDevice, AndroidEnv],
) -> None:
    phone, env = phone_env
    for key in ("delete", "Del", "backspace"):
        env.execute(Hotkey(keys=(key,)))
    assert phone.keys == ["KEYCODE_FORWARD_DEL", "KEYCODE_FORWARD_DEL", "KEYCODE_DEL"]
