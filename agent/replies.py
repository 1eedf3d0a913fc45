"""Reading the answers to a script's questions: a check's verdict, a plain answer, a query's object.

Answers are read wherever the server put them, as `parse_completion` reads actions: what
follows the last ``</think>``; the reasoning text when a reasoning server left the content
empty; and an answer that cannot be read after being cut off at the token cap is
`AnswerTruncated`, whose message says what to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..actions.dialects import find_json, split_thinking
from ..actions.errors import AnswerTruncated, ParseError, QueryError
from .answers import TRUNCATED_HINT
from .backends.base import Completion

__all__ = ["Check", "read_check", "read_query", "read_reply", "read_text"]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

CHECK_EXPECTED = '{"passed": true or false, "reason": "..."}'
_VERDICT_WORDS = {"true": True, "yes": True, "false": False, "no": False}
_LEADING_WORD = re.compile(r"\W*(true|false|yes|no)\b\W*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Check:
    """A statement's verdict on the screen: ``passed`` and the model's ``reason``."""

    passed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.passed


def read_reply(completion: Completion, read: Callable[[str], T]) -> tuple[T, str | None]:
    """``read`` applied to the answer part of ``completion``; the value and the thought, if any.

    Raises:
        AnswerTruncated: the answer cannot be read and was cut off at the token cap.
        ParseError: ``read``'s own, or the answer was cut off inside ``<think>``.
    """
    reasoning = completion.reasoning or None
    in_reasoning = not completion.text.strip() and reasoning is not None
    text = reasoning if in_reasoning and reasoning is not None else completion.text
    try:
        thought, answer = split_thinking(text)
        value = read(answer)
    except ParseError as error:
        if completion.finish_reason == "length":
            hint = TRUNCATED_HINT.replace("named an action", "gave its answer")
            raise AnswerTruncated(hint, raw=error.raw, expected=error.expected) from error
        raise
    return value, thought or (None if in_reasoning else reasoning)


def read_check(answer: str) -> Check:
    """A verdict: ``{"passed": bool, "reason": str}``, or an answer that begins yes/no/true/false.

    Raises:
        ParseError: neither shape.
    """
    found = find_json(answer)
    if isinstance(found, dict) and "passed" in found:
        passed = _verdict(found["passed"])
        if passed is not None:
            reason = found.get("reason")
            return Check(passed, str(reason).strip() if reason is not None else "")
    elif (word := _LEADING_WORD.match(answer)) is not None:
        rest = answer[word.end() :].strip()
        return Check(_VERDICT_WORDS[word.group(1).lower()], rest or answer.strip())
    raise ParseError("the answer gives no verdict", raw=answer, expected=CHECK_EXPECTED)


def _verdict(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _VERDICT_WORDS.get(value.strip().lower())
    return None


def read_text(answer: str) -> str:
    """A plain answer, trimmed.

    Raises:
        ParseError: the answer is empty.
    """
    text = answer.strip()
    if not text:
        raise ParseError("the answer is empty", raw=answer, expected="the answer, in plain text")
    return text


def read_query(answer: str, schema: type[M]) -> M:
    """The JSON object in ``answer``, validated as ``schema``.

    Raises:
        QueryError: no JSON in the answer, or JSON that does not fit ``schema`` (the
            validation error is in the message and in ``validation_error``).
    """
    found = find_json(answer)
    if found is None:
        why = "the answer holds no JSON value"
        raise QueryError(why, raw=answer, validation_error=why)
    try:
        return schema.model_validate(found)
    except ValidationError as exc:
        why = _validation_text(exc)
        raise QueryError(
            f"the answer does not fit {schema.__name__}: {why}", raw=answer, validation_error=why
        ) from exc


def _validation_text(exc: ValidationError) -> str:
    """pydantic's errors on one line: ``count: Input should be a valid integer; …``."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(the whole value)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
