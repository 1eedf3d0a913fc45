"""What one sample's trouble does to an eval: it is that sample's record, of its own kind, and
the run goes on; and what a reasoning server's split answer leaves in the records.

Against the project's real HTTP chat server (`serve_chat`) and the real `OpenAIBackend`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.eval.datasets import load_dataset
from mimo_gui.eval.runner import run_eval
from tests.eval.eval_support import index_of, info, make_set, mimo_answer, settings
from tests.support.chat_server import Reply, serve_chat


def add_sample(data: Path, sample_id: str, size: tuple[int, int], box: list[int]) -> None:
    """Append a sample whose screenshot is a plain ``size`` image to the jsonl set ``data``."""
    Image.new("RGB", size, (240, 240, 240)).save(data.parent / f"{sample_id}.png")
    with data.open("a") as f:
        f.write(json.dumps({"id": sample_id, "image": f"{sample_id}.png", "instruction": "the strip",
                            "box": box}) + "\n")  # fmt: skip


def test_an_unframeable_screenshot_is_that_samples_error_and_the_run_goes_on(tmp_path: Path) -> None:
    data = make_set(tmp_path / "set", 4)
    # 300:1, over the 200:1 aspect ratio the processor's smart_resize can frame
    add_sample(data, "strip", (6000, 20), [10, 2, 60, 18])
    samples = load_dataset("jsonl", data)
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(concurrency=2), tmp_path / "run", dataset=info(5))
        backend.close()
        assert sorted(index_of(r.body) for r in server.chat_requests) == [0, 1, 2, 3]  # nothing sent for it
    strip = next(r for r in result.records if r.id == "strip")
    assert (strip.error_kind, strip.point, strip.hit, strip.raw) == ("unframeable", None, False, None)
    assert "6000x20" in strip.error and "\n" not in strip.error
    s = result.summary
    assert (s.n, s.hits, s.errors, s.errors_by_kind["unframeable"], s.request_errors) == (5, 4, 1, 1, 0)
    assert not strip.retry  # the image will not change: resume does not ask again
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert "images the resize rule cannot frame: 1" in (tmp_path / "run" / "report.html").read_text()


def test_a_decompression_bomb_is_that_samples_image_error(tmp_path: Path, monkeypatch) -> None:
    """Pillow refuses an image over twice ``MAX_IMAGE_PIXELS`` with an exception that is no
    OSError; it used to escape the worker and end the whole eval with a traceback."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # the set's shots are at most 360x224
    data = make_set(tmp_path / "set", 2)
    add_sample(data, "huge", (600, 400), [10, 10, 60, 60])  # 240,000 pixels: over twice the limit
    samples = load_dataset("jsonl", data)
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(concurrency=2), tmp_path / "run", dataset=info(3))
        backend.close()
    huge = next(r for r in result.records if r.id == "huge")
    assert (huge.error_kind, huge.point) == ("image", None)
    assert "cannot read image" in huge.error and "huge.png" in huge.error
    assert (result.summary.hits, result.summary.errors) == (2, 1)


def test_answers_cut_off_at_the_token_cap_are_counted_apart(tmp_path: Path) -> None:
    """A long thought stopped by ``max_tokens`` (finish_reason "length") is ``truncated``, not a
    plain miss or parse error; a readable answer that also hit the cap still counts."""
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 8))

    def responder(body: dict, images: list[Image.Image]) -> str | Reply:
        i = index_of(body)
        if i in (1, 5):
            return Reply(
                "<think>\nFirst the toolbar, then the list, then " + "more " * 200, finish_reason="length"
            )
        if i == 2:
            return "I do not see it."  # a plain unreadable answer
        if i == 3:
            return Reply(mimo_answer(images[-1]), finish_reason="length")  # cut after the answer: fine
        if i == 6:
            return '{"point_2d": [2, 2]}'  # a miss
        return mimo_answer(images[-1])

    with serve_chat(responder) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(concurrency=3), tmp_path / "run", dataset=info(8))
        backend.close()
    by_id = {r.id: r for r in result.records}
    for cut in ("s1", "s5"):
        r = by_id[cut]
        assert (r.error_kind, r.point, r.hit) == ("truncated", None, False)
        assert "--max-tokens" in r.error and "--no-think" in r.error
        assert not r.retry
    assert by_id["s2"].error_kind == "answer" and by_id["s3"].hit and not by_id["s6"].hit
    s = result.summary
    assert (s.n, s.hits, s.misses, s.errors, s.truncated) == (8, 4, 1, 3, 2)
    assert s.errors_by_kind == {"request": 0, "answer": 1, "truncated": 2, "image": 0, "unframeable": 0}
    written = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (written["truncated"], written["misses"], written["errors_by_kind"]["answer"]) == (2, 1, 1)
    report = (tmp_path / "run" / "report.html").read_text()
    assert (
        "misses: 1;" in report and "cut off at the token cap (raise --max-tokens, or --no-think): 2" in report
    )
    assert "unreadable answers: 1" in report


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_the_thought_a_reasoning_server_splits_off_is_recorded(tmp_path: Path, field: str) -> None:
    """vLLM/SGLang with ``--reasoning-parser`` put the thought in ``message.reasoning_content``
    (older vLLM, SGLang: vllm-project/vllm docs/source/features/reasoning_outputs.md) or
    ``message.reasoning`` (vLLM since vllm-project/vllm#27752, "`reasoning_content` ->
    `reasoning`") and only the answer in ``content``."""
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 4))

    def responder(body: dict, images: list[Image.Image]) -> str:
        return mimo_answer(images[-1], thought=f"Sample {index_of(body)}: the red box, top left.")

    with serve_chat(responder, reasoning_parser=field) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(), tmp_path / "run", dataset=info(4), report=False)
        backend.close()
    assert result.summary.accuracy == 1.0
    lines = [json.loads(line) for line in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    for line in lines:
        i = int(line["id"][1:])
        assert line["thought"].strip() == f"Sample {i}: the red box, top left."
        assert "<think>" not in line["raw"] and "bbox_2d" in line["raw"]


def test_the_thought_inside_the_answer_is_recorded_too(tmp_path: Path) -> None:
    samples = load_dataset("jsonl", make_set(tmp_path / "set", 3))

    def responder(body: dict, images: list[Image.Image]) -> str:
        i = index_of(body)
        return mimo_answer(images[-1], thought=f"Looking at sample {i}.") if i else "no idea"

    with serve_chat(responder) as server:
        backend = OpenAIBackend(server.url, model="mimo-vl-test")
        result = run_eval(samples, backend, settings(), tmp_path / "run", dataset=info(3), report=False)
        backend.close()
    thoughts = {r.id: r.thought for r in result.records}
    assert thoughts["s0"] is None  # an answer with no thought records none
    assert (thoughts["s1"] or "").strip() == "Looking at sample 1."
    assert (thoughts["s2"] or "").strip() == "Looking at sample 2."
