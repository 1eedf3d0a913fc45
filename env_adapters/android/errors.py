"""The one place adbutils' exceptions become ours, and what to do about a device that is not ready.

Every call into adbutils runs inside `adb_errors`: a server that cannot be reached or that
hung up (``AdbConnectionError``, ``AdbTimeout``, socket errors, a reply cut short) becomes
`EnvUnreachable` naming the server's host:port; a device that went away or stopped being
usable (the server's ``FAIL`` messages ``device offline``, ``device unauthorized.``,
``insufficient permissions for device``, ``device 'S' not found``: AOSP
``packages/modules/adb/transport.cpp`` ``acquire_one_transport``) becomes `EnvUnreachable`
naming the serial and what to do, since the model cannot fix a cable; anything else
adbutils raises becomes ``fallback`` (by default `ActionFailed`, which goes back to the
model), with the original chained. Our own errors pass through, given the action when they
lack one.

Device states are those ``host:devices`` lists (AOSP ``adb.cpp`` ``to_string(ConnectionState)``):
``device`` is ready; ``unauthorized``, ``offline``, ``authorizing``, ``connecting``,
``no permissions (REASON); see [URL]`` (``diagnose_usb.cpp``), ``bootloader``, ``recovery``,
``sideload``, ``rescue`` are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ...actions import ActionFailed, EnvError, EnvUnreachable, MimoGuiError

__all__ = ["adb_errors", "not_ready", "state_hint", "state_name"]

_UNAUTHORIZED = (
    'unlock the phone and accept its "Allow USB debugging?" prompt (no prompt: revoke USB '
    "debugging authorizations in Developer options and replug the cable)"
)
_OFFLINE = (
    "run `adb reconnect offline`, or unplug and replug the cable (`adb kill-server` if it stays offline)"
)
_NO_PERMISSIONS = (
    "the adb server's user may not open the USB device: add a udev rule for the phone's vendor "
    "(https://developer.android.com/tools/device, or the android-sdk-platform-tools-common package) "
    "or join the plugdev group, then replug the cable"
)
_NO_PERMISSIONS_REASON = re.compile(r"no permissions \((.*)\); see ")
_WAIT = "wait until `adb devices` lists it as `device`, then retry"

# What the server says when it refuses a transport, first line -> the state it means.
_REFUSALS = {
    "device offline": "offline",
    "device unauthorized.": "unauthorized",
    "insufficient permissions for device": "no permissions",
    "device still authorizing": "authorizing",
    "device still connecting": "connecting",
}


def state_name(state: str) -> str:
    """The state's word: ``no permissions (user in plugdev group; …); see [URL]`` is ``no permissions``."""
    return "no permissions" if state.startswith("no permissions") else state


def state_hint(state: str) -> str:
    """What the user can do about a device in ``state`` (as ``host:devices`` lists it)."""
    name = state_name(state)
    if name == "unauthorized":
        return _UNAUTHORIZED
    if name == "offline":
        return _OFFLINE
    if name == "no permissions":
        return _NO_PERMISSIONS
    if name in ("authorizing", "connecting"):
        return _WAIT
    return f"it is in {name} mode, not running Android: boot it (`adb reboot`) and retry"


def not_ready(serial: str, state: str) -> str:
    """One line: the device, its state (with the server's reason, if any), what to do."""
    if state_name(state) == "no permissions":
        reason = _NO_PERMISSIONS_REASON.match(state)
        said = f" ({reason.group(1)})" if reason else ""
        return f"device {serial!r} has no permissions{said}: {_NO_PERMISSIONS}"
    return f"device {serial!r} is {state}: {state_hint(state)}"


def _refused(message: str) -> str | None:
    """The state a server ``FAIL`` message reports for a device, or None when it is about something else."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    for start, state in _REFUSALS.items():
        if first.startswith(start):
            return state
    return None


@contextmanager
def adb_errors(
    doing: str,
    server: str,
    *,
    action: Any = None,
    fallback: type[EnvError] = ActionFailed,
    serial: str | None = None,
) -> Iterator[None]:
    """Run adbutils calls; translate what they raise into one of ours, naming ``doing``.

    Args:
        doing: what was being done (``"cannot take a screenshot"``), the message's start.
        server: the adb server as ``host:port``, named when it cannot be reached.
        serial: the device the calls are for, named when it stops being usable.

    Raises:
        EnvUnreachable: the adb server is not there, timed out or closed the connection; the
            device went offline, lost its authorization or was unplugged.
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
        state = _refused(message)
        who = serial or "the device"
        if state is not None:
            raise EnvUnreachable(f"{doing}: {not_ready(who, state)}", action=action) from exc
        if serial is not None and message.strip() == f"device '{serial}' not found":
            raise EnvUnreachable(
                f"{doing}: device {serial!r} is no longer attached to the adb server at {server}: "
                "replug it and check `adb devices`",
                action=action,
            ) from exc
        raise fallback(f"{doing}: {' '.join(message.split())}", action=action) from exc
    except OSError as exc:
        raise EnvUnreachable(f"{doing}: adb server at {server}: {exc}", action=action) from exc
