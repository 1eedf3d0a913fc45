"""Issue 10: ``eval grounding --backend scripted --answers F`` gives each sample its own answer,
keyed by sample id or by dataset order, whatever ``--concurrency``; ``--help`` says how.

Each answer below is right for its own sample only (the targets lie in different places), so
any answer handed to the wrong sample shows as a miss, and the accuracy would drop below 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import smart_resize
from mimo_gui.cli import main
from tests.cli.cli_support import answers_file, mimo_gui, one_line_error
from tests.eval.eval_support import make_set
from tests.eval.eval_support import red_box as target_box

N = 10


def right_answer(image: Path) -> str:
    """MiMo's grounding answer for the image's red target, in the pixels of the image as the
    model sees it (smart_resize to mimo-vl's budget), as a real model would answer."""
    shot = Image.open(image)
    x1, y1, x2, y2 = target_box(shot)
    h, w = smart_resize(shot.height, shot.width, min_pixels=3136, max_pixels=3211264)
    sx, sy = w / shot.width, h / shot.height
    box = [round(x1 * sx) + 2, round(y1 * sy) + 2, round(x2 * sx) - 2, round(y2 * sy) - 2]
    return f'```json\n[{{"bbox_2d": {box}, "label": "target"}}]\n```'


def dataset(tmp_path: Path) -> tuple[Path, list[dict]]:
    data = make_set(tmp_path / "set", N)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    return data, rows


def grounding(data: Path, answers: Path, out: Path, *extra: str) -> list[str]:
    return ["eval", "grounding", "--format", "jsonl", "--data", str(data), "--backend", "scripted",
            "--answers", str(answers), "--out", str(out), *extra]  # fmt: skip


def scored(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (out / "samples.jsonl").read_text().splitlines())}


def test_the_answers_differ_per_sample(tmp_path) -> None:
    """The premise: an answer given to another sample would miss."""
    data, rows = dataset(tmp_path)
    answers = [right_answer(data.parent / r["image"]) for r in rows]
    assert len(set(answers)) == N


@pytest.mark.parametrize("concurrency", ["1", "6"])
def test_answers_keyed_by_sample_id(tmp_path, capsys, concurrency) -> None:
    data, rows = dataset(tmp_path)
    # written in reverse, so file order is not dataset order either
    by_id = {r["id"]: right_answer(data.parent / r["image"]) for r in reversed(rows)}
    answers = answers_file(tmp_path / "answers.json", by_id)
    out = tmp_path / "run"
    assert main(grounding(data, answers, out, "--concurrency", concurrency)) == 0, capsys.readouterr().err
    records = scored(out)
    assert {i: r["raw"] for i, r in records.items()} == by_id
    assert all(r["hit"] for r in records.values())


def test_answers_listed_in_dataset_order(tmp_path, capsys) -> None:
    data, rows = dataset(tmp_path)
    listed = [right_answer(data.parent / r["image"]) for r in rows]
    answers = answers_file(tmp_path / "answers.json", listed)
    out = tmp_path / "run"
    assert main(grounding(data, answers, out, "--concurrency", "8")) == 0, capsys.readouterr().err
    records = scored(out)
    assert [records[r["id"]]["raw"] for r in rows] == listed
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0


def test_an_answer_for_an_unknown_sample_is_refused(tmp_path, capsys) -> None:
    data, rows = dataset(tmp_path)
    by_id = {r["id"]: "x" for r in rows} | {"nope": "x"}
    answers = answers_file(tmp_path / "answers.json", by_id)
    assert main(grounding(data, answers, tmp_path / "run")) == 2
    assert "'nope'" in one_line_error(capsys.readouterr().err, "eval grounding")


def test_help_documents_the_answers_format() -> None:
    help_text = mimo_gui("eval", "grounding", "--help").stdout
    assert "an object mapping each sample id to its answer" in help_text
    assert "a list in dataset order" in help_text
    assert "[first look, second look] with --refine" in help_text
