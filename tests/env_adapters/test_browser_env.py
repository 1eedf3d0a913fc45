"""BrowserEnv against a real Chromium and pages served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import (
    ActionFailed,
    AnswerDialog,
    Back,
    Click,
    ConfigError,
    Drag,
    Home,
    Hotkey,
    MoveTo,
    Navigate,
    Point,
    Scroll,
    Space,
    SwitchTab,
    Type,
    UnsupportedAction,
    Wait,
)
from mimo_gui.env_adapters.browser import (
    BROWSER_SETTLE,
    CHROMIUM_ARGS,
    BrowserEnv,
    find_chromium,
    playwright_key,
)
from mimo_gui.env_adapters.settle import Settle
from tests.support.static_server import serve_folder

pytestmark = pytest.mark.browser

PAGES = Path(__file__).parent / "pages"
VIEWPORT = (800, 600)


def _chromium() -> str:
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_folder(PAGES) as url:
        yield url


@pytest.fixture(scope="module")
def env() -> Iterator[BrowserEnv]:
    with BrowserEnv.launch(viewport=VIEWPORT, chromium=_chromium()) as browser_env:
        yield browser_env


@pytest.fixture
def fresh(env: BrowserEnv) -> Iterator[BrowserEnv]:
    """The shared env, reset to a single tab with no dialog open."""
    yield env
    while env.observe().dialog is not None:
        env.execute(AnswerDialog(accept=False))
    pages = env.page.context.pages
    for extra in pages[1:]:
        extra.close()
    env.execute(SwitchTab(index=0))


def go(env: BrowserEnv, base_url: str, page: str) -> None:
    env.execute(Navigate(url=f"{base_url}/{page}"))


def centre(env: BrowserEnv, selector: str) -> Point:
    """The CSS centre of an element, as the page itself reports it."""
    x, y = env.page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; }",
        selector,
    )
    return Point(x=x, y=y)


def js(env: BrowserEnv, expression: str) -> Any:
    return env.page.evaluate(expression)


def eventually(read: Callable[[], Any], want: Callable[[Any], bool], timeout: float = 3.0) -> Any:
    """Poll ``read`` until ``want`` holds (wheel scrolling and tab opening are asynchronous)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not want(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


# -- geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize("dsf", [1.0, 1.5, 2.0])
def test_screenshot_is_viewport_times_dsf_and_clicks_land(env: BrowserEnv, base_url: str, dsf: float) -> None:
    own = dsf != 1.0
    subject = BrowserEnv.launch(viewport=(640, 400), device_scale_factor=dsf) if own else env
    try:
        go(subject, base_url, "clicks.html")
        obs = subject.observe()
        width, height = subject.settings()["viewport"]
        assert obs.size == (round(width * dsf), round(height * dsf))
        assert obs.scale == dsf
        assert obs.image.mode == "RGB"
        target = centre(subject, "#b2")
        left, top = js(subject, "(() => { const r = b2.getBoundingClientRect(); return [r.left, r.top]; })()")
        # The screenshot is in physical pixels: the button's blue starts at its CSS corner × dsf.
        inside = obs.image.getpixel((round((left + 3) * dsf), round((top + 3) * dsf)))
        outside = obs.image.getpixel((round((left - 3) * dsf), round((top - 3) * dsf)))
        assert inside == (0, 0, 220)
        assert outside == (255, 255, 255)
        result = subject.execute(Click(point=target))
        assert result.action == Click(point=target)
        clicks = js(subject, "window.clicks")
        assert [c["id"] for c in clicks] == ["b2"]
        assert clicks[0]["x"] == pytest.approx(target.x, abs=1)
    finally:
        if own:
            subject.close()
            subject.close()  # idempotent


def test_click_after_scrolling_hits_the_element(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    fresh.execute(Scroll(direction="down", amount=1700))
    eventually(lambda: js(fresh, "window.scrollY"), lambda y: y > 1500)
    target = centre(fresh, "#far")
    assert 0 < target.y < VIEWPORT[1]
    fresh.execute(Click(point=target))
    assert [c["id"] for c in js(fresh, "window.clicks")] == ["far"]


def test_double_and_right_clicks(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    fresh.execute(Click(point=centre(fresh, "#b1"), count=2))
    fresh.execute(Click(point=centre(fresh, "#b2"), button="right"))
    assert js(fresh, "window.dblclicks") == ["b1"]
    assert js(fresh, "window.menus") == ["b2"]


def test_details_show_points_to_a_tenth(fresh: BrowserEnv, base_url: str) -> None:
    # A mapped point is rarely whole (231.527...); the step line and report show a tenth.
    go(fresh, base_url, "clicks.html")
    assert fresh.execute(Click(point=Point(x=640, y=231.527))).detail == "left click at (640, 231.5)"
    assert fresh.execute(MoveTo(point=Point(x=10.04, y=9.96))).detail == "pointer at (10, 10)"


def test_drag_presses_at_start_and_releases_at_end(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    fresh.execute(MoveTo(point=Point(x=10, y=10)))
    fresh.execute(Drag(start=Point(x=300, y=400), end=Point(x=420, y=470)))
    assert js(fresh, "window.downs") == [[300, 400]]
    assert js(fresh, "window.ups") == [[420, 470]]


def test_scroll_moves_the_page_the_right_way(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    fresh.execute(Scroll(direction="down"))
    # The default amount is half the viewport.
    assert eventually(lambda: js(fresh, "window.scrollY"), lambda y: y == VIEWPORT[1] / 2) == VIEWPORT[1] / 2
    fresh.execute(Scroll(direction="up", amount=100))
    assert eventually(lambda: js(fresh, "window.scrollY"), lambda y: y == 200) == 200
    fresh.execute(Scroll(direction="right", amount=250))
    assert eventually(lambda: js(fresh, "window.scrollX"), lambda x: x == 250) == 250
    fresh.execute(Scroll(direction="left", amount=50))
    assert eventually(lambda: js(fresh, "window.scrollX"), lambda x: x == 200) == 200


def test_scroll_at_a_point_scrolls_what_is_under_it(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    fresh.execute(Scroll(direction="down", point=centre(fresh, "#box"), amount=120))
    read = "document.getElementById('box').scrollTop"
    assert eventually(lambda: js(fresh, read), lambda top: top == 120) == 120
    assert js(fresh, "window.scrollY") == 0


# -- keyboard -----------------------------------------------------------------------------


def test_typing_delivers_unicode_quotes_and_spaces(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    fresh.execute(Click(point=centre(fresh, "#text")))
    text = "p@ss \"wörd\" 密码 'x'"
    fresh.execute(Type(text=text))
    assert js(fresh, "document.getElementById('text').value") == text


def test_hotkeys_select_all_and_delete(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    read = "document.getElementById('field').value"
    assert js(fresh, read) == "prefilled text"
    fresh.execute(Click(point=centre(fresh, "#field")))
    fresh.execute(Hotkey(keys=("ctrl", "a")))
    fresh.execute(Hotkey(keys=("backspace",)))
    assert js(fresh, read) == ""
    fresh.execute(Type(text="ab"))
    fresh.execute(Hotkey(keys=("arrowleft",)))
    fresh.execute(Type(text="X"))
    assert js(fresh, read) == "aXb"


def test_an_unknown_key_is_an_action_failure(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    with pytest.raises(ActionFailed) as info:
        fresh.execute(Hotkey(keys=("ctrl", "no-such-key")))
    assert info.value.__cause__ is not None
    assert info.value.action == Hotkey(keys=("ctrl", "no-such-key"))
    # ctrl was released again: typing gives plain letters, not shortcuts.
    fresh.execute(Click(point=centre(fresh, "#text")))
    fresh.execute(Type(text="a"))
    assert js(fresh, "document.getElementById('text').value") == "a"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [("ctrl", "Control"), ("Enter", "Enter"), ("esc", "Escape"), ("left", "ArrowLeft"),
     ("arrowleft", "ArrowLeft"), ("a", "a"), ("A", "A"), ("f5", "F5"), ("PageDown", "PageDown"),
     ("cmd", "Meta"), ("backspace", "Backspace"), ("tab", "Tab")],
)  # fmt: skip
def test_key_names_map_to_playwright(ours: str, theirs: str) -> None:
    assert playwright_key(ours) == theirs


# -- navigation and tabs -----------------------------------------------------------------


def test_navigate_and_back(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "tabs.html")
    go(fresh, base_url, "second.html")
    obs = fresh.observe()
    assert obs.url == f"{base_url}/second.html"
    assert obs.title == "Second page"
    result = fresh.execute(Back())
    assert f"{base_url}/tabs.html" in result.detail
    assert fresh.observe().title == "Tabs"


def test_observe_right_after_a_navigating_click(fresh: BrowserEnv, base_url: str) -> None:
    # Headless Chromium has been seen to hang a screenshot taken just after a navigating click.
    for _ in range(3):
        go(fresh, base_url, "tabs.html")
        fresh.execute(Click(point=centre(fresh, "#same")))
        obs = fresh.observe()
        assert obs.dialog is None
        assert eventually(lambda: fresh.observe().title, lambda t: t == "Second page") == "Second page"


def test_a_new_tab_becomes_active_and_switch_tab_returns(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "tabs.html")
    fresh.execute(Click(point=centre(fresh, "#newtab")))
    # Playwright learns of the new tab from an event, which only a round trip (observe) lets in.
    eventually(lambda: len(fresh.observe().tabs), lambda n: n == 2)
    obs = fresh.observe()
    assert [(t.index, t.active) for t in obs.tabs] == [(0, False), (1, True)]
    assert obs.tabs[1].url == f"{base_url}/second.html"
    assert obs.tabs[1].title == "Second page"
    assert obs.url == f"{base_url}/second.html"
    fresh.execute(SwitchTab(index=0))
    obs = fresh.observe()
    assert obs.title == "Tabs"
    assert [t.active for t in obs.tabs] == [True, False]
    with pytest.raises(ActionFailed, match="there is no tab 5: 2 tab"):
        fresh.execute(SwitchTab(index=5))


# -- dialogs -------------------------------------------------------------------------------


def _out(env: BrowserEnv) -> str:
    text: str = js(env, "document.getElementById('out').textContent")
    return text


@pytest.mark.parametrize(("accept", "state"), [(True, "deleted"), (False, "kept")])
def test_confirm_waits_for_the_answer(fresh: BrowserEnv, base_url: str, accept: bool, state: str) -> None:
    go(fresh, base_url, "dialogs.html")
    before = fresh.observe()
    result = fresh.execute(Click(point=centre(fresh, "#confirm")))
    assert "confirm dialog opened" in result.detail
    obs = fresh.observe()
    assert obs.dialog is not None
    assert (obs.dialog.kind, obs.dialog.message) == ("confirm", "Delete report.pdf?")
    assert obs.extra == {"stale_frame": True}
    assert obs.image.tobytes() == before.image.tobytes()
    assert obs.context()["dialog"] == {"kind": "confirm", "message": "Delete report.pdf?"}
    answer = fresh.execute(AnswerDialog(accept=accept))
    assert answer.detail == f"confirm dialog {'accepted' if accept else 'dismissed'}"
    assert _out(fresh) == state
    assert fresh.observe().dialog is None
    assert [(e["event"], e["kind"]) for e in fresh.dialog_log[-2:]] == [
        ("opened", "confirm"),
        ("answered", "confirm"),
    ]
    assert fresh.dialog_log[-1]["accept"] is accept


def test_alert_shows_in_the_observation(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "dialogs.html")
    fresh.execute(Click(point=centre(fresh, "#alert")))
    obs = fresh.observe()
    assert obs.dialog is not None and (obs.dialog.kind, obs.dialog.message) == ("alert", "Saved!")
    assert _out_blocked_until_answered(fresh) == "alerted"


def _out_blocked_until_answered(env: BrowserEnv) -> str:
    env.execute(AnswerDialog(accept=True))
    return _out(env)


def test_prompt_is_answered_with_text(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "dialogs.html")
    fresh.execute(Click(point=centre(fresh, "#prompt")))
    obs = fresh.observe()
    assert obs.dialog is not None
    assert (obs.dialog.kind, obs.dialog.default_value) == ("prompt", "anon")
    fresh.execute(AnswerDialog(accept=True, text="Ada Lovelace"))
    assert _out(fresh) == "name=Ada Lovelace"
    assert fresh.dialog_log[-1]["text"] == "Ada Lovelace"


def test_a_dialog_opened_by_a_key_press_is_held_too(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "dialogs.html")
    fresh.execute(MoveTo(point=Point(x=5, y=5)))
    fresh.page.focus("#confirm")
    result = fresh.execute(Hotkey(keys=("enter",)))
    assert "confirm dialog opened" in result.detail
    fresh.execute(AnswerDialog(accept=True))
    assert _out(fresh) == "deleted"


def test_a_dialog_during_page_load_holds_the_navigation(fresh: BrowserEnv, base_url: str) -> None:
    result = fresh.execute(Navigate(url=f"{base_url}/onload.html"))
    assert result.detail == "alert dialog opened and waits for an answer"
    obs = fresh.observe()
    assert obs.dialog is not None and obs.dialog.message == "Welcome back"
    assert obs.size == VIEWPORT
    fresh.execute(AnswerDialog(accept=True))
    assert eventually(lambda: fresh.observe().title, lambda t: t == "Greeted") == "Greeted"


def test_answer_dialog_without_a_dialog_fails(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "dialogs.html")
    with pytest.raises(ActionFailed, match="no dialog is open") as info:
        fresh.execute(AnswerDialog(accept=True))
    assert info.value.action == AnswerDialog(accept=True)


# -- describe, settings, errors -------------------------------------------------------------


def test_describe_names_what_is_under_a_point(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    assert fresh.describe(centre(fresh, "#save")) == "Save changes"
    assert fresh.describe(centre(fresh, "#icon")) == "Close the panel"
    assert fresh.describe(centre(fresh, "#described")) == "Search the docs"
    assert fresh.describe(centre(fresh, "#field")) == "prefilled text"
    assert fresh.describe(Point(x=700, y=550)) is None
    assert fresh.describe(Point(x=10, y=10, space=Space.NORM_1000)) is None


def test_settings_report_the_launch(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    settings = fresh.settings()
    assert settings == {
        "kind": "browser",
        "url": f"{base_url}/form.html",
        "viewport": list(VIEWPORT),
        "device_scale_factor": 1.0,
        "capture": "device",
        "headless": True,
        "chromium": find_chromium(),
        "allow_hosts": None,
        "settle": {"timeout": 2.0, "interval": 0.1, "pixels": False},
    }


def test_a_css_capture_shows_a_hidpi_page_at_its_css_size(base_url: str) -> None:
    # Chromium scales the page down before encoding: one pixel per CSS pixel, scale 1, the
    # same page as at a device scale factor of 1 (to within resampling).
    with BrowserEnv.launch(
        f"{base_url}/clicks.html",
        viewport=VIEWPORT,
        device_scale_factor=2.0,
        chromium=_chromium(),
        capture="css",
    ) as env:
        obs = env.observe()
        assert (obs.size, obs.scale) == (VIEWPORT, 1.0)
        assert env.settings()["capture"] == "css" and env.settings()["device_scale_factor"] == 2.0
        assert env.page.evaluate("window.devicePixelRatio") == 2  # the page still renders at 2x
    with pytest.raises(ConfigError, match="capture must be 'device' or 'css', got 'retina'"):
        BrowserEnv.launch(f"{base_url}/clicks.html", chromium=_chromium(), capture="retina")  # type: ignore[arg-type]


def test_an_undeclared_action_is_refused_before_anything_happens(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "form.html")
    with pytest.raises(UnsupportedAction, match="browser env does not support Home") as info:
        fresh.execute(Home())
    assert info.value.action == Home()
    assert fresh.observe().url == f"{base_url}/form.html"


def test_a_playwright_error_becomes_action_failed(fresh: BrowserEnv, base_url: str) -> None:
    from playwright.sync_api import Error as PlaywrightError

    go(fresh, base_url, "form.html")
    with pytest.raises(ActionFailed, match="Navigate failed") as info:
        fresh.execute(Navigate(url="http://127.0.0.1:1/"))
    assert isinstance(info.value.__cause__, PlaywrightError)
    assert info.value.action == Navigate(url="http://127.0.0.1:1/")
    assert "\n" not in str(info.value)


def test_model_space_points_are_refused(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "clicks.html")
    with pytest.raises(ActionFailed, match=r"map it with Frame\.to_screen"):
        fresh.execute(Click(point=Point(x=100, y=60, space=Space.MODEL_PIXELS)))
    assert js(fresh, "window.clicks") == []


def test_wait_waits(fresh: BrowserEnv) -> None:
    start = time.monotonic()
    fresh.execute(Wait(seconds=0.3))
    assert time.monotonic() - start >= 0.3


def test_a_missing_chromium_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="/nonexistent/chromium"):
        BrowserEnv.launch(chromium="/nonexistent/chromium")


def test_no_chromium_anywhere_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIMO_GUI_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigError, match="apt-get install chromium"):
        find_chromium()


# -- other ways in --------------------------------------------------------------------------


def test_from_page_wraps_a_page_without_owning_its_browser(env: BrowserEnv, base_url: str) -> None:
    browser = env.page.context.browser
    assert browser is not None
    context = browser.new_context(viewport={"width": 500, "height": 300})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/clicks.html")
        with BrowserEnv.from_page(page) as wrapped:
            assert wrapped.observe().size == (500, 300)
            wrapped.execute(Click(point=centre(wrapped, "#b1")))
            assert wrapped.settings()["chromium"] == "external"
        assert page.evaluate("window.clicks.map((c) => c.id)") == ["b1"]
        assert browser.is_connected()
    finally:
        context.close()


def test_connect_attaches_over_cdp_and_leaves_chromium_running(tmp_path: Path, base_url: str) -> None:
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [_chromium(), "--headless", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--window-size=700,500", *CHROMIUM_ARGS, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 20
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        cdp_url = f"http://127.0.0.1:{port}"
        with BrowserEnv.connect(cdp_url) as attached:
            attached.execute(Navigate(url=f"{base_url}/second.html"))
            obs = attached.observe()
            assert obs.title == "Second page"
            assert obs.size[0] > 0
            assert attached.settings()["chromium"] == f"cdp:{cdp_url}"
        time.sleep(0.3)
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_closing_a_from_page_env_does_not_leave_the_owner_s_page_frozen(
    env: BrowserEnv, base_url: str
) -> None:
    browser = env.page.context.browser
    assert browser is not None
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/dialogs.html")
        wrapped = BrowserEnv.from_page(page)
        wrapped.execute(Click(point=centre(wrapped, "#confirm")))
        assert wrapped.observe().dialog is not None
        wrapped.close()
        assert page.evaluate("document.getElementById('out').textContent") == "kept"
        assert [e["event"] for e in wrapped.dialog_log] == ["opened", "dismissed on close"]
    finally:
        context.close()


@pytest.mark.timeout(60)
def test_a_dialog_before_the_first_screenshot_of_a_page_without_viewport_does_not_hang(
    env: BrowserEnv, base_url: str
) -> None:
    # A window-sized page (no_viewport, as over CDP) has no viewport Playwright knows, so the
    # blank stand-in frame's size cannot come from it; asking the page instead would wait
    # for JavaScript the open dialog blocks (observe hung here).
    browser = env.page.context.browser
    assert browser is not None
    context = browser.new_context(no_viewport=True)
    try:
        page = context.new_page()
        page.goto(f"{base_url}/dialogs.html")
        assert page.viewport_size is None
        inner = page.evaluate("[window.innerWidth, window.innerHeight]")
        with BrowserEnv.from_page(page) as wrapped:
            wrapped.execute(Click(point=centre(wrapped, "#confirm")))
            obs = wrapped.observe()
            assert obs.dialog is not None and obs.extra == {"stale_frame": True}
            assert obs.size == (inner[0], inner[1])
    finally:
        context.close()


# -- settling ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settling(base_url: str) -> Iterator[BrowserEnv]:
    with BrowserEnv.launch(
        viewport=VIEWPORT, chromium=_chromium(), settle=Settle(timeout=5.0, pixels=True)
    ) as browser_env:
        yield browser_env


def test_observe_after_an_action_waits_for_the_screen_to_settle(settling: BrowserEnv, base_url: str) -> None:
    # A click starts a 0.8 s CSS transition of a green bar from 0 to 400 px wide; an
    # observation taken at once would show it half grown.
    go(settling, base_url, "animate.html")
    settling.observe()
    settling.execute(Click(point=centre(settling, "#go")))
    obs = settling.observe()
    assert obs.image.getpixel((395, 125)) == (0, 160, 0)
    assert obs.image.getpixel((405, 125)) == (255, 255, 255)


def test_by_default_observe_after_an_action_does_not_wait_for_pixels(
    fresh: BrowserEnv, base_url: str
) -> None:
    # The default (BROWSER_SETTLE) waits for the load event only: one screenshot, taken
    # while the 0.8 s transition is still under way, so the bar is not yet full width.
    assert BROWSER_SETTLE.pixels is False
    go(fresh, base_url, "animate.html")
    fresh.observe()
    fresh.execute(Click(point=centre(fresh, "#go")))
    obs = fresh.observe()
    assert obs.image.getpixel((395, 125)) == (255, 255, 255)


def test_observe_without_an_action_captures_once(fresh: BrowserEnv, base_url: str) -> None:
    go(fresh, base_url, "animate.html")
    fresh.observe()
    fresh.page.evaluate("document.getElementById('grow').classList.add('open')")
    obs = fresh.observe()  # nothing was executed: no waiting, the bar is caught growing
    assert obs.image.getpixel((395, 125)) == (255, 255, 255)
