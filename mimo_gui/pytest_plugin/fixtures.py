"""``gui_browser`` and ``gui_agent``: a headless Chromium on the test's page, an `Agent` over it.

The agent's backend is the model the options name wrapped in a `CassetteBackend` on the
test's cassette; in replay (or auto with a cassette present) no model is built at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from ..actions.errors import ConfigError
from .options import cassette_path, settings

if TYPE_CHECKING:
    from ..agent.loop import Agent
    from ..env_adapters.browser import BrowserEnv

__all__ = ["gui_agent", "gui_browser"]

AGENT_KEY = pytest.StashKey["Agent"]()


@pytest.fixture
def gui_browser(request: pytest.FixtureRequest) -> Iterator[BrowserEnv]:
    from ..env_adapters.browser import BrowserEnv

    marker = request.node.get_closest_marker("gui_url")
    url = marker.args[0] if marker is not None and marker.args else settings(request.config).url
    if not url:
        raise ConfigError("gui_browser needs a page: @pytest.mark.gui_url(URL) or --mimo-url URL")
    with BrowserEnv.launch(url) as env:
        yield env


@pytest.fixture
def gui_agent(
    request: pytest.FixtureRequest, gui_browser: BrowserEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Agent]:
    from ..agent.backends.cassette import CassetteBackend, replays
    from ..agent.loop import Agent
    from ..cli.options import build_backend

    s = settings(request.config)
    path = cassette_path(request.node)
    replaying = replays(s.mode, path)
    inner = None if replaying else build_backend(s.backend_args())  # no model for a replay
    backend = CassetteBackend(inner, path, "replay" if replaying else "record")
    runs = s.runs if s.runs is not None else tmp_path_factory.getbasetemp() / "mimo-runs"
    # locate cache (H6): pass s.cache as Agent(..., locate_cache=s.cache) once it exists.
    agent = Agent(gui_browser, backend, think=s.think, runs_dir=runs, task=request.node.name)
    request.node.stash[AGENT_KEY] = agent
    try:
        yield agent
    finally:
        agent.close()
        backend.close()
