"""The README's Python example runs, against the demo app and a local chat-completions server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.demo.scripted_model import DemoModel
from mimo_gui.demo.server import DemoServer
from mimo_gui.prompts import ImagePart, Message
from tests.support.chat_server import serve_chat

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.browser
def test_the_python_example_runs(tmp_path, monkeypatch, capsys) -> None:
    pytest.importorskip("playwright")
    (example,) = [b for b in python_blocks() if "Agent(env" in b]
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
