"""The whole loop in real headless Chromium on the bundled demo app.

The demo server records sign-ins on its side; the scripted model decides where to click
from the page's own layout report (independently of our Frame code, scaling CSS pixels to
the image it was sent the way a model sees it). The server's record proves the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.demo.scripted_model import DemoModel
from mimo_gui.demo.server import DemoServer
from mimo_gui.prompts import ImagePart, Message
from tests.support.chat_server import serve_chat

pytestmark = pytest.mark.browser

PASSWORD = "p@ss \"wörd\" 'quoted' 密码 with spaces"


@pytest.fixture(scope="module")
def chromium() -> str:
    from mimo_gui.actions import ConfigError
    from mimo_gui.env_adapters.browser import find_chromium

    pytest.importorskip("playwright")
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def server():
    with DemoServer() as s:
        yield s


@pytest.mark.parametrize("dsf", [1.0, 1.5, 2.0])
def test_agent_signs_in_at_every_device_scale_factor(
    chromium: str, server: DemoServer, tmp_path: Path, dsf: float
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    demo = DemoModel(server.url, password=PASSWORD)
    shown: list[Image.Image] = []

    def model(request: CompletionRequest) -> str:
        shown.append(request.images()[-1].image)
        return demo(request)

    backend = ScriptedBackend(model, model="scripted demo")
    with BrowserEnv.launch(
        server.url, viewport=(1280, 800), device_scale_factor=dsf, chromium=chromium
    ) as env:
        result = Agent(env, backend, out=tmp_path / "run").run(f"sign in as alice with password {PASSWORD}")
    assert result.status == "finished", result.steps[-1]
    assert [(a.username, a.password) for a in server.logins()] == [("alice", PASSWORD)]
    loaded = load_run(tmp_path / "run")
    first = loaded.steps[0]
    assert loaded.screenshot(first).size == (round(1280 * dsf), round(800 * dsf))
    assert first.frame is not None and first.frame.scale == dsf
    assert first.action is not None and first.action.type == "click" and first.described == "Username"
    typed = [a.text for s in loaded.steps for a in s.actions if a.type == "type"]
    assert typed == ["alice", PASSWORD]
    assert loaded.run.env["device_scale_factor"] == dsf and loaded.run.status == "finished"
    # Each image the model was shown is Pillow's bicubic resize of that step's screenshot,
    # though the loop reframed only what changed since the step before.
    assert len(shown) == len(loaded.steps)
    for step, image in zip(loaded.steps, shown):
        shot = loaded.screenshot(step)
        assert shot is not None and step.frame is not None
        size = (step.frame.model_width, step.frame.model_height)
        assert image.tobytes() == shot.resize(size, Image.Resampling.BICUBIC).tobytes(), step.index


def test_a_browser_run_records_the_screen_after_its_last_action_and_each_page(
    chromium: str, server: DemoServer, tmp_path: Path
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(DemoModel(server.url, password=PASSWORD), model="scripted demo")
    with BrowserEnv.launch(
        server.url, viewport=(1000, 700), device_scale_factor=1.5, chromium=chromium
    ) as env:
        result = Agent(env, backend, out=tmp_path / "run").run("sign in")
        title = env.page.title()
    assert result.status == "finished"
    loaded = load_run(tmp_path / "run")
    shots = sorted(p.name for p in (tmp_path / "run").glob("*.png"))
    assert len(shots) == len(loaded.steps) + 1 and "final.png" in shots
    assert loaded.final_screenshot is not None and Image.open(loaded.final_screenshot).size == (1500, 1050)
    final = loaded.run.final_context
    assert final is not None and final.url is not None and final.url.startswith(server.url)
    assert final.title == title
    page = (tmp_path / "run" / "report.html").read_text()
    first = loaded.steps[0].context
    assert first.url is not None and first.url.startswith(server.url)
    assert f'<p class="where">{first.where}</p>' in page.replace("&amp;", "&")
    assert '<a href="final.png"><img src="final.png"' in page


def test_agent_signs_in_when_the_page_starts_scrolled(
    chromium: str, server: DemoServer, tmp_path: Path
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(DemoModel(server.url, password=PASSWORD), model="scripted demo")
    with BrowserEnv.launch(server.url, device_scale_factor=2.0, chromium=chromium) as env:
        env.page.evaluate("window.scrollTo(0, 900)")
        result = Agent(env, backend).run("sign in")
    kinds = [a.type for s in result.steps for a in s.actions]
    assert kinds[0] == "scroll" and result.status == "finished"
    assert result.steps[0].actions[0].direction == "up"  # MiMo says "down" to reveal what is above
    assert [(a.username, a.password) for a in server.logins()] == [("alice", PASSWORD)]


def _demo_model_responder(url: str):
    """An OpenAI-compatible server's brain: the demo model, fed the image the server received."""
    model = DemoModel(url, password=PASSWORD)

    def respond(body: dict, images: list[Image.Image]) -> str:
        return model(CompletionRequest((Message("user", (ImagePart(images[-1]),)),)))

    return respond


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mimo_gui", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
        env=os.environ,
    )


def test_mimo_gui_run_against_a_local_openai_compatible_server(
    chromium: str, server: DemoServer, tmp_path: Path
) -> None:
    with serve_chat(_demo_model_responder(server.url)) as chat:
        result = run_cli(
            "run", f"sign in as alice with password {PASSWORD}", "--env", "browser", "--url", server.url,
            "--base-url", chat.url, "--model", "mimo-vl-test", "--device-scale-factor", "1.5",
            "--chromium", chromium, "--no-think", "--out", str(tmp_path / "run"),
            cwd=tmp_path,
        )  # fmt: skip
        bodies = [r.body for r in chat.chat_requests]
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "finished" and summary["trajectory"] == str(tmp_path / "run")
    assert [(a.username, a.password) for a in server.logins()] == [("alice", PASSWORD)]
    assert "step  1  click" in result.stderr and "on 'Username'" in result.stderr
    # MiMo's agent request: no system message, image first, " /no_think" last, its sampling
    first = bodies[0]
    assert [m["role"] for m in first["messages"]] == ["user"]
    content = first["messages"][0]["content"]
    assert content[0]["type"] == "image_url" and content[-1] == {"type": "text", "text": " /no_think"}
    assert (first["temperature"], first["top_p"], first["max_tokens"]) == (0.3, 0.95, 512)
    assert content[0]["image_url"]["url"].startswith("data:image/jpeg;base64,")
    assert load_run(tmp_path / "run").run.image_format == "jpeg"


def test_run_exits_1_at_the_step_budget_and_refuses_a_used_folder(
    chromium: str, server: DemoServer, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(['{"action": "wait"}'] * 5))
    args = ("run", "wait around", "--url", server.url, "--backend", "scripted", "--answers", str(answers))
    result = run_cli(
        *args, "--max-steps", "2", "--chromium", chromium, "--out", str(tmp_path / "r"), cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["status"] == "max_steps"
    again = run_cli(*args, "--chromium", chromium, "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert again.returncode == 2
    (line,) = again.stderr.strip().splitlines()  # one line, checked before Chromium starts
    assert line.endswith(f"{str(tmp_path / 'r')!r} is not empty: pick a new --out")


def test_run_exits_3_when_the_model_asks_for_the_user(
    chromium: str, server: DemoServer, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(['{"action": "call_user", "question": "What is the password?"}']))
    result = run_cli(
        "run", "sign in", "--url", server.url, "--backend", "scripted", "--answers", str(answers),
        "--chromium", chromium, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3
    summary = json.loads(result.stdout)
    assert summary["status"] == "asked_user" and summary["answer"] == "What is the password?"
    folder = tmp_path / summary["trajectory"]  # the default: runs/<time>-<task>/ under the working folder
    assert folder.parent == tmp_path / "runs" and folder.name.endswith("-sign-in")
    assert load_run(folder).run.status == "asked_user"


def test_demo_command_with_the_scripted_model(chromium: str, tmp_path: Path) -> None:
    result = run_cli(
        "demo", "--backend", "scripted", "--chromium", chromium, "--out", str(tmp_path / "d"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (
        "scripted demo model (reads the page layout from the demo server; not an AI model)" in result.stderr
    )
    assert "the demo app recorded the sign-in as alice" in result.stderr
    assert load_run(tmp_path / "d").run.status == "finished"
