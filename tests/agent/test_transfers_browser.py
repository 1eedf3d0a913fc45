"""A script's file transfers and framing on real headless Chromium: ``agent.upload`` through the
file chooser, downloads saved into the run folder and listed in the step, and framing at the
logical resolution on a HiDPI page. The model is `colour_model`'s kind: it finds each target by
its colour in the image it was sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mimo_gui.actions import ConfigError, UnsupportedAction
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.env_adapters.image import ImageEnv
from tests.agent.colour_model import PAGES, find_colour, grounding_answer, prompt_text
from tests.support.static_server import serve_folder

pytestmark = pytest.mark.browser

COLOURS = {"Attach": (220, 30, 30), "Download": (30, 180, 30)}


def model(request: CompletionRequest) -> str:
    text = prompt_text(request)
    name = next(n for n in COLOURS if n in text)
    found = find_colour(request.images()[-1].image, COLOURS[name])
    assert found is not None, name
    return grounding_answer(*found)


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    with serve_folder(PAGES) as url:
        yield f"{url}/transfers.html"


@pytest.fixture(scope="module")
def chromium() -> str:
    from mimo_gui.env_adapters.browser import find_chromium

    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


def test_an_upload_and_a_download_in_one_session(chromium: str, page_url: str, tmp_path: Path) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    report = tmp_path / "report.txt"
    report.write_text("quarterly numbers", encoding="utf-8")
    run = tmp_path / "run"
    with BrowserEnv.launch(page_url, viewport=(800, 500), chromium=chromium) as env:
        with Agent(env, ScriptedBackend(model), think=False, out=run) as agent:
            agent.upload("the Attach button", report)
            agent.click("the Download link")
            agent.locate("the Attach button")  # a later look: the download has arrived by now
        env.page.wait_for_function("window.received !== undefined", timeout=10_000)  # an async handler
        assert env.page.evaluate("window.received") == "report.txt=quarterly numbers"
    loaded = load_run(run)
    upload, download, later = loaded.steps
    assert upload.kind == "locate" and upload.actions[0].type == "click"
    assert upload.result == f"uploaded report.txt through the file chooser at {_xy(upload)}"
    listed = download.downloads + later.downloads
    assert listed == ["downloads/notes.txt"] and loaded.run.downloads == listed
    assert (run / "downloads" / "notes.txt").read_text() == "three notes\n"


def _xy(step) -> str:
    p = step.actions[0].point
    return f"({p.x:g}, {p.y:g})"


def test_an_upload_is_refused_before_the_model_is_asked(tmp_path: Path) -> None:
    from PIL import Image

    backend = ScriptedBackend(model)
    agent = Agent(ImageEnv(Image.new("RGB", (100, 100))), backend)
    with pytest.raises(
        UnsupportedAction, match="the image env cannot upload files: only the browser env can"
    ):
        agent.upload("the Attach button", tmp_path / "x.txt")
    assert backend.requests == []


def test_a_missing_file_is_refused_before_the_model_is_asked(
    chromium: str, page_url: str, tmp_path: Path
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(model)
    with BrowserEnv.launch(page_url, viewport=(800, 500), chromium=chromium) as env:
        agent = Agent(env, backend)
        with pytest.raises(ConfigError, match=r"cannot upload '.*missing.pdf': no such file"):
            agent.upload("the Attach button", tmp_path / "missing.pdf")
    assert backend.requests == []


@pytest.mark.parametrize("resolution", ["physical", "logical"])
def test_logical_framing_at_scale_2_sends_a_quarter_and_lands_as_exactly(
    chromium: str, page_url: str, tmp_path: Path, resolution: str
) -> None:
    from mimo_gui.env_adapters.browser import BrowserEnv

    backend = ScriptedBackend(model)
    with BrowserEnv.launch(page_url, viewport=(800, 500), device_scale_factor=2.0, chromium=chromium) as env:
        agent = Agent(env, backend, think=False, resolution=resolution, out=tmp_path / "run")  # type: ignore[arg-type]
        with agent:
            point = agent.click("the Download link")
    sent = backend.requests[0].images()[-1].image.size
    # smart_resize rounds each side to the nearest multiple of 28: 800x500 CSS px, 1600x1000 physical.
    assert sent == ((812, 504) if resolution == "logical" else (1596, 1008))
    assert abs(point.x - 480) <= 1 and abs(point.y - 130) <= 1  # the link's centre, CSS px
    assert load_run(tmp_path / "run").run.resolution == resolution
