"""The loop's own logic on a static screenshot: feedback, budgets, endings, records.

The browser end-to-end runs are in test_loop_browser.py; here `ImageEnv` keeps every
step cheap, and the backend is a `ScriptedBackend` playing MiMo-style answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from mimo_gui.actions import Click, Point
from mimo_gui.agent.backends.base import Capabilities
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.env_adapters.image import ImageEnv

FINISH = '{"action": "finished", "status": "success"}'


def click(x: int, y: int) -> str:
    return f'<think>\nclick\n</think>\n{{"action": "click", "start_point": [{x}, {y}]}}'


@pytest.fixture
def env() -> ImageEnv:
    # 1000x700 frames to 1008x700 under MiMo's budget: model x maps back by 1000/1008
    return ImageEnv(Image.new("RGB", (1000, 700), (250, 250, 250)))


def test_clicks_are_mapped_to_screen_and_the_run_finishes(env: ImageEnv, tmp_path) -> None:
    backend = ScriptedBackend.from_answers([click(504, 350), FINISH])
    result = Agent(env, backend, out=tmp_path / "run").run("click the middle")
    assert result.status == "finished" and result.ok
    assert env.executed == [Click(point=Point(x=500, y=350))]
    assert result.trajectory == tmp_path / "run"
    loaded = load_run(tmp_path / "run")
    assert loaded.run.status == "finished" and loaded.run.steps == 2
    assert [s.index for s in loaded.steps] == [1, 2]
    assert loaded.steps[0].action == Click(point=Point(x=500, y=350))
    assert loaded.steps[0].parsed[0].point.space == "model_pixels"
    assert loaded.steps[1].action is not None and loaded.steps[1].action.type == "finish"
    assert (tmp_path / "run" / "step_001.png").exists()
    assert Image.open(tmp_path / "run" / "step_001.png").size == (1000, 700)


def test_unparseable_answer_is_fed_back_with_its_raw_text_then_corrected(env: ImageEnv) -> None:
    backend = ScriptedBackend.from_answers(["I think the button is blue.", click(10, 10), FINISH])
    result = Agent(env, backend).run("t")
    assert result.status == "finished"
    first, second, _ = result.steps
    assert first.error is not None and first.error.kind == "ParseError" and first.error.fed_back
    assert first.error.raw == "I think the button is blue." and first.action is None
    prompt = second.messages[0]["text"]
    assert "## Problem with your last answer\nno action or coordinates found in a MiMo-VL answer." in prompt
    assert "'I think the button is blue.'" in prompt
    assert len(env.executed) == 1
    assert "## Problem with your last answer" not in backend.requests[2].messages[0].text_view()


def test_point_off_the_image_and_unsupported_actions_go_back_to_the_model(env: ImageEnv) -> None:
    backend = ScriptedBackend.from_answers([click(5000, 10), '{"action": "open", "app": "Mail"}', FINISH])
    result = Agent(env, backend).run("t")
    assert [s.error.kind if s.error else None for s in result.steps] == [
        "CoordinateError",
        "UnsupportedAction",
        None,
    ]
    assert "lies outside the 1008x700 image" in backend.requests[1].messages[0].text_view()
    assert "cannot do OpenApp" in backend.requests[2].messages[0].text_view()
    assert env.executed == [] and result.status == "finished"


def test_nothing_half_parsed_is_executed(env: ImageEnv) -> None:
    # a click and then an action the env cannot do: neither runs
    answer = '{"action": "input", "start_point": [10, 10], "text": "hi"}'
    result = Agent(env, ScriptedBackend.from_answers([answer, FINISH])).run("t")
    assert result.steps[0].error is not None and result.steps[0].error.kind == "UnsupportedAction"
    assert env.executed == []


def test_too_many_mistakes_in_a_row_fail_the_run(env: ImageEnv) -> None:
    backend = ScriptedBackend.from_answers(["no"] * 10)
    result = Agent(env, backend, max_retries=2).run("t")
    assert result.status == "failed" and len(result.steps) == 3
    assert result.answer is not None and result.answer.startswith(
        "the model erred 3 times in a row; last: no action"
    )


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_how_many_more_tries_the_model_gets(env: ImageEnv, max_retries: int) -> None:
    # max_retries mistakes in a row are fed back and the run goes on ...
    answers = ["no"] * max_retries + [FINISH]
    assert Agent(env, ScriptedBackend.from_answers(answers), max_retries=max_retries).run("t").ok
    # ... and the next one in a row ends it: with the default 3, the 4th
    result = Agent(env, ScriptedBackend.from_answers(["no"] * 10), max_retries=max_retries).run("t")
    assert result.status == "failed" and len(result.steps) == max_retries + 1


def test_the_default_lets_the_fourth_mistake_in_a_row_end_the_run(env: ImageEnv) -> None:
    answers = ["no", "no", "no", click(1, 1), "no", "no", "no", "no", FINISH]  # a good step resets the count
    result = Agent(env, ScriptedBackend.from_answers(answers)).run("t")
    assert result.status == "failed" and len(result.steps) == 8
    assert result.answer is not None and result.answer.startswith("the model erred 4 times in a row")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("max_steps", 0, "max_steps must be at least 1, got 0"),
    ("max_retries", -1, "max_retries must be 0 or more, got -1"),
])  # fmt: skip
def test_budgets_out_of_range_are_refused(env: ImageEnv, option: str, value: int, message: str) -> None:
    from mimo_gui.actions import ConfigError

    with pytest.raises(ConfigError, match=message):
        Agent(env, ScriptedBackend.from_answers([FINISH]), **{option: value})  # type: ignore[arg-type]


def test_run_json_takes_the_image_format_from_the_backends_capabilities(env: ImageEnv, tmp_path) -> None:
    class WebpBackend(ScriptedBackend):
        @property
        def capabilities(self) -> Capabilities:
            return Capabilities(image_format="webp")

    Agent(env, WebpBackend.from_answers([FINISH]), out=tmp_path / "r").run("t")
    run = load_run(tmp_path / "r").run
    assert (run.image_format, run.max_retries, run.max_steps) == ("webp", 3, 20)


def test_ctrl_c_in_process_is_recorded_as_interrupted_and_goes_on(env: ImageEnv, tmp_path) -> None:
    def answer(request: object) -> str:
        if len(backend.requests) == 2:
            raise KeyboardInterrupt
        return click(1, 1)

    backend = ScriptedBackend(answer)
    with pytest.raises(KeyboardInterrupt):
        Agent(env, backend, out=tmp_path / "r").run("t")
    loaded = load_run(tmp_path / "r")
    assert (loaded.run.status, loaded.run.answer) == ("interrupted", "interrupted by Ctrl+C (SIGINT)")
    assert loaded.run.error is None and [s.index for s in loaded.steps] == [1]
    assert (tmp_path / "r" / "report.html").exists()


def test_step_budget(env: ImageEnv, tmp_path) -> None:
    backend = ScriptedBackend.from_answers([click(1, 1)] * 10)
    result = Agent(env, backend, max_steps=3, out=tmp_path / "r").run("t")
    assert result.status == "max_steps" and len(result.steps) == 3
    assert result.answer == "the step budget of 3 ran out"
    assert load_run(tmp_path / "r").run.status == "max_steps"


@pytest.mark.parametrize(
    ("answer", "status", "text"),
    [
        ('{"action": "finished", "status": "The total is 42"}', "finished", "The total is 42"),
        ('{"action": "finished", "status": "failure", "answer": "no such page"}', "failed", "no such page"),
        ('{"action": "call_user", "question": "Which account?"}', "asked_user", "Which account?"),
    ],
)
def test_endings(env: ImageEnv, answer: str, status: str, text: str) -> None:
    result = Agent(env, ScriptedBackend.from_answers([answer])).run("t")
    assert (result.status, result.answer) == (status, text)


def test_backend_errors_end_the_run_with_the_traceback_recorded(env: ImageEnv, tmp_path) -> None:
    backend = ScriptedBackend.from_answers([click(1, 1)])  # then it runs dry: BackendError
    result = Agent(env, backend, out=tmp_path / "r").run("t")
    assert result.status == "error" and result.answer == "the scripted backend has no answers left"
    last = load_run(tmp_path / "r").steps[-1]
    assert last.error is not None and not last.error.fed_back
    assert last.error.traceback is not None and "BackendError" in last.error.traceback


def test_history_is_the_models_own_format(env: ImageEnv) -> None:
    backend = ScriptedBackend.from_answers([click(504, 350), '{"action": "wait"}', FINISH])
    Agent(env, backend).run("t")
    prompt = backend.requests[2].messages[0].text_view()
    # Xiaomi's trained form numbers past steps from 0, "Step {i}: {action}." concatenated
    # (XiaomiMiMo/lmms-eval lmms_eval/tasks/android_control/utils.py), each step keyed "action_name".
    assert (
        'Step 0: {"action_name": "click", "start_point": [504, 350]}.Step 1: {"action_name": "wait"}.'
        in prompt
    )


def test_the_loop_keeps_only_the_screenshots_a_prompt_can_still_carry(env: ImageEnv) -> None:
    from mimo_gui.agent.loop import _State

    backend = ScriptedBackend.from_answers([click(504, 350)] * 5)
    agent = Agent(env, backend, history_images=3)
    state = _State()
    for _ in range(5):
        agent.step("t", state)
    assert [p.image is not None for p in state.history] == [False, False, False, True, True]
    assert len(backend.requests[-1].images()) == 3  # two kept from history, plus the current one


def test_a_non_empty_run_folder_is_refused(env: ImageEnv, tmp_path) -> None:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "x").write_text("keep me")
    from mimo_gui.actions import ConfigError

    with pytest.raises(ConfigError, match="is not empty"):
        Agent(env, ScriptedBackend.from_answers([FINISH]), out=tmp_path / "r").run("t")
    assert (tmp_path / "r" / "x").read_text() == "keep me"


def test_load_run_tolerates_a_last_line_cut_by_a_crash(env: ImageEnv, tmp_path) -> None:
    Agent(env, ScriptedBackend.from_answers([click(1, 1), click(2, 2), FINISH]), out=tmp_path / "r").run("t")
    path = tmp_path / "r" / "steps.jsonl"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the last line loses its tail
    loaded = load_run(tmp_path / "r")
    assert loaded.truncated and [s.index for s in loaded.steps] == [1, 2]
    lines = data.decode().splitlines()
    path.write_text(lines[0] + "\n{broken\n" + lines[2] + "\n")
    from mimo_gui.actions import ConfigError

    with pytest.raises(ConfigError, match="line 2 is corrupt"):
        load_run(tmp_path / "r")


def test_a_killed_process_keeps_every_finished_step(tmp_path) -> None:
    script = textwrap.dedent(
        f"""
        import time
        from PIL import Image
        from mimo_gui.agent.backends.scripted import ScriptedBackend
        from mimo_gui.agent.loop import Agent
        from mimo_gui.env_adapters.image import ImageEnv

        def answer(request):
            if len(backend.requests) >= 3:
                print("third step", flush=True)
                time.sleep(60)
            return '{{"action": "click", "start_point": [5, 5]}}'

        backend = ScriptedBackend(answer)
        Agent(ImageEnv(Image.new("RGB", (300, 200))), backend, out={str(tmp_path / "r")!r}).run("t")
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "third step"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    loaded = load_run(tmp_path / "r")
    assert loaded.run.status == "running"  # it never got to say otherwise
    assert [s.index for s in loaded.steps] == [1, 2] and not loaded.truncated
    assert all(s.action is not None for s in loaded.steps)
    assert json.loads((tmp_path / "r" / "run.json").read_text())["task"] == "t"
