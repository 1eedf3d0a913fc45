"""Issue 11, item 5: an option the command would silently ignore is applied, or refused with a
clear one-line error, or warned about; never dropped without a word."""

from __future__ import annotations

import json

import pytest

from mimo_gui.cli import main
from tests.cli.cli_support import CHROMIUM, answers_file, blank_screenshot, one_line_error
from tests.eval.eval_support import make_set
from tests.support.chat_server import free_port, serve_chat
from tests.support.static_server import serve_folder

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

FINISHED = '{"action": "finished", "status": "success"}'


@needs_chromium
def test_demo_plays_the_answers_file_it_is_given(tmp_path, capsys) -> None:
    """``demo --backend scripted --answers F`` used to play the built-in demo model and sign
    in; now F is played: it says "finished" at once, so nobody signs in (exit 1)."""
    answers = answers_file(tmp_path / "mine.json", [FINISHED])
    code = main(["demo", "--backend", "scripted", "--answers", str(answers), "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 1, err
    run = json.loads((tmp_path / "d" / "run.json").read_text())
    assert (run["model"], run["status"], run["steps"]) == ("scripted:mine.json", "finished", 1)
    assert "the demo app recorded no correct sign-in (attempts: 0)" in err


def test_launch_flags_with_cdp_url_are_warned_about(tmp_path, capsys) -> None:
    answers = answers_file(tmp_path / "a.json", [FINISHED])
    cdp = f"http://127.0.0.1:{free_port()}"
    args = ["run", "t", "--cdp-url", cdp, "--viewport", "800x600", "--headed", "--answers", str(answers)]
    assert main([*args, "--out", str(tmp_path / "r")]) == 2  # nothing listens there
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "mimo-gui run: warning: --viewport, --headed do not apply with --cdp-url: the browser there is "
        "already running with its own window and viewport; ignored"
    )


def test_no_warning_without_launch_flags(tmp_path, capsys) -> None:
    answers = answers_file(tmp_path / "a.json", [FINISHED])
    cdp = f"http://127.0.0.1:{free_port()}"
    assert main(["run", "t", "--cdp-url", cdp, "--answers", str(answers), "--out", str(tmp_path / "r")]) == 2
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("profile", ["qwen2.5-vl", "ui-tars-1.5"])
def test_ground_lang_cn_with_an_english_only_profile_is_refused(tmp_path, capsys, profile) -> None:
    shot = blank_screenshot(tmp_path / "shot.png")
    with serve_chat(lambda body, images: '{"point_2d": [1, 1]}') as server:
        args = ["ground", str(shot), "the button", "--base-url", server.url, "--model", "mimo-vl-test"]
        code = main([*args, "--profile", profile, "--lang", "cn"])
        assert server.chat_requests == []
    assert code == 2
    line = one_line_error(capsys.readouterr().err, "ground")
    assert f"profile '{profile}' has no 'cn' prompt (its prompt languages: en)" in line


def test_eval_lang_cn_with_an_english_only_profile_is_refused(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 2)
    with serve_chat(lambda body, images: '{"point_2d": [1, 1]}') as server:
        args = ["eval", "grounding", "--format", "jsonl", "--data", str(data), "--base-url", server.url]
        code = main([*args, "--profile", "qwen2.5-vl", "--lang", "cn", "--out", str(tmp_path / "run")])
        assert server.chat_requests == []
    assert code == 2
    assert "has no 'cn' prompt" in one_line_error(capsys.readouterr().err, "eval grounding")
    assert not (tmp_path / "run").exists()


def test_resume_of_a_folder_that_does_not_exist_is_refused(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 2)
    out = tmp_path / "never-ran"
    with serve_chat(lambda body, images: '{"point_2d": [1, 1]}') as server:
        args = ["eval", "grounding", "--format", "jsonl", "--data", str(data), "--base-url", server.url]
        code = main([*args, "--out", str(out), "--resume"])
        assert server.chat_requests == []
    assert code == 2
    line = one_line_error(capsys.readouterr().err, "eval grounding")
    assert (
        f"--resume: nothing to continue, '{out}' does not exist (drop --resume to start a new run there)"
        in line
    )
    assert not out.exists()  # not started afresh


@needs_chromium
def test_synth_on_a_page_with_no_elements_is_an_error(tmp_path, capsys) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>Only text here, nothing to point at.</p>")
    with serve_folder(tmp_path / "site") as site:
        code = main(["eval", "synth", "--url", site + "/", "--out", str(tmp_path / "set")])
    assert code == 2
    assert "has no usable elements" in one_line_error(capsys.readouterr().err, "eval synth")
    assert not (tmp_path / "set").exists()  # no empty set left to pass for a real one
