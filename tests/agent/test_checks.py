"""Checks, waits, questions and queries on real headless Chromium, against a local page over HTTP.

The check model judges the banner's colour from the image it was sent (`colour_model`);
``?green=MS`` turns the banner green MS milliseconds after the page loads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mimo_gui.actions import ConfigError, GuiAssertionError, MimoGuiError, ParseError, QueryError, WaitTimeout
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.checks import Check
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from tests.agent.colour_model import colour_model, prompt_text, serve_pages

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


@pytest.fixture(scope="module")
def env(page_url: str) -> Iterator[Any]:
    from mimo_gui.env_adapters.browser import BrowserEnv, find_chromium

    pytest.importorskip("playwright")
    try:
        chromium = find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))
    with BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as browser:
        yield browser


def open_page(env: Any, url: str) -> None:
    env.page.goto(url)


def test_check_true_and_false(env: Any, page_url: str, tmp_path: Path) -> None:
    backend = ScriptedBackend(colour_model)
    run = tmp_path / "run"
    open_page(env, page_url)
    with Agent(env, backend, think=False, out=run) as agent:
        grey = agent.check("the banner is green")
        open_page(env, page_url + "?green=0")
        time.sleep(0.3)
        green = agent.check("the banner is green")
    assert grey == Check(False, "the banner is grey") and not grey
    assert green == Check(True, "the banner is green") and green
    text = prompt_text(backend.requests[0])
    assert '"the banner is green"' in text and '"passed"' in text
    assert backend.requests[0].messages[0].content[0] is backend.requests[0].images()[0]  # the image first
    steps = load_run(run).steps
    assert [(s.index, s.kind, s.instruction) for s in steps] == [
        (1, "check", "the banner is green"),
        (2, "check", "the banner is green"),
    ]
    assert [s.output for s in steps] == [
        {"passed": False, "reason": "the banner is grey"},
        {"passed": True, "reason": "the banner is green"},
    ]
    assert load_run(run).run.status == "finished"


def test_assert_that_raises_with_the_reason_and_the_screenshot(
    env: Any, page_url: str, tmp_path: Path
) -> None:
    open_page(env, page_url)
    run = tmp_path / "run"
    agent = Agent(env, ScriptedBackend(colour_model), think=False, out=run)
    with pytest.raises(GuiAssertionError) as caught:
        agent.assert_that("the banner is green")
    agent.close()
    error = caught.value
    assert isinstance(error, AssertionError) and isinstance(error, MimoGuiError)
    assert error.statement == "the banner is green" and error.reason == "the banner is grey"
    assert error.screenshot == run / "step_001.png" and error.screenshot.is_file()
    assert "the banner is grey" in str(error) and str(error.screenshot) in str(error)
    loaded = load_run(run)
    assert loaded.run.status == "failed" and "GuiAssertionError" in (loaded.run.error or "")


def test_assert_that_passes_quietly(env: Any, page_url: str) -> None:
    open_page(env, page_url + "?green=0")
    time.sleep(0.3)
    assert Agent(env, ScriptedBackend(colour_model), think=False).assert_that("the banner is green").passed


def test_wait_until_sees_a_page_that_changes_late(env: Any, page_url: str, tmp_path: Path) -> None:
    open_page(env, page_url + "?green=1000")
    backend = ScriptedBackend(colour_model)
    start = time.monotonic()
    with Agent(env, backend, think=False, out=tmp_path / "run") as agent:
        verdict = agent.wait_until("the banner is green", timeout=10, interval=0.2)
    elapsed = time.monotonic() - start
    assert verdict.passed and 0.8 <= elapsed < 8
    steps = load_run(tmp_path / "run").steps
    assert len(steps) >= 2 and all(s.kind == "check" for s in steps)
    assert [s.output["passed"] for s in steps] == [False] * (len(steps) - 1) + [True]
    assert [s.index for s in steps] == list(range(1, len(steps) + 1))


def test_wait_until_times_out_on_a_page_that_never_changes(env: Any, page_url: str, tmp_path: Path) -> None:
    open_page(env, page_url)
    backend = ScriptedBackend(colour_model)
    start = time.monotonic()
    agent = Agent(env, backend, think=False, out=tmp_path / "run")
    with pytest.raises(WaitTimeout) as caught:
        agent.wait_until("the banner is green", timeout=1.0, interval=0.25)
    agent.close()
    elapsed = time.monotonic() - start
    error = caught.value
    assert error.statement == "the banner is green" and error.timeout == 1.0
    assert error.reason == "the banner is grey" and error.checks == len(backend.requests) >= 2
    assert "after 1 s" in str(error) and "the banner is grey" in str(error)
    assert elapsed >= 1.0
    assert load_run(tmp_path / "run").run.status == "failed"


def test_ask_returns_the_answer(env: Any, page_url: str, tmp_path: Path) -> None:
    open_page(env, page_url)
    backend = ScriptedBackend(lambda r: "<think>\nit is grey\n</think>\n  Grey.  ")
    with Agent(env, backend, think=True, out=tmp_path / "run") as agent:
        answer = agent.ask("What colour is the banner?")
    assert answer == "Grey."
    assert "What colour is the banner?" in prompt_text(backend.requests[0])
    assert backend.requests[0].messages[-1].content[-1].text != " /no_think"  # thinking on
    (step,) = load_run(tmp_path / "run").steps
    assert (step.kind, step.output, step.thought) == ("ask", "Grey.", "it is grey")


class Count(BaseModel):
    count: int
    colour: str


def test_query_retries_a_wrong_shape_then_validates(env: Any, page_url: str, tmp_path: Path) -> None:
    open_page(env, page_url)
    answers = iter(['{"count": "several", "colour": "grey"}', '```json\n{"count": 6, "colour": "grey"}\n```'])
    backend = ScriptedBackend(lambda r: next(answers))
    with Agent(env, backend, think=False, out=tmp_path / "run") as agent:
        value = agent.query("How many boxes are there, and what colour is the banner?", schema=Count)
    assert value == Count(count=6, colour="grey")
    assert len(backend.requests) == 2
    first, retry = prompt_text(backend.requests[0]), prompt_text(backend.requests[1])
    assert '"count"' in first and '"integer"' in first  # the JSON Schema
    assert "count: Input should be a valid integer" in retry
    assert backend.requests[1].messages[-2].role == "assistant"
    (step,) = load_run(tmp_path / "run").steps
    assert step.kind == "query" and step.output == {"count": 6, "colour": "grey"}
    assert (
        step.error is not None
        and step.error.fed_back
        and step.error.raw == '{"count": "several", "colour": "grey"}'
    )


def test_query_always_wrong_raises_after_its_retries(env: Any, page_url: str, tmp_path: Path) -> None:
    open_page(env, page_url)
    backend = ScriptedBackend(lambda r: '{"count": 6}')
    agent = Agent(env, backend, think=False, out=tmp_path / "run")
    with pytest.raises(QueryError) as caught:
        agent.query("How many?", schema=Count, retries=2)
    agent.close()
    assert len(backend.requests) == 3
    assert caught.value.raw == '{"count": 6}' and "colour: Field required" in caught.value.validation_error
    loaded = load_run(tmp_path / "run")
    (step,) = loaded.steps
    assert step.error is not None and step.error.kind == "QueryError" and not step.error.fed_back
    assert loaded.run.status == "failed"


def test_a_check_answer_without_a_verdict_is_retried_once_then_raised(env: Any, page_url: str) -> None:
    open_page(env, page_url)
    answers = iter(["hmm", "maybe", "unused"])
    backend = ScriptedBackend(lambda r: next(answers))
    with pytest.raises(ParseError) as caught:
        Agent(env, backend, think=False).check("the banner is green")
    assert caught.value.raw == "maybe" and len(backend.requests) == 2

    answers2 = iter(["hmm", "Yes - the banner is green."])
    backend2 = ScriptedBackend(lambda r: next(answers2))
    assert Agent(env, backend2, think=False).check("the banner is green") == Check(
        True, "the banner is green."
    )


def test_a_session_folder_opens_once_and_a_second_start_is_refused(
    env: Any, page_url: str, tmp_path: Path
) -> None:
    open_page(env, page_url)

    def answer(request: CompletionRequest) -> str:
        return colour_model(request)

    agent = Agent(env, ScriptedBackend(answer), think=False, runs_dir=tmp_path / "runs")
    folder = agent.start("banner checks")
    assert (
        folder is not None and folder.parent == tmp_path / "runs" and folder.name.endswith("-banner-checks")
    )
    with pytest.raises(ConfigError, match="open already"):
        agent.start()
    agent.check("the banner is green")
    agent.ask("anything?")
    agent.close()
    loaded = load_run(folder)
    assert loaded.run.task == "banner checks" and [s.kind for s in loaded.steps] == ["check", "ask"]
    assert agent.trajectory == folder
