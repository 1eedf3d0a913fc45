"""Every error mimo-gui raises on purpose, in one tree.

    MimoGuiError                     base: catch this to catch ours only
    ├── ParseError                   the model's answer does not parse; carries the raw text
    │   └── AnswerTruncated          ... because it was cut off at the token cap (finish_reason "length")
    ├── CoordinateError              a model point lies outside the image it was given
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

from typing import Any

__all__ = [
    "ActionFailed",
    "AnswerTruncated",
    "BackendError",
    "BackendRejected",
    "BackendTimeout",
    "BackendUnreachable",
    "BadResponse",
    "CaptureFailed",
    "ConfigError",
    "CoordinateError",
    "EnvError",
    "EnvUnreachable",
    "FailSafeTriggered",
    "MimoGuiError",
    "ModelNotFoundError",
    "ParseError",
    "UnframeableImage",
    "UnsupportedAction",
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


class CoordinateError(MimoGuiError):
    """A point the model gave lies outside the image it was shown."""


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
