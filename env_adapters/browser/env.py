"""`BrowserEnv`: a Chromium tab driven through Playwright's sync API.

Screen units are CSS pixels of the viewport; screenshots are physical pixels, so
`Observation.scale` is the device scale factor. Dialogs stay open until an `AnswerDialog`
(`dialogs.py`); while one is open a screenshot hangs (Playwright's and CDP's alike), so
`observe` returns the last frame captured from that tab, marked
``extra["stale_frame"] = True``, and the model reads the dialog from `Observation.dialog`.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self, assert_never

from ...actions import (
    Action,
    ActionDenied,
    ActionFailed,
    AnswerDialog,
    Back,
    CallUser,
    CaptureFailed,
    Click,
    ConfigError,
    Drag,
    EnvError,
    EnvUnreachable,
    Fail,
    Finish,
    Home,
    Hotkey,
    LongPress,
    MimoGuiError,
    MoveTo,
    Navigate,
    OpenApp,
    Point,
    Scroll,
    Space,
    Swipe,
    SwitchTab,
    Type,
    UnsupportedAction,
    Wait,
)
from ..base import ActionResult, EnvBase, Observation, Tab
from ..hosts import HostPatterns
from ..settle import Settle
from .capture import Camera
from .chromium import (
    check_scale,
    check_viewport,
    connect_browser,
    find_chromium,
    launch_browser,
    release_playwright,
    require_display,
)
from .dialogs import DialogDesk
from .errors import playwright_errors, suppressed
from .hosts_guard import NavigationGuard
from .keys import press
from .transfers import Downloads, upload_through_chooser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = ["BROWSER_SETTLE", "BrowserEnv", "Capture"]

Capture = Literal["device", "css"]
"""A screenshot's pixels: physical (``device``) or one per CSS pixel (``css``)."""

_NAVIGATE_TIMEOUT_MS = 30_000
_DESCRIBE_LIMIT = 100
_NAVIGATION_GRACE_MS = 100
"""With ``allow_hosts``, how long an input action waits for a navigation it started to reach
the guard, so its detail can say the navigation was blocked (measured: 5-30 ms after a click)."""
_INPUT_ACTIONS = (Click, Drag, Type, Hotkey)

BROWSER_SETTLE = Settle(timeout=2.0, pixels=False)
"""The browser's default: the page's ``load`` event (within 2 s), then one screenshot."""


class BrowserEnv(EnvBase):
    """A Chromium tab (and the tabs it opens) as an env. Build one with `launch`, `connect` or `from_page`.

    After each action, the next `observe` waits for the page's ``load`` event, within
    ``settle.timeout`` seconds, and captures (`BROWSER_SETTLE`); with
    ``settle=Settle(pixels=True)`` it also waits until two screenshots in a row agree, so a
    CSS transition is seen finished, at the price of one more screenshot per step.

    Attributes:
        dialog_log: every dialog seen and how it was answered, in order (dicts, JSON-ready).
    """

    platform = "browser"
    supported_actions = frozenset(
        {Click, MoveTo, Drag, Scroll, Type, Hotkey, Wait, Navigate, Back, SwitchTab, AnswerDialog}
    )

    def __init__(
        self,
        page: Page,
        *,
        browser: Browser | None = None,
        owns_browser: bool = False,
        uses_shared_playwright: bool = False,
        chromium: str = "external",
        headless: bool | None = None,
        device_scale_factor: float | None = None,
        settle: Settle | None = None,
        capture: Capture = "device",
        allow_hosts: HostPatterns | Sequence[str] | None = None,
    ) -> None:
        """Wrap ``page``; prefer `launch`, `connect` or `from_page`.

        Args:
            page: the tab to start on (Playwright's sync API); tabs its context opens later are followed.
            browser: the browser to close with the env, when ``owns_browser``.
            owns_browser: whether `close` closes (or, over CDP, disconnects from) ``browser``.
            uses_shared_playwright: whether this env holds a reference on the thread's Playwright.
            chromium: the executable path, ``cdp:<url>`` or ``external``, for `settings`.
            headless: as launched, where known.
            device_scale_factor: as launched; else read from the page.
            settle: how long `observe` waits for the screen to settle after an action.
            capture: ``device``: screenshots in physical pixels (``scale`` is the device scale
                factor); ``css``: one pixel per CSS pixel (``scale`` 1), which Chromium makes
                by scaling down before it encodes: the cheap way to show a HiDPI page at its
                logical resolution (``--resolution logical``).
            allow_hosts: if given, every top-level navigation of every tab (link, script,
                popup, `Navigate`) to a host these patterns refuse is aborted
                (`hosts_guard.py`; server redirects are not checked); a `Navigate` there
                raises `ActionDenied`.

        Raises:
            ConfigError: ``page`` is not a sync-API Playwright page (an async one, say),
                ``capture`` is neither, or a bad ``allow_hosts`` pattern.
        """
        _check_capture(capture)
        patterns = _patterns(allow_hosts)
        _require_sync_page(page)
        self._page: Page | None = page
        self._context: BrowserContext = page.context
        self._browser = browser
        self._owns_browser = owns_browser
        self._uses_shared = uses_shared_playwright
        self._chromium = chromium
        self._headless = headless
        self._closed = False
        self._acted = False
        self._dialogs = DialogDesk(bring_forward=self._bring_forward)
        self._capture: Capture = capture
        self._camera = Camera(self._dialogs, settle or BROWSER_SETTLE, css=capture == "css")
        self.dialog_log = self._dialogs.log
        # The window's CSS size, read now for pages Playwright knows no viewport of (CDP, a
        # window-sized context): a frame for a tab a dialog blocks cannot ask the page later.
        self._window: tuple[int, int] | None = None
        self._dsf = device_scale_factor or 0.0
        if not self._dsf or page.viewport_size is None:
            with playwright_errors("cannot read the page's size and pixel ratio", fallback=EnvUnreachable):
                inner_width, inner_height, ratio = page.evaluate(_script("metrics"))
            self._window = int(inner_width), int(inner_height)
            self._dsf = self._dsf or float(ratio)
        # At a device scale factor of 1 both captures give the same pixels, and Playwright's
        # CSS-scale path is about 30 ms faster a screenshot (bench/instant_action.py).
        self._camera.css = capture == "css" or self._dsf == 1.0
        self._downloads = Downloads()
        for tab in self._context.pages:
            self._downloads.watch(tab)
        self._context.on("page", self._downloads.watch)
        self._context.on("page", self._bring_forward)
        self._context.on("dialog", self._dialogs.on_dialog)
        self._guard = NavigationGuard(patterns) if patterns is not None else None
        if self._guard is not None:
            with playwright_errors("cannot install the allow_hosts guard", fallback=EnvUnreachable):
                self._guard.install(self._context)

    def __enter__(self) -> Self:
        # EnvBase's own returns EnvBase, which mypy cannot match to the Env protocol.
        return self

    # -- construction ----------------------------------------------------------------

    @classmethod
    def launch(
        cls,
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 800),
        device_scale_factor: float = 1.0,
        headless: bool = True,
        chromium: str | None = None,
        settle: Settle | None = None,
        capture: Capture = "device",
        allow_hosts: HostPatterns | Sequence[str] | None = None,
    ) -> BrowserEnv:
        """Start Chromium with one tab of ``viewport`` CSS pixels, open on ``url`` if given.

        Every setting is checked before Chromium starts. With ``allow_hosts`` (see `__init__`)
        service workers are blocked, since requests they answer bypass request routing.

        Raises:
            ConfigError: no Chromium, no playwright, a viewport outside `VIEWPORT_SIDES`, a bad
                scale or ``allow_hosts`` pattern, or Chromium failed to start.
            ActionDenied: ``url`` is on a host ``allow_hosts`` refuses (checked first).
            EnvUnreachable: ``headless=False`` with no display, or nothing answers at ``url``.
            ActionFailed: ``url`` answered but could not be opened.
        """
        if len(viewport) != 2:
            raise ConfigError(f"viewport must be two integers (width, height), got {viewport!r}")
        width, height = check_viewport(*viewport)
        scale = check_scale(device_scale_factor)
        _check_capture(capture)
        patterns = _patterns(allow_hosts)
        if patterns is not None and url is not None:
            _check_allowed(patterns, Navigate(url=url))
        if not headless:
            require_display()
        executable = find_chromium(chromium)
        browser = launch_browser(executable, headless=headless)
        try:
            no_page = f"Chromium at {executable} started but gave no page"
            with playwright_errors(no_page, fallback=ConfigError):
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    device_scale_factor=scale,
                    service_workers="block" if patterns is not None else "allow",
                )
                page = context.new_page()
        except BaseException:
            with suppressed():
                browser.close()
            release_playwright()
            raise
        env = cls(
            page,
            browser=browser,
            owns_browser=True,
            uses_shared_playwright=True,
            chromium=executable,
            headless=headless,
            device_scale_factor=scale,
            settle=settle,
            capture=capture,
            allow_hosts=patterns,
        )
        if url is not None:
            try:
                # The user's own URL: nothing answering there is a connection problem (exit 2).
                env._act(Navigate(url=url), doing=f"cannot open {url}", unreachable=EnvUnreachable)
            except BaseException:
                env.close()
                raise
        return env

    @classmethod
    def connect(
        cls,
        cdp_url: str,
        *,
        timeout: float = 30.0,
        settle: Settle | None = None,
        capture: Capture = "device",
        allow_hosts: HostPatterns | Sequence[str] | None = None,
    ) -> BrowserEnv:
        """Attach to a running Chromium (``--remote-debugging-port``) and use its first tab.

        `close` disconnects and leaves that Chromium running. ``allow_hosts`` as in `__init__`
        (that browser's service workers stay as they are).

        Raises:
            ConfigError: a bad ``allow_hosts`` pattern.
            EnvUnreachable: nothing answers at ``cdp_url``, or no page can be had there (the URL is named).
        """
        _check_capture(capture)
        patterns = _patterns(allow_hosts)
        browser = connect_browser(cdp_url, timeout=timeout)
        try:
            no_page = f"attached to Chromium at {cdp_url} but found no page"
            with playwright_errors(no_page, fallback=EnvUnreachable):
                context = browser.contexts[0] if browser.contexts else browser.new_context()
                page = context.pages[0] if context.pages else context.new_page()
            source = f"cdp:{cdp_url}"
            return cls(
                page,
                browser=browser,
                owns_browser=True,
                uses_shared_playwright=True,
                chromium=source,
                settle=settle,
                capture=capture,
                allow_hosts=patterns,
            )
        except BaseException:
            with suppressed():
                browser.close()
            release_playwright()
            raise

    @classmethod
    def from_page(
        cls,
        page: Page,
        *,
        settle: Settle | None = None,
        capture: Capture = "device",
        allow_hosts: HostPatterns | Sequence[str] | None = None,
    ) -> BrowserEnv:
        """Wrap a sync-API Playwright page someone else owns; `close` leaves its browser open
        (and removes the ``allow_hosts`` guard from its context).

        Raises:
            ConfigError: ``page`` comes from Playwright's async API, or is no page at all.
        """
        return cls(page, settle=settle, capture=capture, allow_hosts=allow_hosts)

    # -- the Env contract ---------------------------------------------------------------

    @property
    def page(self) -> Page:
        """The active tab.

        Raises:
            EnvError: the env is closed, or every tab has been closed.
        """
        if self._closed:
            raise EnvError("browser env is closed")
        if self._page is None or self._page.is_closed():
            open_pages = [p for p in self._context.pages if not p.is_closed()]
            if not open_pages:
                raise EnvError("every tab of the browser has been closed")
            self._page = open_pages[-1]
        return self._page

    def observe(self) -> Observation:
        """Screenshot the active tab (settled, after an action) and list the tabs and any open dialog.

        Raises:
            CaptureFailed: the screenshot failed on every try.
            EnvUnreachable: the browser is gone.
        """
        settle, self._acted = self._acted, False
        for _ in range(3):
            page = self._page_for_capture()
            image, png = self._camera.look(page, settle=settle, blank_size=self._blank_size)
            extra: dict[str, Any] = {} if png is not None else {"stale_frame": True}
            # A tab opened, or a dialog appeared elsewhere, while capturing: look at that one instead.
            if self._page is page:
                break
        if self._guard is not None and (blocked := self._guard.take_unseen()):
            extra["blocked_navigations"] = blocked
        tabs = self._tabs(page)  # one title round trip per tab; the active one is among them
        return Observation(
            image=image,
            scale=self._image_scale,
            url=page.url,
            title=next((t.title for t in tabs if t.active), None),
            tabs=tabs,
            dialog=self._dialogs.shown_on(page),
            extra=extra,
            png=png,
        )

    def execute(self, action: Action) -> ActionResult:
        """Carry out one action on the active tab.

        Raises:
            UnsupportedAction: the action type is not in `supported_actions`; nothing was done.
            ActionFailed: Playwright failed (the original is chained), or the action cannot apply;
                a page the model navigated to that does not answer is one too.
            ActionDenied: with ``allow_hosts``, a `Navigate` to a host it refuses
                (``rule="allow_hosts"``); nothing is done.
            EnvUnreachable: the browser is gone.
        """
        return self._act(action, doing=f"{type(action).__name__} failed", unreachable=ActionFailed)

    def describe(self, point: Point) -> str | None:
        """The accessible name or visible text of the element at a CSS point (up to ~100 characters)."""
        if self._closed or point.space is not Space.SCREEN:
            return None
        text: object = None
        try:
            page = self.page
            if self._dialogs.is_open_on(page):
                return None  # the page's JavaScript is blocked until the dialog is answered
            with suppressed():
                text = page.evaluate(_script("describe"), [point.x, point.y])
        except EnvError:
            return None
        if not isinstance(text, str) or not text:
            return None
        return text if len(text) <= _DESCRIBE_LIMIT else text[: _DESCRIBE_LIMIT - 1] + "…"

    def settings(self) -> dict[str, Any]:
        return {
            "kind": self.platform,
            "url": None if self._closed or self._page is None else self._page.url,
            "viewport": None if self._closed else list(self._viewport()),
            "device_scale_factor": self._dsf,
            "capture": self._capture,
            "headless": self._headless,
            "chromium": self._chromium,
            "allow_hosts": None if self._guard is None else [p.text for p in self._guard.patterns.patterns],
            "settle": {
                "timeout": self._camera.settle.timeout,
                "interval": self._camera.settle.interval,
                "pixels": self._camera.settle.pixels,
            },
        }

    def close(self) -> None:
        """Close what this env owns (the browser it launched, the CDP connection it made); idempotent.

        A page given to `from_page` stays open: open dialogs on it are dismissed, so the
        owner's page is not left frozen, and this env's listeners are removed. Closing after
        Ctrl+C, when Playwright's driver may have died with the signal, prints nothing.
        """
        if self._closed:
            return
        self._closed = True
        try:
            with suppressed():  # already gone: the browser crashed, or its owner closed it
                if self._guard is not None and not self._owns_browser:
                    self._guard.remove(self._context)
                self._context.remove_listener("page", self._bring_forward)
                self._context.remove_listener("dialog", self._dialogs.on_dialog)
                if self._owns_browser and self._browser is not None:
                    self._close_browser(self._browser)
                self._dialogs.close(dismiss=not self._owns_browser)
        finally:
            self._dialogs.close(dismiss=False)
            self._camera.forget()
            if self._uses_shared:
                self._uses_shared = False
                release_playwright()

    @staticmethod
    def _close_browser(browser: Browser) -> None:
        # A KeyboardInterrupt here is the Ctrl+C that ended the run, resurfacing: a call it
        # cut short inside `DialogDesk.run`'s greenlet is resumed by Playwright's dispatcher
        # while the browser closes, and raises it again there. The run has already stopped.
        with contextlib.suppress(KeyboardInterrupt):
            browser.close()

    # -- files in and out ----------------------------------------------------------------

    def upload(self, point: Point, files: Sequence[str | Path]) -> ActionResult:
        """Click at ``point`` (screen space) and give the file chooser it opens ``files``.

        Raises:
            ConfigError: no files, or a file that does not exist (nothing is clicked).
            ActionFailed: the click opened no file chooser, or it takes fewer files.
        """
        action = Click(point=point)
        x, y = _xy(point, action)
        try:
            page = self.page
        except EnvError as exc:
            raise ActionFailed(str(exc), action=action) from exc
        self._acted = True
        doing = f"cannot upload at {_shown(point)}"
        with playwright_errors(doing, fallback=ActionFailed, action=action):
            detail = upload_through_chooser(page, x, y, [Path(f) for f in files])
        return ActionResult(action=action, detail=detail)

    def save_downloads(self, folder: Path) -> list[Path]:
        """Save the downloads the tabs started since the last call into ``folder``.

        Raises:
            ActionFailed: a download failed.
        """
        with playwright_errors("cannot save a download", fallback=ActionFailed):
            return self._downloads.save(Path(folder))

    # -- actions -------------------------------------------------------------------------

    def _act(self, action: Action, *, doing: str, unreachable: type[MimoGuiError]) -> ActionResult:
        self._require_supported(action)
        guard = self._guard
        if guard is not None and isinstance(action, Navigate):
            _check_allowed(guard.patterns, action)
        try:
            page = self.page
        except EnvError as exc:
            raise ActionFailed(str(exc), action=action) from exc
        self._acted = True
        if guard is not None:
            guard.take()  # what earlier steps blocked is the next look's news, not this action's
        try:
            with playwright_errors(doing, fallback=ActionFailed, unreachable=unreachable, action=action):
                outcome = self._dialogs.run(lambda: self._dispatch(action, page))
        except EnvError as exc:
            if exc.action is None:
                exc.action = action
            if guard is not None and isinstance(action, Navigate) and (blocked := guard.take()):
                message = blocked[-1].describe(guard.patterns)
                raise ActionDenied(message, action=action, rule="allow_hosts") from exc
            raise
        if outcome is None:
            kind = self._dialogs.latest_kind()
            return ActionResult(action=action, detail=f"{kind} dialog opened and waits for an answer")
        if guard is not None:
            if isinstance(action, _INPUT_ACTIONS) and not self._dialogs.is_open_on(page):
                with suppressed():
                    page.wait_for_timeout(
                        _NAVIGATION_GRACE_MS
                    )  # lets a navigation it started reach the guard
            outcome = "; ".join([outcome, *(b.describe(guard.patterns) for b in guard.take())])
        return ActionResult(action=action, detail=outcome)

    def _dispatch(self, action: Action, page: Page) -> str:
        match action:
            case Click(point=p, button=button, count=count):
                x, y = _xy(p, action)
                page.mouse.click(x, y, button=button, click_count=count)
                at = _shown(p)
                return f"{button} click ×{count} at {at}" if count > 1 else f"{button} click at {at}"
            case MoveTo(point=p):
                page.mouse.move(*_xy(p, action))
                return f"pointer at {_shown(p)}"
            case Drag(start=a, end=b):
                page.mouse.move(*_xy(a, action))
                page.mouse.down()
                page.mouse.move(*_xy(b, action), steps=8)
                page.mouse.up()
                return f"dragged from {_shown(a)} to {_shown(b)}"
            case Scroll():
                return self._scroll(action, page)
            case Type(text=text):
                page.keyboard.type(text)
                return f"typed {len(text)} characters"
            case Hotkey(keys=keys):
                return press(page, keys)
            case Wait(seconds=seconds):
                time.sleep(seconds)
                return f"waited {seconds:g} s"
            case Navigate(url=url):
                page.goto(_with_scheme(url), wait_until="domcontentloaded", timeout=_NAVIGATE_TIMEOUT_MS)
                return f"navigated to {page.url}"
            case Back():
                before = page.url
                response = page.go_back(wait_until="domcontentloaded", timeout=_NAVIGATE_TIMEOUT_MS)
                if response is None and page.url == before:
                    return "no earlier page in this tab's history"
                return f"back to {page.url}"
            case SwitchTab(index=index):
                return self._switch_tab(action, index)
            case AnswerDialog(accept=accept, text=text):
                done = self._dialogs.answer(page, accept=accept, text=text)
                if done is None:
                    raise ActionFailed("no dialog is open on this tab", action=action)
                return done
            case LongPress() | Swipe() | Home() | OpenApp() | Finish() | Fail() | CallUser():
                # Not in supported_actions, so _require_supported has refused them already.
                name = type(action).__name__
                raise UnsupportedAction(f"browser env does not support {name}", action=action)
            case _:
                assert_never(action)

    def _scroll(self, action: Scroll, page: Page) -> str:
        width, height = self._viewport()
        x, y = _xy(action.point, action) if action.point else (width / 2, height / 2)
        vertical = action.direction in ("up", "down")
        amount = action.amount or (height if vertical else width) / 2
        sign = 1 if action.direction in ("down", "right") else -1
        page.mouse.move(x, y)
        page.mouse.wheel(0 if vertical else sign * amount, sign * amount if vertical else 0)
        return f"scrolled {action.direction} {amount:g} px at ({x:g}, {y:g})"

    def _switch_tab(self, action: SwitchTab, index: int) -> str:
        pages = self._context.pages
        if index >= len(pages):
            raise ActionFailed(f"there is no tab {index}: {len(pages)} tab(s) are open", action=action)
        pages[index].bring_to_front()
        self._page = pages[index]
        return f"switched to tab {index} ({pages[index].url})"

    def _bring_forward(self, page: Page) -> None:
        # A tab the page opened (target=_blank, window.open), or one with a dialog, is where
        # the user's eyes go.
        if not self._closed:
            self._page = page

    # -- observation helpers ---------------------------------------------------------

    def _page_for_capture(self) -> Page:
        try:
            return self.page
        except EnvError as exc:
            raise CaptureFailed(str(exc)) from exc

    def _blank_size(self) -> tuple[int, int]:
        # Called while a dialog blocks the tab, so it must not run the page's JavaScript. A
        # context's tabs all have a viewport or none, so the last fallback is never reached.
        size = self.page.viewport_size
        width, height = (size["width"], size["height"]) if size is not None else self._window or (1280, 800)
        return max(1, round(width * self._image_scale)), max(1, round(height * self._image_scale))

    @property
    def _image_scale(self) -> float:
        """Screenshot pixels per CSS pixel."""
        return 1.0 if self._capture == "css" else self._dsf

    def _viewport(self) -> tuple[int, int]:
        page = self.page
        size = page.viewport_size
        if size is not None:
            return size["width"], size["height"]
        inner = page.evaluate(_script("metrics"))
        return int(inner[0]), int(inner[1])

    def _tabs(self, active: Page) -> tuple[Tab, ...]:
        return tuple(
            Tab(index=i, title=_title(p), url=p.url, active=p is active)
            for i, p in enumerate(self._context.pages)
        )


@functools.cache
def _script(name: str) -> str:
    """A page script from ``js/<name>.js``, without its leading comment lines."""
    text = resources.files(__package__).joinpath("js", f"{name}.js").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//")).strip()


def _patterns(allow_hosts: HostPatterns | Sequence[str] | None) -> HostPatterns | None:
    if allow_hosts is None or isinstance(allow_hosts, HostPatterns):
        return allow_hosts
    if isinstance(allow_hosts, str):  # a lone string would be read as one pattern per character
        raise ConfigError(f"allow_hosts must be a list of host patterns, got the string {allow_hosts!r}")
    return HostPatterns.parse(allow_hosts)


def _check_allowed(patterns: HostPatterns, action: Navigate) -> None:
    url = _with_scheme(action.url)
    if not patterns.allows(url):
        raise ActionDenied(
            f"navigation to {url} denied (not in allow_hosts: {patterns})", action=action, rule="allow_hosts"
        )


def _check_capture(capture: object) -> None:
    if capture not in ("device", "css"):
        raise ConfigError(f"capture must be 'device' or 'css', got {capture!r}")


def _require_sync_page(page: object) -> None:
    try:
        from playwright.sync_api import Page as SyncPage
    except ImportError as exc:
        raise ConfigError("BrowserEnv needs playwright: pip install 'mimo-gui[browser]'") from exc
    if isinstance(page, SyncPage):
        return
    kind = type(page)
    if kind.__module__.startswith("playwright.async_api"):
        raise ConfigError(
            "BrowserEnv takes a Page from Playwright's sync API (playwright.sync_api), "
            "got one from the async API: open the page with sync_playwright()"
        )
    got = f"{kind.__module__}.{kind.__qualname__}"
    raise ConfigError(f"BrowserEnv takes a playwright.sync_api Page, got {got}")


def _title(page: Page) -> str:
    title = ""
    with suppressed():
        title = page.title()
    return title


def _shown(point: Point) -> str:
    """A point for a step's detail line, to a tenth of a CSS pixel (the report's precision)."""
    return f"({round(point.x, 1):g}, {round(point.y, 1):g})"


def _xy(point: Point, action: Action) -> tuple[float, float]:
    if point.space is not Space.SCREEN:
        message = f"point {point} is in {point.space} space; map it with Frame.to_screen first"
        raise ActionFailed(message, action=action)
    if not (math.isfinite(point.x) and math.isfinite(point.y)):
        raise ActionFailed(f"point {point} is not finite", action=action)
    return point.x, point.y


def _with_scheme(url: str) -> str:
    # Models often write "example.com"; Playwright refuses a URL without a scheme.
    if "://" in url or url.startswith(("about:", "data:", "file:", "chrome:", "javascript:")):
        return url
    return "https://" + url
