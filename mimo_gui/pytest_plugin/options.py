"""The plugin's command-line options, and the settings a session reads from them.

Registered by `pytest_addoption`; nothing here imports a browser or a model, so a session
that never asks for ``gui_browser``/``gui_agent`` pays nothing.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["GuiSettings", "add_options", "cassette_path", "settings"]


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("mimo-gui", "mimo-gui agent tests")
    group.addoption("--mimo-url", help="the page gui_browser opens when a test has no @pytest.mark.gui_url")
    group.addoption("--mimo-model", help="model name or hub id (env MIMO_GUI_MODEL)")
    group.addoption("--mimo-base-url", help="OpenAI-compatible server (env MIMO_GUI_BASE_URL)")
    group.addoption("--mimo-backend", help="openai (default with a base URL) or transformers")
    group.addoption("--mimo-think", action="store_true", default=None, dest="mimo_think", help="reasoning on")
    group.addoption("--mimo-no-think", action="store_false", dest="mimo_think", help="reasoning off")
    group.addoption("--mimo-cache", type=Path, metavar="PATH", help="the locate cache file")
    group.addoption(
        "--mimo-runs",
        type=Path,
        metavar="DIR",
        help="where trajectories go (default: mimo-runs/ under pytest's temporary base folder)",
    )
    # --mimo-record or --mimo-replay; neither is auto.
    group.addoption(
        "--mimo-record",
        action="store_const",
        const="record",
        dest="mimo_mode",
        help="call the model and (re)write each test's cassette",
    )
    group.addoption(
        "--mimo-replay",
        action="store_const",
        const="replay",
        dest="mimo_mode",
        help="serve completions from the cassettes only; no model is called",
    )


@dataclass(frozen=True)
class GuiSettings:
    url: str | None
    model: str | None
    base_url: str | None
    backend: str | None
    think: bool | None
    cache: Path | None
    runs: Path | None
    mode: str

    def backend_args(self) -> argparse.Namespace:
        """The flags `mimo_gui.cli.options.build_backend` reads, from ours."""
        return argparse.Namespace(
            backend=self.backend,
            base_url=self.base_url,
            api_key=None,
            model=self.model,
            timeout=None,
            image_format=None,
            answers=None,
        )


def settings(config: pytest.Config) -> GuiSettings:
    opt = config.getoption
    return GuiSettings(
        url=opt("mimo_url"),
        model=opt("mimo_model"),
        base_url=opt("mimo_base_url"),
        backend=opt("mimo_backend"),
        think=opt("mimo_think"),
        cache=opt("mimo_cache"),
        runs=opt("mimo_runs"),
        mode=opt("mimo_mode") or "auto",
    )


def cassette_path(item: pytest.Item) -> Path:
    """``<test file stem>.cassettes/<test name>.jsonl`` beside the test file."""
    path = Path(str(item.path))
    name = re.sub(r"[^\w.\-\[\]]", "_", item.name)
    return path.parent / f"{path.stem}.cassettes" / f"{name}.jsonl"
