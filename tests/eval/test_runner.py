"""The eval runner against a real OpenAI-compatible server and the real `OpenAIBackend`.

The server answers like MiMo-VL would for the image it *received* (it finds the red target
in that image and answers in its pixels), but is right only for a known subset of
samples, so accuracies are exact. Resume is tested by SIGKILLing a real eval process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from PIL import Image

from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.eval.datasets import load_dataset
from mimo_gui.eval.runner import run_eval
from tests.eval.eval_support import index_of, info, make_set, mimo_answer, red_box, settings
from tests.support.chat_server import Reply, serve_chat


def even_right(body: dict, images: list[Image.Image]) -> str:
    """Right for even-numbered samples; a point well off the target for odd ones."""
    if index_of(body) % 2 == 0:
        return mimo_answer(images[-1])
    _, _, x2, y2 = red_box(images[-1])
    w, h = images[-1].size
    return f'{{"point_2d": [{(x2 + 70) % w}, {(y2 + 70) % h}]}}'


def test_accuracy_is_exact_over_the_real_server(tmp_path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 12))
    with serve_chat(even_right) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(), tmp_path / "run", dataset=info(12), report=False)
        backend.close()
        assert len(server.chat_requests) == 12
    s = result.summary
    assert (s.n, s.hits, s.accuracy, s.errors) == (12, 6, 0.5, 0)
    assert {r.id for r in result.records if r.hit} == {f"s{i}" for i in range(0, 12, 2)}
    assert s.by["parity"]["even"].accuracy == 1.0 and s.by["parity"]["odd"].accuracy == 0.0
    assert (s.by["split"]["web"].n, s.by["split"]["web"].hits) == (6, 3)
    first = result.records[0]
    assert first.raw.startswith("<think>") and first.latency_s > 0 and first.prompt_tokens


def test_parse_failures_are_misses_that_keep_the_raw_answer(tmp_path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 6))

    def responder(body: dict, images: list[Image.Image]) -> str:
        return "no idea, sorry" if index_of(body) < 3 else mimo_answer(images[-1])

    with serve_chat(responder) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(), tmp_path / "run", dataset=info(6), report=False)
        backend.close()
    s = result.summary
    assert (s.accuracy, s.errors, s.request_errors) == (0.5, 3, 0)
    for r in result.records[:3]:
        assert (r.point, r.hit, r.raw, r.error_kind) == (None, False, "no idea, sorry", "answer")
        assert r.error and "\n" not in r.error


def test_requests_run_concurrently_with_a_bounded_number_in_flight(tmp_path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 16))
    delay = 0.4
    with serve_chat(lambda body, images: Reply(mimo_answer(images[-1]), delay=delay)) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test", concurrency=4)
        start = time.perf_counter()
        result = run_eval(
            samples, backend, settings(concurrency=4), tmp_path / "run", dataset=info(16), report=False
        )
        wall = time.perf_counter() - start
        backend.close()
        assert server.max_in_flight == 4  # overlapped, and never more than asked
    assert result.summary.accuracy == 1.0
    assert wall < 16 * delay / 2  # sequential would take 6.4 s; 4 at a time about 1.6 s


def test_refine_records_both_passes_with_exact_hits(tmp_path) -> None:
    """First pass: right for odd samples, just off the target for even ones. The refine pass
    (a crop enlarged to the budget, so the image is much larger): right for i % 4 == 0, off
    for i % 4 == 2, unparseable for odd ones (whose first answer then stands)."""
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 8))

    def responder(body: dict, images: list[Image.Image]) -> str:
        i, image = index_of(body), images[-1]
        refining = image.width > 1000
        _, _, x2, y2 = red_box(image)
        if not refining:
            return mimo_answer(image) if i % 2 else f'{{"point_2d": [{x2 + 12}, {y2 + 8}]}}'
        if i % 2:
            return "hmm"
        return mimo_answer(image) if i % 4 == 0 else '{"point_2d": [3, 3]}'

    with serve_chat(responder) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(
            samples, backend, settings(refine=True), tmp_path / "run", dataset=info(8), report=False
        )
        backend.close()
        assert len(server.chat_requests) == 16
        sizes = sorted({r.images[0].size for r in server.chat_requests}, key=lambda s: s[0])
        assert sizes[-1][0] * sizes[-1][1] > 3_000_000  # the crop was enlarged up to the budget
    by_id = {r.id: r for r in result.records}
    for i in range(8):
        r = by_id[f"s{i}"]
        assert r.first_hit == bool(i % 2), i
        assert r.hit == (i % 2 == 1 or i % 4 == 0), i
        assert r.first_point is not None and r.crop is not None
        x0, y0, x1, y1 = r.crop
        assert x0 <= r.first_point[0] <= x1 and y0 <= r.first_point[1] <= y1
        if i % 2:
            assert r.point == r.first_point and r.refine_error and r.raw == "hmm"
    s = result.summary
    assert (s.first_pass_accuracy, s.accuracy) == (0.5, 0.75)


def test_request_errors_are_retried_on_resume(tmp_path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 8))
    broken = {1, 6}

    def flaky(body: dict, images: list[Image.Image]) -> str | Reply:
        if index_of(body) in broken:
            return Reply(status=400, text="image too large")
        return mimo_answer(images[-1])

    out = tmp_path / "run"
    with serve_chat(flaky) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        first = run_eval(samples, backend, settings(), out, dataset=info(8), report=False)
        backend.close()
    assert (first.summary.request_errors, first.summary.errors, first.summary.accuracy) == (2, 2, 0.75)
    bad = [r for r in first.records if r.error_kind == "request"]
    assert {r.id for r in bad} == {"s1", "s6"} and all("400" in r.error and r.raw is None for r in bad)
    broken.clear()
    with serve_chat(flaky) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        second = run_eval(samples, backend, settings(), out, dataset=info(8), resume=True, report=False)
        backend.close()
        assert sorted(index_of(r.body) for r in server.chat_requests) == [1, 6]
    assert second.ran == 2 and second.summary.accuracy == 1.0 and second.summary.errors == 0
    ids = [json.loads(line)["id"] for line in (out / "samples.jsonl").read_text().splitlines()]
    assert sorted(ids) == sorted(f"s{i}" for i in range(8))


def test_resume_after_sigkill_redoes_nothing_finished(tmp_path) -> None:
    data = make_set(tmp_path / "set", 20)
    out = tmp_path / "run"
    release = threading.Event()
    answered = 0
    lock = threading.Lock()

    def stalls_after_six(body: dict, images: list[Image.Image]) -> str:
        nonlocal answered
        with lock:
            answered += 1
            mine = answered
        if mine > 6:
            release.wait(30)  # the eval is killed while these hang
        return mimo_answer(images[-1])

    args = [
        "eval",
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
    with serve_chat(stalls_after_six) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mimo_gui", *args, "--base-url", server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        samples_file = out / "samples.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if samples_file.exists() and len(samples_file.read_text().splitlines()) >= 6:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        time.sleep(0.3)  # let the next requests reach the server and hang
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        release.set()
    lines = [json.loads(line) for line in samples_file.read_text().splitlines()]
    # Six answers landed before the kill. A request that failed meanwhile (a connection the
    # loaded machine dropped) is a line too, of kind "request", which resume retries.
    finished = [r["id"] for r in lines if r.get("error_kind") != "request"]
    assert len(finished) == 6, lines
    # a crash in the middle of a write leaves a cut line: resume must drop it and redo that sample
    with open(samples_file, "a") as f:
        f.write('{"id": "s19", "instruction": "tar')

    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        from mimo_gui.cli import main

        code = main([*args, "--base-url", server.url, "--resume"])
        redone = sorted(f"s{index_of(r.body)}" for r in server.chat_requests)
    assert code == 0
    assert redone == sorted(set(f"s{i}" for i in range(20)) - set(finished))
    ids = [json.loads(line)["id"] for line in samples_file.read_text().splitlines()]
    assert sorted(ids) == sorted(f"s{i}" for i in range(20))  # each once, the cut line gone
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["n"], summary["accuracy"]) == (20, 1.0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["status"], manifest["resumed"]) == ("complete", 1)
