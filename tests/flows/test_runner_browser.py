"""`run_flow` on an `Agent` in real Chromium on the demo app: the steps a CLI test does not reach
(navigate without a model call, a wait that runs out, an act sub-goal, an interrupt)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.demo.scripted_model import DemoModel
from mimo_gui.demo.server import DemoServer
from mimo_gui.flows import parse_flow, run_flow
from mimo_gui.prompts import TextPart
from tests.flows.demo_model import DemoFlowModel

pytestmark = pytest.mark.browser


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


def text_of(request: CompletionRequest) -> str:
    return "\n".join(p.text for m in request.messages for p in m.content if isinstance(p, TextPart))


class Model:
    """The flow model for questions; the demo's own scripted model for act's agent steps."""

    def __init__(self, demo: DemoServer) -> None:
        self.flow_model = DemoFlowModel(demo)
        self.agent_model = DemoModel(demo.url, password="pw 1")
        self.kinds: list[str] = []

    def __call__(self, request: CompletionRequest) -> str:
        text = text_of(request)
        if "Decide whether" in text or "Locate UI components" in text or "Answer from what" in text:
            self.kinds.append("question")
            return self.flow_model({"messages": [{"content": text}]}, [p.image for p in request.images()])
        self.kinds.append("agent")
        return self.agent_model(request)


def run(flow_text: str, demo: DemoServer, chromium: str, out: Path, backend: ScriptedBackend):
    from mimo_gui.env_adapters.browser import BrowserEnv

    flow = parse_flow(flow_text, "flow.yaml", {"app": demo.url})
    with BrowserEnv.launch(f"{demo.url}/", viewport=(1280, 800), chromium=chromium) as env:
        return run_flow(flow, Agent(env, backend, out=out), task="flow test")


def test_navigate_calls_no_model_and_a_wait_that_runs_out_fails_the_flow(
    demo: DemoServer, chromium: str, tmp_path: Path
) -> None:
    model = Model(demo)
    flow = (
        "env: {browser: {}}\nsteps:\n"
        '  - navigate: "${app}/welcome?user=zoe"\n'
        "  - wait_until: {statement: the page greets zoe, timeout: 0.6, interval: 0.2}\n"
        "  - press: enter\n"
    )
    report = run(flow, demo, chromium, tmp_path / "run", ScriptedBackend(model))
    layout = demo.layout()
    assert layout is not None and layout.page == "welcome"  # the navigation happened
    assert report.status == "failed" and set(model.kinds) == {"question"}
    assert [c.model_dump() for c in report.checks] == [
        {"step": 2, "statement": "the page greets zoe", "passed": False,
         "reason": "the welcome page shows, greeting None"}
    ]  # fmt: skip
    assert report.error is not None and (report.error.step, report.error.error) == (2, "WaitTimeout")
    kinds = [json.loads(s)["kind"] for s in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert kinds and set(kinds) == {"check"}  # no step for navigate, none for press after the failure
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "failed"


def test_act_runs_a_sub_goal_in_the_same_session(demo: DemoServer, chromium: str, tmp_path: Path) -> None:
    model = Model(demo)
    flow = "env: {browser: {}}\nsteps:\n  - act: {instruction: sign in as alice, max_steps: 8}\n  - assert: the page greets alice\n"
    report = run(flow, demo, chromium, tmp_path / "run", ScriptedBackend(model))
    assert report.status == "passed", report.error
    assert [(a.username, a.password) for a in demo.logins()] == [("alice", "pw 1")]
    assert model.kinds[-1] == "question" and model.kinds.count("agent") >= 5
    kinds = [json.loads(s)["kind"] for s in (tmp_path / "run" / "steps.jsonl").read_text().splitlines()]
    assert kinds[-1] == "check" and set(kinds[:-1]) == {"act"}


def test_an_act_that_does_not_finish_fails_the_flow(demo: DemoServer, chromium: str, tmp_path: Path) -> None:
    backend = ScriptedBackend(lambda request: '{"action": "wait"}')
    report = run("env: {browser: {}}\nsteps:\n  - act: {instruction: wait, max_steps: 2}\n", demo, chromium,
                 tmp_path / "run", backend)  # fmt: skip
    assert report.status == "failed" and report.error is not None
    assert (report.error.error, report.error.message) == (
        "StepFailed",
        "act ended max_steps: the step budget of 2 ran out",
    )


def test_an_interrupt_ends_the_flow_as_interrupted(demo: DemoServer, chromium: str, tmp_path: Path) -> None:
    def model(request: CompletionRequest) -> str:
        raise KeyboardInterrupt

    flow = "env: {browser: {}}\nsteps:\n  - ask: {question: 'Who is signed in?', as: who}\n  - press: enter\n"
    report = run(flow, demo, chromium, tmp_path / "run", ScriptedBackend(model))
    assert report.status == "interrupted" and isinstance(report.exception, KeyboardInterrupt)
    assert report.output().model_dump()["error"]["message"] == "interrupted"
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "interrupted"
