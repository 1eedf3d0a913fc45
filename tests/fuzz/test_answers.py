"""Every parser a model's answer reaches lets only our own errors out, on near-miss answers."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings

from mimo_gui.errors import MimoGuiError

from .strategies import ANSWERS, answer_targets

TARGETS = answer_targets()
CI = settings(max_examples=100, database=None, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@pytest.mark.parametrize("name", sorted(TARGETS))
@CI
@given(text=ANSWERS)
def test_only_our_errors_escape(name: str, text: str) -> None:
    with contextlib.suppress(MimoGuiError):
        TARGETS[name](text)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGETS))
@settings(max_examples=5000, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=ANSWERS)
def test_only_our_errors_escape_long(name: str, text: str) -> None:
    with contextlib.suppress(MimoGuiError):
        TARGETS[name](text)


def test_brackets_nested_past_the_stack_are_a_parse_error_not_a_recursion_error() -> None:
    # found by the fuzzer: json's decoder raised RecursionError out of find_json
    for name in ("mimo-vl parse_grounding", "read_check"):
        with pytest.raises(MimoGuiError):
            TARGETS[name]("[" * 3000 + "1" + "]" * 1500)
