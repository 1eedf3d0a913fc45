"""The one place Playwright's exceptions become ours.

Every call into Playwright that can fail runs inside `playwright_errors`, which raises the
most specific `EnvError` subclass ``from`` the original, so no Playwright exception type
escapes the adapter (httpx maps httpcore's exceptions the same way, in
``map_httpcore_exceptions``). Which class a failure becomes depends on who can fix it:

- the browser (or Playwright's driver) is gone: ``gone``, by default `EnvUnreachable`
  (exit code 2): nothing more can be done on this screen;
- an address does not answer (connection refused, no such host): ``unreachable``, by
  default `EnvUnreachable`. A page the *model* navigated to is the model's to fix, so
  `BrowserEnv.execute` passes `ActionFailed`, which goes back to the model;
- anything else (a timeout, a key Playwright does not know): ``fallback``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from ...actions import EnvError, EnvUnreachable, MimoGuiError

__all__ = ["first_line", "is_gone", "is_unreachable", "playwright_errors", "suppressed"]

# Chromium's net errors (net/base/net_error_list.h) and Node's socket errors (what
# connect_over_cdp reports) that mean nothing answered at the address, or that Chromium will
# not connect to it at all (UNSAFE_PORT: a port it blocks, such as 1 or 6000).
_UNREACHABLE = re.compile(
    r"net::ERR_(CONNECTION_(REFUSED|RESET|CLOSED|FAILED|TIMED_OUT|ABORTED)|NAME_NOT_RESOLVED"
    r"|NAME_RESOLUTION_FAILED|ADDRESS_UNREACHABLE|ADDRESS_INVALID|UNSAFE_PORT|INTERNET_DISCONNECTED"
    r"|EMPTY_RESPONSE|TIMED_OUT)\b"
    r"|\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN)\b"
)
# The browser (or Playwright's driver) went away under us.
_GONE = re.compile(r"has been closed|Connection closed|Browser closed|Target crashed")


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright appends a multi-line call log)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_unreachable(exc: BaseException) -> bool:
    """Whether a Playwright error says nothing answered at an address."""
    return bool(_UNREACHABLE.search(first_line(exc)))


def is_gone(exc: BaseException) -> bool:
    """Whether a Playwright error says the browser, the page or the driver went away."""
    return bool(_GONE.search(first_line(exc)))


def _reason(exc: BaseException) -> str:
    # "Page.goto: net::ERR_CONNECTION_REFUSED at http://…" -> "net::ERR_CONNECTION_REFUSED at http://…"
    text = first_line(exc)
    head, sep, rest = text.partition(": ")
    return rest if sep and "." in head and " " not in head else text


@contextmanager
def playwright_errors(
    doing: str,
    *,
    fallback: type[MimoGuiError],
    unreachable: type[MimoGuiError] = EnvUnreachable,
    gone: type[MimoGuiError] = EnvUnreachable,
    action: Any = None,
) -> Iterator[None]:
    """Translate a Playwright error raised in the block into ``gone``, ``unreachable`` or ``fallback``.

    Args:
        doing: what was being done, to start the one-line message (``"cannot open http://…"``).
        fallback: the class for a failure that is not about reaching anything.
        unreachable: the class for an address where nothing answers.
        gone: the class for a browser, page or driver that went away.
        action: the action being executed, attached to the error.

    Raises:
        MimoGuiError: the chosen class (an `EnvError` or a `ConfigError`), with the
            Playwright error as ``__cause__``.
    """
    from playwright.sync_api import Error as PlaywrightError

    try:
        yield
    except PlaywrightError as exc:
        kind = gone if is_gone(exc) else unreachable if is_unreachable(exc) else fallback
        message = f"{doing}: {_reason(exc)}"
        if issubclass(kind, EnvError):
            raise kind(message, action=action) from exc
        raise kind(message) from exc


@contextmanager
def suppressed() -> Iterator[None]:
    """Ignore a Playwright error in the block: for calls whose failure only means "not now"
    (a load that is still going on, a title a closing tab cannot give)."""
    from playwright.sync_api import Error as PlaywrightError

    with suppress(PlaywrightError):
        yield
