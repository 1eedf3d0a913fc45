"""Files in and out of a real Chromium: uploads through the file chooser a click opens, and
downloads saved where the caller asks (Playwright's ``expect_file_chooser`` and ``download``
events, https://playwright.dev/python/docs/input#upload-files and /docs/downloads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mimo_gui.actions import ActionFailed, Click, ConfigError, Point
from mimo_gui.env_adapters.browser import BrowserEnv, find_chromium
from tests.support.static_server import serve_folder

pytestmark = pytest.mark.browser
PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_folder(PAGES) as url:
        yield url


@pytest.fixture
def env(base_url: str) -> Iterator[BrowserEnv]:
    with BrowserEnv.launch(f"{base_url}/files.html", viewport=(800, 600), chromium=find_chromium()) as e:
        yield e


def _files(tmp_path: Path, **contents: str) -> list[Path]:
    paths = []
    for name, text in contents.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def test_an_upload_reaches_the_page_through_the_chooser(env: BrowserEnv, tmp_path: Path) -> None:
    files = _files(tmp_path, a="first", b="second ünïcode")
    result = env.upload(Point(x=200, y=130), files)
    assert result.detail == "uploaded a.txt, b.txt through the file chooser at (200, 130)"
    assert result.action == Click(point=Point(x=200, y=130))
    # The page reads the files in an async change handler: wait for it, not for a fixed time.
    env.page.wait_for_function("window.received !== undefined", timeout=10_000)
    assert env.page.evaluate("window.received") == ["a.txt=first;b.txt=second ünïcode"]


def test_a_click_that_opens_no_chooser_fails_by_name(env: BrowserEnv, tmp_path: Path) -> None:
    with pytest.raises(ActionFailed, match=r"the click at \(500, 330\) opened no file chooser within 5 s"):
        env.upload(Point(x=500, y=330), _files(tmp_path, a="x"))
    assert env.page.evaluate("window.received") is None


def test_a_missing_file_or_too_many_are_refused(env: BrowserEnv, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot upload '.*nope.txt': no such file"):
        env.upload(Point(x=200, y=130), [tmp_path / "nope.txt"])
    with pytest.raises(ActionFailed, match="the file field takes one file, 2 were given"):
        env.upload(Point(x=200, y=230), _files(tmp_path, a="x", b="y"))
    assert env.page.evaluate("window.received") is None


def test_downloads_are_saved_under_the_pages_name_without_clobbering(env: BrowserEnv, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    assert env.save_downloads(folder) == [] and not folder.exists()
    for _ in range(2):
        env.execute(Click(point=Point(x=500, y=130)))
    env.page.wait_for_timeout(500)  # the download events arrive after the click returns
    saved = env.save_downloads(folder)
    assert [p.name for p in saved] == ["report 2026.csv", "report 2026-2.csv"]
    assert all(p.read_text() == "id,total\n1,42\n" for p in saved)
    assert env.save_downloads(folder) == []  # each download is saved once


def test_a_plain_click_on_an_upload_button_uploads_nothing_and_blocks_nothing(env: BrowserEnv) -> None:
    # The chooser it opens is intercepted and left unanswered: no OS dialog holds the run.
    env.execute(Click(point=Point(x=200, y=130)))
    assert env.observe().size == (800, 600)
    assert env.page.evaluate("window.received") is None
