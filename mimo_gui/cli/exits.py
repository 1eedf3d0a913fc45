"""The exit codes every ``mimo-gui`` command ends with, and which error gets which."""

from __future__ import annotations

from ..actions import ConfigError, MimoGuiError
from ..actions.errors import BackendError, EnvUnreachable, FailSafeTriggered, ModelNotFoundError

__all__ = [
    "EXIT_ASKED_USER",
    "EXIT_CODES_HELP",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "exit_code_for",
    "exit_code_for_kind",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ASKED_USER = 3
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as shells report a command ended by Ctrl+C; SIGTERM ends the same way."""

EXIT_CODES_HELP = """\
exit codes:
  0    done (for eval: the run completed, whatever the accuracy)
  1    failed: the model's answer was unusable, the task failed or ran out of steps
  2    usage, configuration or connection error (bad flag or path, server or page unreachable)
  3    the model asked for the user (call_user)
  130  interrupted (Ctrl+C, SIGTERM, or the desktop fail-safe); what was done so far is recorded"""


def exit_code_for(error: MimoGuiError | type[MimoGuiError]) -> int:
    """The exit code an error (or an error class) ends a command with.

    Connection and configuration errors are 2: the user fixes them before trying again.
    The model's own mistakes and a screen that failed mid-task are 1.
    """
    kind = error if isinstance(error, type) else type(error)
    if issubclass(kind, FailSafeTriggered):
        return EXIT_INTERRUPTED  # the user stopped the run, as with Ctrl+C
    if issubclass(kind, EnvUnreachable | ConfigError | BackendError | ModelNotFoundError):
        return EXIT_USAGE
    return EXIT_FAILED  # ParseError, CoordinateError, EnvError and the rest


def exit_code_for_kind(kind: str) -> int:
    """The exit code for an error recorded by its class name (a step record's ``error.kind``)."""
    from ..actions import errors

    found = getattr(errors, kind, None)
    if isinstance(found, type) and issubclass(found, MimoGuiError):
        return exit_code_for(found)
    return EXIT_FAILED
