"""A server that refuses prompt + ``max_tokens`` beyond its context is asked once more, with a
cap that fits the limit it states; against the real local chat server.

The refusals are the servers' own words:
- vLLM, older: vllm/entrypoints/openai/serving_engine.py ``_validate_input``: "This model's
  maximum context length is {max_model_len} tokens. However, you requested {total} tokens
  ({prompt} in the messages, {max_tokens} in the completion). Please reduce the length of the
  messages or completion."
- vLLM, later (the same function, VLLMValidationError): "'max_tokens' or 'max_completion_tokens'
  is too large: {max_tokens}. This model's maximum context length is {max_model_len} tokens and
  your request has {prompt} input tokens ({max_tokens} > {max_model_len} - {prompt})."
- vLLM, newest (vllm/renderers/params.py): "... However, you requested {max_tokens} output
  tokens and your prompt contains at least {prompt} input tokens, for a total of at least ..."
- SGLang: python/sglang/srt/managers/tokenizer_manager.py ``_validate_one_request``: "Requested
  token count exceeds the model's maximum context length of {context_len} tokens. You requested
  a total of {total} tokens: {prompt} tokens from the input messages and {max_tokens} tokens for
  the completion. ..." (refused already at ``>=``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

from mimo_gui.actions.errors import BackendRejected
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.openai import OpenAIBackend
from mimo_gui.agent.backends.server_errors import context_limit
from mimo_gui.prompts.messages import ImagePart, Message, Sampling, TextPart
from tests.support.chat_server import Reply, serve_chat

pytestmark = pytest.mark.timeout(30)

THINKING_CAP = 16384


def request(max_tokens: int = THINKING_CAP) -> CompletionRequest:
    image = ImagePart(Image.new("RGB", (280, 140), (30, 30, 200)))
    return CompletionRequest(
        (Message("user", (image, TextPart("Click the search box."))),), Sampling(max_tokens=max_tokens)
    )


def backend(url: str) -> OpenAIBackend:
    return OpenAIBackend(url, model="mimo-vl-test", max_retries=0)


def sent_caps(chat: Any) -> list[int]:
    return [r.body["max_tokens"] for r in chat.chat_requests]


@pytest.mark.parametrize("server", ["vllm", "sglang"])
def test_a_refused_cap_is_lowered_once_to_what_fits(server: Any) -> None:
    with (
        serve_chat(lambda body, images: "click(10, 10)", max_model_len=8192, server=server) as chat,
        backend(chat.url) as b,
    ):
        completion = b.complete(request())
        prompt = chat._prompt_tokens(chat.chat_requests[0].body or {}, chat.chat_requests[0].images)
    assert completion.text == "click(10, 10)"
    # One refusal, then the same request with all the room the server has left.
    assert sent_caps(chat) == [THINKING_CAP, 8192 - prompt - 1]
    assert chat.chat_requests[0].body == {**(chat.chat_requests[1].body or {}), "max_tokens": THINKING_CAP}


def test_a_cap_that_fits_is_sent_unchanged() -> None:
    with (
        serve_chat(lambda body, images: "ok", max_model_len=32768) as chat,
        backend(chat.url) as b,
    ):
        b.complete(request())
    assert sent_caps(chat) == [THINKING_CAP]


OLDER_VLLM = (
    "This model's maximum context length is 32768 tokens. However, you requested 36000 tokens "
    "(19616 in the messages, 16384 in the completion). Please reduce the length of the messages "
    "or completion."
)
NEWEST_VLLM = (
    "This model's maximum context length is 32768 tokens. However, you requested 16384 output "
    "tokens and your prompt contains at least 16385 input tokens, for a total of at least 32769 "
    "tokens. Please reduce the length of the input prompt or the number of requested output tokens."
)


@pytest.mark.parametrize(
    ("refusal", "room"),
    [
        # vLLM's older flat error shape, as the chat server builds it.
        (Reply(status=400, text=OLDER_VLLM), 32768 - 19616 - 1),
        # vLLM's newer {"error": {...}} shape, with the "at least" wording.
        (
            Reply(
                status=400,
                body=json.dumps(
                    {
                        "error": {
                            "message": NEWEST_VLLM,
                            "type": "BadRequestError",
                            "param": "input_tokens",
                            "code": 400,
                        }
                    }
                ),
            ),
            32768 - 16385 - 1,
        ),
    ],
)
def test_each_vllm_wording_is_read(refusal: Reply, room: int) -> None:
    replies = [refusal, Reply(text="ok")]
    with (
        serve_chat(lambda body, images: replies.pop(0)) as chat,
        backend(chat.url) as b,
    ):
        assert b.complete(request()).text == "ok"
    assert sent_caps(chat) == [THINKING_CAP, room]


def test_it_retries_only_once() -> None:
    with (
        serve_chat(lambda body, images: Reply(status=400, text=OLDER_VLLM)) as chat,
        backend(chat.url) as b,
        pytest.raises(BackendRejected, match="maximum context length is 32768") as info,
    ):
        b.complete(request())
    assert info.value.status == 400
    assert sent_caps(chat) == [THINKING_CAP, 32768 - 19616 - 1]


def test_no_retry_when_the_prompt_alone_fills_the_context() -> None:
    with (
        serve_chat(lambda body, images: "ok", max_model_len=60) as chat,
        backend(chat.url) as b,
        pytest.raises(BackendRejected, match="is too large"),
    ):
        b.complete(request())
    assert sent_caps(chat) == [THINKING_CAP]


def test_no_retry_for_a_refusal_that_states_no_lengths() -> None:
    with (
        serve_chat(lambda body, images: Reply(status=400, text="max_tokens is too large")) as chat,
        backend(chat.url) as b,
        pytest.raises(BackendRejected),
    ):
        b.complete(request())
    assert sent_caps(chat) == [THINKING_CAP]


@pytest.mark.parametrize(
    ("message", "context", "prompt"),
    [
        (OLDER_VLLM, 32768, 19616),
        (
            "'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum "
            "context length is 32768 tokens and your request has 20000 input tokens "
            "(16384 > 32768 - 20000).",
            32768,
            20000,
        ),
        (NEWEST_VLLM, 32768, 16385),
        (
            "You passed 20000 input tokens and requested 16384 output tokens. However, the model's "
            "context length is only 32768 tokens, resulting in a maximum input length of 16384 tokens.",
            32768,
            20000,
        ),
        (
            "Requested token count exceeds the model's maximum context length of 32768 tokens. You "
            "requested a total of 36384 tokens: 20000 tokens from the input messages and 16384 tokens "
            "for the completion. Please reduce the number of tokens in the input messages or the "
            "completion to fit within the limit.",
            32768,
            20000,
        ),
    ],
)
def test_context_limit_reads_every_wording(message: str, context: int, prompt: int) -> None:
    limit = context_limit(message)
    assert limit is not None
    assert (limit.context, limit.prompt, limit.room) == (context, prompt, context - prompt - 1)


def test_context_limit_ignores_other_errors() -> None:
    assert context_limit("At most 1 image(s) may be provided in one request.") is None
    assert context_limit("This model's maximum context length is 8192 tokens.") is None
