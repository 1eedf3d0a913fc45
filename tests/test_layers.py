"""`.ci/check_layers.py`: the layers hold on the tree as it is, and a planted break is caught.

The planted breaks are written into a copy of the source folders, so each case shows the
check fails on exactly the import it is about.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / ".ci" / "check_layers.py"
FOLDERS = ("actions", "prompts", "env_adapters", "agent", "mimo_gui")


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECK), str(root)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package's sources and pyproject (what the check reads)."""
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_hold_on_the_tree() -> None:
    out = check(ROOT)
    assert (out.returncode, out.stdout) == (0, ""), out.stdout + out.stderr


def test_the_copy_passes_before_anything_is_planted(tree: Path) -> None:
    out = check(tree)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("file", "line", "source", "target"),
    [
        # a lazy import inside a function still runs upward when it runs
        (
            "actions/geometry.py",
            "def _planted():\n    from ..agent import loop\n",
            "mimo_gui.actions.geometry",
            "mimo_gui.agent.loop",
        ),
        (
            "prompts/render.py",
            "from mimo_gui.env_adapters import base\n",
            "mimo_gui.prompts.render",
            "mimo_gui.env_adapters.base",
        ),
        (
            "env_adapters/image.py",
            "from ..prompts import Profile\n",
            "mimo_gui.env_adapters.image",
            "mimo_gui.prompts",
        ),
        ("agent/durable.py", "import mimo_gui.cli\n", "mimo_gui.agent.durable", "mimo_gui.cli"),
        ("agent/records.py", "from .. import errors\n", "mimo_gui.agent.records", "mimo_gui.errors"),
    ],
    ids=[
        "actions->agent (lazy)",
        "prompts->env_adapters",
        "env_adapters->prompts",
        "agent->cli",
        "agent->mimo_gui",
    ],
)
def test_an_upward_import_fails_the_check(tree: Path, file: str, line: str, source: str, target: str) -> None:
    path = tree / file
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    out = check(tree)
    assert out.returncode == 1
    # the upward import first; it usually closes a cycle too, reported after it
    problem = out.stdout.splitlines()[0]
    assert problem.startswith(f"{file}:") and f"{source} imports {target}, but" in problem


def test_a_cycle_hidden_under_type_checking_fails_the_check(tree: Path) -> None:
    (tree / "mimo_gui" / "eval" / "planted_a.py").write_text("from . import planted_b\n", encoding="utf-8")
    (tree / "mimo_gui" / "eval" / "planted_b.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .planted_a import X\n",
        encoding="utf-8",
    )
    out = check(tree)
    assert out.returncode == 1
    (problem,) = out.stdout.splitlines()
    assert problem.startswith("import cycle between mimo_gui.eval.planted_a, mimo_gui.eval.planted_b:")
    assert "mimo_gui.eval.planted_b -> mimo_gui.eval.planted_a (mimo_gui/eval/planted_b.py:4)" in problem


def test_the_lint_script_runs_the_check() -> None:
    lint = (ROOT / ".ci" / "lint").read_text(encoding="utf-8")
    commands = [line.strip() for line in lint.splitlines() if not line.lstrip().startswith("#")]
    assert "python3 .ci/check_layers.py" in commands
