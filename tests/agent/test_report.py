"""report.html: built from the records, marks the executed point, escapes what the model said."""

from __future__ import annotations

import re

from PIL import Image

from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.report import write_report
from mimo_gui.env_adapters.image import ImageEnv


def test_report_marks_each_click_where_it_landed(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (1000, 700)))
    answers = [
        '<think>The <script>alert(1)</script> field</think>{"action": "click", "start_point": [252, 175]}',
        "gibberish",
        '{"action": "finished", "status": "success"}',
    ]
    result = Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "run").run("click <b>it</b>")
    page = (tmp_path / "run" / "report.html").read_text()
    assert result.trajectory is not None and (result.trajectory / "report.html").exists()
    # model (252, 175) in a 1008x700 image is screen (250, 175) of 1000x700: 25% and 25%
    assert re.findall(r'class="mark" style="left:([\d.]+)%;top:([\d.]+)%"', page) == [("25.000", "25.000")]
    assert page.count('<img src="step_') == 3 and all(
        (tmp_path / "run" / f"step_00{i}.png").exists() for i in (1, 2, 3)
    )
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;it&lt;/b&gt;" in page
    assert "ParseError (fed back to the model): no action or coordinates found" in page
    assert '{"type": "click", "point": {"x": 250.0, "y": 175.0}}' in page


def test_report_can_be_rebuilt_for_a_cut_run(tmp_path) -> None:
    env = ImageEnv(Image.new("RGB", (280, 280)))
    Agent(
        env,
        ScriptedBackend.from_answers(['{"action": "click", "start_point": [1, 1]}'] * 2),
        max_steps=2,
        out=tmp_path / "r",
    ).run("t")
    steps = tmp_path / "r" / "steps.jsonl"
    steps.write_bytes(steps.read_bytes()[:-30])
    page = write_report(tmp_path / "r").read_text()
    assert "cut short" in page and page.count("<h2>Step") == 1


def test_report_command(tmp_path, capsys) -> None:
    from mimo_gui.cli import main

    env = ImageEnv(Image.new("RGB", (280, 280)))
    Agent(
        env, ScriptedBackend.from_answers(['{"action": "finished", "status": "success"}']), out=tmp_path / "r"
    ).run("t")
    (tmp_path / "r" / "report.html").unlink()
    assert main(["report", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "r" / "report.html")
    assert (tmp_path / "r" / "report.html").exists()
    assert main(["report", str(tmp_path)]) == 2
    assert "is not a run folder: it has no run.json" in capsys.readouterr().err
