"""Finding, checking and starting Chromium, and the thread's one sync Playwright.

Everything here runs before a page exists: the checks (`check_viewport`, `require_display`)
run before Chromium starts, so a bad flag costs no browser start.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import shutil
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any

from ...actions import ConfigError, EnvUnreachable
from .errors import is_gone, playwright_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

__all__ = [
    "CHROMIUM_ARGS",
    "VIEWPORT_SIDES",
    "check_scale",
    "check_viewport",
    "connect_browser",
    "find_chromium",
    "launch_browser",
    "release_playwright",
    "require_display",
]

CHROMIUM_ARGS = (
    "--no-sandbox",  # needed as root (containers, CI); harmless otherwise
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
"""Flags every launched Chromium gets."""

VIEWPORT_SIDES = (100, 10_000)
"""The smallest and largest viewport side `check_viewport` accepts, in CSS pixels.

Below 100 px pages lay out as nothing useful; above 10,000 px one RGB screenshot is
300 MB or more per step.
"""

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
_UNAWAITED = (
    r"coroutine '(_wait|(Page|Frame|Mouse|Keyboard|Dialog|BrowserContext|BrowserType|Browser|Playwright"
    r"|Channel|Connection)\.\w+"
    # Playwright's stop() builds the loop's shutdown_asyncgens() before running it; a stop
    # cut short by the signal (seen under load, SIGTERM) leaves that coroutine unawaited.
    r"|BaseEventLoop\.shutdown_asyncgens)' was never awaited"
)


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable to launch: ``explicit``, else ``$MIMO_GUI_CHROMIUM``, else one on PATH.

    Raises:
        ConfigError: the named executable does not exist, or none is found.
    """
    named = explicit or os.environ.get("MIMO_GUI_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            source = "--chromium" if explicit else "MIMO_GUI_CHROMIUM"
            raise ConfigError(f"Chromium executable {named!r} (from {source}) not found or not executable")
        return found
    for candidate in _CANDIDATES:
        if found := shutil.which(candidate):
            return found
    raise ConfigError(
        "no Chromium found on PATH (looked for chromium, chromium-browser, google-chrome): "
        "install Debian's with `apt-get install chromium`, or pass --chromium PATH "
        "(or set MIMO_GUI_CHROMIUM)"
    )


def check_viewport(width: object, height: object) -> tuple[int, int]:
    """The viewport as two ints, if both sides lie within `VIEWPORT_SIDES`.

    Raises:
        ConfigError: a side is not an integer or is out of range (the range is named).
    """
    low, high = VIEWPORT_SIDES
    sides = (width, height)
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sides):
        raise ConfigError(f"viewport must be two integers (width, height) in CSS px, got {sides!r}")
    w, h = int(width), int(height)  # type: ignore[call-overload]
    if not (low <= w <= high and low <= h <= high):
        raise ConfigError(f"viewport {w}x{h} is out of range: each side must be {low} to {high} CSS px")
    return w, h


def check_scale(device_scale_factor: float) -> float:
    """The device scale factor, if it is a positive finite number.

    Raises:
        ConfigError: it is not.
    """
    if not (isinstance(device_scale_factor, int | float) and math.isfinite(device_scale_factor)):
        raise ConfigError(f"device_scale_factor must be a positive number, got {device_scale_factor!r}")
    if device_scale_factor <= 0:
        raise ConfigError(f"device_scale_factor must be a positive number, got {device_scale_factor!r}")
    return float(device_scale_factor)


def require_display() -> None:
    """A headed Chromium needs a display: refuse, before it starts, when there is none.

    Raises:
        EnvUnreachable: on Linux, neither ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set.
    """
    if not sys.platform.startswith("linux"):
        return  # macOS and Windows always have a window server
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise EnvUnreachable(
        "a headed browser needs a display, but DISPLAY is unset: run under a virtual one "
        "with `xvfb-run mimo-gui …`, or drop --headed"
    )


def launch_browser(executable: str, *, headless: bool) -> Browser:
    """Start Chromium through the thread's Playwright; the caller closes it and `release_playwright`.

    Raises:
        ConfigError: playwright is missing, or Chromium failed to start.
    """
    playwright = _shared.acquire()
    try:
        failed = f"Chromium at {executable} failed to start"
        with playwright_errors(failed, fallback=ConfigError, unreachable=ConfigError, gone=ConfigError):
            return playwright.chromium.launch(
                executable_path=executable, headless=headless, args=list(CHROMIUM_ARGS)
            )
    except BaseException:
        _shared.release()
        raise


def connect_browser(cdp_url: str, *, timeout: float) -> Browser:
    """Attach to a running Chromium over CDP; the caller closes it and `release_playwright`.

    Raises:
        EnvUnreachable: nothing answers at ``cdp_url``, or what answers is not Chromium's
            DevTools endpoint (the URL is named).
    """
    playwright = _shared.acquire()
    hint = "start Chromium with --remote-debugging-port, or check the --cdp-url"
    try:
        # Whatever goes wrong here, there is no browser to talk to: always EnvUnreachable.
        with playwright_errors(f"cannot attach to Chromium at {cdp_url} ({hint})", fallback=EnvUnreachable):
            return playwright.chromium.connect_over_cdp(cdp_url, timeout=timeout * 1000)
    except BaseException:
        _shared.release()
        raise


def release_playwright() -> None:
    """Give back a reference taken by `launch_browser` or `connect_browser`."""
    _shared.release()


class _SharedPlaywright(threading.local):
    """The thread's one sync Playwright, counted by the envs using it.

    Only one sync Playwright may run per thread, so all envs of a thread share one,
    started on the first launch or connect and stopped when the last of them closes.
    """

    def __init__(self) -> None:
        self.instance: Any = None
        self.users = 0

    def acquire(self) -> Playwright:
        if self.instance is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError as exc:
                raise ConfigError("BrowserEnv needs playwright: pip install 'mimo-gui[browser]'") from exc
            self.instance = sync_playwright().start()
            _quiet_lost_driver(self.instance)
            logging.getLogger("playwright").addFilter(_drop_stale_replies)
            # Ctrl+C landing between the moment the sync API builds a call's coroutine and
            # the moment it schedules it leaves the coroutine unawaited; Python warns when
            # it is collected. Only the classes this adapter calls are named.
            warnings.filterwarnings("ignore", message=_UNAWAITED, category=RuntimeWarning)
        self.users += 1
        playwright: Playwright = self.instance
        return playwright

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0 and self.instance is not None:
            instance, self.instance, self.users = self.instance, None, 0
            try:
                instance.stop()
            except Exception:
                # After Ctrl+C the driver may be dead and the loop half unwound: there is
                # nothing left to stop, and the caller's own error is the one to show.
                pass
            finally:
                logging.getLogger("playwright").removeFilter(_drop_stale_replies)


_shared = _SharedPlaywright()


def _drop_stale_replies(record: logging.LogRecord) -> bool:
    """Drop Playwright's log of a reply to a call that Ctrl+C abandoned.

    A call interrupted mid-flight is forgotten by the client; when the driver's reply comes
    in afterwards (while the env closes), Playwright logs "Cannot find command to respond"
    as an error, with a traceback, though nothing is wrong.
    """
    error = record.exc_info[1] if record.exc_info else None
    return not (error is not None and str(error).startswith("Cannot find command to respond"))


def _quiet_lost_driver(playwright: Any) -> None:
    """Keep Playwright's asyncio loop from printing the fallout of a lost driver at exit.

    Ctrl+C in a terminal signals the whole process group, so Playwright's driver may die
    with us. Calls in flight then fail (we catch those), but the driver's own error future and
    the interrupted call's task are never read, and asyncio prints "Future exception was
    never retrieved" when they are collected, after our error message. Those errors say
    only that the connection closed, which the caller has already been told.
    """
    loop = getattr(playwright, "_loop", None)  # the sync API's private loop; absent: nothing to do
    if not isinstance(loop, asyncio.AbstractEventLoop):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        never_read = str(context.get("message", "")).endswith("exception was never retrieved")
        # asyncio re-raises an interrupt out of the loop, so the caller got it already;
        # the task keeps a copy nobody reads.
        interrupt = isinstance(error, KeyboardInterrupt | SystemExit)
        if never_read and (interrupt or (isinstance(error, Exception) and is_gone(error))):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
