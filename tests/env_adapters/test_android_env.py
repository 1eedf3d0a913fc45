"""AndroidEnv through adbutils, unchanged, over real TCP to the adb test double (`tests/support/adb_server.py`).

The double speaks the adb host protocol (AOSP ``packages/modules/adb/SERVICES.TXT``,
``OVERVIEW.TXT``) and runs each command line through a POSIX shell as adbd does, recording
every command; typed text is what Android's ``input text`` (``InputShellCommand.sendText``) or
the ADB Keyboard would deliver. Recorded ``input text`` commands are also run through ``sh -c``
here to prove what a real device's shell would hand ``input``.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import (
    ActionFailed,
    Back,
    CaptureFailed,
    Click,
    Drag,
    EnvUnreachable,
    Home,
    Hotkey,
    LongPress,
    MoveTo,
    OpenApp,
    Point,
    Scroll,
    Swipe,
    Type,
    UnsupportedAction,
    Wait,
)
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.env_adapters.check import check_env
from mimo_gui.env_adapters.settle import Settle
from tests.support.adb_device import android_input_text
from tests.support.adb_server import FakeDevice, serve_adb

NO_WAIT = Settle(timeout=0)
HARD = "a b'c\"d;$(x)&|<>\\%"


def _screen(colour: str, size: tuple[int, int] = (1080, 2400)) -> Image.Image:
    img = Image.new("RGB", size, colour)
    ImageDraw.Draw(img).rectangle((100, 200, 400, 500), fill="red")
    return img


@pytest.fixture
def phones() -> list[FakeDevice]:
    return [
        FakeDevice(
            "emulator-5554",
            _screen("white"),
            override_size=(720, 1600),
            override_density=320,
            packages={"com.example.app": "Example", "com.android.settings": "Settings"},
        ),
        FakeDevice("R58M123ABC", _screen("navy"), focus="com.android.settings/.Settings"),
    ]


@pytest.fixture
def server(phones: list[FakeDevice], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    for name in ("ANDROID_SERIAL", "ANDROID_ADB_SERVER_HOST", "ANDROID_ADB_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with serve_adb(phones) as address:
        yield address


@pytest.fixture
def env(server: tuple[str, int], phones: list[FakeDevice]) -> Iterator[AndroidEnv]:
    host, port = server
    with AndroidEnv("emulator-5554", adb_host=host, adb_port=port, settle=NO_WAIT) as e:
        phones[0].commands.clear()
        yield e


def _inputs(phone: FakeDevice) -> list[str]:
    return [c for c in phone.commands if c.startswith(("input ", "am ", "ime set", "monkey"))]


# -- choosing the device ------------------------------------------------------------------------


def test_serial_is_honoured(server: tuple[str, int], phones: list[FakeDevice]) -> None:
    host, port = server
    with AndroidEnv("R58M123ABC", adb_host=host, adb_port=port, settle=NO_WAIT) as env:
        env.execute(Click(point=Point(x=10, y=20)))
        assert env.settings()["serial"] == "R58M123ABC"
    assert phones[1].taps == [(10, 20)]
    assert phones[0].taps == []


def test_android_serial_variable(
    server: tuple[str, int], phones: list[FakeDevice], monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port = server
    monkeypatch.setenv("ANDROID_SERIAL", "R58M123ABC")
    monkeypatch.setenv("ANDROID_ADB_SERVER_HOST", host)
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    with AndroidEnv(settle=NO_WAIT) as env:
        assert env.serial == "R58M123ABC"
        assert env.settings()["adb"] == f"{host}:{port}"


def test_several_devices_and_none_chosen(server: tuple[str, int]) -> None:
    host, port = server
    with pytest.raises(EnvUnreachable, match=r"2 devices are attached: emulator-5554 \(device\), R58M123ABC"):
        AndroidEnv(adb_host=host, adb_port=port)


def test_the_only_device_is_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    phone = FakeDevice("only-1", _screen("white"))
    with serve_adb([phone]) as (host, port), AndroidEnv(adb_host=host, adb_port=port, settle=NO_WAIT) as env:
        assert env.serial == "only-1"
    with (
        serve_adb([]) as (host, port),
        pytest.raises(EnvUnreachable, match=r"no Android device.*attached: none"),
    ):
        AndroidEnv(adb_host=host, adb_port=port)


def test_unknown_serial_lists_devices(server: tuple[str, int]) -> None:
    host, port = server
    with pytest.raises(EnvUnreachable, match=r"'nope' is not attached; attached: emulator-5554 \(device\)"):
        AndroidEnv("nope", adb_host=host, adb_port=port)


def test_no_adb_server_names_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    with pytest.raises(EnvUnreachable, match=f"no adb server at 127.0.0.1:{port}"):
        AndroidEnv(adb_host="127.0.0.1", adb_port=port)


# -- observing -------------------------------------------------------------------------------------


def test_observe(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    obs = env.observe()
    assert obs.image.mode == "RGB"
    assert obs.image.tobytes() == phones[0].screen.tobytes()
    assert obs.png is not None and obs.png.startswith(b"\x89PNG")
    assert (obs.scale, obs.origin) == (1.0, (0.0, 0.0))
    assert obs.app == "com.example.app"
    assert obs.title == "com.example.app.MainActivity"
    assert obs.extra == {"orientation": 0, "serial": "emulator-5554"}
    assert any(c.startswith("exec:") or c == "screencap -p" for c in phones[0].commands)


def test_settings(env: AndroidEnv) -> None:
    s = env.settings()
    assert s["kind"] == "android"
    assert s["size"] == [1080, 2400]
    assert s["physical_size"] == [1080, 2400]
    assert s["override_size"] == [720, 1600]
    assert (s["density"], s["override_density"], s["orientation"]) == (420, 320, 0)
    assert s["settle"] == {"timeout": 0, "interval": 0.1, "pixels": True}


def test_rotation_is_read_each_observation(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    phones[0].orientation = 1
    phones[0].screen = _screen("white", (2400, 1080))
    obs = env.observe()
    assert obs.extra["orientation"] == 1
    assert env.settings()["size"] == [2400, 1080]
    env.execute(Click(point=Point(x=2399, y=5)))
    assert phones[0].taps == [(2399, 5)]


def test_a_screenshot_that_is_not_a_png_fails(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    def broken(argv: list[str], io_: object) -> int:
        io_.err(b"Error: cannot capture the screen: secure window\n")  # type: ignore[attr-defined]
        return 1

    phones[0]._cmd_screencap = broken  # type: ignore[method-assign]
    with pytest.raises(CaptureFailed, match="did not write a PNG; the device said: 'Error: cannot capture"):
        env.observe()


# -- acting ----------------------------------------------------------------------------------------


def test_each_action_sends_its_command(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    phone = phones[0]
    env.execute(Click(point=Point(x=540.7, y=1200.2)))
    env.execute(Click(point=Point(x=1080, y=2400)))  # far edge: the last pixel
    env.execute(LongPress(point=Point(x=10, y=20), seconds=1.5))
    env.execute(Swipe(start=Point(x=100, y=2000), end=Point(x=100, y=500), seconds=0.25))
    env.execute(Drag(start=Point(x=200, y=300), end=Point(x=600, y=300)))
    env.execute(Scroll(direction="down"))
    env.execute(Scroll(direction="left", point=Point(x=540, y=600), amount=200))
    env.execute(Hotkey(keys=("enter",)))
    env.execute(Back())
    env.execute(Home())
    env.execute(Hotkey(keys=("app_switch",)))
    env.execute(Wait(seconds=0))
    assert _inputs(phone) == [
        "input tap 541 1200",  # the nearest pixel to (540.7, 1200.2),
        "input tap 1079 2399",
        "input swipe 10 20 10 20 1500",
        "input swipe 100 2000 100 500 250",
        "input swipe 200 300 600 300 1500",
        "input swipe 540 1800 540 600 400",  # down: the finger moves up half the screen
        "input swipe 440 600 640 600 400",  # left: content from the left, the finger moves right
        "input keyevent KEYCODE_ENTER",
        "input keyevent KEYCODE_BACK",
        "input keyevent KEYCODE_HOME",
        "input keyevent KEYCODE_APP_SWITCH",
    ]
    assert phone.taps == [(541, 1200), (1079, 2399)]
    assert phone.swipes[0] == (10, 20, 10, 20, 1500)
    assert phone.keys == ["KEYCODE_ENTER", "KEYCODE_BACK", "KEYCODE_HOME", "KEYCODE_APP_SWITCH"]


def test_refusals(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    with pytest.raises(UnsupportedAction):
        env.execute(MoveTo(point=Point(x=1, y=1)))
    with pytest.raises(ActionFailed, match="off the screen: it is 1080x2400"):
        env.execute(Click(point=Point(x=1081, y=5)))
    with pytest.raises(ActionFailed, match="no right button"):
        env.execute(Click(point=Point(x=5, y=5), button="right"))
    with pytest.raises(ActionFailed, match="unknown Android key 'hyper'"):
        env.execute(Hotkey(keys=("hyper",)))
    assert _inputs(phones[0]) == []


@pytest.mark.parametrize("text", [HARD, "50%sale", "%s and %s", "two\nlines\tand tab"])
def test_text_arrives_exactly(env: AndroidEnv, phones: list[FakeDevice], text: str) -> None:
    env.execute(Type(text=text))
    phone = phones[0]
    typed = "".join(phone.typed) + ""
    # Re-assemble with the key events the plan sent for newline and tab.
    assembled = ""
    pieces = iter(phone.typed)
    for command in _inputs(phone):
        if command.startswith("input text"):
            assembled += next(pieces)
        elif command == "input keyevent KEYCODE_ENTER":
            assembled += "\n"
        elif command == "input keyevent KEYCODE_TAB":
            assembled += "\t"
    assert assembled == text, typed
    # And through a real shell: what `input` receives, decoded as Android does.
    through_sh = ""
    for command in _inputs(phone):
        if command.startswith("input text"):
            out = subprocess.run(
                ["sh", "-c", 'input() { printf "%s" "$2"; }; ' + command],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            through_sh += android_input_text(out)
        else:
            through_sh += {"input keyevent KEYCODE_ENTER": "\n", "input keyevent KEYCODE_TAB": "\t"}[command]
    assert through_sh == text


def test_non_ascii_without_the_adb_keyboard(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    with pytest.raises(ActionFailed, match=r"ADB Keyboard.*adb install ADBKeyboard\.apk.*ime enable"):
        env.execute(Type(text="café ☕"))
    assert phones[0].typed == []


def test_non_ascii_with_the_adb_keyboard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    phone = FakeDevice("kbd-1", _screen("white"), adb_keyboard=True)
    phone.ime = "com.android.inputmethod.latin/.LatinIME"  # enabled but not selected: the env selects it
    with serve_adb([phone]) as (h, p), AndroidEnv("kbd-1", adb_host=h, adb_port=p, settle=NO_WAIT) as env:
        env.execute(Type(text="日本語 'q' $(x) 50%sale 😀"))
    assert phone.typed == ["日本語 'q' $(x) 50%sale 😀"]
    assert [c for c in phone.commands if c.startswith("ime set")] == [
        "ime set com.android.adbkeyboard/.AdbIME"
    ]


def test_open_app(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    env.execute(OpenApp(name="Settings"))
    assert "monkey -p com.android.settings -c android.intent.category.LAUNCHER 1" in phones[0].commands
    assert env.observe().app == "com.android.settings"
    env.execute(OpenApp(name="com.example.app"))
    assert env.observe().app == "com.example.app"
    with pytest.raises(ActionFailed, match="no installed package matches app name 'Calculator'"):
        env.execute(OpenApp(name="Calculator"))


def test_describe(env: AndroidEnv, phones: list[FakeDevice]) -> None:
    assert env.describe(Point(x=100, y=250)) == "Search"
    assert env.describe(Point(x=540, y=1080)) == "OK button"
    assert env.describe(Point(x=10, y=2300)) is None
    phones[0].ui_xml = None  # uiautomator cannot dump this screen
    assert env.describe(Point(x=100, y=250)) is None


def test_settle_waits_then_captures_once(server: tuple[str, int], phones: list[FakeDevice]) -> None:
    host, port = server
    with AndroidEnv("emulator-5554", adb_host=host, adb_port=port) as env:
        env.execute(Click(point=Point(x=1, y=1)))
        before = len([c for c in phones[0].commands if "screencap" in c])
        env.observe()
        assert len([c for c in phones[0].commands if "screencap" in c]) == before + 1


def test_check_env(env: AndroidEnv) -> None:
    check_env(env)


def test_closed(env: AndroidEnv) -> None:
    env.close()
    with pytest.raises(Exception, match="closed"):
        env.observe()
