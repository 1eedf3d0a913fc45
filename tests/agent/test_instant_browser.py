"""A script's instant actions on real headless Chromium, against a local page over HTTP.

The model is a function that finds each target by its colour in the image it was sent
(`colour_model`); the page records what reached it (clicks, hovers, scrolls, keys, typed
text), read back with page JavaScript. One session per test, recorded in one run folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import ConfigError, ParseError
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.grounding import refine_crop
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.agent.secrets import SecretText
from tests.agent.colour_model import (
    TARGETS,
    centre,
    colour_model,
    find_colour,
    grounding_answer,
    prompt_text,
    serve_pages,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    from mimo_gui.env_adapters.browser import find_chromium

    pytest.importorskip("playwright")
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with serve_pages() as url:
        yield url


def events(env: Any) -> list[dict[str, Any]]:
    return list(env.page.evaluate("window.events"))


def near(point: Any, name: str, tol: float = 1.5) -> bool:
    x, y = centre(name)
    return abs(point.x - x) <= tol and abs(point.y - y) <= tol


@pytest.mark.parametrize("dsf", [1.0, 2.0])
def test_every_instant_action_lands_on_its_element(
    chromium: str, page_url: str, tmp_path: Path, dsf: float
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(colour_model)
    run = tmp_path / "run"
    with BrowserEnv.launch(page_url, viewport=(1000, 700), device_scale_factor=dsf, chromium=chromium) as env:
        with Agent(env, backend, think=False, out=run, task="instant actions") as agent:
            located = agent.locate("the Sign in button")
            clicked = agent.click("the Sign in button")
            doubled = agent.double_click("the Open button")
            menu = agent.right_click("the Menu button")
            hovered = agent.hover("the orange hover box")
            agent.type("alice", into="the Username field")
            agent.type(" smith", enter=True)
            agent.scroll("down", at="the purple list", amount=300)
            agent.press("ctrl+a")
            assert agent.trajectory == run
        seen = events(env)
        value = env.page.evaluate("document.getElementById('username').value")
        scrolled = env.page.evaluate("document.getElementById('list').scrollTop")

    for point, name in [
        (located, "Sign in"),
        (clicked, "Sign in"),
        (doubled, "Open"),
        (menu, "Menu"),
        (hovered, "orange"),
    ]:
        assert point.space == "screen" and near(point, name), (name, point)
    by_type = {e["type"]: e for e in seen if e["type"] != "keydown"}
    assert by_type["click"]["id"] == "signin" and abs(by_type["click"]["x"] - 180) <= 2
    assert by_type["dblclick"]["id"] == "dbl" and abs(by_type["dblclick"]["y"] - 130) <= 2
    assert by_type["contextmenu"]["id"] == "ctx" and abs(by_type["contextmenu"]["x"] - 780) <= 2
    assert by_type["mouseenter"]["id"] == "hover"
    assert [e["type"] for e in seen].count("click") == 1  # locate executed nothing
    assert value == "alice smith" and scrolled == 300
    keys = [(e["key"], e["ctrl"]) for e in seen if e["type"] == "keydown"]
    assert ("Enter", False) in keys and keys[-1] == ("a", True)

    loaded = load_run(run)
    steps = loaded.steps
    assert [s.index for s in steps] == list(range(1, 10))
    assert [s.kind for s in steps] == ["locate"] * 6 + ["act", "locate", "act"]
    assert [s.instruction for s in steps] == [
        "the Sign in button", "the Sign in button", "the Open button", "the Menu button",
        "the orange hover box", "the Username field", None, "the purple list", "ctrl+a",
    ]  # fmt: skip
    assert steps[0].actions == [] and steps[0].output == pytest.approx({"x": located.x, "y": located.y})
    assert [a.type for a in steps[5].actions] == ["click", "type"]
    assert [a.type for a in steps[6].actions] == ["type", "hotkey"]
    assert steps[7].actions[0].type == "scroll" and steps[7].actions[0].amount == 300
    assert steps[8].actions[0].keys == ("ctrl", "a")
    for step in steps:  # each step saw its own screenshot, in physical pixels
        shot = loaded.screenshot(step)
        assert shot is not None and shot.size == (round(1000 * dsf), round(700 * dsf))
        assert step.frame is not None and step.frame.scale == dsf
    assert len(backend.requests) == 7  # press and the targetless type asked nothing
    assert loaded.run.task == "instant actions" and loaded.run.status == "finished"
    assert loaded.final_screenshot is not None and (run / "report.html").is_file()


def test_locate_refine_takes_the_evals_second_look(chromium: str, page_url: str, tmp_path: Path) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    def model(request: CompletionRequest) -> str:
        image = request.images()[-1].image
        found = find_colour(image, TARGETS["Sign in"][0])
        assert found is not None
        model_images.append(image.size)
        if (
            len(model_images) <= 2
        ):  # each first look points 60 CSS px right of the centre, still on the button
            return grounding_answer(found[0] + 60 * image.width / 1000, found[1])
        return grounding_answer(*found)  # the crop: spot on

    model_images: list[tuple[int, int]] = []
    with (
        BrowserEnv.launch(page_url, viewport=(1000, 700), device_scale_factor=2.0, chromium=chromium) as env,
        Agent(env, ScriptedBackend(model), think=False, out=tmp_path / "run") as agent,
    ):
        rough = agent.locate("the Sign in button")
        fine = agent.locate("the Sign in button", refine=True)
    assert not near(rough, "Sign in", tol=50) and abs(rough.x - 240) <= 1.5
    assert near(fine, "Sign in", tol=1.0), fine
    assert len(model_images) == 3 and model_images[2] != model_images[1]  # the crop, enlarged
    step = load_run(tmp_path / "run").steps[1]
    assert step.output["first"] == pytest.approx({"x": rough.x, "y": rough.y})
    # The eval's own crop: a quarter of the screenshot around the first answer, in physical pixels.
    assert tuple(step.output["crop"]) == refine_crop((2000, 1400), (rough.x * 2, rough.y * 2), area=0.25)
    assert step.output["x"] == pytest.approx(fine.x) and "refine_error" not in step.output


def test_a_secret_is_typed_and_written_nowhere(
    chromium: str, page_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    value = "s3cr3t-Välue!42"
    monkeypatch.setenv("MIMO_TEST_PASSWORD", value)
    run = tmp_path / "run"
    with BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as env:
        with Agent(env, ScriptedBackend(colour_model), think=False, out=run) as agent:
            agent.type(SecretText("${secret:MIMO_TEST_PASSWORD}"), into="the Username field", clear=True)
        typed = env.page.evaluate("document.getElementById('username').value")
    assert typed == value
    files = [p for p in run.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "steps.jsonl", "step_001.png", "report.html"}
    for path in files:
        assert value.encode() not in path.read_bytes(), path
    step = load_run(run).steps[0]
    assert [a.type for a in step.actions] == ["click", "hotkey", "hotkey", "type"]
    assert step.actions[-1].text == "${secret:MIMO_TEST_PASSWORD}"


def test_a_secret_whose_variable_is_unset_types_nothing(chromium: str, page_url: str, tmp_path: Path) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(colour_model)
    with BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as env:
        agent = Agent(env, backend, think=False, out=tmp_path / "run")
        with pytest.raises(ConfigError, match="MIMO_TEST_UNSET_SECRET is not set"):
            agent.type(SecretText("${secret:MIMO_TEST_UNSET_SECRET}"), into="the Username field")
        assert env.page.evaluate("window.events") == [] and backend.requests == []


def test_a_target_the_model_cannot_find_is_a_parse_error_after_one_retry(
    chromium: str, page_url: str, tmp_path: Path
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(colour_model)
    run = tmp_path / "run"
    with BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as env:
        agent = Agent(env, backend, think=False, out=run)
        with pytest.raises(ParseError) as caught:
            agent.click("the Help link")
        agent.close()
        assert events(env) == []
    assert caught.value.raw == "I cannot find that."
    assert len(backend.requests) == 2
    retry = backend.requests[1].messages
    assert [m.role for m in retry][-2:] == ["assistant", "user"]
    assert "Answer again" in prompt_text(backend.requests[1]) and retry[-1].content[-1].text == " /no_think"
    loaded = load_run(run)
    (step,) = loaded.steps
    assert (
        step.error is not None and step.error.kind == "ParseError" and step.error.raw == "I cannot find that."
    )
    assert not step.error.fed_back and [m["role"] for m in step.messages] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert step.messages[2]["text"] == "I cannot find that." and step.actions == []
    assert loaded.run.status == "failed" and "ParseError" in (loaded.run.error or "")


def test_act_runs_the_loop_inside_the_session(chromium: str, page_url: str, tmp_path: Path) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    def model(request: CompletionRequest) -> str:
        text = prompt_text(request)
        if "Locate UI components" in text:
            return colour_model(request)
        if "Step 0" in text:  # the click is in the history: done
            return '{"action": "finished", "answer": "signed in"}'
        image = request.images()[-1].image
        found = find_colour(image, TARGETS["Sign in"][0])
        assert found is not None
        return f'{{"action": "click", "start_point": [{found[0]:.0f}, {found[1]:.0f}]}}'

    run = tmp_path / "run"
    with BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as env:
        with Agent(env, ScriptedBackend(model), think=False, out=run) as agent:
            agent.hover("the orange hover box")
            result = agent.act("press the red Sign in button", max_steps=4)
            agent.press("escape")  # not Enter: on the focused button that would click it again
        clicks = [e for e in events(env) if e["type"] == "click"]
    assert result.status == "finished" and result.answer == "signed in" and result.trajectory == run
    assert [s.index for s in result.steps] == [2, 3]
    assert [c["id"] for c in clicks] == ["signin"]
    steps = load_run(run).steps
    assert [(s.index, s.kind) for s in steps] == [(1, "locate"), (2, "act"), (3, "act"), (4, "act")]
    assert steps[1].instruction == "press the red Sign in button" and steps[1].actions[0].type == "click"
    assert json.loads((run / "run.json").read_text())["status"] == "finished"


def test_an_agent_without_a_folder_records_nothing_and_counts_on(
    chromium: str, page_url: str, tmp_path: Path
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    seen: list[int] = []
    backend = ScriptedBackend(colour_model)
    with (
        BrowserEnv.launch(page_url, viewport=(1000, 700), chromium=chromium) as env,
        Agent(env, backend, think=False, on_step=lambda r: seen.append(r.index)) as agent,
    ):
        agent.click("the Sign in button")
        agent.press("tab")
        assert agent.trajectory is None
        with pytest.raises(ConfigError, match="scroll 'sideways'"):
            agent.scroll("sideways")
    assert seen == [1, 2]
