"""Finding the X display, and importing pyautogui only once it is known to work.

pyautogui connects to ``$DISPLAY`` when it is imported (and raises ``KeyError: 'DISPLAY'``
when there is none), so `load_pyautogui` checks the display first and turns every way it
can be missing into one `EnvUnreachable` line saying what is missing.

The check is a real connection with python-xlib (the library pyautogui itself uses on
Linux), so what it refuses is exactly what pyautogui would have failed on. python-xlib
0.33 reads ``$XAUTHORITY`` (else ``~/.Xauthority``) and, when that file does not exist,
connects without a cookie (``Xlib/support/unix_connect.py``, ``get_auth``): a server
without access control works with no Xauthority file at all; one that wants a cookie
refuses with "Authorization required", which becomes the hint below.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

from ...actions import ConfigError, EnvUnreachable

__all__ = ["load_pyautogui", "require_display"]

_INSTALL = "pip install 'mimo-gui[desktop]'"

# pyautogui binds the display it was first imported under for the life of the process.
_loaded: tuple[ModuleType, str | None] | None = None


def require_display() -> str | None:
    """Check that a desktop can be driven from here; the X ``DISPLAY`` string (None off X11).

    Raises:
        EnvUnreachable: no display at all, a Wayland session without XWayland, an X server
            that refuses the connection (not running, or wants an Xauthority cookie we lack).
        ConfigError: pyautogui or mss is not installed (``pip install 'mimo-gui[desktop]'``).
    """
    for package in ("pyautogui", "mss"):
        if importlib.util.find_spec(package) is None:
            raise ConfigError(f"the desktop env needs {package}, which is not installed: {_INSTALL}")
    if not _uses_x11():
        return None  # macOS and Windows: pyautogui and mss talk to the OS directly
    display = os.environ.get("DISPLAY", "")
    if not display:
        if os.environ.get("WAYLAND_DISPLAY"):
            raise EnvUnreachable(
                "this is a Wayland session without XWayland: WAYLAND_DISPLAY is set but DISPLAY is not, "
                "and the desktop env (pyautogui, mss) drives X11 only; enable XWayland "
                "or log in to an X session"
            )
        raise EnvUnreachable(
            "no display: DISPLAY is not set; run inside an X session, or under a virtual one (xvfb-run)"
        )
    _connect(display)
    return display


def load_pyautogui() -> ModuleType:
    """pyautogui, imported after `require_display` passed (cached).

    Raises:
        EnvUnreachable, ConfigError: as `require_display`; ConfigError also when pyautogui
            was imported under another ``DISPLAY`` earlier in this process (it keeps that one).
    """
    global _loaded  # noqa: PLW0603 - one pyautogui per process, as pyautogui itself is
    display = require_display()
    if _loaded is not None:
        module, bound = _loaded
        if bound != display:
            raise ConfigError(
                f"pyautogui is bound to DISPLAY={bound} since it was imported in this process; "
                f"it cannot drive DISPLAY={display} too (one display per process)"
            )
        return module
    try:
        module = importlib.import_module("pyautogui")
    except ImportError as exc:
        raise ConfigError(f"cannot import pyautogui ({exc}): {_INSTALL}") from exc
    except Exception as exc:  # mouseinfo and the X11 backend connect at import time
        raise EnvUnreachable(
            f"pyautogui could not reach DISPLAY={display}: {type(exc).__name__}: {exc}"
        ) from exc
    _loaded = (module, display)
    return module


def _uses_x11() -> bool:
    # pyautogui picks its X11 backend on every platform but macOS and Windows.
    return sys.platform not in ("darwin", "win32", "cygwin")


def _connect(display: str) -> None:
    """Open and close one X connection to ``display``, naming why it failed if it did."""
    try:
        import Xlib.display
        import Xlib.error
    except ImportError as exc:
        raise ConfigError(f"the desktop env needs python-xlib on X11 ({exc}): {_INSTALL}") from exc
    try:
        connection = Xlib.display.Display(display)
    except Xlib.error.DisplayNameError as exc:
        raise EnvUnreachable(f"DISPLAY={display} is not a valid X display name ({exc})") from exc
    except Exception as exc:  # DisplayConnectionError, and OSErrors from the socket
        raise EnvUnreachable(_refusal(display, str(exc))) from exc
    connection.close()


def _refusal(display: str, reason: str) -> str:
    """The one line for an X server that did not let us in: no server, or no cookie."""
    reason = reason.replace("\\n", " ").strip()
    if "authoriz" in reason.lower():
        xauthority = os.environ.get("XAUTHORITY")
        where = (
            f"XAUTHORITY={xauthority}" if xauthority else "XAUTHORITY is not set, so ~/.Xauthority was read"
        )
        missing = not os.path.exists(xauthority) if xauthority else not _home_xauthority()
        if missing:
            where += " and that file does not exist"
        return (
            f"the X server at DISPLAY={display} refused the connection: it wants authorization "
            f"(an Xauthority cookie) this process does not have ({where}); point XAUTHORITY at the "
            f"server's cookie file (e.g. the one `xauth info` names in the session), or allow local "
            f"clients with `xhost +si:localuser:$USER`"
        )
    return f"cannot connect to the X server at DISPLAY={display}: {reason} (is an X server running there?)"


def _home_xauthority() -> bool:
    home = os.environ.get("HOME")
    return bool(home) and os.path.exists(os.path.join(home or "", ".Xauthority"))
