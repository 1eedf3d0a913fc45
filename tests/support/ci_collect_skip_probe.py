"""Run by tests/test_ci_rules.py only: a module that skips at collection, as a missing
optional package does with a module-level ``importorskip``."""

import pytest

pytest.importorskip("a_package_that_is_not_installed_anywhere")


def test_never_runs() -> None:
    raise AssertionError("collected although its module skipped")
