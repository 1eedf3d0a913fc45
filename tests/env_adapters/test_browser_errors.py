"""BrowserEnv's refusals: each bad setting or unreachable address is one line, of the right class.

`EnvUnreachable` is what the CLI turns into exit code 2 (connection or configuration);
`ConfigError` is a bad setting. Settings are checked before Chromium starts, which the
tests show by naming a Chromium that does not exist: the settings error must come first.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import ActionFailed, ConfigError, EnvUnreachable, Navigate
from mimo_gui.env_adapters.browser import VIEWPORT_SIDES, BrowserEnv, check_viewport, find_chromium
from tests.support.chat_server import free_port
from tests.support.static_server import serve_folder

PAGES = Path(__file__).parent / "pages"
NO_CHROMIUM = "/nonexistent/chromium"


def _chromium() -> str:
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")


# -- settings refused up front -------------------------------------------------------------


@pytest.mark.parametrize(
    "viewport", [(100_000, 100_000), (0, 800), (-5, 800), (1280, 0), (99, 800), (1280, 10_001)]
)
def test_an_absurd_viewport_is_refused_before_chromium_starts(viewport: tuple[int, int]) -> None:
    with pytest.raises(ConfigError) as info:
        BrowserEnv.launch(viewport=viewport, chromium=NO_CHROMIUM)
    message = str(info.value)
    assert (
        message
        == f"viewport {viewport[0]}x{viewport[1]} is out of range: each side must be 100 to 10000 CSS px"
    )


@pytest.mark.parametrize("viewport", [(1.5, 800), (True, 800), ("800", 600)])
def test_a_viewport_that_is_not_integers_is_refused(viewport: Any) -> None:
    with pytest.raises(ConfigError, match="viewport must be two integers"):
        check_viewport(*viewport)


def test_the_viewport_limits_themselves_are_accepted() -> None:
    low, high = VIEWPORT_SIDES
    assert check_viewport(low, high) == (low, high)
    assert check_viewport(1280, 800) == (1280, 800)


def test_headed_without_a_display_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(EnvUnreachable) as info:
        BrowserEnv.launch(headless=False, chromium=NO_CHROMIUM)
    message = str(info.value)
    assert "DISPLAY is unset" in message and "xvfb-run mimo-gui" in message and "\n" not in message


def test_headless_needs_no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(ConfigError, match=NO_CHROMIUM):  # got past the display check to the executable
        BrowserEnv.launch(headless=True, chromium=NO_CHROMIUM)


# -- addresses that do not answer -------------------------------------------------------------


@pytest.mark.browser
def test_a_start_url_where_nothing_listens_is_unreachable() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(EnvUnreachable) as info:
        BrowserEnv.launch(url, chromium=_chromium())
    assert type(info.value) is EnvUnreachable
    assert str(info.value) == f"cannot open {url}: net::ERR_CONNECTION_REFUSED at {url}"
    assert info.value.__cause__ is not None and "playwright" in type(info.value.__cause__).__module__


@pytest.mark.browser
def test_a_start_url_on_a_port_chromium_blocks_is_unreachable() -> None:
    # Port 1 is on Chromium's restricted list (net/base/port_util.cc): it refuses to connect.
    url = "http://127.0.0.1:1/"
    with pytest.raises(EnvUnreachable) as info:
        BrowserEnv.launch(url, chromium=_chromium())
    assert str(info.value) == f"cannot open {url}: net::ERR_UNSAFE_PORT at {url}"


@pytest.mark.browser
def test_a_cdp_url_where_nothing_listens_is_unreachable() -> None:
    port = free_port()
    cdp_url = f"http://127.0.0.1:{port}"
    with pytest.raises(EnvUnreachable) as info:
        BrowserEnv.connect(cdp_url, timeout=10)
    assert type(info.value) is EnvUnreachable
    message = str(info.value)
    assert message.startswith(f"cannot attach to Chromium at {cdp_url}")
    assert f"ECONNREFUSED 127.0.0.1:{port}" in message and "\n" not in message


@pytest.mark.browser
def test_a_dead_page_the_model_navigates_to_goes_back_to_the_model() -> None:
    # Mid-run the address is the model's choice, so the error is one it can fix (ActionFailed).
    url = f"http://127.0.0.1:{free_port()}/"
    with BrowserEnv.launch(chromium=_chromium()) as env, pytest.raises(ActionFailed) as info:
        env.execute(Navigate(url=url))
    assert str(info.value) == f"Navigate failed: net::ERR_CONNECTION_REFUSED at {url}"
    assert info.value.action == Navigate(url=url)


# -- pages of the wrong kind -------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_folder(PAGES) as url:
        yield url


@pytest.mark.browser
def test_from_page_refuses_an_async_page_with_a_clear_message(base_url: str) -> None:
    chromium = _chromium()
    caught: list[BaseException] = []

    async def main() -> None:
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = await browser.new_page()
                await page.goto(f"{base_url}/form.html")
                try:
                    BrowserEnv.from_page(page)  # type: ignore[arg-type]
                except BaseException as exc:
                    caught.append(exc)
            finally:
                await browser.close()

    # A thread of its own: the async API's loop must not share a thread with a sync Playwright.
    worker = threading.Thread(target=lambda: asyncio.run(main()))
    worker.start()
    worker.join(timeout=60)
    assert len(caught) == 1
    error = caught[0]
    assert isinstance(error, ConfigError)
    assert str(error) == (
        "BrowserEnv takes a Page from Playwright's sync API (playwright.sync_api), "
        "got one from the async API: open the page with sync_playwright()"
    )


def test_from_page_refuses_what_is_not_a_page() -> None:
    pytest.importorskip("playwright")
    with pytest.raises(
        ConfigError, match=r"BrowserEnv takes a playwright\.sync_api Page, got builtins\.str$"
    ):
        BrowserEnv.from_page("http://example.com")  # type: ignore[arg-type]
