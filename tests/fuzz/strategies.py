"""Hypothesis strategies for near-miss model answers and config text, and the targets they feed.

Shared by the CI-sized tests in this folder and by ``bench/fuzz_parsers.py`` (the full run):
one list of targets, so both fuzz the same functions. A target may raise a `MimoGuiError`
(usually `ParseError`/`ConfigError`); anything else escaping is a bug.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from hypothesis import strategies as st

NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-0", "0.5", "1.", ".5", "１２"]),
)
WORDS = st.sampled_from([
    "click", "left_single", "type", "input", "scroll", "drag", "hotkey", "finished", "navigate", "wait",
    "long_press", "open_app", "press_back", "start_box", "end_box", "start_point", "direction", "text",
    "bbox_2d", "point_2d", "action", "action_name", "status", "success", "up", "down", "Thought:", "Action:",
    "<think>", "</think>", "<answer>", "</answer>", "<tool_call>", "</tool_call>", "<|box_start|>",
    "<|box_end|>", "```json", "```", "{", "}", "[", "]", "(", ")", "'", '"', ",", ":", "=", "\\", "\n",
    "ü", "漢字", "\u202e", "\x00", "true", "null", "verdict", "answer",
])  # fmt: skip
CALLS = st.builds(lambda verb, key, a, b: f"{verb}({key}='({a},{b})')", WORDS, WORDS, NUMBERS, NUMBERS)


def _json_like() -> st.SearchStrategy[str]:
    leaf = st.one_of(NUMBERS, st.text(max_size=8).map(json.dumps), WORDS.map(json.dumps), st.just("null"))
    tree = st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.lists(kids, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]"),
            st.dictionaries(WORDS, kids, max_size=4).map(
                lambda d: "{" + ",".join(f"{json.dumps(k)}: {v}" for k, v in d.items()) + "}"
            ),
        ),
        max_leaves=12,
    )
    return tree


JSON_LIKE = _json_like()
DEEP = st.integers(1, 1500).map(lambda n: "[" * n + "1" + "]" * (n // 2))
PIECE = st.one_of(WORDS, NUMBERS, CALLS, JSON_LIKE, st.text(max_size=12), DEEP)
ANSWERS = st.lists(PIECE, max_size=10).map("".join)
"""Answer-shaped text: tags, calls, JSON fragments, odd numbers, unicode, deep brackets."""


def answer_targets() -> dict[str, Callable[[str], object]]:
    """Every parser a model's answer reaches: each profile's two, `parse_completion`, the
    vocabulary from JSON, and the check/ask readers."""
    from pydantic import TypeAdapter

    from mimo_gui.actions import Action
    from mimo_gui.agent.answers import parse_completion
    from mimo_gui.agent.backends.base import Completion
    from mimo_gui.agent.replies import read_check, read_text
    from mimo_gui.prompts import PROFILES

    targets: dict[str, Callable[[str], object]] = {}
    for name, profile in PROFILES.items():
        targets[f"{name} parse_step"] = lambda text, p=profile: p.parse_step(text, "browser")
        targets[f"{name} parse_grounding"] = profile.parse_grounding
        targets[f"{name} parse_completion"] = lambda text, p=profile: parse_completion(
            Completion(text="" if len(text) % 3 == 0 else text, reasoning=text),
            lambda t, p=p: p.parse_step(t, "browser"),
        )
    adapter = TypeAdapter(Action)

    def action_json(text: str) -> object:
        from pydantic import ValidationError

        from mimo_gui.actions.errors import ParseError

        try:  # the vocabulary's own contract: pydantic errors, which callers turn into ours
            return adapter.validate_json(text)
        except ValidationError as exc:
            raise ParseError(str(exc).splitlines()[0], raw=text) from None

    targets["Action from JSON"] = action_json
    targets["read_check"] = read_check
    targets["read_text"] = read_text
    return targets


def finite(x: float) -> bool:
    return math.isfinite(x)
