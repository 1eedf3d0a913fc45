"""Scoring: hits, accuracy and breakdowns; the refine window; a whole run on a scripted model.

The scripted model answers like MiMo-VL would, from the image it is actually sent (it
finds the red target in the framed image and answers its box in that image's pixels),
but is right only for a known subset of samples, so every expected number is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import Box, Point
from mimo_gui.agent.backends.base import Capabilities, CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.grounding import refine_crop
from mimo_gui.eval.runner import DatasetInfo, EvalSettings, run_eval
from mimo_gui.eval.samples import Sample
from mimo_gui.eval.scoring import SampleRecord, is_hit, summarize
from mimo_gui.prompts import TextPart, get_profile

# -- is_hit and summarize ---------------------------------------------------------------


def test_hit_is_inside_the_box_edges_included() -> None:
    box = Box(x1=10, y1=20, x2=30, y2=40)
    assert is_hit(Point(x=10, y=20), box) and is_hit(Point(x=30, y=40), box)
    assert is_hit((20.5, 30.5), box)
    assert not is_hit((9.99, 30), box) and not is_hit((20, 40.01), box)
    assert not is_hit(None, box)
    assert is_hit((1, 1), (0, 0, 1, 1))


def record(i: int, hit: bool, *, point: tuple[float, float] | None = (1, 1), **tags: str) -> SampleRecord:
    return SampleRecord(
        id=f"s{i}", instruction="x", point=point, raw="r", hit=hit, latency_s=0.1, box=(0, 0, 1, 1), tags=tags
    )


def test_summary_breaks_down_by_every_tag_exactly() -> None:
    records = [
        record(0, True, split="web", data_type="text"),
        record(1, False, split="web", data_type="icon"),
        record(2, True, split="mobile", data_type="icon"),
        record(3, False, point=None, split="mobile", data_type="icon"),
        record(4, True, split="mobile"),
    ]
    s = summarize(records)
    assert (s.accuracy, s.n, s.hits, s.errors) == (0.6, 5, 3, 1)
    assert s.first_pass_accuracy is None
    by = {tag: {v: (b.accuracy, b.n) for v, b in values.items()} for tag, values in s.by.items()}
    assert by == {
        "data_type": {"icon": (1 / 3, 3), "text": (1.0, 1)},
        "split": {"mobile": (2 / 3, 3), "web": (0.5, 2)},
    }
    assert summarize([]).accuracy == 0.0


def test_first_pass_accuracy_is_measured_when_refining() -> None:
    rows = [
        record(0, True).model_copy(update={"first_hit": False}),
        record(1, True).model_copy(update={"first_hit": True}),
        record(2, False, point=None),  # its request failed: no first pass either
    ]
    s = summarize(rows, refine=True)
    assert (s.accuracy, s.first_pass_accuracy) == (2 / 3, 1 / 3)


# -- refine_crop -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((960, 540), (480, 270, 1440, 810)),  # centred
        ((5, 5), (0, 0, 960, 540)),  # clamped at the top-left corner, not shrunk
        ((1919, 1079), (960, 540, 1920, 1080)),  # and at the bottom-right
        ((1900, 100), (960, 0, 1920, 540)),
    ],
)
def test_refine_crop_is_a_quarter_of_the_image_clamped_inside(point, expected) -> None:
    assert refine_crop((1920, 1080), point) == expected


def test_refine_crop_area_and_bad_input() -> None:
    x0, y0, x1, y1 = refine_crop((1000, 1000), (500, 500), area=0.09)
    assert (x1 - x0, y1 - y0) == (300, 300)
    assert refine_crop((10, 10), (3, 3), area=1.0) == (0, 0, 10, 10)
    with pytest.raises(ValueError, match="refine area"):
        refine_crop((100, 100), (1, 1), area=0)


# -- a whole run against a scripted model -------------------------------------------------

RED = (230, 20, 30)


def red_box(image: Image.Image) -> tuple[int, int, int, int]:
    a = np.asarray(image.convert("RGB")).astype(int)
    ys, xs = np.nonzero((a[..., 0] > 180) & (a[..., 1] < 90) & (a[..., 2] < 90))
    assert xs.size, "the target is not in the image the model was sent"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def make_samples(folder: Path, n: int) -> list[Sample]:
    samples = []
    for i in range(n):
        size = (320 + 40 * (i % 3), 200 + 24 * (i % 2))
        x, y = 30 + 23 * i, 40 + 11 * i
        target = (x, y, x + 40, y + 30)
        img = Image.new("RGB", size, (245, 245, 245))
        ImageDraw.Draw(img).rectangle(target, fill=RED)
        path = folder / f"shot{i}.png"
        img.save(path)
        samples.append(
            Sample(
                id=f"s{i}",
                image=path,
                instruction=f"target {i}",
                box=Box(x1=target[0], y1=target[1], x2=target[2], y2=target[3]),
                tags={"parity": "even" if i % 2 == 0 else "odd", "group": "abc"[i % 3]},
            )
        )
    return samples


def scripted_model(request: CompletionRequest) -> str:
    """Right for even-numbered samples, a point far off for odd ones, gibberish for every 5th."""
    (image,) = request.images()
    text = " ".join(p.text for m in request.messages for p in m.content if isinstance(p, TextPart))
    i = int(text.split('"target ')[1].split('"')[0])
    if i % 5 == 4:
        return "I cannot find it."
    x1, y1, x2, y2 = red_box(image.image)
    if i % 2 == 1:
        w, h = image.size
        return f'{{"point_2d": [{(x2 + 60) % w}, {(y2 + 60) % h}]}}'
    return (
        f'<think>\nfound it\n</think>\n```json\n[{{"bbox_2d": [{x1}, {y1}, {x2}, {y2}], "label": "t"}}]\n```'
    )


def test_scripted_run_scores_exactly_the_known_subset(tmp_path) -> None:
    samples = make_samples(tmp_path, 10)
    backend = ScriptedBackend(scripted_model)
    settings = EvalSettings(profile=get_profile("mimo-vl"), concurrency=3)
    info = DatasetInfo(format="jsonl", path="x", fingerprint="f", n=len(samples))
    result = run_eval(samples, backend, settings, tmp_path / "run", dataset=info, report=False)
    hits = {r.id for r in result.records if r.hit}
    # even and not a 5th: 0, 2, 6, 8 (4 answers gibberish)
    assert hits == {"s0", "s2", "s6", "s8"}
    s = result.summary
    assert (s.n, s.hits, s.accuracy, s.errors, s.request_errors) == (10, 4, 0.4, 2, 0)
    assert s.by["parity"]["even"].accuracy == 4 / 5 and s.by["parity"]["odd"].accuracy == 0.0
    assert {v: b.n for v, b in s.by["group"].items()} == {"a": 4, "b": 3, "c": 3}
    unparsed = [r for r in result.records if r.error_kind == "answer"]
    assert {r.id for r in unparsed} == {"s4", "s9"}
    assert all(r.raw == "I cannot find it." and r.point is None and not r.hit for r in unparsed)
    # the points are in the original image's pixels, whatever size the model saw
    for r in result.records:
        if r.hit:
            x1, y1, x2, y2 = r.box
            assert abs(r.point[0] - (x1 + x2) / 2) <= 2 and abs(r.point[1] - (y1 + y2) / 2) <= 2
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == sorted(s.id for s in samples)
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["accuracy"] == 0.4
    # each request carried one image, the framed one (sides multiples of 28, the size the frame
    # chose), not the screenshot as it is (320/360/400 x 200/224)
    by_tag = {req.tag: req for req in backend.requests}
    assert sorted(by_tag) == sorted(s.id for s in samples) and len(backend.requests) == len(samples)
    profile = get_profile("mimo-vl")
    for sample in samples:
        (sent,) = by_tag[sample.id].images()
        with Image.open(sample.image) as shot:
            frame = profile.frame(shot.size)
        assert sent.size == (frame.model_width, frame.model_height) != shot.size
        assert sent.size[0] % 28 == 0 and sent.size[1] % 28 == 0


class BatchingBackend(ScriptedBackend):
    """The scripted model behind a batching backend's face: the runner batches for any backend
    whose capabilities say it batches, whatever its name."""

    name = "batching-scripted"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(batches=True)

    def __init__(self) -> None:
        super().__init__(scripted_model)
        self.batches: list[int] = []

    def complete_many(self, requests):
        self.batches.append(len(requests))
        return super().complete_many(requests)


def test_a_batching_backend_gets_chunks_of_batch_size(tmp_path) -> None:
    samples = make_samples(tmp_path, 8)
    backend = BatchingBackend()
    settings = EvalSettings(profile=get_profile("mimo-vl"), batch_size=3)
    info = DatasetInfo(format="jsonl", path="x", fingerprint="f", n=len(samples))
    result = run_eval(samples, backend, settings, tmp_path / "run", dataset=info, report=False)
    assert backend.batches == [3, 3, 2]
    assert {r.id for r in result.records if r.hit} == {"s0", "s2", "s6"}
    assert [r.id for r in result.records] == [s.id for s in samples]
