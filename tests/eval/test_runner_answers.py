"""An answers file (``--backend scripted --answers F``) is keyed to samples, not to arrival order.

Before, the scripted backend handed its answers out in the order requests reached it, so any
concurrency above 1 scored at random. Here every request is tagged with its sample's id
(``<id>/refine`` for the second look) and answered by tag, and the backend below delays each
request by a different amount before the answers are looked up, so completion order is
shuffled on purpose: a run that paired answers by order could not score exactly.
"""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import Box, ConfigError
from mimo_gui.agent.backends.base import BackendBase, Completion, CompletionRequest
from mimo_gui.eval.answers import scripted_answers
from mimo_gui.eval.runner import run_eval
from mimo_gui.eval.samples import Sample
from tests.eval.eval_support import RED, info, settings

# Sides that are multiples of 28 within MiMo-VL's budget: the frame keeps the image as it is,
# so a box in the screenshot's pixels is also the answer in the model image's pixels.
SIZE = (336, 224)


def make_samples(folder: Path, n: int) -> list[Sample]:
    samples = []
    for i in range(n):
        x, y = 10 + (29 * i) % 250, 12 + (17 * i) % 160
        img = Image.new("RGB", SIZE, (245, 245, 245))
        ImageDraw.Draw(img).rectangle((x, y, x + 40, y + 30), fill=RED)
        path = folder / f"shot{i}.png"
        img.save(path)
        samples.append(
            Sample(
                id=f"s{i}", image=path, instruction=f"target {i}", box=Box(x1=x, y1=y, x2=x + 40, y2=y + 30)
            )
        )
    return samples


def answer_for(i: int, sample: Sample) -> str:
    """Right for even samples, 60 px off (still on the image) for odd ones, gibberish for every 5th."""
    if i % 5 == 4:
        return "I cannot find it."
    b = sample.box
    if i % 2:
        return f'{{"point_2d": [{(int(b.x2) + 60) % SIZE[0]}, {(int(b.y2) + 60) % SIZE[1]}]}}'
    return (
        f'```json\n[{{"bbox_2d": [{int(b.x1)}, {int(b.y1)}, {int(b.x2)}, {int(b.y2)}], "label": "t"}}]\n```'
    )


class Shuffled(BackendBase):
    """Delays each request by its own amount (from a hash of its tag), then asks ``inner``."""

    name = "scripted"

    def __init__(self, inner: BackendBase) -> None:
        self.inner = inner
        self.model = inner.model
        self.order: list[str | None] = []

    def complete(self, request: CompletionRequest) -> Completion:
        time.sleep((zlib.crc32(str(request.tag).encode()) % 7) * 0.01)
        self.order.append(request.tag)
        return self.inner.complete(request)


def expected_hits(n: int) -> set[str]:
    return {f"s{i}" for i in range(n) if i % 2 == 0 and i % 5 != 4}


@pytest.mark.parametrize("shape", ["object", "list"])
def test_answers_are_scored_exactly_and_the_same_at_concurrency_8(tmp_path: Path, shape: str) -> None:
    n = 24
    samples = make_samples(tmp_path, n)
    answers = [answer_for(i, s) for i, s in enumerate(samples)]
    path = tmp_path / "answers.json"
    content = {s.id: a for s, a in zip(samples, answers, strict=True)} if shape == "object" else answers
    path.write_text(json.dumps(content))
    runs = []
    for attempt in range(2):
        backend = Shuffled(scripted_answers(path, samples))
        result = run_eval(
            samples,
            backend,
            settings(concurrency=8),
            tmp_path / f"run{attempt}",
            dataset=info(n),
            report=False,
        )
        assert backend.order != [s.id for s in samples]  # answered out of dataset order
        runs.append(result)
    for result in runs:
        assert {r.id for r in result.records if r.hit} == expected_hits(n)
        unreadable = {r.id for r in result.records if r.error_kind == "answer"}
        assert unreadable == {"s4", "s9", "s14", "s19"}
        s = result.summary
        assert (s.n, s.hits, s.errors, s.misses) == (24, 10, 4, 10)
        for i, r in enumerate(result.records):
            assert r.raw == answers[i]
    assert [r.model_dump(exclude={"latency_s"}) for r in runs[0].records] == [
        r.model_dump(exclude={"latency_s"}) for r in runs[1].records
    ]


def test_requests_carry_the_sample_id_and_the_refine_pass_its_own_tag(tmp_path: Path) -> None:
    samples = make_samples(tmp_path, 4)
    first = {s.id: answer_for(0, s) for s in samples}  # every first answer right
    content: dict[str, object] = {
        "s0": [first["s0"], "hmm"],  # the second look fails to parse: the first answer stands
        "s1": first["s1"],  # no refine answer: that sample's own error
        "s2": [first["s2"], '{"point_2d": [1, 1]}'],
        "s3": [first["s3"], "no idea"],
    }
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(content))
    backend = scripted_answers(path, samples)
    result = run_eval(
        samples,
        backend,
        settings(refine=True, concurrency=4),
        tmp_path / "run",
        dataset=info(4),
        report=False,
    )
    assert sorted(r.tag or "" for r in backend.requests) == [
        "s0", "s0/refine", "s1", "s1/refine", "s2", "s2/refine", "s3", "s3/refine"
    ]  # fmt: skip
    by_id = {r.id: r for r in result.records}
    assert by_id["s0"].hit and by_id["s0"].refine_error and by_id["s0"].raw == "hmm"
    assert by_id["s1"].error_kind == "request" and "no refine answer for sample 's1'" in by_id["s1"].error
    # the refine answer was used: a point near the crop's corner, off the target
    assert by_id["s2"].first_hit and not by_id["s2"].hit and by_id["s2"].refine_error is None
    assert by_id["s3"].point == by_id["s3"].first_point


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"s0": "a", "s1": "b", "s2": "c", "nope": "d"}, r"names samples not in the dataset: 'nope'"),
        ({"s0": "a", "s2": "c"}, r"has no answer for 1 samples: 's1'"),
        (["a", "b"], r"lists 2 answers for 3 samples"),
        (["a", "b", "c", "d"], r"lists 4 answers for 3 samples"),
        ({"s0": 1, "s1": "b", "s2": "c"}, r"must hold a JSON object mapping sample id to an answer"),
        (["a", ["b"], "c"], r"each answer a string or \[first, refine\]"),
        ("just text", r"must hold a JSON object"),
    ],
)
def test_a_bad_answers_file_is_one_clear_error_up_front(
    tmp_path: Path, content: object, message: str
) -> None:
    samples = make_samples(tmp_path, 3)
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ConfigError, match=message) as caught:
        scripted_answers(path, samples)
    assert "\n" not in str(caught.value)


def test_a_missing_or_broken_answers_file_is_named(tmp_path: Path) -> None:
    samples = make_samples(tmp_path, 1)
    with pytest.raises(ConfigError, match=r"answers file '.*nothing\.json' does not exist"):
        scripted_answers(tmp_path / "nothing.json", samples)
    (tmp_path / "broken.json").write_text("[1, 2")
    with pytest.raises(ConfigError, match=r"broken\.json' is not JSON"):
        scripted_answers(tmp_path / "broken.json", samples)
