"""report.html: built from the records, marks the executed point, escapes what the model said."""

from __future__ import annotations

import json
import re

from PIL import Image

from mimo_gui.actions import Click
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.agent.report import write_report
from mimo_gui.env_adapters.base import Observation
from mimo_gui.env_adapters.image import ImageEnv


class PagesEnv(ImageEnv):
    """An image screen whose page changes with each click: page N after N clicks, N shades darker."""

    def observe(self) -> Observation:
        n = len(self.executed)
        image = Image.new("RGB", self.image.size, (250 - 40 * n, 250, 250))
        return Observation(image=image, url=f"http://app.test/page{n}", title=f"Page {n}")


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
    assert '{"type": "click", "point": {"x": 250, "y": 175}}' in page


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


def test_a_three_step_run_has_four_screenshots_the_last_after_its_last_action(tmp_path) -> None:
    env = PagesEnv(Image.new("RGB", (1000, 700)))
    clicks = ['{"action": "click", "start_point": [100, 100]}'] * 3
    result = Agent(env, ScriptedBackend.from_answers(clicks), max_steps=3, out=tmp_path / "r").run("t")
    assert result.status == "max_steps" and len(env.executed) == 3
    shots = sorted(p.name for p in (tmp_path / "r").glob("*.png"))
    assert shots == ["final.png", "step_001.png", "step_002.png", "step_003.png"]
    loaded = load_run(tmp_path / "r")
    assert loaded.final_screenshot == tmp_path / "r" / "final.png"
    assert loaded.run.final_context is not None and loaded.run.final_context.url == "http://app.test/page3"
    assert Image.open(loaded.final_screenshot).getpixel((0, 0)) == (130, 250, 250)  # after the 3rd click
    assert json.loads((tmp_path / "r" / "run.json").read_text())["final_screenshot"] == "final.png"


def test_report_shows_each_page_links_full_images_and_rounds_coordinates(tmp_path) -> None:
    env = PagesEnv(Image.new("RGB", (1000, 700)))
    # model x 333 in the 1008-wide image is screen x 330.357…: shown as 330.4
    answers = [
        '{"action": "click", "start_point": [333, 100]}',
        '{"action": "finished", "status": "success"}',
    ]
    Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "r").run("t")
    assert env.executed == [Click.model_validate({"point": {"x": 1000 * 333 / 1008, "y": 100}})]
    page = (tmp_path / "r" / "report.html").read_text()
    assert re.findall(r'<a href="([^"]+)"><img src="([^"]+)"', page) == [
        ("step_001.png", "step_001.png"),
        ("step_002.png", "step_002.png"),
        ("final.png", "final.png"),
    ]
    assert re.findall(r'<p class="where">([^<]*)</p>', page) == [
        "Page 0 · http://app.test/page0",
        "Page 1 · http://app.test/page1",
        "Page 1 · http://app.test/page1",
    ]
    assert '{"type": "click", "point": {"x": 330.4, "y": 100}}' in page
    assert "After the last step" in page


def test_report_shows_env_settings_as_words_not_python_dicts(tmp_path) -> None:
    class SettledEnv(PagesEnv):
        def settings(self) -> dict[str, object]:
            return {"kind": "browser", "viewport": [1280, 800], "settle": {"timeout": 2.0, "pixels": False}}

    answers = ['{"action": "finished", "status": "success"}']
    Agent(
        SettledEnv(Image.new("RGB", (100, 100))), ScriptedBackend.from_answers(answers), out=tmp_path / "r"
    ).run("t")
    page = (tmp_path / "r" / "report.html").read_text()
    assert "kind browser, viewport 1280×800, settle (timeout 2, pixels False)" in page
    assert "{&#x27;" not in page and "{'" not in page
