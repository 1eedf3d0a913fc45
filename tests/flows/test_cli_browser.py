"""``mimo-gui run-flow`` end to end: real Chromium on the demo app over HTTP, the model a real
OpenAI-compatible server in-process (`DemoFlowModel` answers from the demo server's records).

The demo server's own record of the sign-in proves the typed text arrived; the secret's
value is then looked for in every file of the run folder, in --output, stdout and stderr.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mimo_gui.cli import main
from mimo_gui.demo.server import DemoServer
from tests.flows.demo_model import DemoFlowModel
from tests.support.chat_server import ChatServer, serve_chat

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = 's3cret ünï "quoted" $HOME ${user}'
MODEL = "XiaomiMiMo/MiMo-VL-7B-RL-2508"


@pytest.fixture(scope="module")
def chromium() -> str:
    from mimo_gui.actions import ConfigError
    from mimo_gui.env_adapters.browser import find_chromium

    pytest.importorskip("playwright")
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture
def model(demo: DemoServer) -> Iterator[tuple[ChatServer, DemoFlowModel]]:
    responder = DemoFlowModel(demo)
    with serve_chat(responder, model=MODEL) as chat:
        yield chat, responder


def run_flow_cli(flow: Path, demo: DemoServer, chat: ChatServer, out: Path, *extra: str) -> list[str]:
    return [
        "run-flow", str(flow), "--var", f"app={demo.url}", "--base-url", chat.url, "--out", str(out), *extra,
    ]  # fmt: skip


def every_file_text(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_sign_in_example_types_the_secret_and_never_writes_it(
    chromium: str, demo: DemoServer, model, tmp_path: Path, monkeypatch, capsys
) -> None:
    chat, responder = model
    monkeypatch.setenv("PASSWORD", SECRET)
    out, output = tmp_path / "run", tmp_path / "results.json"
    code = main(run_flow_cli(EXAMPLES / "sign-in.yaml", demo, chat, out, "--output", str(output)))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # The page received exactly what was typed, the secret read from the environment.
    assert [(a.username, a.password) for a in demo.logins()] == [("alice", SECRET)]
    result = json.loads(output.read_text())
    assert result == {
        "flow": str(EXAMPLES / "sign-in.yaml"),
        "status": "passed",
        "results": {"signed_in": "alice"},
        "checks": [
            {"step": 1, "statement": "the sign-in form is showing", "passed": True, "reason": "the login page shows"},
            {"step": 6, "statement": "the page greets alice", "passed": True,
             "reason": "the welcome page shows, greeting alice"},
            {"step": 8, "statement": "the page greets alice", "passed": True,
             "reason": "the welcome page shows, greeting alice"},
        ],
        "trajectory": str(out),
        "error": None,
    }  # fmt: skip
    assert captured.out == ""  # with --output, stdout stays empty
    files = every_file_text(out)
    assert "steps.jsonl" in files and "run.json" in files and "report.html" in files
    for blob in (*files.values(), output.read_bytes(), captured.err.encode()):
        assert SECRET.encode() not in blob and b"s3cret" not in blob
    assert not any(SECRET in t or "s3cret" in t for t in responder.texts)  # nor did the model see it
    steps = [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]
    typed = [a["text"] for s in steps for a in s["actions"] if a["type"] == "type"]
    assert typed == ["alice", "${secret:PASSWORD}"]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "finished" and run["task"] == "flow sign-in"


def test_release_notes_example_prints_query_results(
    chromium: str, demo: DemoServer, model, tmp_path: Path, capsys
) -> None:
    chat, _ = model
    code = main(run_flow_cli(EXAMPLES / "release-notes.yaml", demo, chat, tmp_path / "run"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    printed = json.loads(captured.out)
    versions = [f"4.{n}" for n in range(12, 2, -1)]
    assert printed["status"] == "passed"
    assert printed["results"] == {"notes": {"count": 10, "versions": versions, "newest": "4.12"}}
    assert printed["checks"] == [
        {
            "step": 4,
            "statement": "the release notes list 10 versions",
            "passed": True,
            "reason": "10 versions are listed",
        }
    ]
    kinds = [json.loads(line)["kind"] for line in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert kinds == ["query", "locate", "locate", "check"]
    assert "flow step 4/4 (line 19): assert" in captured.err


def test_a_false_assertion_exits_1_and_reports_it(
    chromium: str, demo: DemoServer, model, tmp_path: Path, monkeypatch, capsys
) -> None:
    chat, _ = model
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        'env:\n  browser: {url: "${app}/"}\nsteps:\n'
        "  - assert: the page greets bob\n"
        "  - click: the Username field\n"
    )
    output = tmp_path / "out.json"
    code = main(run_flow_cli(flow, demo, chat, tmp_path / "run", "--output", str(output)))
    err = capsys.readouterr().err
    assert code == 1
    result = json.loads(output.read_text())
    assert result["status"] == "failed"
    assert result["checks"] == [
        {
            "step": 1,
            "statement": "the page greets bob",
            "passed": False,
            "reason": "the login page shows, greeting nobody",
        }
    ]
    assert result["error"]["step"] == 1 and result["error"]["line"] == 4
    assert result["error"]["error"] == "GuiAssertionError"
    assert f"mimo-gui run-flow: error: {flow} line 4, step 1 (assert): not true on the screen" in err
    # The flow stopped there: one check step, no click; the session says failed.
    steps = (tmp_path / "run" / "steps.jsonl").read_text().splitlines()
    assert [json.loads(s)["kind"] for s in steps] == ["check"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "failed"


def test_an_unset_secret_fails_the_step_with_exit_2_and_types_nothing(
    chromium: str, demo: DemoServer, model, tmp_path: Path, monkeypatch, capsys
) -> None:
    chat, _ = model
    monkeypatch.delenv("FLOW_TEST_UNSET", raising=False)
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        'env:\n  browser: {url: "${app}/"}\nsteps:\n'
        '  - type: {text: "${secret:FLOW_TEST_UNSET}", into: the Password field}\n'
    )
    code = main(run_flow_cli(flow, demo, chat, tmp_path / "run"))
    captured = capsys.readouterr()
    assert code == 2
    printed = json.loads(captured.out)
    assert printed["status"] == "failed" and printed["error"]["error"] == "ConfigError"
    assert "FLOW_TEST_UNSET is not set" in printed["error"]["message"]
    layout = demo.layout()
    assert layout is not None and layout.elements["password"].value_length == 0


def test_a_broken_file_exits_2_naming_the_line_before_anything_starts(tmp_path: Path, capsys) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("env:\n  browser: {url: 'about:blank'}\nsteps:\n  - click: the button\n  - tpye: hello\n")
    # No model server and no browser: the file fails first.
    code = main(
        ["run-flow", str(flow), "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "run")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"mimo-gui run-flow: error: {flow} line 5, step 2 (tpye): unknown step kind 'tpye': known kinds are "
        "click, double_click, right_click, hover, type, press, scroll, assert, wait_until, navigate, ask, query, act"
    ]
    assert not (tmp_path / "run").exists()


def test_a_bad_var_flag_exits_2(tmp_path: Path, capsys) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text("env:\n  browser: {}\nsteps:\n  - click: x\n")
    assert main(["run-flow", str(flow), "--var", "no-equals"]) == 2
    assert "--var 'no-equals': write NAME=VALUE" in capsys.readouterr().err
