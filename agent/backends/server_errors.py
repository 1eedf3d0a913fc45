"""Reading what an OpenAI-compatible server's error answer says, for one-line messages.

Two jobs, both about error bodies: making a body fit on one line (an HTML error page from a
proxy or a web server reduced to its visible text, or its title, never dumped), and reading
the context limit a server states when it refuses a request whose prompt plus
``max_tokens`` does not fit, so the request can be sent once more with a cap that does.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

__all__ = [
    "ContextLimit",
    "context_limit",
    "error_message",
    "error_text",
    "one_line",
    "readable_body",
]

_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_DROPPED = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def one_line(text: str, limit: int = 300) -> str:
    """``text`` with its whitespace collapsed, cut to ``limit`` characters (an ellipsis marks a cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def readable_body(text: str, limit: int = 160) -> str:
    """A response body as a short line: an HTML page becomes its visible text (its title when
    the body shows none), never the markup; anything else is whitespace-collapsed and cut to
    ``limit``."""
    if not _looks_like_html(text):
        return one_line(text, limit)
    visible = " ".join(html.unescape(_TAG.sub(" ", _DROPPED.sub(" ", text))).split())
    if not visible:
        title = _TITLE.search(text)
        visible = html.unescape(title.group(1)) if title else "no text"
    return "an HTML page: " + one_line(visible, limit)


def error_message(body: str) -> str | None:
    """The message inside a JSON error body: vLLM's ``message``, OpenAI's ``error.message``
    (or a bare ``error`` string); None when the body carries none."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(data.get("message"), str):
            return str(data["message"])
        if isinstance(inner, str):
            return inner
    return None


def error_text(body: str) -> str:
    """The human part of an error body, on one line: its message, or the body made readable."""
    message = error_message(body)
    return one_line(message) if message is not None else readable_body(body)


@dataclass(frozen=True, slots=True)
class ContextLimit:
    """What a server said when prompt plus ``max_tokens`` exceeded its context.

    Attributes:
        context: the model's context length, in tokens, as the server states it.
        prompt: the prompt's length in tokens as the server counted it (a lower bound where
            the server says "at least").
    """

    context: int
    prompt: int

    @property
    def room(self) -> int:
        """The most new tokens that fit beside the prompt, one spare for servers that refuse
        a request filling the context exactly (SGLang compares with ``>=``, in
        python/sglang/srt/managers/tokenizer_manager.py ``_validate_one_request``)."""
        return self.context - self.prompt - 1


# The wordings, one per server version; each yields the context length and the prompt length.
_CONTEXT_PATTERNS = (
    # Older vLLM (vllm/entrypoints/openai/serving_engine.py,
    # `_validate_input`): "This model's maximum context length is 32768 tokens. However, you
    # requested 33000 tokens (16616 in the messages, 16384 in the completion). Please reduce
    # the length of the messages or completion."
    re.compile(
        r"maximum context length is (?P<context>\d+) tokens\. However, you requested \d+ tokens "
        r"\((?P<prompt>\d+) in the messages, \d+ in the completion\)"
    ),
    # Later vLLM (the same `_validate_input`, raising VLLMValidationError): "'max_tokens' or
    # 'max_completion_tokens' is too large: 16384. This model's maximum context length is
    # 32768 tokens and your request has 20000 input tokens (16384 > 32768 - 20000)."
    re.compile(
        r"maximum context length is (?P<context>\d+) tokens and your request has "
        r"(?P<prompt>\d+) input tokens"
    ),
    # Newest vLLM (its renderers, vllm/renderers/params.py): "This model's maximum context length is 32768
    # tokens. However, you requested 16384 output tokens and your prompt contains [at least]
    # 16385 input tokens, for a total of [at least] 32769 tokens. ..."
    re.compile(
        r"maximum context length is (?P<context>\d+) tokens\. However, you requested \d+ output "
        r"tokens and your prompt contains (?:at least )?(?P<prompt>\d+) input tokens"
    ),
    # vLLM renderers, input-bound form: "You passed 20000 input tokens and requested 16384
    # output tokens. However, the model's context length is only 32768 tokens, ..."
    re.compile(
        r"You passed (?P<prompt>\d+) input tokens and requested \d+ output tokens\. However, "
        r"the model's context length is only (?P<context>\d+) tokens"
    ),
    # SGLang (tokenizer manager's request validation): "Requested token count exceeds the
    # model's maximum context length of 32768 tokens. You requested a total of 36384 tokens:
    # 20000 tokens from the input messages and 16384 tokens for the completion. ..."
    re.compile(
        r"maximum context length of (?P<context>\d+) tokens\. You requested a total of \d+ "
        r"tokens: (?P<prompt>\d+) tokens from the input messages"
    ),
)


def context_limit(message: str) -> ContextLimit | None:
    """The context and prompt lengths a server's refusal states, or None when it states none
    (another error, or a wording that names no prompt length)."""
    for pattern in _CONTEXT_PATTERNS:
        match = pattern.search(message)
        if match is not None:
            return ContextLimit(context=int(match["context"]), prompt=int(match["prompt"]))
    return None
