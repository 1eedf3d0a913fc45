"""`DemoModel`: a stand-in for MiMo-VL that plays the demo sign-in task with no GPU.

It does not look at pixels. It reads the page's own layout report from the demo server
(``GET /api/layout``) and answers in MiMo-VL's agent format, pointing where a real model
would point on the image it was given:

    <think>
    The Username field is empty, so I click it first.
    </think>
    {"action": "click", "start_point": [644, 138]}

The point is in the pixels of the LAST image in the request (the screenshot framed for
the model), computed independently of mimo-gui's `Frame`: a control's centre in CSS px,
divided by the viewport size in CSS px, times the image size. That assumes the framing
stretched the whole viewport over the whole image ("resize" mode). With "pad" mode the
image has blank margins on the right and bottom, so points land slightly off (by the
margin's share, under 28 px): still inside the demo's large controls, but not exact.

Use it as ``ScriptedBackend(DemoModel(server.url), model="scripted-demo ...")``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from ..actions.errors import BackendError, BadResponse
from ..agent.backends.base import CompletionRequest
from .server import ElementRect, LayoutReport

__all__ = ["DEFAULT_PASSWORD", "REVEAL_ABOVE", "REVEAL_BELOW", "DemoModel"]

DEFAULT_PASSWORD = 'correct horse "battery" ünïcødé'
"""Spaces, quotes and non-ASCII: a password that exposes any lossy step on the way to the server."""

# MiMo-VL's agent format names a scroll by the finger's (or scrollbar's) motion, not by the
# content that comes into view: its "down" reveals what is ABOVE, its "up" what is BELOW.
# Whoever parses these answers owns that mapping; these two names pin which word this
# model means.
REVEAL_ABOVE = "down"
"""MiMo's scroll word for "show the content above the viewport"."""
REVEAL_BELOW = "up"
"""MiMo's scroll word for "show the content below the viewport"."""


@dataclass(frozen=True, slots=True)
class _Step:
    """One answer: the thought, the MiMo action object, and the control it is about."""

    thought: str
    action: dict[str, Any]
    target: str | None = None


_LABELS = {"username": "Username field", "password": "Password field", "signin": "Sign in button"}


class DemoModel:
    """Answers each request from the demo page's latest layout report.

    Steps: click Username (unless focused), type the username; the same for Password;
    click Sign in; on the welcome page, ``finished``. A control whose centre is scrolled
    out of view is first brought back with a scroll. Call it once per screenshot: it keeps
    the revision of the report it last used and waits (up to ``fresh_timeout`` seconds)
    for a newer one, since the page reports after each action asynchronously.

    Raises:
        BackendError: the demo server cannot be reached, answers garbage, or the request
            holds no image.
    """

    def __init__(
        self,
        server_url: str,
        *,
        username: str = "alice",
        password: str = DEFAULT_PASSWORD,
        think: bool = True,
        fresh_timeout: float = 1.0,
        welcome_timeout: float = 5.0,
        settle: float = 0.1,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.username = username
        self.password = password
        self.think = think
        self.fresh_timeout = fresh_timeout
        self.welcome_timeout = welcome_timeout
        self.settle = settle
        self._seen_revision = 0
        self._clicked_signin = False

    def __call__(self, request: CompletionRequest) -> str:
        images = request.images()
        if not images:
            raise BackendError("the demo model needs a screenshot in the request", url=self.server_url)
        width, height = images[-1].size
        report = self._fresh_layout()
        if report is None:
            return self._answer("The page has not loaded yet, so I wait for it.", {"action": "wait"})
        self._seen_revision = report.revision
        step = self._decide(report, width, height)
        self._clicked_signin = step.action["action"] == "click" and step.target == "signin"
        return self._answer(step.thought, step.action)

    # -- deciding ---------------------------------------------------------------------------

    def _decide(self, report: LayoutReport, width: int, height: int) -> _Step:
        if report.page == "welcome":
            return _Step(
                "The welcome page is showing, so I am signed in.", {"action": "finished", "status": "success"}
            )
        steps = (("username", self.username), ("password", self.password), ("signin", None))
        for name, text in steps:
            element = self._element(report, name)
            label = _LABELS[name]
            if text is not None and element.value_length > 0:
                continue
            # Typing goes to the focused field wherever it is, so focus beats visibility.
            if text is not None and report.focused == name:
                return _Step(
                    f"The {label} has the focus, so I type into it.", {"action": "input", "text": text}, name
                )
            scroll = _scroll_towards(element, report.viewport[1])
            if scroll is not None:
                where = "above" if scroll == REVEAL_ABOVE else "below"
                thought = f"The {label} is out of view {where}, so I scroll to it."
                return _Step(thought, {"action": "scroll", "direction": scroll}, name)
            x, y = _to_image(element, report.viewport, width, height)
            thought = (
                "Both fields are filled in, so I click the Sign in button."
                if text is None
                else f"The {label} is empty, so I click it."
            )
            return _Step(thought, {"action": "click", "start_point": [x, y]}, name)
        raise AssertionError("unreachable: the Sign in step always answers")

    def _element(self, report: LayoutReport, name: str) -> ElementRect:
        try:
            return report.elements[name]
        except KeyError:
            raise BadResponse(
                f"the sign-in page's layout report lacks {name!r}", url=self.server_url
            ) from None

    def _answer(self, thought: str, action: dict[str, Any]) -> str:
        body = json.dumps(action, ensure_ascii=False)
        return f"<think>\n{thought}\n</think>\n{body}" if self.think else body

    # -- reading the layout -----------------------------------------------------------------

    def _fresh_layout(self) -> LayoutReport | None:
        """The latest report, after waiting for one newer than the last one used.

        After clicking Sign in it waits longer, for the welcome page: the focus moving to
        the button is reported before the navigation, and answering from that report would
        sign in twice. Once a fresh report is there, it waits until ``settle`` seconds pass
        without another, so a burst (one report per typed key) is read at its end.
        Whatever the waits bring, it answers from the latest report there is.
        """
        start = time.monotonic()
        deadline = start + (self.welcome_timeout if self._clicked_signin else self.fresh_timeout)
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            report = self._get(client)
            while time.monotonic() < deadline:
                fresh = report is not None and report.revision > self._seen_revision
                if fresh and (not self._clicked_signin or (report is not None and report.page == "welcome")):
                    break
                time.sleep(0.02)
                report = self._get(client)
            if report is None:
                return None
            settle_until = time.monotonic() + self.settle
            hard_stop = settle_until + 1.0  # a page that never stops reporting must not stall us
            while time.monotonic() < min(settle_until, hard_stop):
                time.sleep(0.02)
                latest = self._get(client)
                if latest is not None and latest.revision != report.revision:
                    report = latest
                    settle_until = time.monotonic() + self.settle
        return report

    def _get(self, client: httpx.Client) -> LayoutReport | None:
        url = f"{self.server_url}/api/layout"
        try:
            response = client.get(url)
        except httpx.HTTPError as e:
            raise BackendError(f"cannot read the demo page's layout: {e}", url=url) from e
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BadResponse(f"the demo server answered {response.status_code} for the layout", url=url)
        try:
            return LayoutReport.model_validate_json(response.content)
        except ValidationError as e:
            raise BadResponse(f"the demo server's layout report does not validate: {e}", url=url) from e


def _scroll_towards(element: ElementRect, viewport_height: float) -> str | None:
    """The scroll word that brings the element's centre into view, or None when it is in view.

    Only vertical: the demo page never scrolls sideways.
    """
    cy = element.center[1]
    if cy < 0:
        return REVEAL_ABOVE
    if cy >= viewport_height:
        return REVEAL_BELOW
    return None


def _to_image(
    element: ElementRect, viewport: tuple[float, float], width: int, height: int
) -> tuple[int, int]:
    """The element's centre in the model image's pixels, assuming the viewport fills the image."""
    cx, cy = element.center
    x = round(cx / viewport[0] * width)
    y = round(cy / viewport[1] * height)
    return min(max(x, 0), width - 1), min(max(y, 0), height - 1)
