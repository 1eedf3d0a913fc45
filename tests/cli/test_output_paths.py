"""Issue 11, item 2: a bad output path is one line and exit 2, before Chromium or a model starts.

Each case runs the command as a user would. The model server records every chat request and
the Chromium stand-in (`chromium_tripwire`) records being started, so "before anything
starts" is checked, not assumed.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from mimo_gui.cli import main
from tests.cli.cli_support import answers_file, blank_screenshot, chromium_tripwire, one_line_error
from tests.eval.eval_support import make_set
from tests.support.chat_server import serve_chat

ANSWER = '{"point_2d": [10, 10]}'


def ground(tmp_path: Path, url: str, annotate: str) -> list[str]:
    shot = blank_screenshot(tmp_path / "shot.png")
    return [
        "ground",
        str(shot),
        "the button",
        "--base-url",
        url,
        "--model",
        "mimo-vl-test",
        "--annotate",
        annotate,
    ]


@pytest.mark.parametrize(
    ("annotate", "says"),
    [
        (
            "/nonexistent/dir/x.png",
            "--annotate '/nonexistent/dir/x.png': the folder '/nonexistent/dir' does not exist",
        ),
        ("out.txt", "--annotate 'out.txt' has extension '.txt': name an image file (.png, .jpg"),
        ("out", "--annotate 'out' has no extension: name an image file"),
    ],
    ids=["missing folder", "unknown extension", "no extension"],
)
def test_ground_refuses_an_annotate_path_it_cannot_write(
    tmp_path, capsys, monkeypatch, annotate, says
) -> None:
    monkeypatch.chdir(tmp_path)
    with serve_chat(lambda body, images: ANSWER) as server:
        code = main(ground(tmp_path, server.url, annotate))
        assert server.chat_requests == []  # refused before the model was asked
    assert code == 2
    assert says in one_line_error(capsys.readouterr().err, "ground")


def test_ground_writes_a_good_annotate_path(tmp_path, capsys) -> None:
    """The check does not refuse what works (and the JPEG extension is one Pillow writes)."""
    with serve_chat(lambda body, images: ANSWER) as server:
        code = main(ground(tmp_path, server.url, str(tmp_path / "found.jpg")))
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "found.jpg").read_bytes()[:2] == b"\xff\xd8"  # a JPEG, as the name says


def test_report_on_the_run_json_file_names_its_folder(tmp_path, capsys) -> None:
    run = tmp_path / "runs" / "X"
    run.mkdir(parents=True)
    (run / "run.json").write_text("{}")
    assert main(["report", str(run / "run.json")]) == 2
    line = one_line_error(capsys.readouterr().err, "report")
    assert f"'{run / 'run.json'}' is a file, not a run folder: pass the folder that holds it, '{run}'" in line


def test_report_on_a_missing_folder(tmp_path, capsys) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "does not exist" in one_line_error(capsys.readouterr().err, "report")


def _commands(tmp_path: Path, out: str) -> dict[str, list[str]]:
    answers = answers_file(tmp_path / "answers.json", ['{"action": "finished", "status": "success"}'])
    data = make_set(tmp_path / "set", 2)
    return {
        "run": ["run", "do it", "--url", "about:blank", "--answers", str(answers), "--out", out],
        "eval grounding": [
            "eval",
            "grounding",
            "--format",
            "jsonl",
            "--data",
            str(data),
            "--backend",
            "scripted",
            "--answers",
            str(answers),
            "--out",
            out,
        ],
        "eval synth": ["eval", "synth", "--url", "about:blank", "--out", out],
    }


@pytest.mark.parametrize("command", ["run", "eval grounding", "eval synth"])
def test_out_under_a_file_is_refused_before_chromium_starts(tmp_path, capsys, monkeypatch, command) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(chromium))
    (tmp_path / "some-file").write_text("not a folder")
    out = str(tmp_path / "some-file" / "sub")
    assert main(_commands(tmp_path, out)[command]) == 2
    line = one_line_error(capsys.readouterr().err, command)
    assert f"--out '{out}' lies under '{tmp_path / 'some-file'}', a file: give a folder path" in line
    assert not started.exists()


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot create anything in: a read-only folder, or as root (whom
    permission bits do not stop) sysfs, which refuses mkdir to everyone."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    for candidate in (locked, Path("/sys")):
        try:
            Path(tempfile.mkdtemp(dir=candidate)).rmdir()
        except OSError:
            return candidate
    pytest.skip("no folder here refuses new files")


@pytest.mark.parametrize("command", ["run", "eval grounding", "eval synth"])
def test_an_unwritable_out_is_refused_before_chromium_starts(tmp_path, capsys, monkeypatch, command) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(chromium))
    folder = _unwritable(tmp_path)
    out = str(folder / "run")
    try:
        assert main(_commands(tmp_path, out)[command]) == 2
    finally:
        (tmp_path / "locked").chmod(0o700)
    line = one_line_error(capsys.readouterr().err, command)
    assert f"--out '{out}' cannot be written: {folder} refuses new files" in line
    assert not started.exists()


def test_run_refuses_a_non_empty_out_before_chromium_starts(tmp_path, capsys, monkeypatch) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(chromium))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "run.json").write_text("{}")
    assert main(_commands(tmp_path, str(tmp_path / "full"))["run"]) == 2
    assert "is not empty: pick a new --out" in one_line_error(capsys.readouterr().err, "run")
    assert not started.exists()


def test_compare_on_a_manifest_file_names_its_folder(tmp_path, capsys) -> None:
    run = tmp_path / "eval-a"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    assert main(["eval", "compare", str(run / "manifest.json"), str(run)]) == 2
    line = one_line_error(capsys.readouterr().err, "eval compare")
    assert f"is a file, not a run folder: pass the folder that holds it, '{run}'" in line


def test_evals_started_in_the_same_second_get_folders_of_their_own(tmp_path, capsys, monkeypatch) -> None:
    """Without --out an eval writes to runs/eval-<time>-<data>; a second one in the same second
    used to find that folder taken and fail with "not empty: pick a new --out"."""
    from mimo_gui.cli import eval_grounding

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(eval_grounding.time, "strftime", lambda fmt, *when: "20250101-120000")
    data = make_set(tmp_path / "set", 2)
    answers = answers_file(tmp_path / "answers.json", [ANSWER, ANSWER])
    args = ["eval", "grounding", "--format", "jsonl", "--data", str(data), "--backend", "scripted",
            "--answers", str(answers)]  # fmt: skip
    outs = []
    for _ in range(3):
        assert main(args) == 0, capsys.readouterr().err
        outs.append(json.loads(capsys.readouterr().out)["out"])
    assert outs == [f"runs/eval-20250101-120000-set{suffix}" for suffix in ("", "-2", "-3")]
    assert all((tmp_path / out / "manifest.json").is_file() for out in outs)
