"""The demo app (a real HTTP server on 127.0.0.1) and the scripted demo model.

The first half talks to the server with httpx only; the second drives the page with
Debian's Chromium through Playwright and is skipped where either is missing.
"""

from __future__ import annotations

import io
import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.demo.scripted_model import DEFAULT_PASSWORD, REVEAL_ABOVE, REVEAL_BELOW, DemoModel
from mimo_gui.demo.server import DemoServer
from mimo_gui.prompts.messages import ImagePart, Message, TextPart

CHROMIUM = Path("/usr/bin/chromium")
VIEWPORT = (1280, 800)
MODEL_IMAGE = (1288, 812)
"""What smart_resize makes of a 1280x800 screenshot: the size a framed screenshot has."""
TRICKY_PASSWORD = "  pa ss 'q' \"dq\" ünïcødé 密码 🔑 + & = % "


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(server: DemoServer) -> None:
    server.reset()


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5, trust_env=False) as c:
        yield c


def request_with(image: Image.Image) -> CompletionRequest:
    return CompletionRequest(messages=(Message("user", (ImagePart(image), TextPart("Sign in as alice."))),))


def split_answer(answer: str) -> tuple[str, dict[str, Any]]:
    """MiMo's agent format: a think block, then one JSON object."""
    assert answer.startswith("<think>\n"), answer
    thought, _, action = answer.removeprefix("<think>\n").partition("\n</think>\n")
    assert thought and "\n" not in thought, answer
    parsed: dict[str, Any] = json.loads(action)
    return thought, parsed


def report(
    page: str = "login",
    *,
    seq: int = 1,
    doc: str = "d1",
    time_ms: float = 1000.0,
    scroll_y: float = 0,
    focused: str | None = None,
    filled: tuple[int, int] = (0, 0),
) -> dict[str, Any]:
    """A layout report as layout.js would send it for the login form at its usual place."""
    elements = {
        "username": {"x": 440, "y": 150 - scroll_y, "width": 400, "height": 42, "value_length": filled[0]},
        "password": {"x": 440, "y": 230 - scroll_y, "width": 400, "height": 42, "value_length": filled[1]},
        "signin": {"x": 440, "y": 300 - scroll_y, "width": 400, "height": 44, "value_length": 0},
    }
    return {
        "viewport": list(VIEWPORT),
        "dpr": 1,
        "scroll": [0, scroll_y],
        "page": page,
        "focused": focused,
        "elements": elements if page == "login" else {},
        "seq": seq,
        "doc": doc,
        "time": time_ms,
    }


# -- the server, over plain HTTP ---------------------------------------------------------------


def test_pages_and_static_files(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for needle in (
        "Acme Console",
        '<label for="username">Username</label>',
        'aria-label="Password"',
        "Sign in",
    ):
        assert needle in page.text
    assert client.get("/static/layout.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").status_code == 200
    for bad in (
        "/static/../server.py",
        "/static/..%2Fserver.py",
        "/static/nope.js",
        "/static/",
        "/elsewhere",
    ):
        assert client.get(bad).status_code == 404, bad


def test_logins_are_recorded_exactly(server: DemoServer, client: httpx.Client) -> None:
    as_json = client.post("/api/login", json={"username": "alice", "password": TRICKY_PASSWORD})
    assert as_json.json() == {"ok": True, "welcome": "/welcome?user=alice"}
    as_form = client.post(
        "/api/login",
        content=urllib.parse.urlencode({"username": "bö b", "password": TRICKY_PASSWORD}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert as_form.status_code == 303
    assert as_form.headers["location"] == "/welcome?user=b%C3%B6%20b"
    empty = client.post("/api/login", json={"username": "carol", "password": ""})
    assert empty.status_code == 400 and empty.json()["ok"] is False
    assert client.post("/api/login", json={"username": 1, "password": "x"}).status_code == 400

    expected = [
        {"username": "alice", "password": TRICKY_PASSWORD},
        {"username": "bö b", "password": TRICKY_PASSWORD},
        {"username": "carol", "password": ""},
    ]
    assert client.get("/api/logins").json() == expected
    assert [a.model_dump() for a in server.logins()] == expected


def test_welcome_page_escapes_the_name(client: httpx.Client) -> None:
    page = client.get("/welcome", params={"user": "<b>mallory</b> & co"})
    assert 'Welcome, <span id="who">&lt;b&gt;mallory&lt;/b&gt; &amp; co</span>' in page.text


def test_layout_keeps_the_latest_state_and_reset_clears(server: DemoServer, client: httpx.Client) -> None:
    assert client.get("/api/layout").status_code == 404
    assert client.post("/api/layout", json=report(seq=2)).json() == {"kept": True}
    first = client.get("/api/layout").json()
    assert first["seq"] == 2 and first["elements"]["username"]["x"] == 440
    # An older report of the same page load arriving late must not win.
    assert client.post("/api/layout", json=report(seq=1, focused="username")).json() == {"kept": False}
    # Nor one from an earlier page load (the sign-in page, after the welcome page has loaded).
    assert client.post("/api/layout", json=report("welcome", doc="d2", time_ms=2000)).json() == {"kept": True}
    assert client.post("/api/layout", json=report(doc="d1", seq=3, time_ms=1500)).json() == {"kept": False}
    latest = client.get("/api/layout").json()
    assert latest["page"] == "welcome" and latest["revision"] > first["revision"]
    assert client.post("/api/layout", json={"viewport": "wide"}).status_code == 422

    client.post("/api/login", json={"username": "a", "password": "b"})
    server.reset()
    assert client.get("/api/layout").status_code == 404
    assert client.get("/api/logins").json() == []
    assert server.layout() is None
    # Revisions keep growing across a reset, so a reader never mistakes a new report for an old one.
    client.post("/api/layout", json=report(seq=1, doc="d3", time_ms=3000))
    assert client.get("/api/layout").json()["revision"] > latest["revision"]


def test_server_stops_and_frees_the_port() -> None:
    s = DemoServer().start()
    url = s.url
    assert httpx.get(url + "/", trust_env=False).status_code == 200
    s.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", trust_env=False, timeout=1)
    with pytest.raises(RuntimeError):
        _ = s.url


# -- the scripted model, from reports posted by hand -------------------------------------------


def test_model_plays_the_form_from_reports(client: httpx.Client, server: DemoServer) -> None:
    model = DemoModel(server.url, fresh_timeout=0.3, welcome_timeout=0.3, settle=0.05)
    image = Image.new("RGB", MODEL_IMAGE)
    scale_x, scale_y = VIEWPORT[0] / MODEL_IMAGE[0], VIEWPORT[1] / MODEL_IMAGE[1]

    steps: list[tuple[dict[str, Any], str, Any]] = [
        (report(seq=1), "click", (640, 171)),
        (report(seq=2, focused="username"), "input", "alice"),
        (report(seq=3, focused="username", filled=(5, 0)), "click", (640, 251)),
        (report(seq=4, focused="password", filled=(5, 0)), "input", DEFAULT_PASSWORD),
        (report(seq=5, focused="password", filled=(5, 30)), "click", (640, 322)),
        (report("welcome", doc="d2", time_ms=2000), "finished", None),
    ]
    for posted, kind, expected in steps:
        client.post("/api/layout", json=posted)
        thought, action = split_answer(model(request_with(image)))
        assert action["action"] == kind, (thought, action)
        if kind == "click":
            x, y = action["start_point"]
            assert isinstance(x, int) and isinstance(y, int)
            assert abs(x * scale_x - expected[0]) <= 1 and abs(y * scale_y - expected[1]) <= 1
        elif kind == "input":
            assert action == {"action": "input", "text": expected}
        else:
            assert action == {"action": "finished", "status": "success"}


def test_model_scrolls_towards_hidden_controls(client: httpx.Client, server: DemoServer) -> None:
    model = DemoModel(server.url, think=False, fresh_timeout=0.2, settle=0.02)
    image = Image.new("RGB", MODEL_IMAGE)
    client.post("/api/layout", json=report(seq=1, scroll_y=900))
    answer = model(request_with(image))
    assert json.loads(answer) == {"action": "scroll", "direction": REVEAL_ABOVE}
    assert answer == json.dumps({"action": "scroll", "direction": REVEAL_ABOVE})

    below = report(seq=2)
    below["elements"]["username"]["y"] = 900
    client.post("/api/layout", json=below)
    assert json.loads(model(request_with(image))) == {"action": "scroll", "direction": REVEAL_BELOW}

    # A focused field takes the text even while it is out of view.
    client.post("/api/layout", json=report(seq=3, scroll_y=900, focused="username"))
    assert json.loads(model(request_with(image))) == {"action": "input", "text": "alice"}


def test_model_without_a_report_waits_and_without_an_image_fails(server: DemoServer) -> None:
    model = DemoModel(server.url, fresh_timeout=0.1, settle=0.01)
    _, action = split_answer(model(request_with(Image.new("RGB", MODEL_IMAGE))))
    assert action == {"action": "wait"}
    from mimo_gui.actions.errors import BackendError

    with pytest.raises(BackendError):
        model(CompletionRequest(messages=(Message.text("user", "no image"),)))


# -- the real page in Chromium ------------------------------------------------------------------

browser_only = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture(params=[1, 2], ids=["dpr1", "dpr2"])
def page(request: pytest.FixtureRequest, browser: Any, server: DemoServer) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]}, device_scale_factor=request.param
    )
    p = context.new_page()
    p.goto(server.url + "/")
    yield p
    context.close()


def current_report(page: Any, server: DemoServer) -> dict[str, Any]:
    """The report for the page's current state, once it has reached the server.

    The barrier (an animation frame, then a task) lets pending scroll events and the
    report they schedule run; the page's own counter then says which report to wait for.
    """
    doc, seq = page.evaluate(
        "() => new Promise(r => requestAnimationFrame(() => setTimeout("
        "() => r([acmeLayout.doc, acmeLayout.seq]), 0)))"
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        got = httpx.get(server.url + "/api/layout", trust_env=False)
        if got.status_code == 200:
            body: dict[str, Any] = got.json()
            if body["doc"] == doc and body["seq"] >= seq:
                return body
        time.sleep(0.02)
    raise AssertionError(f"no layout report {doc}/{seq} reached the server")


def assert_rects_match(page: Any, server: DemoServer) -> dict[str, Any]:
    got = current_report(page, server)
    assert got["viewport"] == list(VIEWPORT)
    assert got["scroll"] == [page.evaluate("scrollX"), page.evaluate("scrollY")]
    for name in ("username", "password", "signin"):
        box = page.locator(f"#{name}").bounding_box()
        rect = got["elements"][name]
        for key in ("x", "y", "width", "height"):
            assert abs(rect[key] - box[key]) <= 1, (name, key, rect, box)
    return got


@browser_only
def test_login_page_loads(page: Any) -> None:
    assert page.title().startswith("Acme Console")
    assert page.get_by_label("Username").is_visible()
    assert page.get_by_label("Password").get_attribute("type") == "password"
    assert page.get_by_role("button", name="Sign in").is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * VIEWPORT[1]


@browser_only
def test_browser_login_records_the_exact_password(page: Any, server: DemoServer) -> None:
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TRICKY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/welcome?user=alice")
    assert page.locator("#welcome").inner_text() == "Welcome, alice"
    assert [a.model_dump() for a in server.logins()] == [{"username": "alice", "password": TRICKY_PASSWORD}]
    assert current_report(page, server)["page"] == "welcome"


@browser_only
def test_form_works_without_javascript(browser: Any, server: DemoServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        p = context.new_page()
        p.goto(server.url + "/")
        p.get_by_label("Username").fill("bob")
        p.get_by_label("Password").fill(TRICKY_PASSWORD)
        p.get_by_role("button", name="Sign in").click()
        p.wait_for_url("**/welcome?user=bob")
        assert p.locator("#welcome").inner_text() == "Welcome, bob"
    finally:
        context.close()
    assert [a.model_dump() for a in server.logins()] == [{"username": "bob", "password": TRICKY_PASSWORD}]
    assert server.layout() is None  # no script, no reports


@browser_only
def test_layout_report_matches_playwrights_boxes(page: Any, server: DemoServer, request: Any) -> None:
    dpr = request.node.callspec.params["page"]
    got = assert_rects_match(page, server)
    assert got["dpr"] == dpr and got["page"] == "login" and got["focused"] is None

    page.evaluate("window.scrollTo(0, 137)")
    got = assert_rects_match(page, server)
    assert got["scroll"] == [0, 137]

    page.locator("#password").click()
    page.keyboard.type("ü x")
    got = assert_rects_match(page, server)
    assert got["focused"] == "password"
    assert got["elements"]["password"]["value_length"] == 3
    assert got["elements"]["username"]["value_length"] == 0


def screenshot(page: Any) -> Image.Image:
    """A screenshot, retried while a navigation (after Sign in) detaches the page, as an env would."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(20):
        try:
            return Image.open(io.BytesIO(page.screenshot(timeout=1500))).convert("RGB")
        except PlaywrightError:
            page.wait_for_timeout(100)
    raise AssertionError("no screenshot could be taken")


@browser_only
def test_model_signs_in_from_real_screenshots(page: Any, server: DemoServer) -> None:
    """The demo loop by hand: screenshot, frame it to the model's size, ask, act."""
    backend = ScriptedBackend(DemoModel(server.url), model="scripted-demo (reads the page layout)")
    # Start scrolled away from the form, so the model has to bring it back first.
    page.evaluate("window.scrollTo(0, 1200)")
    current_report(page, server)

    kinds: list[str] = []
    for _ in range(16):
        shot = screenshot(page)
        dpr = page.evaluate("devicePixelRatio")
        assert shot.size == (VIEWPORT[0] * dpr, VIEWPORT[1] * dpr)
        framed = shot.resize(MODEL_IMAGE)
        _, action = split_answer(backend.complete(request_with(framed)).text)
        kinds.append(action["action"])
        if action["action"] == "finished":
            break
        if action["action"] == "click":
            x = action["start_point"][0] * VIEWPORT[0] / MODEL_IMAGE[0]
            y = action["start_point"][1] * VIEWPORT[1] / MODEL_IMAGE[1]
            target = (
                "username"
                if kinds.count("click") == 1
                else "password"
                if kinds.count("click") == 2
                else "signin"
            )
            box = page.locator(f"#{target}").bounding_box()
            assert box["x"] <= x <= box["x"] + box["width"], (target, x, box)
            assert box["y"] <= y <= box["y"] + box["height"], (target, y, box)
            page.mouse.click(x, y)
        elif action["action"] == "input":
            page.keyboard.type(action["text"])
        elif action["action"] == "scroll":
            page.mouse.wheel(0, -400 if action["direction"] == REVEAL_ABOVE else 400)
        else:
            raise AssertionError(f"unexpected action {action}")

    assert kinds[0] == "scroll"
    assert [k for k in kinds if k != "scroll"] == ["click", "input", "click", "input", "click", "finished"]
    assert page.locator("#welcome").inner_text() == "Welcome, alice"
    assert [a.model_dump() for a in server.logins()] == [{"username": "alice", "password": DEFAULT_PASSWORD}]
