"""Every error mimo-gui raises on purpose, in one tree.

    MimoGuiError                     base: catch this to catch ours only
    ├── ParseError                   the model's answer does not parse; carries the raw text
    │   ├── AnswerTruncated          ... because it was cut off at the token cap (finish_reason "length")
    │   └── QueryError               ... into the schema `Agent.query` asked for, after every retry
    ├── GuiAssertionError            `Agent.assert_that` found its statement false (an AssertionError too)
    ├── WaitTimeout                  `Agent.wait_until` ran out of time; carries the last reason
    ├── CoordinateError              a model point lies outside the image it was given
    ├── ActionDenied                 the safety policy refused an action (or it went unconfirmed)
    ├── ConfigError                  bad settings: unknown profile, missing template variable, bad flag
    │   └── UnframeableImage         an image smart_resize cannot frame (aspect over 200:1, side too small)
    ├── ModelNotFoundError           weights are not on disk and cannot be fetched
    ├── BackendError                 the model server or local model failed; carries the URL
    │   ├── BackendUnreachable       connection refused or dropped, after retries
    │   ├── BackendTimeout           no answer within the timeout
    │   ├── BackendRejected          the server answered 4xx/5xx; carries the status and body
    │   └── BadResponse              the server answered 200 with something we cannot read
    └── EnvError                     the screen side failed; carries the action where there is one
        ├── UnsupportedAction        the env does not declare that action: nothing was done
        ├── ActionFailed             the env tried and failed (element gone, adb error)
        ├── EnvUnreachable           the page, browser, display or device cannot be reached at all
        ├── CaptureFailed            the screenshot could not be taken
        └── FailSafeTriggered        the user stopped a desktop run (pointer into a screen corner)

Errors are classified by who can fix them. The model's own mistakes
(`ParseError`, `CoordinateError`, `UnsupportedAction`, `ActionFailed`) go back to the model
in the next prompt; the rest end a run. Foreign exceptions (httpx, Playwright, adb) are
translated where they are caught, with the original chained as ``__cause__``.

This module lives in ``mimo_gui.actions`` because that package is the bottom layer
that every other one may import; users import it as ``mimo_gui.errors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "ActionDenied",
    "ActionFailed",
    "AnswerTruncated",
    "BackendError",
    "BackendRejected",
    "BackendTimeout",
    "BackendUnreachable",
    "BadResponse",
    "CaptureFailed",
    "CassetteMismatch",
    "ConfigError",
    "CoordinateError",
    "EnvError",
    "EnvUnreachable",
    "FailSafeTriggered",
    "GuiAssertionError",
    "MimoGuiError",
    "ModelNotFoundError",
    "ParseError",
    "QueryError",
    "UnframeableImage",
    "UnsupportedAction",
    "WaitTimeout",
]


class MimoGuiError(Exception):
    """Base class of every error raised by mimo-gui on purpose."""


class ParseError(MimoGuiError):
    """The model's answer could not be turned into actions.

    Attributes:
        raw: the model's whole answer, untouched.
        expected: what the parser was looking for, in words.
    """

    def __init__(self, message: str, *, raw: str, expected: str = "") -> None:
        super().__init__(message)
        self.raw = raw
        self.expected = expected

    def __str__(self) -> str:
        shown = self.raw if len(self.raw) <= 300 else self.raw[:300] + "…"
        return f"{self.args[0]}; raw answer: {shown!r}"


class AnswerTruncated(ParseError):
    """The answer was cut off at the token cap before it named an action.

    Counted apart from plain parse errors: the fix is a larger ``--max-tokens`` (or
    ``--no-think``), not a better prompt.
    """


class QueryError(ParseError):
    """`Agent.query`'s answer never fitted the schema, however often it was fed back.

    Attributes:
        raw: the last answer, untouched.
        validation_error: why the last answer did not fit (pydantic's message, or "no JSON").
    """

    def __init__(self, message: str, *, raw: str, validation_error: str) -> None:
        super().__init__(message, raw=raw, expected="JSON matching the schema")
        self.validation_error = validation_error


class GuiAssertionError(MimoGuiError, AssertionError):
    """A statement `Agent.assert_that` checked on the screen is false.

    An `AssertionError` too, so a test runner reports it as a failed assertion.

    Attributes:
        statement: what was asserted.
        reason: the model's reason for its verdict.
        screenshot: the screenshot the model judged, where the call was recorded.
    """

    def __init__(self, statement: str, reason: str, screenshot: Path | None = None) -> None:
        shown = f" (screenshot: {screenshot})" if screenshot is not None else ""
        super().__init__(f"not true on the screen: {statement!r}: {reason}{shown}")
        self.statement = statement
        self.reason = reason
        self.screenshot = screenshot


class WaitTimeout(MimoGuiError):
    """`Agent.wait_until`'s statement did not become true in time.

    Attributes:
        statement: what was waited for.
        timeout: the seconds allowed.
        reason: the model's reason at the last check.
        checks: how many checks were made.
    """

    def __init__(self, statement: str, *, timeout: float, reason: str, checks: int) -> None:
        super().__init__(
            f"still not true after {timeout:g} s ({checks} checks): {statement!r}; last reason: {reason}"
        )
        self.statement = statement
        self.timeout = timeout
        self.reason = reason
        self.checks = checks


class CoordinateError(MimoGuiError):
    """A point the model gave lies outside the image it was shown."""


class ActionDenied(MimoGuiError):
    """The safety policy refused an action before it ran: a ``deny`` rule matched, or an
    ``ask`` went unconfirmed (or there was nobody to ask). Nothing was executed. In a run it
    goes back to the model as feedback; from a script's call it is raised.

    Attributes:
        action: the refused action, in screen space.
        rule: the rule that decided, as the policy names it (``rules[0]``, ``allow_hosts``,
            ``default``).
        decision: ``deny``, or ``ask`` when the confirmation was refused or impossible.
    """

    def __init__(
        self, message: str, *, action: Any = None, rule: str | None = None, decision: str = "deny"
    ) -> None:
        super().__init__(message)
        self.action = action
        self.rule = rule
        self.decision = decision


class ConfigError(MimoGuiError):
    """Settings that cannot work: an unknown profile, a missing template variable, a bad flag."""


class UnframeableImage(ConfigError, ValueError):
    """An image the processor's resize rule cannot frame: an aspect ratio over 200:1, or a
    side under 28 px after scaling. A `ValueError` too, as ``smart_resize`` raised before."""


class ModelNotFoundError(ConfigError):
    """Model weights are neither on disk nor downloadable from here."""

    def __init__(self, message: str, *, model: str) -> None:
        super().__init__(message)
        self.model = model


class BackendError(MimoGuiError):
    """The model backend failed.

    Attributes:
        url: the server URL, where there is one.
    """

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class CassetteMismatch(BackendError):
    """A replayed request has no matching entry in its cassette: one line naming the step
    and what differed (the prompt text, or a screenshot's perceptual-hash distance)."""

    def __init__(self, message: str, *, step: int) -> None:
        super().__init__(message)
        self.step = step


class BackendUnreachable(BackendError):
    """The server refused or dropped the connection, after the retries."""


class BackendTimeout(BackendError):
    """The server did not answer within the timeout."""


class BackendRejected(BackendError):
    """The server answered with an error status.

    Attributes:
        status: the HTTP status code.
        body: the response body as text (cut to 2,000 characters).
    """

    def __init__(self, message: str, *, url: str | None, status: int, body: str) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.body = body[:2000]


class BadResponse(BackendError):
    """The server answered, but not in the chat-completions shape."""


class EnvError(MimoGuiError):
    """The environment (browser, desktop, phone) failed.

    Attributes:
        action: the action being executed when it failed, if any.
    """

    def __init__(self, message: str, *, action: Any = None) -> None:
        super().__init__(message)
        self.action = action


class UnsupportedAction(EnvError):
    """The env does not declare this action type; nothing was executed."""


class ActionFailed(EnvError):
    """The env tried the action and it failed."""


class EnvUnreachable(EnvError):
    """The screen side cannot be reached at all: a URL that does not answer, no browser
    at a CDP address, no X display, no adb device. A connection error (exit 2), not a
    model mistake."""


class CaptureFailed(EnvError):
    """The screenshot could not be taken."""


class FailSafeTriggered(EnvError):
    """The user moved the pointer into a corner of the screen, pyautogui's fail-safe, to
    stop a desktop run. It ends the run (exit 130, as an interrupt) with what was done
    recorded; it is never fed back to the model."""
