"""The pytest plugin through ``pytester``: inner sessions in a child process drive a real
Chromium on a local web app (stdlib HTTP), with the stand-in model server over real HTTP
(tests/support/chat_server.py, vLLM's chat-completions shapes) started here, outside."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.chat_server import ChatServer, serve_chat

pytest_plugins = ["pytester"]

INNER = """
import pytest

def test_page_is_green(gui_agent):
    gui_agent.assert_that("the page is green")
"""


def colour_responder(body: dict[str, Any], images: list[Image.Image]) -> str:
    """Answers a check like MiMo would: true when the screen's centre is as green as asked."""
    r, g, b = images[-1].convert("RGB").getpixel((images[-1].width // 2, images[-1].height // 2))
    green = g > 150 and r < 100 and b < 100
    return json.dumps({"passed": green, "reason": "the page is " + ("green" if green else "not green")})


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "site"
    root.mkdir()
    page = root / "index.html"
    page.write_text("<html><body style='background:#00c000'><h1>Hello</h1></body></html>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html", page
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    pytest.importorskip("playwright")
    from mimo_gui.actions import ConfigError
    from mimo_gui.env_adapters.browser import find_chromium

    try:
        find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


def _load_plugin() -> tuple[str, ...]:
    """``-p mimo_gui.pytest_plugin`` unless the installed entry point loads it already (pytest
    refuses the same module registered under a second name)."""
    from importlib.metadata import entry_points

    installed = any(e.value == "mimo_gui.pytest_plugin" for e in entry_points(group="pytest11"))
    return () if installed else ("-p", "mimo_gui.pytest_plugin")


def inner(pytester: pytest.Pytester, url: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        *_load_plugin(),
        "-p",
        "no:cacheprovider",
        "-n",
        "0",
        f"--mimo-url={url}",
        f"--mimo-runs={pytester.path / 'runs'}",
        *args,
    )


def cassette(pytester: pytest.Pytester) -> Path:
    return pytester.path / "test_inner.cassettes" / "test_page_is_green.jsonl"


def test_passing_test_records_then_replays_with_the_server_stopped(
    pytester: pytest.Pytester, site: tuple[str, Path]
) -> None:
    url, _ = site
    pytester.makepyfile(test_inner=INNER)
    with serve_chat(colour_responder) as server:
        result = inner(pytester, url, f"--mimo-base-url={server.url}", "--mimo-record")
        result.assert_outcomes(passed=1)
        assert len(server.chat_requests) == 1
    assert json.loads(cassette(pytester).read_text().splitlines()[0])["step"] == 1
    # the server is gone: only the cassette can answer
    result = inner(pytester, url, "--mimo-base-url=http://127.0.0.1:9/v1", "--mimo-replay")
    result.assert_outcomes(passed=1)


def test_a_failing_check_names_the_trajectory(pytester: pytest.Pytester, site: tuple[str, Path]) -> None:
    url, page = site
    page.write_text("<html><body style='background:#c00000'><h1>Hello</h1></body></html>")
    pytester.makepyfile(test_inner=INNER)
    with serve_chat(colour_responder) as server:
        result = inner(pytester, url, f"--mimo-base-url={server.url}")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "mimo-gui" in out and "trajectory: " + str(pytester.path / "runs") in out
    assert "report.html" in out and "failed step 1 (check): the page is green" in out
    assert "screenshot: " in out and "step_001" in out


def test_a_changed_page_fails_replay_naming_the_step(
    pytester: pytest.Pytester, site: tuple[str, Path]
) -> None:
    url, page = site
    pytester.makepyfile(test_inner=INNER)
    with serve_chat(colour_responder) as server:
        inner(pytester, url, f"--mimo-base-url={server.url}", "--mimo-record").assert_outcomes(passed=1)
    page.write_text(
        "<html><body style='background:#00c000'><h1>Hello</h1><p>" + "New text. " * 40 + "</p></body></html>"
    )
    result = inner(pytester, url, "--mimo-replay")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines(
        [
            r".*CassetteMismatch: step 1: the screenshot differs from the recorded one \(hash distance \d+ > 8\).*"
        ]
    )


def test_auto_records_when_absent_and_replays_when_present(
    pytester: pytest.Pytester, site: tuple[str, Path]
) -> None:
    url, _ = site
    pytester.makepyfile(test_inner=INNER)
    server: ChatServer
    with serve_chat(colour_responder) as server:
        inner(pytester, url, f"--mimo-base-url={server.url}").assert_outcomes(passed=1)
        assert len(server.chat_requests) == 1 and cassette(pytester).exists()
        inner(pytester, url, f"--mimo-base-url={server.url}").assert_outcomes(passed=1)
        assert len(server.chat_requests) == 1  # the second run was served by the cassette
