"""The one place adbutils' exceptions become ours.

Every call into adbutils runs inside `adb_errors`: a server that cannot be reached or that
hung up (``AdbConnectionError``, ``AdbTimeout``, socket errors, a reply cut short) becomes
`EnvUnreachable` naming the server's host:port; anything else adbutils raises (``AdbError``
with the server's ``FAIL`` message: an unknown serial, a device gone offline) becomes
``fallback`` (by default `ActionFailed`, which goes back to the model), with the original
chained. Our own errors pass through, given the action when they lack one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...actions import ActionFailed, EnvError, EnvUnreachable, MimoGuiError

__all__ = ["adb_errors"]


@contextmanager
def adb_errors(
    doing: str, server: str, *, action: Any = None, fallback: type[EnvError] = ActionFailed
) -> Iterator[None]:
    """Run adbutils calls; translate what they raise into one of ours, naming ``doing``.

    Args:
        doing: what was being done (``"cannot take a screenshot"``), the message's start.
        server: the adb server as ``host:port``, named when it cannot be reached.

    Raises:
        EnvUnreachable: the adb server is not there, timed out or closed the connection.
        EnvError: ``fallback`` for any other adbutils error.
    """
    from adbutils.errors import AdbConnectionError, AdbError, AdbTimeout

    try:
        yield
    except EnvError as exc:
        if exc.action is None:
            exc.action = action
        raise
    except MimoGuiError:
        raise
    except (TimeoutError, AdbConnectionError, AdbTimeout, ConnectionError, EOFError) as exc:
        raise EnvUnreachable(
            f"{doing}: lost the adb server at {server} ({type(exc).__name__}: {exc})", action=action
        ) from exc
    except AdbError as exc:
        message = str(exc) or type(exc).__name__
        if "connection closed" in message.lower():
            raise EnvUnreachable(
                f"{doing}: the adb server at {server} closed the connection", action=action
            ) from exc
        raise fallback(f"{doing}: {message}", action=action) from exc
    except OSError as exc:
        raise EnvUnreachable(f"{doing}: adb server at {server}: {exc}", action=action) from exc
