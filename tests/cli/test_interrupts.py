"""Issue 11, item 3: Ctrl+C (SIGINT) and SIGTERM mid-run end ``run``, ``demo`` and ``eval
grounding`` the recorded way: status ``interrupted`` (no traceback), the report written,
exit 130, and nothing on stderr but the command's own lines.

Each test starts the real command in its own process and signals it while it is provably in
the middle: the model server is holding a request, or steps have been recorded already.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.cli_support import CHROMIUM
from tests.eval.eval_support import make_set, mimo_answer
from tests.support.chat_server import serve_chat
from tests.support.static_server import serve_folder

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

SIGNALS = [signal.SIGINT, signal.SIGTERM]
FOREIGN = ("Traceback", "Future exception was never retrieved", "Exception ignored", "Task was destroyed")


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mimo_gui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for(
    condition: Callable[[], bool], proc: subprocess.Popen[str], what: str, limit: float = 60
) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"the command ended (rc {proc.returncode}) before {what}:\n{err}")
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    """Signal ``proc`` and check it ended as interrupted, with nothing foreign said."""
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    for foreign in FOREIGN:
        assert foreign not in err, err
    said = "Ctrl+C (SIGINT)" if sig == signal.SIGINT else "SIGTERM"
    assert err.strip().splitlines()[-1].endswith(f": interrupted by {said}"), err
    return err


def assert_run_recorded_as_interrupted(out: Path) -> None:
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "interrupted"
    assert "Traceback" not in json.dumps(run)
    assert (out / "report.html").exists()


@needs_chromium
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_run_interrupted_while_the_model_thinks(tmp_path, sig) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<button>Go</button>")
    release = threading.Event()
    asked = []

    def answer_once_then_hang(body: dict, images: list) -> str:
        asked.append(1)
        if len(asked) == 1:
            return '{"action": "click", "start_point": [20, 20]}'
        release.wait(60)
        return '{"action": "finished", "status": "success"}'

    out = tmp_path / "run"
    with serve_folder(tmp_path / "site") as site, serve_chat(answer_once_then_hang) as server:
        proc = start("run", "press Go", "--url", site, "--base-url", server.url, "--out", str(out))
        try:
            wait_for(
                lambda: len(asked) >= 2 and lines(out / "steps.jsonl") >= 1, proc, "the second model call"
            )
            err = stop(proc, sig)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
    assert "mimo-gui run: interrupted by" in err
    assert_run_recorded_as_interrupted(out)
    assert lines(out / "steps.jsonl") == 1


@needs_chromium
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_scripted_demo_interrupted_mid_run(tmp_path, sig) -> None:
    out = tmp_path / "demo"
    proc = start("demo", "--backend", "scripted", "--out", str(out))
    try:
        # the scripted demo takes six steps, about a second each: signal after the first
        wait_for(lambda: lines(out / "steps.jsonl") >= 1, proc, "the first step was recorded")
        err = stop(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "mimo-gui demo: interrupted by" in err
    assert_run_recorded_as_interrupted(out)
    assert 1 <= lines(out / "steps.jsonl") < 6


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_eval_interrupted_says_so_in_its_manifest(tmp_path, sig) -> None:
    data = make_set(tmp_path / "set", 12)
    release = threading.Event()
    asked = []
    lock = threading.Lock()

    def three_then_hang(body: dict, images: list) -> str:
        with lock:
            asked.append(1)
            mine = len(asked)
        if mine > 3:
            release.wait(60)
        return mimo_answer(images[-1])

    out = tmp_path / "eval"
    args = ["--format", "jsonl", "--data", str(data), "--concurrency", "1", "--out", str(out)]
    with serve_chat(three_then_hang) as server:
        proc = start("eval", "grounding", *args, "--base-url", server.url)
        try:
            wait_for(
                lambda: lines(out / "samples.jsonl") >= 3 and len(asked) >= 4, proc, "three samples landed"
            )
            # The fourth request stays held by the server (for a minute): the process must not
            # wait for it, as the interrupted run no longer records its answer.
            started = time.monotonic()
            err = stop(proc, sig)
            assert time.monotonic() - started < 15
            assert not release.is_set()
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
    assert "mimo-gui eval grounding: interrupted by" in err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    assert lines(out / "samples.jsonl") == 3
