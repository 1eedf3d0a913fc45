"""The README's Python example runs, against the demo app and a local chat-completions server."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.demo.scripted_model import DemoModel
from mimo_gui.demo.server import DemoServer
from mimo_gui.prompts import ImagePart, Message
from tests.support.chat_server import serve_chat

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def section(title: str) -> str:
    """The README's text under ``## title``, up to the next ``## `` heading."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


# What MiMo-VL answers to a grounding prompt: a thought, then a fenced JSON list with a
# ``bbox_2d`` in the pixels of the image it was shown (XiaomiMiMo/MiMo-VL
# examples/grounding.ipynb; see shared/research/formats.md, "MiMo-VL-7B, grounding").
GROUND_ANSWER = (
    "<think>\nThe Save button is the blue one at the right end of the toolbar.\n</think>\n"
    '```json\n[{"bbox_2d": [2166, 44, 2262, 84], "label": "Save"}]\n```'
)


def test_the_ground_example_is_what_ground_prints(tmp_path, capsys) -> None:
    from mimo_gui.cli import main

    (block,) = re.findall(r"```bash\n(.*?)\n```", section("Grounding: where is it?"), re.DOTALL)
    command, printed = block.strip().split("\n")
    # A 2560x1440 screenshot (a 1280x720 window at device scale 2) with a Save button where
    # the answer says; MiMo-VL's budget frames it to 2380x1344, so model and screen pixels differ.
    shot = Image.new("RGB", (2560, 1440), "white")
    ImageDraw.Draw(shot).rectangle((2330, 47, 2433, 90), fill="#1a73e8")
    shot.save(tmp_path / "shot.png")
    seen: list[tuple[int, int]] = []

    def respond(body: dict, images: list[Image.Image]) -> str:
        seen.extend(im.size for im in images)
        return GROUND_ANSWER

    with serve_chat(respond) as chat:
        args = shlex.split(command)
        assert args[:2] == ["mimo-gui", "ground"] and "--base-url" in args
        args = [
            {"shot.png": str(tmp_path / "shot.png"), "marked.png": str(tmp_path / "marked.png")}.get(a, a)
            for a in args[1:]
        ]
        args[args.index("--base-url") + 1] = chat.url + "/v1"
        assert main(args) == 0
    assert seen == [(2380, 1344)]
    out = json.loads(capsys.readouterr().out)
    assert out == json.loads(printed)
    assert out["raw"] == GROUND_ANSWER
    # the point is the box's centre: box and point agree
    x1, y1, x2, y2 = out["box"]
    assert abs(out["x"] - (x1 + x2) / 2) <= 0.01 and abs(out["y"] - (y1 + y2) / 2) <= 0.01
    assert Image.open(tmp_path / "marked.png").size == (2560, 1440)


@pytest.mark.browser
def test_the_python_example_runs(tmp_path, monkeypatch, capsys) -> None:
    pytest.importorskip("playwright")
    (example,) = [b for b in python_blocks() if "agent.run(" in b]
    with DemoServer() as app:
        model = DemoModel(app.url, password="hunter2")

        def respond(body: dict, images: list[Image.Image]) -> str:
            return model(CompletionRequest((Message("user", (ImagePart(images[-1]),)),)))

        with serve_chat(respond, model="mimo-vl") as chat:
            code = example.replace("http://127.0.0.1:8080", app.url).replace(
                "http://localhost:8000/v1", chat.url
            )
            assert code != example
            monkeypatch.chdir(tmp_path)
            exec(compile(code, "README.md", "exec"), {})
        assert [(a.username, a.password) for a in app.logins()] == [("alice", "hunter2")]
    printed = capsys.readouterr().out.split()
    assert printed[0] == "finished" and Path(tmp_path / printed[-1]).is_dir()


@pytest.mark.browser
def test_the_script_example_runs(tmp_path, monkeypatch, capsys) -> None:
    from tests.flows.demo_model import DemoFlowModel

    (example,) = [b for b in python_blocks() if "agent.click(" in b and "gui_agent" not in b]
    monkeypatch.setenv("PASSWORD", "s3cret horse")
    with DemoServer() as app, serve_chat(DemoFlowModel(app), model="mimo-vl") as chat:
        code = example.replace("http://127.0.0.1:8080", app.url).replace("http://localhost:8000/v1", chat.url)
        assert code != example
        monkeypatch.chdir(tmp_path)
        exec(compile(code, "README.md", "exec"), {})
        assert [(a.username, a.password) for a in app.logins()] == [("alice", "s3cret horse")]
    who, folder = capsys.readouterr().out.split()
    assert who == "alice" and (tmp_path / folder / "report.html").is_file()
    for path in (tmp_path / folder).rglob("*"):  # the secret is typed, and written nowhere
        assert not path.is_file() or b"s3cret horse" not in path.read_bytes(), path


def test_the_load_run_example_runs(tmp_path, capsys) -> None:
    from mimo_gui import Agent, ImageEnv, ScriptedBackend

    answers = ['{"action": "click", "start_point": [10, 10]}', '{"action": "finished", "status": "success"}']
    env = ImageEnv(Image.new("RGB", (280, 280)))
    Agent(env, ScriptedBackend.from_answers(answers), out=tmp_path / "run").run("t")
    (example,) = [b for b in python_blocks() if "load_run(" in b]
    code = re.sub(r'load_run\("[^"]+"\)', f"load_run({str(tmp_path / 'run')!r})", example)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("finished [Click(type='click', point=Point(x=10.0, y=10.0")


def test_the_readme_says_how_many_mistakes_in_a_row_end_a_run() -> None:
    import inspect

    from mimo_gui import Agent, ImageEnv, ScriptedBackend

    text = " ".join(section("Running a task on your own site").split())
    found = re.search(
        r"It gets (\d+) more tries \(`Agent\(max_retries=(\d+)\)`\): the (\d+)(?:st|nd|rd|th) mistake in a row",
        text,
    )
    assert found is not None, "the README no longer says how many mistakes end a run"
    tries, default, ending = (int(g) for g in found.groups())
    assert tries == default == inspect.signature(Agent).parameters["max_retries"].default
    env = ImageEnv(Image.new("RGB", (280, 280)))
    result = Agent(env, ScriptedBackend.from_answers(["no"] * 10)).run("t")
    assert result.status == "failed" and len(result.steps) == ending
