"""A stand-in model for flows on the bundled demo app: answers what a flow's steps ask.

It reads the demo server's records instead of pixels: the page's layout report (where the
Username, Password and Sign in controls are, which page shows), the sign-ins received,
and the sign-in page's HTML (the release notes). Each request is told apart by the prompt
the agent sent (grounding, check, ask, query) and answered in MiMo-VL's formats, with
points in the pixels of the image it was sent. Every request is kept, for the tests.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image

from mimo_gui.demo.server import DemoServer

_GROUND = re.compile(r'Locate UI components that match the command: "(.*?)"\.', re.S)
_CHECK = re.compile(r'Decide whether this statement is true of the screen shown: "(.*?)"', re.S)
_TARGETS = (("username", "username"), ("password", "password"), ("sign in", "signin"))


def request_text(body: dict[str, Any]) -> str:
    """Every text part of a chat request, joined."""
    parts: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        else:
            parts.extend(p["text"] for p in content or [] if p.get("type") == "text")
    return "\n".join(parts)


@dataclass
class DemoFlowModel:
    """The chat server's responder (``serve_chat(model)``) for flows on ``server``."""

    server: DemoServer
    texts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, body: dict[str, Any], images: list[Image.Image]) -> str:
        text = request_text(body)
        with self.lock:
            self.texts.append(text)
        if found := _GROUND.search(text):
            return self.ground(found.group(1), images[-1].size)
        if found := _CHECK.search(text):
            passed, reason = self.judge(found.group(1))
            return json.dumps({"passed": passed, "reason": reason})
        if "matching this JSON Schema" in text:
            return self.query(text)
        return self.ask(text)

    # -- the kinds ---------------------------------------------------------------------------

    def ground(self, description: str, size: tuple[int, int]) -> str:
        layout = self.server.layout()
        assert layout is not None, "the page has not reported its layout"
        name = next(n for word, n in _TARGETS if word in description.lower())
        rect = layout.elements[name]
        w, h = size
        vw, vh = layout.viewport
        box = [
            rect.x / vw * w,
            rect.y / vh * h,
            (rect.x + rect.width) / vw * w,
            (rect.y + rect.height) / vh * h,
        ]
        return json.dumps([{"bbox_2d": [round(v) for v in box], "label": description}])

    def judge(self, statement: str) -> tuple[bool, str]:
        layout = self.server.layout()
        page = layout.page if layout is not None else None
        if greets := re.fullmatch(r"the page greets (.+)", statement):
            logins = self.server.logins()
            user = logins[-1].username if logins else None
            ok = page == "welcome" and user == greets.group(1)
            return ok, f"the {page} page shows, greeting {user if page == 'welcome' else 'nobody'}"
        if statement == "the sign-in form is showing":
            return page == "login", f"the {page} page shows"
        if count := re.fullmatch(r"the release notes list (\d+) versions", statement):
            listed = len(self.versions())
            return listed == int(count.group(1)), f"{listed} versions are listed"
        return False, f"cannot tell whether {statement!r}"

    def ask(self, text: str) -> str:
        if "Who is signed in?" in text:
            logins = self.server.logins()
            return logins[-1].username if logins else "nobody"
        return "I do not know"

    def query(self, text: str) -> str:
        versions = self.versions()
        return json.dumps({"count": len(versions), "versions": versions, "newest": versions[0]})

    def versions(self) -> list[str]:
        html = httpx.get(f"{self.server.url}/", trust_env=False).text
        return re.findall(r"<h3>(.*?)</h3>", html)
