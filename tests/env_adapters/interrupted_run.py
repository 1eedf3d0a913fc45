"""A run that is interrupted: `test_browser_interrupt` starts it, and signals it mid-loop.

Usage: ``python interrupted_run.py PAGES_DIR CHROMIUM``. It serves PAGES_DIR, launches
BrowserEnv on a page, prints ``ready``, and loops observe/execute until a signal arrives.
SIGTERM is turned into `KeyboardInterrupt`, as the CLI does. Like the agent, it then takes
a moment to write its records before closing the env (the ``with`` block ends), and exits 130.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType

from mimo_gui.actions import Click, Point, Scroll
from mimo_gui.env_adapters.browser import BrowserEnv
from tests.support.static_server import serve_folder


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    pages, chromium = Path(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, _interrupt)
    with serve_folder(pages) as url, BrowserEnv.launch(f"{url}/clicks.html", chromium=chromium) as env:
        print("ready", flush=True)
        try:
            while True:
                env.observe()
                env.execute(Click(point=Point(x=100, y=100)))
                env.execute(Scroll(direction="down", amount=10))
        except KeyboardInterrupt:
            time.sleep(0.5)  # writing run.json and report.html; the driver is dead by now
            print("interrupted", flush=True)
    return 130


if __name__ == "__main__":
    sys.exit(main())
