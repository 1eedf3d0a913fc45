"""Ctrl+C and SIGTERM stop a run as ``interrupted``: recorded, reported, no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mimo_gui.agent.interrupts import Terminated, sigterm_as_interrupt
from mimo_gui.agent.recorder import load_run

SCRIPT = textwrap.dedent(
    """
    import sys, time
    from PIL import Image
    from mimo_gui.agent.backends.scripted import ScriptedBackend
    from mimo_gui.agent.interrupts import sigterm_as_interrupt
    from mimo_gui.agent.loop import Agent
    from mimo_gui.env_adapters.image import ImageEnv

    def answer(request):
        if len(backend.requests) >= 2:
            print("waiting for the model", flush=True)
            time.sleep(60)  # a slow model: the signal lands here
        return '{"action": "click", "start_point": [5, 5]}'

    backend = ScriptedBackend(answer)
    agent = Agent(ImageEnv(Image.new("RGB", (300, 200))), backend, out=sys.argv[1])
    try:
        with sigterm_as_interrupt():
            agent.run("t")
    except KeyboardInterrupt as exc:
        print(f"stopped: {type(exc).__name__}", flush=True)
        sys.exit(130)
    """
)


@pytest.mark.parametrize(("signum", "how"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl+C (SIGINT)")])
def test_a_signal_records_the_run_as_interrupted_and_writes_the_report(
    tmp_path: Path, signum: signal.Signals, how: str
) -> None:
    out = tmp_path / "r"
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "waiting for the model"
        os.kill(proc.pid, signum)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    expected = "Terminated" if signum == signal.SIGTERM else "KeyboardInterrupt"
    assert proc.returncode == 130 and stdout.strip() == f"stopped: {expected}"
    assert stderr == ""  # nothing foreign printed, no traceback
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "interrupted" and run["answer"] == f"interrupted by {how}"
    assert run["error"] is None and run["finished_at"] is not None
    loaded = load_run(out)
    assert [s.index for s in loaded.steps] == [1] and loaded.steps[0].action is not None
    page = (out / "report.html").read_text()
    assert "class='status-interrupted'" in page and f"interrupted: interrupted by {how}" in page


def test_sigterm_as_interrupt_raises_terminated_and_puts_the_old_handler_back() -> None:
    def before(signum: int, frame: object) -> None:
        raise AssertionError("the old handler ran inside the block")

    old = signal.signal(signal.SIGTERM, before)
    try:
        with pytest.raises(KeyboardInterrupt) as caught, sigterm_as_interrupt():
            signal.raise_signal(signal.SIGTERM)
        assert isinstance(caught.value, Terminated) and caught.value.signum == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        signal.signal(signal.SIGTERM, old)


def test_sigterm_as_interrupt_outside_the_main_thread_changes_nothing() -> None:
    seen: list[object] = []

    def work() -> None:
        with sigterm_as_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    handler = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [handler]
