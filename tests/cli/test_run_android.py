"""Issue 13: ``mimo-gui run TASK --env android [--serial S] [--adb-host H] [--adb-port P]``.

End to end through adbutils, unchanged, talking real TCP to the adb test double
(`tests.support.adb_server.serve_adb`, the host smart-socket protocol of AOSP
``packages/modules/adb/SERVICES.TXT``) with two phones attached: a scripted MiMo-VL answer
clicks a model pixel, and the tap must reach the phone ``--serial`` names, at the device pixel
worked out here by hand from Qwen2.5-VL's ``smart_resize`` (sides rounded to multiples of 28),
not with `Frame`; the other phone must receive no input at all.

Flag mistakes (a flag of another env) and no adb server exit 2 with one line, before a
model starts.
"""

from __future__ import annotations

import json
import socket

import pytest
from PIL import Image

from mimo_gui.cli import main
from tests.cli.cli_support import answers_file, chromium_tripwire, mimo_gui, one_line_error
from tests.support.adb_server import FakeDevice, serve_adb

# MiMo-VL's agent answer format (XiaomiMiMo/MiMo-VL's GUI agent prompt, JSON actions; see
# mimo_gui/demo/scripted_model.py): a point in the pixels of the image the model was shown.
# mimo-vl frames 1080x2400 to 1092x2408 (39·28 x 86·28, within its 4096·28·28 budget), so model
# pixel (546, 1204) is device pixel (546·1080/1092, 1204·2400/2408) = (540, 1200), exactly.
MODEL_POINT = (546, 1204)
DEVICE_PIXEL = (540, 1200)
CLICK = json.dumps({"action": "click", "start_point": list(MODEL_POINT)})
FINISH = '{"action": "finished", "status": "success"}'
INPUT = ("input ", "am ", "monkey ")  # every command that would act on a phone


def _phones() -> tuple[FakeDevice, FakeDevice]:
    # Different sizes and densities, so run.json shows whose geometry was read.
    first = FakeDevice(
        "emulator-5554", Image.new("RGB", (720, 1280), "red"), wm_size=(720, 1280), density=320
    )
    second = FakeDevice("R58M123ABC", Image.new("RGB", (1080, 2400), "white"), density=420)
    return first, second


def _run(tmp_path, *flags: str) -> int:
    answers = answers_file(tmp_path / "answers.json", [CLICK, FINISH])
    return main(
        ["run", "tap the middle", "--env", "android", *flags, "--backend", "scripted",
         "--answers", str(answers), "--out", str(tmp_path / "run")]
    )  # fmt: skip


def test_the_tap_lands_on_the_serial_named_at_the_exact_pixel(tmp_path) -> None:
    first, second = _phones()
    with serve_adb([first, second]) as (host, port):
        code = _run(tmp_path, "--serial", "R58M123ABC", "--adb-host", host, "--adb-port", str(port))
    assert code == 0
    assert second.taps == [DEVICE_PIXEL]
    assert first.taps == []
    assert not [c for c in first.commands if c.startswith(INPUT)], first.commands

    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "finished"
    env = run["env"]
    assert (env["kind"], env["serial"], env["adb"]) == ("android", "R58M123ABC", f"{host}:{port}")
    assert env["size"] == [1080, 2400] and env["physical_size"] == [1080, 2400]
    assert (env["override_size"], env["density"], env["orientation"]) == (None, 420, 0)
    (step, _) = [json.loads(line) for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    frame = step["frame"]
    assert (frame["image_width"], frame["image_height"]) == (1080, 2400)
    assert (frame["model_width"], frame["model_height"]) == (1092, 2408)


def test_android_serial_and_the_adb_server_come_from_the_environment(tmp_path, monkeypatch) -> None:
    first, second = _phones()
    with serve_adb([first, second]) as (host, port):
        monkeypatch.setenv("ANDROID_SERIAL", "emulator-5554")
        monkeypatch.setenv("ANDROID_ADB_SERVER_HOST", host)
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
        # 720x1280 frames to 728x1288 (26·28 x 46·28): model x 546 is device x 546·720/728 = 540.
        code = _run(tmp_path)
    assert code == 0
    assert second.taps == [] and len(first.taps) == 1 and first.taps[0][0] == 540
    run = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert (run["env"]["serial"], run["env"]["size"], run["env"]["density"]) == (
        "emulator-5554",
        [720, 1280],
        320,
    )


def test_two_phones_and_no_serial_is_one_line_listing_both(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    first, second = _phones()
    with serve_adb([first, second]) as (host, port):
        code = _run(tmp_path, "--adb-host", host, "--adb-port", str(port))
    assert code == 2
    line = one_line_error(capsys.readouterr().err, "run")
    assert "emulator-5554" in line and "R58M123ABC" in line, line
    assert first.taps == second.taps == []


def _free_port() -> int:
    # A port nothing listens on: bound, read, and closed again before the run.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_adb_server_is_one_line_naming_it(tmp_path, capsys) -> None:
    port = _free_port()
    code = _run(tmp_path, "--serial", "R58M123ABC", "--adb-host", "127.0.0.1", "--adb-port", str(port))
    assert code == 2
    line = one_line_error(capsys.readouterr().err, "run")
    assert f"127.0.0.1:{port}" in line and "adb" in line, line
    assert not (tmp_path / "run" / "steps.jsonl").exists()


MISTAKES = [
    (
        ["--serial", "R58M123ABC"],
        "--serial belongs to --env android: mimo-gui run --env browser does not take it",
    ),
    (
        ["--adb-port", "5037"],
        "--adb-port belongs to --env android: mimo-gui run --env browser does not take it",
    ),
    (
        ["--env", "desktop", "--adb-host", "h"],
        "--adb-host belongs to --env android: mimo-gui run --env desktop does not take it",
    ),
    (
        ["--env", "android", "--url", "http://localhost:1"],
        "--url belongs to --env browser: mimo-gui run --env android does not take it",
    ),
    (
        ["--env", "android", "--viewport", "800x600"],
        "--viewport belongs to --env browser: mimo-gui run --env android does not take it",
    ),
    (
        ["--env", "android", "--headed"],
        "--headed belongs to --env browser: mimo-gui run --env android does not take it",
    ),
    (
        ["--env", "android", "--cdp-url", "http://localhost:1"],
        "--cdp-url belongs to --env browser: mimo-gui run --env android does not take it",
    ),
    (
        ["--env", "android", "--monitor", "2"],
        "--monitor belongs to --env desktop: mimo-gui run --env android does not take it",
    ),
    (
        ["--env", "android", "--scale", "2"],
        "--scale belongs to --env desktop: mimo-gui run --env android does not take it",
    ),
    (["--env", "android", "--serial", " "], "--serial is empty: name a device as `adb devices` lists it"),
]


@pytest.mark.parametrize(("flags", "expected"), MISTAKES, ids=[" ".join(f) for f, _ in MISTAKES])
def test_a_flag_of_another_env_is_one_line(tmp_path, monkeypatch, capsys, flags, expected) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(chromium))
    answers = answers_file(tmp_path / "answers.json", [FINISH])
    code = main(["run", "t", *flags, "--backend", "scripted", "--answers", str(answers), "--out", str(tmp_path / "run")])  # fmt: skip
    assert code == 2
    assert one_line_error(capsys.readouterr().err, "run") == f"mimo-gui run: error: {expected}"
    assert not started.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("port", ["0", "65536", "adb"])
def test_adb_port_must_be_a_port(port) -> None:
    out = mimo_gui("run", "t", "--env", "android", "--adb-port", port, "--backend", "scripted")
    assert out.returncode == 2
    assert "argument --adb-port:" in one_line_error(out.stderr, "run")


def test_run_help_shows_an_android_example() -> None:
    text = mimo_gui("run", "--help").stdout
    examples = text.split("\nexamples:\n", 1)[1]
    assert any("--env android" in line and "--serial" in line for line in examples.splitlines()), text
    assert "--serial SERIAL" in text and "--adb-host HOST" in text and "--adb-port PORT" in text
    assert "ANDROID_SERIAL" in text
