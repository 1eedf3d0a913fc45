"""Nothing an eval was told is lost: answers are durable as they land, an interrupted run says
so, and ``--resume`` refuses what it cannot continue, in words.

Against the project's real HTTP chat server and real processes (SIGKILL, SIGINT, SIGTERM).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.eval.datasets import load_dataset
from mimo_gui.eval.runner import run_eval
from mimo_gui.eval.scoring import SampleRecord
from tests.eval.eval_support import info, make_set, mimo_answer, settings
from tests.support.chat_server import Reply, serve_chat


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def scripted_right(request: CompletionRequest) -> str:
    (image,) = request.images()
    return mimo_answer(image.image)


def test_answers_are_written_while_the_caller_is_busy(tmp_path: Path) -> None:
    """The caller's thread stalls in its first ``on_record``; the answers that land meanwhile are
    already in samples.jsonl (before, they waited for the caller's thread to write them)."""
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 16))
    out = tmp_path / "run"
    seen_while_stalled: list[int] = []

    def stall_once(record: SampleRecord) -> None:
        if seen_while_stalled:
            return
        deadline = time.monotonic() + 10
        while len(lines_of(out / "samples.jsonl")) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        seen_while_stalled.append(len(lines_of(out / "samples.jsonl")))

    backend = ScriptedBackend(scripted_right)
    result = run_eval(
        samples, backend, settings(concurrency=4), out, dataset=info(16), report=False, on_record=stall_once
    )
    assert seen_while_stalled[0] >= 6
    assert result.summary.accuracy == 1.0 and len(lines_of(out / "samples.jsonl")) == 16


SLOW_CALLER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mimo_gui.agent.backends.openai import OpenAIBackend
    from mimo_gui.eval.datasets import load_dataset
    from tests.eval.eval_support import info, settings
    from mimo_gui.eval.runner import run_eval

    url, data, out, concurrency = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    samples = load_dataset("jsonl", Path(data))
    backend = OpenAIBackend(url, model="mimo-vl-test", concurrency=concurrency)
    # a caller whose display is slow (a terminal over a slow link): 0.4 s per record
    run_eval(samples, backend, settings(concurrency=concurrency), Path(out), dataset=info(len(samples)),
             report=False, on_record=lambda record: time.sleep(0.4))
    """
)


def test_a_killed_eval_loses_at_most_concurrency_answers(tmp_path: Path) -> None:
    data = make_set(tmp_path / "set", 40)
    out = tmp_path / "run"
    concurrency = 2
    killed = threading.Event()
    sent = 0
    lock = threading.Lock()

    def slow(body: dict, images: list[Image.Image]) -> str:
        nonlocal sent
        time.sleep(0.1)
        answer = mimo_answer(images[-1])
        with lock:
            if not killed.is_set():
                sent += 1  # counted just before the server sends it, while the client lives
        return answer

    with serve_chat(slow) as server:
        proc = subprocess.Popen(
            [sys.executable, "-c", SLOW_CALLER, server.url, str(data), str(out), str(concurrency)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=Path(__file__).parents[2],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if sent >= 12:
                    break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        with lock:
            killed.set()
            proc.send_signal(signal.SIGKILL)
            answered = sent
        proc.wait(10)
    written = lines_of(out / "samples.jsonl")
    assert answered >= 12
    # every answer that left the server is in the file, but those the client was still reading
    assert answered - concurrency <= len(written) <= answered, (answered, len(written))
    assert len({r["id"] for r in written}) == len(written)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"  # killed: nothing could say otherwise


def test_an_interrupted_eval_says_so_and_keeps_what_it_had(tmp_path: Path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 12))
    out = tmp_path / "run"
    got: list[str] = []

    def ctrl_c_on_the_fourth(record: SampleRecord) -> None:
        got.append(record.id)
        if len(got) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_eval(
            samples,
            ScriptedBackend(scripted_right),
            settings(concurrency=2),
            out,
            dataset=info(12),
            on_record=ctrl_c_on_the_fourth,
        )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["end_time"] is not None
    kept = {r["id"] for r in lines_of(out / "samples.jsonl")}
    assert set(got) <= kept and len(kept) < 12
    assert not (out / "summary.json").exists()  # no summary of a part passed off as the whole
    resumed = run_eval(
        samples, ScriptedBackend(scripted_right), settings(concurrency=2), out, dataset=info(12), resume=True
    )
    assert resumed.ran == 12 - len(kept) and resumed.summary.accuracy == 1.0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_on_the_cli_records_an_interrupted_eval_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """The first answers come at once, the rest would take a minute: the signal ends the eval in
    seconds (requests in flight do not hold the process open), and the manifest says why."""
    data = make_set(tmp_path / "set", 30)
    out = tmp_path / "run"

    quick: set[str] = set()
    lock = threading.Lock()

    def stalls_after_four(body: dict, images: list[Image.Image]) -> Reply:
        # The first four samples to arrive are answered at once, the rest stall. Keyed on the
        # sample ("target N" in the prompt), not on the request count, so that a retried
        # request does not use up a quick answer; and on arrival, not on the sample's number,
        # so that a worker framing slowly cannot leave a quick sample queued behind stalled ones.
        sample = re.search(r"target \d+", json.dumps(body))[0]  # type: ignore[index]
        with lock:
            if sample in quick or len(quick) < 4:
                quick.add(sample)
                return Reply(mimo_answer(images[-1]))
        return Reply(mimo_answer(images[-1]), delay=60.0)

    with serve_chat(stalls_after_four) as server:
        args = [
            "grounding",
            "--format",
            "jsonl",
            "--data",
            str(data),
            "--concurrency",
            "2",
            "--out",
            str(out),
        ]
        proc = subprocess.Popen(
            [sys.executable, "-m", "mimo_gui", "eval", *args, "--base-url", server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            len(lines_of(out / "samples.jsonl")) < 4 or server.in_flight < 2
        ):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        sent = time.monotonic()
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    assert proc.returncode == 130, stderr.decode()
    assert took < 10, took
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["end_time"], stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert len(lines_of(out / "samples.jsonl")) == 4


def test_resume_with_nothing_to_resume_is_an_error_not_a_fresh_start(tmp_path: Path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 2))
    backend = ScriptedBackend(scripted_right)
    missing = tmp_path / "never-ran"
    with pytest.raises(ConfigError, match=r"nothing to resume in '.*never-ran' \(it does not exist\)"):
        run_eval(samples, backend, settings(), missing, dataset=info(2), resume=True)
    assert not missing.exists()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (stranger, empty):
        with pytest.raises(ConfigError, match=r"nothing to resume in .* \(it has no manifest\.json\)"):
            run_eval(samples, backend, settings(), folder, dataset=info(2), resume=True)
    assert sorted(p.name for p in stranger.iterdir()) == ["notes.txt"] and not any(empty.iterdir())
    assert backend.requests == []


def test_a_resume_with_other_settings_names_each_in_words(tmp_path: Path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 2))
    out = tmp_path / "run"
    run_eval(samples, ScriptedBackend(scripted_right), settings(), out, dataset=info(2), report=False)
    with pytest.raises(ConfigError) as caught:
        run_eval(
            samples,
            ScriptedBackend(scripted_right),
            settings(temperature=0.7, refine=True),
            out,
            dataset=info(2),
            resume=True,
        )
    message = str(caught.value)
    assert "sampling temperature 0 then, 0.7 now" in message
    assert "refine off then, on now" in message and "refine area none then, 0.25 now" in message
    for leak in ("{", "[", "), (", "True", "False", "None"):
        assert leak not in message, leak
    assert "\n" not in message


def test_the_report_shows_sampling_in_words(tmp_path: Path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 2))
    out = tmp_path / "run"
    run_eval(samples, ScriptedBackend(scripted_right), settings(max_tokens=512), out, dataset=info(2))
    report = (out / "report.html").read_text()
    assert "temperature 0, top_p " in report and "max_tokens 512" in report
    assert "{&#x27;temperature&#x27;" not in report and "{'temperature'" not in report
    assert "<td>complete</td>" in report
