"""Suite-wide rules.

With ``CI=true`` (as `.ci/run` runs) a skipped test is a failed one: CI installs every
extra and Debian's Chromium, so a skip there means a missing install step, and a CI that
passes by skipping the browser tests proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.xserver import TkProbe, XServer, start_xvfb, xvfb_missing

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


# -- a real X server for the desktop tests ---------------------------------------------------


@pytest.fixture(scope="session")
def x_server() -> Iterator[XServer]:
    """One Xvfb with two monitors for the whole session, as ``$DISPLAY``.

    One for the session because pyautogui connects to ``$DISPLAY`` once, when imported:
    every in-process desktop test must use the same server.
    """
    missing = xvfb_missing()
    if missing:
        pytest.skip(missing)
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY")}
    with start_xvfb() as server:
        os.environ["DISPLAY"] = server.display
        os.environ.pop("WAYLAND_DISPLAY", None)
        try:
            yield server
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def tk_probe(x_server: XServer, tmp_path: Path) -> Iterator[TkProbe]:
    """A Tk window over the whole X screen logging every click, key and text change."""
    probe = TkProbe(x_server, tmp_path / "probe.jsonl")
    try:
        yield probe
    finally:
        probe.close()
