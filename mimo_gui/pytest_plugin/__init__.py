"""mimo-gui's pytest plugin (entry point ``pytest11: mimo_gui``): fixtures, options, reports.

Loaded in every pytest session where mimo-gui is installed, so it is cheap: no browser or
model is imported until a test asks for ``gui_browser`` or ``gui_agent``, and no fixture
is autouse.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from .fixtures import AGENT_KEY, gui_agent, gui_browser
from .options import add_options

__all__ = ["gui_agent", "gui_browser"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gui_url(url): the page gui_browser opens for this test")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()
    agent = item.stash.get(AGENT_KEY, None)
    if report.failed and report.when == "call" and agent is not None and agent.trajectory is not None:
        from .failure_report import failure_text

        report.sections.append(("mimo-gui", failure_text(agent.trajectory)))
