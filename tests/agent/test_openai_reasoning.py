"""A server that splits the thought off the answer (``--reasoning-parser``), against the real
local chat server: both field names, ``content`` null and empty, vLLM's and SGLang's ways.

Sources, for what the servers send:
- vLLM, field names: ``ChatMessage.reasoning`` in vllm/entrypoints/openai/chat_completion/protocol.py
  (newer); ``reasoning_content`` in older vllm/entrypoints/openai/protocol.py, and the docs'
  "reasoning used to be called reasoning_content" (docs/features/reasoning_outputs.md).
- vLLM, splitting: vllm/reasoning/basic_parsers.py ``BaseThinkingReasoningParser.extract_reasoning``
  (``deepseek_r1``: no ``</think>`` -> ``(output, None)``; ``content or None``), and
  vllm/reasoning/qwen3_reasoning_parser.py (no ``</think>`` -> ``(None, output)``).
- SGLang: python/sglang/srt/parser/reasoning_parser.py ``DeepSeekR1Detector`` (force_reasoning)
  and ``Qwen3Detector``; serving_chat.py builds ``ChatMessage(content=text if text else None,
  reasoning_content=reasoning_text if reasoning_text else None)``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from PIL import Image

from mimo_gui.agent.backends.base import Completion, CompletionRequest
from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.prompts.messages import ImagePart, Message, TextPart
from tests.support.chat_server import ReasoningField, Reply, serve_chat, split_reasoning

pytestmark = pytest.mark.timeout(30)

THOUGHT = "The search box is at the top; clicking it focuses it."
ANSWER = '<answer>{"action": "click", "point": [120, 40]}</answer>'


def request() -> CompletionRequest:
    image = ImagePart(Image.new("RGB", (56, 56), (200, 30, 30)))
    return CompletionRequest((Message("user", (image, TextPart("Click the search box."))),))


def complete_with(text: str, **server: Any) -> tuple[Completion, dict[str, Any]]:
    """The backend's completion from a real chat server answering ``text``, and the message
    that server sends on the wire for it (read with a plain HTTP client)."""
    with (
        serve_chat(lambda body, images: text, **server) as chat,
        OpenAIBackend(chat.url, model="mimo-vl-test", max_retries=0) as backend,
    ):
        completion = backend.complete(request())
        raw = httpx.post(chat.url + "/v1/chat/completions", json=backend.payload(request(), "mimo-vl-test"))
    message: dict[str, Any] = raw.json()["choices"][0]["message"]
    return completion, message


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_the_thought_is_read_from_either_field(field: ReasoningField) -> None:
    completion, message = complete_with(f"<think>{THOUGHT}</think>{ANSWER}", reasoning_parser=field)
    assert message == {"role": "assistant", "content": ANSWER, field: THOUGHT}
    assert (completion.reasoning, completion.text) == (THOUGHT, ANSWER)


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content"])
def test_content_null_without_a_closed_thought_is_an_empty_answer_not_an_error(field: ReasoningField) -> None:
    # The model put its action inside the thought and never wrote </think>: deepseek_r1 makes
    # all of it reasoning and sends content null (was a BadResponse, and the answer was lost).
    thought = f"<think>{THOUGHT} {ANSWER}"
    completion, message = complete_with(thought, reasoning_parser=field)
    assert message["content"] is None
    assert (completion.text, completion.reasoning) == ("", f"{THOUGHT} {ANSWER}")


def test_sglang_sends_null_content_after_an_empty_answer() -> None:
    completion, message = complete_with(
        f"<think>{THOUGHT}</think>", reasoning_parser="reasoning_content", server="sglang"
    )
    assert message == {"role": "assistant", "content": None, "reasoning_content": THOUGHT}
    assert (completion.text, completion.reasoning) == ("", THOUGHT)


def test_content_empty_string_with_reasoning_keeps_the_reasoning() -> None:
    # Some servers and proxies send "" rather than null; the thought must survive either way.
    body = {
        "object": "chat.completion",
        "model": "mimo-vl-test",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "", "reasoning_content": THOUGHT},
            }
        ],
    }
    with (
        serve_chat(lambda b, images: Reply(body=json.dumps(body))) as chat,
        OpenAIBackend(chat.url, model="mimo-vl-test", max_retries=0) as backend,
    ):
        completion = backend.complete(request())
    assert (completion.text, completion.reasoning, completion.finish_reason) == ("", THOUGHT, "stop")


def test_an_empty_thought_counts_as_none() -> None:
    # vLLM keeps an empty reasoning string ("<think></think>answer"), SGLang sends null.
    for server in ("vllm", "sglang"):
        completion, message = complete_with(
            f"<think></think>{ANSWER}", reasoning_parser="reasoning", server=server
        )
        assert message["content"] == ANSWER
        assert completion.reasoning is None, server


def test_qwen3_parser_leaves_an_unclosed_answer_in_content() -> None:
    completion, message = complete_with(ANSWER, reasoning_parser="reasoning_content", parser="qwen3")
    assert message == {"role": "assistant", "content": ANSWER, "reasoning_content": None}
    assert (completion.text, completion.reasoning) == (ANSWER, None)


def test_a_plain_server_sends_no_reasoning() -> None:
    completion, message = complete_with(f"<think>{THOUGHT}</think>{ANSWER}")
    assert message == {"role": "assistant", "content": f"<think>{THOUGHT}</think>{ANSWER}"}
    assert completion.reasoning is None


@pytest.mark.parametrize(
    ("text", "parser", "server", "split"),
    [
        # vLLM deepseek_r1: text before <think> is dropped; unclosed -> all reasoning.
        ("<think>a</think>b", "deepseek_r1", "vllm", ("a", "b")),
        ("a</think>b", "deepseek_r1", "vllm", ("a", "b")),
        ("x<think>a", "deepseek_r1", "vllm", ("a", None)),
        ("<think>a</think>", "deepseek_r1", "vllm", ("a", None)),
        ("<think></think>b", "deepseek_r1", "vllm", ("", "b")),
        # vLLM qwen3: no </think> -> no reasoning, everything is content.
        ("<think>a", "qwen3", "vllm", (None, "<think>a")),
        ("b", "qwen3", "vllm", (None, "b")),
        ("<think>a</think>b", "qwen3", "vllm", ("a", "b")),
        # SGLang deepseek-r1: reasoning from the start; empty fields become None.
        ("a</think>b", "deepseek_r1", "sglang", ("a", "b")),
        ("<think><think>a", "deepseek_r1", "sglang", ("a", None)),
        ("<think></think>b", "deepseek_r1", "sglang", (None, "b")),
        # SGLang qwen3: reasoning only when <think> appears.
        ("a</think>b", "qwen3", "sglang", (None, "a</think>b")),
        ("<think>a</think>b", "qwen3", "sglang", ("a", "b")),
        ("", "qwen3", "sglang", (None, None)),
    ],
)
def test_the_stand_in_splits_like_the_real_parsers(
    text: str, parser: Any, server: Any, split: tuple[str | None, str | None]
) -> None:
    assert split_reasoning(text, parser=parser, server=server) == split
