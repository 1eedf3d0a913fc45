"""Run folders: a run without ``out`` always gets a fresh one, whoever else starts at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run, new_run_folder, run_folder_name
from mimo_gui.env_adapters.image import ImageEnv

FINISH = '{"action": "finished", "status": "success"}'


def test_the_same_task_three_times_in_a_row_gets_three_folders(tmp_path: Path) -> None:
    env = ImageEnv(Image.new("RGB", (280, 280)))
    folders = []
    for _ in range(3):
        result = Agent(env, ScriptedBackend.from_answers([FINISH]), runs_dir=tmp_path).run("same")
        assert result.status == "finished" and result.trajectory is not None
        folders.append(result.trajectory)
    assert len(set(folders)) == 3 and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f.name for f in folders
    )
    assert all(load_run(f).run.status == "finished" for f in folders)


def test_new_run_folder_in_the_same_second_takes_the_next_suffix(tmp_path: Path) -> None:
    when = time.mktime((2026, 11, 25, 10, 15, 0, 0, 0, -1))
    made = [new_run_folder(tmp_path, "log in", when) for _ in range(3)]
    assert [p.name for p in made] == [
        "20261125-101500-log-in",
        "20261125-101500-log-in-2",
        "20261125-101500-log-in-3",
    ]
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_new_run_folder_under_a_file_is_a_one_line_config_error(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError, match=r"cannot create a run folder in '.*f'"):
        new_run_folder(tmp_path / "f", "t")


def test_runs_started_at_once_in_several_processes_never_share_a_folder(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from PIL import Image
        from mimo_gui.agent.backends.scripted import ScriptedBackend
        from mimo_gui.agent.loop import Agent
        from mimo_gui.env_adapters.image import ImageEnv

        start = float(sys.argv[1])
        while time.time() < start:  # every process reaches the folder in the same instant
            time.sleep(0.001)
        answers = ['{FINISH}']
        result = Agent(ImageEnv(Image.new("RGB", (280, 280))), ScriptedBackend.from_answers(answers),
                       runs_dir={str(tmp_path)!r}).run("same task")
        print(result.trajectory, result.status)
        """
    )
    start = time.time() + 4.0  # after every interpreter has started
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(start)], stdout=subprocess.PIPE, text=True)
        for _ in range(5)
    ]
    outputs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0] * 5
    assert all(status == "finished" for _, status in outputs)
    folders = {Path(folder) for folder, _ in outputs}
    assert len(folders) == 5 and all(load_run(f).run.status == "finished" for f in folders)


@pytest.mark.parametrize(
    ("task", "slug"),
    [
        (
            "log in as alice with password hunter2 and then open settings",
            "log-in-as-alice-with-password-hunter2",
        ),
        ("Öffne die Einstellungen!", "öffne-die-einstellungen"),
        ("a" * 60, "a" * 40),
        ("???", "run"),
    ],
)
def test_folder_names_are_cut_at_a_word_boundary(task: str, slug: str) -> None:
    name = run_folder_name(task, 0.0)
    assert name.split("-", 2)[2] == slug and len(slug) <= 40
