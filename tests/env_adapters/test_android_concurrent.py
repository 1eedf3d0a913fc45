"""Issue 13: several phones at once, one agent each, in threads of one process.

Two `Agent`s, each with its own `AndroidEnv` on one of two phones of a single adb double
(`tests/support/adb_server.py`, real TCP, adbutils unchanged). Every model call of both
agents waits on one `threading.Barrier(2)`, so the two runs move in lockstep: each is
mid-run while the other observes, taps and types. Each phone must receive exactly its own
agent's taps and text, and both runs must finish.

Model points are worked out by hand from the mimo-vl framing (sides rounded up to multiples
of 28): 1080x2400 is shown as 1092x2408, so model (546, 1204) is device (540, 1200); 720x1280
as 728x1288, so model (182, 322) is device (180, 320).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent, RunResult
from mimo_gui.env_adapters.android import AndroidEnv
from mimo_gui.env_adapters.settle import Settle
from tests.support.adb_server import FakeDevice, serve_adb

NO_WAIT = Settle(timeout=0)
INPUT = ("input ", "am ", "monkey ", "ime set")


def _script(model_point: tuple[int, int], text: str, barrier: threading.Barrier) -> ScriptedBackend:
    answers = iter(
        [
            json.dumps({"action": "click", "start_point": list(model_point)}),
            json.dumps({"action": "input", "text": text}),
            json.dumps({"action": "finished", "status": "success"}),
        ]
    )

    def answer(_: CompletionRequest) -> str:
        barrier.wait(timeout=60)  # both agents are mid-run here, at every step
        return next(answers)

    return ScriptedBackend(answer)


def test_two_agents_drive_two_phones_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_SERIAL", raising=False)
    a = FakeDevice("emulator-5554", Image.new("RGB", (1080, 2400), "white"))
    b = FakeDevice("R58M123ABC", Image.new("RGB", (720, 1280), "navy"), wm_size=(720, 1280), density=320)
    jobs = {
        a.serial: ((546, 1204), "alpha 'one' $(x)"),
        b.serial: ((182, 322), "beta;two & 50%sale"),
    }
    barrier = threading.Barrier(2)
    results: dict[str, RunResult] = {}
    errors: list[BaseException] = []

    def drive(serial: str, host: str, port: int) -> None:
        try:
            point, text = jobs[serial]
            with AndroidEnv(serial, adb_host=host, adb_port=port, settle=NO_WAIT) as env:
                agent = Agent(env, _script(point, text, barrier), out=tmp_path / serial.replace(":", "_"))
                results[serial] = agent.run(f"tap and type on {serial}")
        except BaseException as exc:  # handed to the main thread's assert
            barrier.abort()
            errors.append(exc)

    with serve_adb([a, b]) as (host, port):
        threads = [threading.Thread(target=drive, args=(s, host, port)) for s in (a.serial, b.serial)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert {s: r.status for s, r in results.items()} == {a.serial: "finished", b.serial: "finished"}
    assert a.taps == [(540, 1200)] and b.taps == [(180, 320)]
    assert a.typed == ["alpha 'one' $(x)"] and b.typed == ["beta;two & 50%", "sale"]
    # Nothing of one agent reached the other phone: every acting command is its own.
    a_inputs = [c for c in a.commands if c.startswith(INPUT)]
    b_inputs = [c for c in b.commands if c.startswith(INPUT)]
    assert a_inputs == ["input tap 540 1200", "input text 'alpha '\\''one'\\'' $(x)'"], a_inputs
    # "50%sale" holds "%s", which Android's input text would turn into a space: sent in two.
    assert b_inputs == ["input tap 180 320", "input text 'beta;two & 50%'", "input text 'sale'"], b_inputs
    for serial in (a.serial, b.serial):
        run = json.loads((tmp_path / serial / "run.json").read_text(encoding="utf-8"))
        assert (run["status"], run["env"]["serial"]) == ("finished", serial)
