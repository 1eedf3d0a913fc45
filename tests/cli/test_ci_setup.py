"""Issue 11, item 9: ``.ci/setup`` installs into the active virtual environment when there is
one, else into the system ``python3``, and its comments speak of the project only.

The script is run for real, with stand-ins on PATH for ``chromium`` (so apt is not needed)
and for the Python it should pick, each recording the command it was given.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = ROOT / ".ci" / "setup"


def recorder(path: Path, log: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{path.name} $*" >> {log}\n', encoding="utf-8")
    path.chmod(0o755)


def run_setup(tmp_path: Path, virtual_env: Path | None) -> list[str]:
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    recorder(bin_dir / "chromium", log)
    recorder(bin_dir / "python3", log)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    if virtual_env is not None:
        recorder(virtual_env / "bin" / "python", log)
        env["VIRTUAL_ENV"] = str(virtual_env)
    result = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return log.read_text(encoding="utf-8").splitlines()


def test_installs_into_the_active_virtual_environment(tmp_path) -> None:
    calls = run_setup(tmp_path, tmp_path / "venv")
    assert calls[-1] == "python -m pip install -q -e .[all,dev]"
    assert all(c.startswith("python ") for c in calls)  # the venv's python, never the system's


def test_installs_into_the_system_python_without_one(tmp_path) -> None:
    calls = run_setup(tmp_path, None)
    assert calls[-1] == "python3 -m pip install -q -e .[all,dev]"


def test_its_comments_speak_of_the_project_only() -> None:
    comments = " ".join(line for line in SETUP.read_text().splitlines() if line.lstrip().startswith("#"))
    for words in ("workplace", "local disk", "measured", "here"):  # the machine it was written on
        assert not re.search(rf"\b{words}\b", comments, re.IGNORECASE), words
