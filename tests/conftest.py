"""Suite-wide rules.

With ``CI=true`` (as `.ci/run` runs) a skipped test is a failed one: CI installs every
extra and Debian's Chromium, so a skip there means a missing install step, and a CI that
passes by skipping the browser tests proves nothing.
"""

from __future__ import annotations

import os

import pytest

_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if _IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI=true, where everything must be installed: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    # A module-level ``importorskip`` skips at collection: the same rule applies.
    outcome = yield
    report = outcome.get_result()
    if _IN_CI and report.skipped:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI=true, where everything must be installed: {reason}"
