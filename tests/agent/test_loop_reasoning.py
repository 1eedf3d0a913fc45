"""The loop and `ground` read a reasoning server's split answer and a truncated one.

Everything goes through the real local chat server and the real `OpenAIBackend`. The
server plays vLLM/SGLang started with ``--reasoning-parser``: the thought arrives in
``message.reasoning_content`` (vllm-project/vllm ``docs/source/features/reasoning_outputs.md``:
"Reasoning models return an additional `reasoning_content` field") or, in newer vLLM,
``message.reasoning`` (vllm ``vllm/entrypoints/openai/protocol.py`` `ChatMessage`), and
``content`` holds what followed ``</think>``, or is null when the model never closed it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mimo_gui.actions import AnswerTruncated, Click, ParseError, Point
from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.agent.grounding import ground
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.env_adapters.image import ImageEnv
from tests.support.chat_server import ReasoningField, Reply, serve_chat

FINISH = '{"action": "finished", "status": "success"}'
THOUGHT = "The Save button is in the top bar, right of the title."


def _answers(*texts: str | Reply) -> Any:
    it = iter(texts)
    return lambda body, images: next(it)


@pytest.fixture
def env() -> ImageEnv:
    # 1000x700 frames to 1008x700 under MiMo's budget: model x maps back by 1000/1008
    return ImageEnv(Image.new("RGB", (1000, 700), (250, 250, 250)))


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_a_thought_split_off_by_the_server_is_recorded(
    env: ImageEnv, tmp_path: Path, field: ReasoningField
) -> None:
    click = f'<think>{THOUGHT}</think>{{"action": "click", "start_point": [504, 350]}}'
    with serve_chat(_answers(click, FINISH), reasoning_parser=field) as server:
        result = Agent(env, OpenAIBackend(server.url, model="mimo-vl-test"), out=tmp_path / "r").run("save")
    assert result.status == "finished"
    assert env.executed == [Click(point=Point(x=500, y=350))]
    first = load_run(tmp_path / "r").steps[0]
    assert first.thought == THOUGHT and first.reasoning == THOUGHT
    assert first.raw == '{"action": "click", "start_point": [504, 350]}'  # the content, as the server sent it


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_no_content_at_all_reads_the_action_from_the_reasoning(env: ImageEnv, field: ReasoningField) -> None:
    # No </think>: the server puts everything into the reasoning field and content is null.
    unclosed = f'{THOUGHT} So: {{"action": "click", "start_point": [252, 175]}}'
    with serve_chat(_answers(unclosed, FINISH), reasoning_parser=field) as server:
        result = Agent(env, OpenAIBackend(server.url, model="mimo-vl-test")).run("save")
    assert server.chat_requests  # the answer came over the wire
    assert result.status == "finished" and env.executed == [Click(point=Point(x=250, y=175))]
    assert result.steps[0].raw == "" and result.steps[0].reasoning == unclosed
    assert result.steps[0].error is None


def test_reasoning_without_an_action_says_the_reasoning_parser_took_the_answer(env: ImageEnv) -> None:
    with serve_chat(_answers("I wonder where it is", FINISH), reasoning_parser="reasoning") as server:
        result = Agent(env, OpenAIBackend(server.url, model="mimo-vl-test")).run("save")
    error = result.steps[0].error
    assert error is not None and error.kind == "ParseError" and error.fed_back
    assert "reasoning parser took the whole answer" in error.message and "--reasoning-parser" in error.message
    assert result.status == "finished"  # fed back, and the next answer was fine


def test_an_answer_cut_at_the_token_cap_is_its_own_error_kind(env: ImageEnv, tmp_path: Path) -> None:
    cut = Reply(text="<think>First I look at the top bar, then at the", finish_reason="length")
    with serve_chat(_answers(cut, FINISH)) as server:
        result = Agent(env, OpenAIBackend(server.url, model="mimo-vl-test"), out=tmp_path / "r").run("save")
    error = load_run(tmp_path / "r").steps[0].error
    assert error is not None and error.kind == "AnswerTruncated" and error.fed_back
    assert "--max-tokens" in error.message and "--no-think" in error.message
    assert error.raw == "<think>First I look at the top bar, then at the"
    assert "cut off at the token limit" in result.steps[1].messages[0]["text"]  # what the model was told
    assert result.status == "finished"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_ground_reports_the_thought_whichever_way_it_arrived(field: ReasoningField) -> None:
    image = Image.new("RGB", (1000, 700), "white")
    answer = f'<think>{THOUGHT}</think>```json\n[{{"bbox_2d": [494, 340, 514, 360], "label": "Save"}}]\n```'
    with serve_chat(_answers(answer, answer), reasoning_parser=field) as server:
        split = ground(image, "the Save button", OpenAIBackend(server.url, model="mimo-vl-test"))
    with serve_chat(_answers(answer)) as server:
        plain = ground(image, "the Save button", OpenAIBackend(server.url, model="mimo-vl-test"))
    assert split.to_json()["thought"] == plain.to_json()["thought"] == THOUGHT
    assert (split.point, split.box) == (plain.point, plain.box)
    assert split.raw == answer.split("</think>")[1] and plain.raw == answer


def test_ground_raises_answer_truncated_for_a_cut_answer() -> None:
    image = Image.new("RGB", (1000, 700), "white")
    cut = Reply(text="<think>Looking for", finish_reason="length")
    with serve_chat(_answers(cut)) as server, pytest.raises(AnswerTruncated) as caught:
        ground(image, "the Save button", OpenAIBackend(server.url, model="mimo-vl-test"))
    assert "--max-tokens" in str(caught.value) and "--no-think" in str(caught.value)
    assert isinstance(caught.value, ParseError)  # an unusable answer, exit 1, as before
