"""Reading a `Completion` into a `Decision`, wherever the server put the answer.

One function for the loop, `ground` and the grounding eval, so the three read a reasoning
server's split answer, an answer cut off at the token cap and a plain one the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from ..actions.dialects import Decision
from ..actions.errors import AnswerTruncated, ParseError
from .backends.base import Completion

__all__ = ["parse_completion"]

REASONING_PARSER_HINT = (
    "the server's reasoning parser took the whole answer (no action after the thought): "
    "serve the model without --reasoning-parser, or ask for --no-think"
)
TRUNCATED_HINT = (
    "the answer was cut off at the token cap before it named an action: "
    "raise --max-tokens, or ask for --no-think"
)


def parse_completion(completion: Completion, parse: Callable[[str], Decision]) -> Decision:
    """Parse ``completion`` with ``parse`` (a profile's ``parse_step``/``parse_grounding``).

    A thought the server split off (``completion.reasoning``) becomes the decision's thought
    when the answer carries none of its own. When the server left no answer at all (its
    reasoning parser saw no ``</think>``), the reasoning text is parsed instead, since the
    action is often inside it.

    Raises:
        AnswerTruncated: the answer does not parse and was cut off at the token cap.
        ParseError: the answer does not parse; when only reasoning came back, the message
            says the server's reasoning parser took the whole answer and what to do.
    """
    reasoning = completion.reasoning or None
    answer_in_reasoning = not completion.text.strip() and reasoning is not None
    text = reasoning if answer_in_reasoning and reasoning is not None else completion.text
    try:
        decision = parse(text)
    except ParseError as error:
        if completion.finish_reason == "length":
            raise AnswerTruncated(TRUNCATED_HINT, raw=error.raw, expected=error.expected) from error
        if answer_in_reasoning:
            raise ParseError(REASONING_PARSER_HINT, raw=error.raw, expected=error.expected) from error
        raise
    if decision.thought is None and reasoning is not None:
        return Decision(decision.actions, reasoning, decision.raw, decision.box)
    return decision
