"""Issue 11, "the house": the CLI is a package of one module per command, the evaluation
library does not import it back, and the eval's progress line (now the CLI's own display,
fed by the runner's callbacks) still counts what a resumed run already had."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from mimo_gui.cli import main
from tests.cli.cli_support import answers_file
from tests.eval.eval_support import make_set
from tests.eval.eval_support import red_box as target_box

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".ci"))
import check_layers  # noqa: E402

COMMAND_MODULES = [
    *("ground", "run", "run_flow", "replay", "demo", "report", "calibrate"),
    *("eval", "eval_grounding", "eval_compare", "eval_synth"),
]


def test_the_cli_is_a_package_with_a_module_per_command() -> None:
    for name in ["app", "options", "paths", "progress", "exits", *COMMAND_MODULES]:
        assert importlib.util.find_spec(f"mimo_gui.cli.{name}") is not None, name
    assert (
        not (ROOT / "mimo_gui" / "cli.py").exists() and not (ROOT / "mimo_gui" / "eval" / "cli.py").exists()
    )
    for path in (ROOT / "mimo_gui" / "cli").glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path


def test_the_eval_library_does_not_import_the_cli() -> None:
    _, edges, _ = check_layers.import_graph(ROOT)
    back = [e for e in edges if e.source.startswith("mimo_gui.eval") and e.target.startswith("mimo_gui.cli")]
    assert back == []
    # and the CLI does import it: the check would see the edge if it were there
    assert any(
        e.source == "mimo_gui.cli.eval_grounding" and e.target == "mimo_gui.eval.runner" for e in edges
    )


def test_the_progress_line_counts_the_samples_a_resumed_run_had(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 4)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    from PIL import Image

    answers = {}
    for r in rows:
        x1, y1, x2, y2 = target_box(Image.open(data.parent / r["image"]))
        answers[r["id"]] = json.dumps({"point_2d": [(x1 + x2) // 2, (y1 + y2) // 2]})
    file = answers_file(tmp_path / "answers.json", answers)
    out = tmp_path / "run"
    args = ["eval", "grounding", "--format", "jsonl", "--data", str(data), "--backend", "scripted",
            "--answers", str(file), "--out", str(out), "--concurrency", "1"]  # fmt: skip
    assert main(args) == 0
    assert "eval 4/4" in capsys.readouterr().err
    samples = out / "samples.jsonl"
    samples.write_text("".join(samples.read_text().splitlines(keepends=True)[:3]))  # as if killed after 3
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    progress = [line for line in err.splitlines() if line.startswith("eval ") and "samples/s" in line]
    assert progress and all(line.startswith("eval 4/4 ") for line in progress)  # 3 before + 1 now
    assert "ran 1 now" in err
