"""Screenshots of a tab: settled after an action, retried when Chromium stalls, and the
last frame again while a dialog blocks the tab (a screenshot hangs then, Playwright's and
CDP's alike; a headless dialog is not drawn anyway).

Where it gives the same pixels, a tab is captured with CDP's own ``Page.captureScreenshot``
and ``optimizeForSpeed`` (zlib at its fastest level: still lossless PNG, decoded twice as
fast): about 45 ms after a click against Playwright's 60–80 ms. "Same pixels" is checked, not assumed:
the first capture of each tab is taken both ways, and the tab keeps the CDP path only if
the two images are equal pixel for pixel (they are at device scale factor 1, and at 2 for
``css`` captures; at 2 a plain CDP capture is CSS-sized, so ``device`` capture keeps
Playwright's). Any CDP failure sends the tab back to Playwright for good.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PIL import Image

from ...actions import CaptureFailed
from ..settle import Settle
from .dialogs import DialogDesk
from .errors import first_line, playwright_errors, suppressed

if TYPE_CHECKING:
    from playwright.sync_api import CDPSession, Page

__all__ = ["Camera"]

_CAPTURE_TIMEOUT_MS = 5_000
_CAPTURE_TRIES = 3


class Camera:
    """Takes the screenshots of one browser context's tabs.

    Args:
        dialogs: where to ask whether a dialog blocks a tab.
        settle: how long to wait for the screen to settle after an action.
        css: capture one pixel per CSS pixel (Chromium scales the page down before encoding:
            at a device scale factor of 2 a quarter of the pixels to encode, send and frame).
    """

    def __init__(self, dialogs: DialogDesk, settle: Settle, *, css: bool = False) -> None:
        self.settle = settle
        self.css = css
        self._dialogs = dialogs
        self._frames: dict[int, Image.Image] = {}
        self._fast: dict[int, tuple[Page, CDPSession | None]] = {}
        """Per tab: its CDP session when the fast path gives Playwright's pixels, None when not
        (the tab is kept beside it: an id alone may be reused by a later tab)."""

    def look(
        self, page: Page, *, settle: bool, blank_size: Callable[[], tuple[int, int]]
    ) -> tuple[Image.Image, bytes | None]:
        """The tab as an RGB image, with Chromium's PNG; ``(last frame, None)`` while a dialog blocks it.

        Args:
            page: the tab.
            settle: wait for the screen to settle first (an action ran since the last look).
            blank_size: the physical size of a white frame, for a tab blocked before its
                first screenshot.

        Raises:
            CaptureFailed: the screenshot failed on every try.
            EnvUnreachable: the browser is gone.
        """
        png = None if self._dialogs.is_open_on(page) else self._capture(page, settle=settle)
        if png is None:
            frame = self._frames.get(id(page))
            stale = frame.copy() if frame is not None else Image.new("RGB", blank_size(), (255, 255, 255))
            return stale, None
        decoded = Image.open(io.BytesIO(png))
        decoded.load()
        # Chromium's PNGs are RGB already: convert only otherwise, to spare a copy per step.
        image = decoded if decoded.mode == "RGB" else decoded.convert("RGB")
        self._frames = {id(page): image}
        return image, png

    def forget(self) -> None:
        """Drop the frames kept for blocked tabs, and what was learnt about each tab."""
        self._frames.clear()
        self._fast.clear()

    def _capture(self, page: Page, *, settle: bool) -> bytes | None:
        """The tab's PNG, settled if asked; None when a dialog opened meanwhile."""
        if not settle:
            return self._screenshot(page)
        deadline = self.settle.deadline()
        # The page's own "ready" signal first; a page still loading at the deadline is
        # captured as it is: the model may want to wait.
        with suppressed():
            page.wait_for_load_state("load", timeout=max(1.0, (deadline - time.monotonic()) * 1000))
        return self.settle.until_still(lambda: self._screenshot(page), deadline=deadline).frame

    def _screenshot(self, page: Page) -> bytes | None:
        last: CaptureFailed | None = None
        for _ in range(_CAPTURE_TRIES):
            if self._dialogs.is_open_on(page):
                return None
            try:
                # Headless Chromium sometimes never answers a screenshot right after a
                # navigation; a short timeout and another try gets past it.
                with playwright_errors(f"screenshot of {page.url} failed", fallback=CaptureFailed):
                    return self._png(page)
            except CaptureFailed as exc:
                last = exc
        reason = first_line(last.__cause__) if last and last.__cause__ else "?"
        raise CaptureFailed(f"screenshot of {page.url} failed {_CAPTURE_TRIES} times: {reason}") from last

    def _png(self, page: Page) -> bytes:
        """One PNG of the tab: through CDP where that was proven to give Playwright's pixels."""
        from playwright.sync_api import Error, TimeoutError

        known = self._fast.get(id(page))
        if known is None or known[0] is not page:
            png = self._playwright_png(page)
            self._fast[id(page)] = (page, _fast_session_if_equal(page, png))
            return png
        session = known[1]
        if session is None:
            return self._playwright_png(page)
        try:
            return _cdp_png(session)
        except TimeoutError:
            raise  # the tab is busy, not the path broken: the caller's retries decide
        except Error:
            # A detached session or a CDP refusal: this tab goes back to Playwright for good.
            self._fast[id(page)] = (page, None)
            return self._playwright_png(page)

    def _playwright_png(self, page: Page) -> bytes:
        # caret="initial": the caret stays as the page draws it (headless Chromium does not
        # blink it), as a CDP capture shows it; hiding it costs a style change in every frame.
        return page.screenshot(
            type="png", timeout=_CAPTURE_TIMEOUT_MS, scale="css" if self.css else "device", caret="initial"
        )


def _cdp_png(session: CDPSession) -> bytes:
    reply = session.send(
        "Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}, timeout=_CAPTURE_TIMEOUT_MS
    )
    return base64.b64decode(reply["data"])


def _fast_session_if_equal(page: Page, reference: bytes) -> CDPSession | None:
    """A CDP session on ``page`` if its capture equals ``reference`` pixel for pixel, else None."""
    try:
        session = page.context.new_cdp_session(page)
        fast = _cdp_png(session)
    except Exception:  # a closed tab, a refused or timed-out session: Playwright it is
        return None
    expected = Image.open(io.BytesIO(reference)).convert("RGB")
    got = Image.open(io.BytesIO(fast)).convert("RGB")
    if got.size != expected.size or got.tobytes() != expected.tobytes():
        with suppressed():
            session.detach()
        return None
    return session
