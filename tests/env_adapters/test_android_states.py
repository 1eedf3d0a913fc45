"""Issue 13: devices listed but not ready (``unauthorized``, ``offline``, ``no permissions``) and the v1 shell.

The double lists and refuses such devices with the adb server's own words (AOSP
``packages/modules/adb/transport.cpp`` ``acquire_one_transport``, ``adb.cpp``
``to_string(ConnectionState)``, system/core ``diagnose_usb.cpp``); adbutils is unchanged.
`AndroidEnv` must fail with one line naming the serial, the state and what to do, whether
the device is named or the only one attached.

A device whose features lack ``shell_v2`` (adbd before Android 7) refuses ``shell,v2:``; the
env must then run over v1 ``shell:`` and still see exit codes.
"""

from __future__ import annotations

import adbutils
import pytest
from PIL import Image

from mimo_gui.actions import ActionFailed, Click, EnvUnreachable, Point, Type
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.env_adapters.android.adb import connect, parse_devices
from mimo_gui.env_adapters.settle import Settle
from tests.support.adb_server import FEATURES, NO_PERMISSIONS, FakeDevice, serve_adb

NO_WAIT = Settle(timeout=0)
V1_FEATURES = ",".join(f for f in FEATURES.split(",") if f != "shell_v2")


@pytest.fixture(autouse=True)
def _no_adb_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANDROID_SERIAL", "ANDROID_ADB_SERVER_HOST", "ANDROID_ADB_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)


def _phone(serial: str, state: str = "device", **kw: object) -> FakeDevice:
    return FakeDevice(serial, Image.new("RGB", (1080, 2400), "white"), state=state, **kw)  # type: ignore[arg-type]


# -- the double speaks as adb does ------------------------------------------------------------


def test_the_double_lists_and_refuses_as_adb_does() -> None:
    phones = [
        _phone("A1", "unauthorized"),
        _phone("B2", "offline"),
        _phone("C3", NO_PERMISSIONS),
        _phone("D4"),
    ]
    with serve_adb(phones) as (host, port):
        client = adbutils.AdbClient(host, port)
        with client.make_connection() as c:
            c.send_command("host:devices")
            c.check_okay()
            listing = c.read_string_block()
        assert listing == f"A1\tunauthorized\nB2\toffline\nC3\t{NO_PERMISSIONS}\nD4\tdevice\n"
        assert [d.serial for d in client.device_list()] == ["D4"]  # adbutils keeps only ready ones
        with pytest.raises(
            adbutils.AdbError, match=r"^device unauthorized\.\nThis adb server's \$ADB_VENDOR_KEYS"
        ):
            client.device("A1").shell("echo hi")
        with pytest.raises(adbutils.AdbError, match=r"^device offline$"):
            client.device("B2").shell("echo hi")
        with pytest.raises(adbutils.AdbError, match=r"^insufficient permissions for device: user in plugdev"):
            client.device("C3").shell("echo hi")
        assert client.device("A1").get_state() == "unauthorized"  # get-state takes any state
        assert client.device("D4").shell("echo hi") == "hi"


def test_parse_devices_keeps_states_with_spaces() -> None:
    text = f"A1\tunauthorized\nC3\t{NO_PERMISSIONS}\n\nD4\tdevice\n"
    assert parse_devices(text) == [("A1", "unauthorized"), ("C3", NO_PERMISSIONS), ("D4", "device")]


# -- the env's one line ------------------------------------------------------------------------

STATES = [
    (
        "unauthorized",
        r"device 'S1' is unauthorized: unlock the phone and accept its \"Allow USB debugging\?\" prompt",
    ),
    ("offline", r"device 'S1' is offline: run `adb reconnect offline`, or unplug and replug the cable"),
    (
        NO_PERMISSIONS,
        r"device 'S1' has no permissions \(user in plugdev group; are your udev rules wrong\?\): the adb "
        r"server's user may not open the USB device: add a udev rule",
    ),
]


@pytest.mark.parametrize(("state", "expected"), STATES, ids=["unauthorized", "offline", "no-permissions"])
def test_a_named_device_not_ready_is_one_line(state: str, expected: str) -> None:
    with (
        serve_adb([_phone("S1", state), _phone("OK9")]) as (host, port),
        pytest.raises(EnvUnreachable) as caught,
    ):
        AndroidEnv("S1", adb_host=host, adb_port=port, settle=NO_WAIT)
    message = str(caught.value)
    assert "\n" not in message
    assert caught.match(expected)
    assert message.endswith(f"; attached: S1 ({state.split(' (', maxsplit=1)[0]}), OK9 (device)"), message


@pytest.mark.parametrize(("state", "expected"), STATES, ids=["unauthorized", "offline", "no-permissions"])
def test_the_only_device_not_ready_is_one_line(state: str, expected: str) -> None:
    only = expected + r".*\(the only device attached\)$"
    with (
        serve_adb([_phone("S1", state)]) as (host, port),
        pytest.raises(EnvUnreachable, match=only) as caught,
    ):
        AndroidEnv(adb_host=host, adb_port=port, settle=NO_WAIT)
    assert "\n" not in str(caught.value)


def test_a_ready_device_beside_unready_ones_is_chosen() -> None:
    ok = _phone("OK9")
    with (
        serve_adb([_phone("S1", "unauthorized"), ok]) as (host, port),
        AndroidEnv(adb_host=host, adb_port=port, settle=NO_WAIT) as env,
    ):
        assert env.serial == "OK9"


def test_a_device_going_offline_mid_run_ends_the_run() -> None:
    phone = _phone("S1")
    with (
        serve_adb([phone]) as (host, port),
        AndroidEnv("S1", adb_host=host, adb_port=port, settle=NO_WAIT) as env,
    ):
        phone.state = "offline"
        # EnvUnreachable, not ActionFailed: the model cannot replug a cable.
        with pytest.raises(
            EnvUnreachable, match=r"^Click failed: device 'S1' is offline: run `adb reconnect"
        ):
            env.execute(Click(point=Point(x=5, y=5)))
        phone.state = "unauthorized"
        with pytest.raises(EnvUnreachable, match=r"cannot take a screenshot: device 'S1' is unauthorized"):
            env.observe()
    assert phone.taps == []


# -- shell v1 -----------------------------------------------------------------------------------


def test_without_shell_v2_commands_run_over_v1_with_exit_codes() -> None:
    phone = _phone("old-6", features=V1_FEATURES, packages={"com.example.app": "Example"})
    with serve_adb([phone]) as (host, port):
        client = adbutils.AdbClient(host, port)
        with pytest.raises(adbutils.AdbError, match="closed"):  # the double refuses v2 as old adbd does
            client.device("old-6")._shell_v2("echo hi")
        with AndroidEnv("old-6", adb_host=host, adb_port=port, settle=NO_WAIT) as env:
            assert env.settings()["shell_v2"] is False
            assert env.settings()["physical_size"] == [1080, 2400]  # wm size read over v1
            env.execute(Click(point=Point(x=10, y=20)))
            env.execute(Type(text="a b'c"))
        # Exit codes come back over v1 too, and stderr (mixed into the output) is quoted.
        adb = connect("old-6", host, port)
        assert adb.run("false", doing="x", check=False).returncode == 1
        assert adb.run("echo out", doing="x").stdout == "out\n"
        with pytest.raises(
            ActionFailed, match=r"^x: `nosuchtool` exited 127: /system/bin/sh: nosuchtool: not found"
        ):
            adb.run("nosuchtool", doing="x")
    assert phone.taps == [(10, 20)] and phone.typed == ["a b'c"]
    shells = [c for c in phone.commands if c.startswith("input ")]
    assert shells == [
        "input tap 10 20; echo MIMO_GUI_EXIT:$?",
        "input text 'a b'\\''c'; echo MIMO_GUI_EXIT:$?",
    ]


def test_with_shell_v2_no_marker_is_appended() -> None:
    phone = _phone("new-14")
    with serve_adb([phone]) as (host, port), AndroidEnv("new-14", adb_host=host, adb_port=port) as env:
        assert env.settings()["shell_v2"] is True
        env.execute(Click(point=Point(x=10, y=20)))
    assert "input tap 10 20" in phone.commands
    assert not any("MIMO_GUI_EXIT" in c for c in phone.commands)
