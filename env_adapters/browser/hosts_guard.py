"""The browser's own ``allow_hosts`` guard: every top-level navigation of every tab is judged.

Installed on the context with Playwright request routing (``BrowserContext.route``), so it
holds whatever starts the navigation: a clicked link, a script (``location.href``, a form
submit, a meta refresh), ``window.open`` or a ``target=_blank`` link (the popup's first
request is routed by the context before its page exists), or our own `Navigate`. A main-frame
navigation to a host the patterns refuse is aborted as ``net::ERR_ABORTED``, which Chromium
answers by keeping the document the tab was on. Subresources (images, XHR) and iframes pass.

A known limit: Playwright routes only a navigation's first request, never its server
redirects (microsoft/playwright#33882), so an allowed host that redirects elsewhere is followed.
Fetching the navigation here and fulfilling it instead would check each hop, but Chromium then
treats the fulfilled document as coming from the public internet and refuses its requests to
loopback and private addresses (Local Network Access), which breaks local sites; it is not done.
Routing turns Chromium's HTTP cache off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..hosts import HostPatterns

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request, Route

__all__ = ["BlockedNavigation", "NavigationGuard"]


@dataclass(frozen=True, slots=True)
class BlockedNavigation:
    """One navigation the guard aborted."""

    url: str

    def describe(self, patterns: HostPatterns) -> str:
        """The one line an action's detail carries."""
        return f"blocked navigation to {self.url} (not in allow_hosts: {patterns})"


class NavigationGuard:
    """Aborts main-frame navigations to hosts ``patterns`` refuses, on every tab of a context."""

    def __init__(self, patterns: HostPatterns) -> None:
        self.patterns = patterns
        self._blocked: list[BlockedNavigation] = []
        self._unseen: list[BlockedNavigation] = []

    def install(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)

    def remove(self, context: BrowserContext) -> None:
        context.unroute("**/*", self._route)

    def take(self) -> list[BlockedNavigation]:
        """The navigations blocked since the last call (for an action's detail)."""
        taken, self._blocked = self._blocked, []
        return taken

    def take_unseen(self) -> list[str]:
        """The URLs blocked since the last look (for `Observation.extra`)."""
        taken, self._unseen = self._unseen, []
        return [b.url for b in taken]

    def _record(self, blocked: BlockedNavigation) -> None:
        self._blocked.append(blocked)
        self._unseen.append(blocked)

    def _route(self, route: Route, request: Request) -> None:
        if not request.is_navigation_request() or not _top_level(request):
            route.fallback()
            return
        url = request.url
        if not self.patterns.allows(url):
            self._record(BlockedNavigation(url))
            route.abort("aborted")
            return
        route.fallback()


def _top_level(request: Request) -> bool:
    try:
        frame = request.frame
    except Exception:  # a popup's first navigation comes before its frame: a top-level one
        return True
    return frame.parent_frame is None
