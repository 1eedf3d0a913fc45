"""A run that ends on an error exits with the code that error has when raised: the run's
record keeps only the error's class name, and the two ways must not disagree."""

from __future__ import annotations

import pytest

from mimo_gui.actions import errors
from mimo_gui.cli.exits import EXIT_FAILED, EXIT_USAGE, exit_code_for, exit_code_for_kind


@pytest.mark.parametrize("name", sorted(errors.__all__))
def test_a_recorded_kind_gets_the_code_of_its_class(name: str) -> None:
    kind = getattr(errors, name)
    assert exit_code_for_kind(name) == exit_code_for(kind)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("BackendUnreachable", EXIT_USAGE),
        ("BadResponse", EXIT_USAGE),
        ("EnvUnreachable", EXIT_USAGE),
        ("ModelNotFoundError", EXIT_USAGE),  # was 1 when only connection errors were listed by name
        ("UnframeableImage", EXIT_USAGE),
        ("CaptureFailed", EXIT_FAILED),
        ("AnswerTruncated", EXIT_FAILED),
        ("KeyError", EXIT_FAILED),  # not ours: a programming error is a failure, not usage
        ("no such thing", EXIT_FAILED),
    ],
)
def test_kinds_by_name(name: str, code: int) -> None:
    assert exit_code_for_kind(name) == code
