"""The corpus of real answer shapes (``corpus/answers.jsonl``), through every dialect.

Each line holds an answer as a model or a published eval writes it, where it comes from
(repository, path and function, or the issue thread), and what each dialect must make of
it: a list of actions (our vocabulary, points in the space the answer implies) or a
`ParseError` whose message starts as given. The same text can mean different things to
different families: MiMo's scroll ``up`` names the finger's way (Xiaomi's
``mimo_agent2mimo`` swaps it), UI-TARS' the content's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import ActionAdapter, Click, ParseError, Space
from mimo_gui.actions.dialects import DIALECTS

CORPUS = Path(__file__).parent / "corpus" / "answers.jsonl"
ENTRIES: list[dict[str, Any]] = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
CASES = [(e, name) for e in ENTRIES for name in DIALECTS]


def test_every_entry_has_a_source_and_an_expectation_for_every_dialect() -> None:
    assert len(ENTRIES) >= 40
    for entry in ENTRIES:
        assert entry["source"].strip(), entry["answer"]
        assert set(entry["expect"]) == set(DIALECTS), entry["answer"]


@pytest.mark.parametrize(
    ("entry", "dialect"), CASES, ids=[f"{i // len(DIALECTS)}-{n}" for i, (_, n) in enumerate(CASES)]
)
def test_corpus_answer(entry: dict[str, Any], dialect: str) -> None:
    expected = entry["expect"][dialect]
    answer = entry["answer"]
    if isinstance(expected, dict):
        with pytest.raises(ParseError) as info:
            DIALECTS[dialect].parse(answer, Space.MODEL_PIXELS)
        assert info.value.args[0].startswith(expected["error"]), info.value.args[0]
        assert info.value.raw == answer
        return
    actions = [ActionAdapter.validate_python(a) for a in expected]
    assert list(DIALECTS[dialect].parse(answer, Space.MODEL_PIXELS).actions) == actions


def test_no_function_call_that_names_another_verb_becomes_a_click() -> None:
    # The bug: scroll(...), drag(...), press(...) fell through to the number fallback.
    for entry in ENTRIES:
        verb = entry["answer"].split("(", 1)[0].strip()
        if verb in ("scroll", "drag", "press", "input", "longpress", "finished", "wait", "open"):
            got = entry["expect"]["mimo"]
            assert isinstance(got, dict) or got[-1]["type"] != Click.model_fields["type"].default, entry
