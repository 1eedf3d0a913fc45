"""`tests/conftest.py`: with CI=true a skip fails the run; elsewhere it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# The project's addopts (two workers) are left out: a probe is one file, read from its output.
PLAIN = ("-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:benchmark")


def _pytest(probe: str, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *PLAIN, str(HERE / "support" / probe)],
        capture_output=True,
        text=True,
        env=env,
        cwd=HERE.parent,
        timeout=120,
    )


@pytest.mark.parametrize("probe", ["ci_skip_probe.py", "ci_collect_skip_probe.py"])
def test_a_skip_fails_under_ci(probe: str) -> None:
    out = _pytest(probe, "true")
    assert out.returncode in (1, 2), out.stdout  # 2: the collection error interrupts the run
    assert "skipped under CI=true" in out.stdout


@pytest.mark.parametrize("probe", ["ci_skip_probe.py", "ci_collect_skip_probe.py"])
def test_a_skip_stays_a_skip_outside_ci(probe: str) -> None:
    out = _pytest(probe, None)
    # 5: pytest's "no tests ran", which a module skipped at collection gives.
    assert out.returncode in (0, 5), out.stdout
    assert "skipped" in out.stdout and "failed" not in out.stdout
