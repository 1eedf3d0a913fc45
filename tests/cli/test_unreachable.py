"""Issue 11, item 4: a page or a browser that cannot be reached is exit 2 (connection or
configuration), as the README's exit codes say, not 1 (the task failed)."""

from __future__ import annotations

import pytest

from tests.cli.cli_support import CHROMIUM, answers_file, mimo_gui, one_line_error
from tests.support.chat_server import free_port

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

FINISHED = ['{"action": "finished", "status": "success"}']


def test_an_unreachable_url_exits_2_naming_it(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    answers = answers_file(tmp_path / "a.json", FINISHED)
    result = mimo_gui("run", "do it", "--url", url, "--answers", str(answers), "--out", str(tmp_path / "r"))
    assert result.returncode == 2, result.stderr
    assert url.rstrip("/") in one_line_error(result.stderr, "run")


def test_a_cdp_url_where_nothing_listens_exits_2_naming_it(tmp_path) -> None:
    cdp = f"http://127.0.0.1:{free_port()}"
    answers = answers_file(tmp_path / "a.json", FINISHED)
    result = mimo_gui(
        "run", "do it", "--cdp-url", cdp, "--answers", str(answers), "--out", str(tmp_path / "r")
    )
    assert result.returncode == 2, result.stderr
    assert cdp in one_line_error(result.stderr, "run")
