"""The demo web app that ``mimo-gui demo`` serves: an "Acme Console" sign-in page.

`DemoServer` is a standard-library HTTP server on 127.0.0.1, in a daemon thread. Besides
the pages it keeps two records that tests and the scripted demo model read:

* every login attempt, exactly as received (``GET /api/logins``);
* the latest layout report the page's own script sent (``GET /api/layout``): where the
  Username, Password and Sign in controls are, in viewport-relative CSS pixels, which
  one has the focus and how much text each field holds.

Routes: ``GET /`` (sign-in page), ``GET /welcome?user=NAME``, ``GET /static/NAME``,
``POST /api/login`` (JSON ``{"username", "password"}`` or a plain form post),
``GET /api/logins``, ``POST /api/layout``, ``GET /api/layout`` (404 until a report arrived).

Run ``python -m mimo_gui.demo.server [--port N]`` to serve it on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["DemoServer", "ElementRect", "LayoutReport", "LoginAttempt", "main"]

MAX_BODY = 64 * 1024
"""Largest request body accepted: reports and logins are a few hundred bytes."""

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


class LoginAttempt(BaseModel):
    """One submitted sign-in form, as received."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    password: str


class ElementRect(BaseModel):
    """A control's ``getBoundingClientRect()`` (viewport-relative CSS px) and its text length."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    width: float = Field(ge=0)
    height: float = Field(ge=0)
    value_length: int = Field(default=0, ge=0)
    """Code points in an input's value; 0 for a button."""

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


class LayoutReport(BaseModel):
    """What the page's ``layout.js`` reports on load, scroll, resize, focus changes and input."""

    model_config = ConfigDict(frozen=True)

    viewport: tuple[float, float]
    """``innerWidth, innerHeight`` in CSS px: the area a screenshot of the page covers."""
    dpr: float = Field(gt=0)
    scroll: tuple[float, float]
    page: Literal["login", "welcome"]
    focused: str | None
    """The id of the focused element, or None."""
    elements: dict[str, ElementRect]
    """``username``, ``password``, ``signin`` on the sign-in page; empty on the welcome page."""
    seq: int = Field(ge=0)
    """Counts reports within one page load (``doc``)."""
    doc: str
    """Random per page load, so reports of different loads can be told apart."""
    time: float
    """When the page made the report, epoch milliseconds (orders reports across page loads)."""
    revision: int = 0
    """Set by the server when it keeps a report: grows with every kept report, never reset,
    so a reader can wait for a report newer than the last one it used."""

    def is_newer_than(self, other: LayoutReport) -> bool:
        """Whether this report describes a later state than ``other`` (they may arrive out of order)."""
        if self.doc == other.doc:
            return self.seq > other.seq
        return self.time >= other.time


@dataclass
class _State:
    """What the server remembers; every access holds ``lock`` (requests run on many threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    logins: list[LoginAttempt] = field(default_factory=list)
    layout: LayoutReport | None = None
    revision: int = 0

    def record_layout(self, report: LayoutReport) -> bool:
        with self.lock:
            if self.layout is not None and not report.is_newer_than(self.layout):
                return False
            self.revision += 1
            self.layout = report.model_copy(update={"revision": self.revision})
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Chromium opens several connections at once; the default backlog of 5 can refuse some.
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], state: _State, static: Traversable, quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.static = static
        self.quiet = quiet

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A page that navigates away drops its keepalive connections; not worth a traceback.
        if not self.quiet:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "AcmeConsoleDemo/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    # -- responses --------------------------------------------------------------------------

    def _send(
        self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # Pages and reports change between requests of one test: never serve a cached copy.
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: HTTPStatus, payload: Any) -> None:
        self._send(
            status, json.dumps(payload, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        )

    def _static(self, name: str) -> bytes | None:
        # Only names that exist directly in static/ are served: no path can climb out of it.
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return None
        entry = self.server.static.joinpath(name)
        return entry.read_bytes() if entry.is_file() else None

    # -- GET --------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        state = self.server.state
        if url.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self._static("login.html") or b"", _CONTENT_TYPES[".html"])
        elif url.path == "/welcome":
            user = parse_qs(url.query).get("user", [""])[0]
            page = (self._static("welcome.html") or b"").decode()
            page = page.replace("{{username}}", html.escape(user))
            self._send(HTTPStatus.OK, page.encode(), _CONTENT_TYPES[".html"])
        elif url.path.startswith("/static/"):
            name = url.path.removeprefix("/static/")
            body = self._static(name)
            suffix = name[name.rfind(".") :] if "." in name else ""
            if body is None or suffix not in _CONTENT_TYPES:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no such file: {name}"})
            else:
                self._send(HTTPStatus.OK, body, _CONTENT_TYPES[suffix])
        elif url.path == "/api/logins":
            with state.lock:
                logins = [a.model_dump() for a in state.logins]
            self._json(HTTPStatus.OK, logins)
        elif url.path == "/api/layout":
            with state.lock:
                layout = state.layout
            if layout is None:
                self._json(HTTPStatus.NOT_FOUND, {"error": "no layout reported yet"})
            else:
                self._json(HTTPStatus.OK, layout.model_dump(mode="json"))
        elif url.path == "/favicon.ico":
            self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {url.path}"})

    def do_HEAD(self) -> None:
        self.do_GET()  # _send leaves the body out for HEAD

    # -- POST -------------------------------------------------------------------------------

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body missing or too large"})
            return None
        return self.rfile.read(length)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path not in ("/api/login", "/api/layout"):
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})
            return
        body = self._body()
        if body is None:
            return
        if path == "/api/layout":
            self._post_layout(body)
        else:
            self._post_login(body)

    def _post_layout(self, body: bytes) -> None:
        try:
            report = LayoutReport.model_validate_json(body)
        except ValidationError as e:
            self._json(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(e)})
            return
        kept = self.server.state.record_layout(report)
        self._json(HTTPStatus.OK, {"kept": kept})

    def _post_login(self, body: bytes) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        is_form = content_type == "application/x-www-form-urlencoded"
        try:
            if is_form:
                # keep_blank_values: an empty password is still an attempt, recorded as "".
                fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
                attempt = LoginAttempt(
                    username=fields.get("username", [""])[0], password=fields.get("password", [""])[0]
                )
            else:
                attempt = LoginAttempt.model_validate_json(body)
        except (ValidationError, UnicodeDecodeError) as e:
            self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": f"unreadable sign-in request: {e}"})
            return
        with self.server.state.lock:
            self.server.state.logins.append(attempt)
        if not attempt.username or not attempt.password:
            self._json(
                HTTPStatus.BAD_REQUEST, {"ok": False, "error": "Enter both a username and a password."}
            )
            return
        welcome = "/welcome?user=" + quote(attempt.username, safe="")
        if is_form:
            self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": welcome})
        else:
            self._json(HTTPStatus.OK, {"ok": True, "welcome": welcome})


class DemoServer:
    """The demo app on ``host:port`` (port 0: any free port), served from a daemon thread.

    Use as a context manager, or call `start` and `stop`. `url` is known once started.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True) -> None:
        self._address = (host, port)
        self._quiet = quiet
        self._state = _State()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` without a trailing slash."""
        if self._server is None:
            raise RuntimeError("the demo server is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoServer:
        """Bind and start serving; returns self. Starting a running server does nothing."""
        if self._server is None:
            static = files(__package__ or "mimo_gui.demo").joinpath("static")
            self._server = _Server(self._address, self._state, static, self._quiet)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name="demo-server",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Stopping a stopped server does nothing."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget the recorded logins and layout (the layout revision keeps counting up)."""
        with self._state.lock:
            self._state.logins.clear()
            self._state.layout = None

    def logins(self) -> list[LoginAttempt]:
        """The login attempts recorded so far, oldest first."""
        with self._state.lock:
            return list(self._state.logins)

    def layout(self) -> LayoutReport | None:
        """The latest layout report kept, or None."""
        with self._state.lock:
            return self._state.layout


def main(argv: list[str] | None = None) -> None:
    """Serve the demo until interrupted, printing its URL."""
    parser = argparse.ArgumentParser(
        prog="python -m mimo_gui.demo.server", description="Serve the Acme Console demo app on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    with DemoServer(port=args.port, quiet=not args.verbose) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
