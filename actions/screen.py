"""What is in front besides the pixels: the page or app, its tabs, a dialog waiting.

Adapters fill a `ScreenContext` in each `Observation`; prompts render it for the model and
records store its JSON form. It lives here, in the bottom layer, because `env_adapters`
writes it and `prompts` reads it, and neither may import the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Dialog", "ScreenContext", "Tab"]


@dataclass(frozen=True, slots=True)
class Tab:
    """An open browser tab, as the model is told about it."""

    index: int
    title: str
    url: str
    active: bool


@dataclass(frozen=True, slots=True)
class Dialog:
    """A browser dialog waiting for an answer (``alert``, ``confirm``, ``prompt``, ``beforeunload``)."""

    kind: str
    message: str
    default_value: str = ""


@dataclass(frozen=True, slots=True)
class ScreenContext:
    """The non-image part of one look at the screen, typed.

    Attributes:
        url, title: the page in front (browser), where the platform can tell.
        app: the application or Android package in front.
        tabs: open browser tabs (empty elsewhere).
        dialog: a browser dialog waiting for an answer.
    """

    url: str | None = None
    title: str | None = None
    app: str | None = None
    tabs: tuple[Tab, ...] = ()
    dialog: Dialog | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form records store (keys left out when empty)."""
        out: dict[str, Any] = {}
        for key in ("url", "title", "app"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        if self.tabs:
            out["tabs"] = [
                {"index": t.index, "title": t.title, "url": t.url, "active": t.active} for t in self.tabs
            ]
        if self.dialog:
            out["dialog"] = {"kind": self.dialog.kind, "message": self.dialog.message}
            if self.dialog.default_value:  # a prompt's pre-filled answer: what accepting it sends
                out["dialog"]["default_value"] = self.dialog.default_value
        return out
