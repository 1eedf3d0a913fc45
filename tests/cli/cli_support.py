"""What the CLI tests share: running ``mimo-gui`` as a user does, and a Chromium stand-in that
only records that something tried to start it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")


def mimo_gui(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``mimo-gui ARGS`` in a fresh process (``python -m mimo_gui``, the installed entry point's code)."""
    return subprocess.run(
        [sys.executable, "-m", "mimo_gui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def chromium_tripwire(folder: Path) -> tuple[Path, Path]:
    """An executable to pass as ``MIMO_GUI_CHROMIUM`` that writes a marker file when anything
    starts it: a test asserting the marker is absent shows the command stopped before Chromium."""
    marker = folder / "chromium-was-started"
    script = folder / "chromium-tripwire"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    script.chmod(0o755)
    return script, marker


def answers_file(path: Path, answers: list[str] | dict[str, object]) -> Path:
    path.write_text(json.dumps(answers), encoding="utf-8")
    return path


def blank_screenshot(path: Path, size: tuple[int, int] = (640, 400)) -> Path:
    Image.new("RGB", size, (240, 240, 240)).save(path)
    return path


def one_line_error(stderr: str, command: str) -> str:
    """The single error line a failed command must print, checked to be that and nothing else."""
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr, stderr
    errors = [line for line in lines if line.startswith(f"mimo-gui {command}: error: ")]
    assert len(errors) == 1, stderr
    return errors[0]
