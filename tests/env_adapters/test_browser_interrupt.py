"""Ctrl+C or SIGTERM mid-run: closing the env afterwards prints nothing of Playwright's.

A terminal's Ctrl+C signals the whole process group, Playwright's driver included, so the
driver dies with the run; the test does the same (``killpg``) to a real run in a
subprocess. Before the fix, asyncio printed "Future exception was never retrieved ...
Connection closed while reading from the driver" at exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.env_adapters.browser import find_chromium

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_closes_cleanly(signum: signal.Signals) -> None:
    try:
        chromium = find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")
    process = subprocess.Popen(
        [sys.executable, str(HERE / "interrupted_run.py"), str(HERE / "pages"), chromium],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # a process group of its own, to signal as a terminal does
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(0.8)  # well inside the observe/execute loop
        os.killpg(process.pid, signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (out.strip(), process.returncode, err) == ("interrupted", 130, ""), err
