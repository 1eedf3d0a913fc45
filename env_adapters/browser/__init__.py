"""The browser adapter: Chromium driven through Playwright's sync API.

One module per job, the shape the desktop and Android adapters copy:

- ``chromium.py``: finding, checking and starting Chromium (or attaching over CDP), and
  the thread's one sync Playwright;
- ``env.py``: `BrowserEnv`, the adapter itself (observe, execute, close);
- ``capture.py``: screenshots, after the page's load event (and `Settle`'s pixel wait when
  asked), stale while a dialog blocks;
- ``dialogs.py``: holding dialogs open for the model, and the greenlet hand-off;
- ``keys.py``: our key names as Playwright spells them;
- ``transfers.py``: uploads through the file chooser a click opens, and downloads;
- ``errors.py``: the one place Playwright's exceptions become `EnvError` subclasses;
- ``js/``: the scripts run in the page, as package data.

Playwright is imported only when a browser is launched or attached, so importing this
package costs nothing.
"""

from .chromium import CHROMIUM_ARGS, VIEWPORT_SIDES, check_viewport, find_chromium
from .env import BROWSER_SETTLE, BrowserEnv, Capture
from .keys import playwright_key

__all__ = [
    "BROWSER_SETTLE",
    "CHROMIUM_ARGS",
    "VIEWPORT_SIDES",
    "BrowserEnv",
    "Capture",
    "check_viewport",
    "find_chromium",
    "playwright_key",
]
