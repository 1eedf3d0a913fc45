"""The one place pyautogui's and the X libraries' exceptions become ours.

Every call into pyautogui that can fail runs inside `input_errors`: its fail-safe (the
user flung the pointer into a screen corner) becomes `FailSafeTriggered`, which ends the
run with its trajectory recorded; a lost X connection becomes `EnvUnreachable`; anything
else becomes ``fallback`` (by default `ActionFailed`, which goes back to the model), with
the original chained.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...actions import ActionFailed, EnvError, EnvUnreachable, FailSafeTriggered, MimoGuiError

__all__ = ["FAILSAFE_MESSAGE", "input_errors"]

FAILSAFE_MESSAGE = (
    "stopped by pyautogui's fail-safe: the pointer was moved into a corner of the screen "
    "(set pyautogui.FAILSAFE = False to turn it off)"
)


@contextmanager
def input_errors(
    doing: str, *, action: Any = None, fallback: type[MimoGuiError] = ActionFailed
) -> Iterator[None]:
    """Run pyautogui calls; translate what they raise into one of ours, naming ``doing``.

    Raises:
        FailSafeTriggered: pyautogui's fail-safe fired.
        EnvUnreachable: the X server went away (python-xlib's connection errors).
        MimoGuiError: ``fallback``, for anything else pyautogui or Xlib raised.
    """
    try:
        yield
    except EnvError as exc:
        if exc.action is None:
            exc.action = action
        raise
    except MimoGuiError:
        raise
    except Exception as exc:
        if type(exc).__name__ == "FailSafeException":  # pyautogui.FailSafeException, unimported
            raise FailSafeTriggered(FAILSAFE_MESSAGE, action=action) from exc
        if _is_connection_lost(exc):
            raise EnvUnreachable(f"{doing}: the X display went away ({exc})", action=action) from exc
        message = f"{doing}: {type(exc).__name__}: {exc}"
        if issubclass(fallback, EnvError):
            raise fallback(message, action=action) from exc
        raise fallback(message) from exc


def _is_connection_lost(exc: BaseException) -> bool:
    # python-xlib raises ConnectionClosedError (Xlib.error) when the server goes away, and
    # plain OSErrors (BrokenPipeError, ConnectionResetError) from its socket.
    return type(exc).__name__ in ("ConnectionClosedError", "DisplayConnectionError") or isinstance(
        exc, BrokenPipeError | ConnectionResetError
    )
