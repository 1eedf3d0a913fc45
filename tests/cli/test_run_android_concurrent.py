"""Issue 13: two ``mimo-gui run --env android --serial S`` processes at once against one adb server.

One adb double (real TCP, in this process) with two phones; two ``mimo-gui run`` processes,
each naming one phone with ``--serial`` and playing a scripted MiMo-VL answer file. Each
phone's first ``screencap`` waits on one `threading.Barrier(2)` in the double, so neither
run gets past its start until the other has reached the same point: the two are proven to
run at the same time. Each phone must receive only its own process's tap and text.

Model points by hand from the mimo-vl framing (sides rounded up to multiples of 28):
1080x2400 is shown as 1092x2408, model (546, 1204) -> device (540, 1200); 720x1280 as
728x1288, model (182, 322) -> device (180, 320).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from PIL import Image

from tests.cli.cli_support import answers_file
from tests.support.adb_server import FakeDevice, serve_adb
from tests.support.adb_shell import Io

FINISH = '{"action": "finished", "status": "success"}'
INPUT = ("input ", "am ", "monkey ", "ime set")


def _answers(point: tuple[int, int], text: str) -> list[str]:
    return [
        json.dumps({"action": "click", "start_point": list(point)}),
        json.dumps({"action": "input", "text": text}),
        FINISH,
    ]


def _meet_first(phone: FakeDevice, barrier: threading.Barrier) -> None:
    """Make the phone's first screencap wait until the other phone's first one has started too."""
    real = phone._cmd_screencap
    first = threading.Event()

    def screencap(argv: list[str], io_: Io) -> int:
        if not first.is_set():
            first.set()
            barrier.wait(timeout=60)
        return real(argv, io_)

    phone._cmd_screencap = screencap  # type: ignore[method-assign]


def test_two_run_processes_drive_two_phones_at_once(tmp_path: Path) -> None:
    a = FakeDevice("emulator-5554", Image.new("RGB", (1080, 2400), "white"))
    b = FakeDevice("R58M123ABC", Image.new("RGB", (720, 1280), "navy"), wm_size=(720, 1280), density=320)
    barrier = threading.Barrier(2)
    for phone in (a, b):
        _meet_first(phone, barrier)
    jobs = {a.serial: ((546, 1204), "alpha 'one'"), b.serial: ((182, 322), "beta;two")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANDROID_")}
    with serve_adb([a, b]) as (host, port):
        procs = {}
        for serial, (point, text) in jobs.items():
            answers = answers_file(tmp_path / f"{serial}.json", _answers(point, text))
            procs[serial] = subprocess.Popen(
                [sys.executable, "-m", "mimo_gui", "run", f"tap and type on {serial}", "--env", "android",
                 "--serial", serial, "--adb-host", host, "--adb-port", str(port), "--backend", "scripted",
                 "--answers", str(answers), "--out", str(tmp_path / serial)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )  # fmt: skip
        outputs = {serial: p.communicate(timeout=180) for serial, p in procs.items()}
    for serial, p in procs.items():
        assert p.returncode == 0, outputs[serial]
    assert not barrier.broken
    assert a.taps == [(540, 1200)] and b.taps == [(180, 320)]
    assert a.typed == ["alpha 'one'"] and b.typed == ["beta;two"]
    assert [c for c in a.commands if c.startswith(INPUT)] == [
        "input tap 540 1200",
        "input text 'alpha '\\''one'\\'''",
    ]
    assert [c for c in b.commands if c.startswith(INPUT)] == ["input tap 180 320", "input text 'beta;two'"]
    for serial in jobs:
        run = json.loads((tmp_path / serial / "run.json").read_text(encoding="utf-8"))
        assert (run["status"], run["env"]["serial"], run["env"]["adb"]) == (
            "finished",
            serial,
            f"{host}:{port}",
        )
