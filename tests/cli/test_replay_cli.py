"""Issue 14: ``mimo-gui replay RUN_DIR [--verify]`` as a user runs it, in a fresh process.

The run is recorded first by the real loop (a scripted model, real headless Chromium, a page
served over HTTP); each replay launches its own Chromium from the run's recorded settings.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import Action, Click, ConfigError, Navigate, Point, Wait
from mimo_gui.agent.recorder import LoadedRun, Recorder, load_run
from mimo_gui.agent.records import RunRecord, StepRecord
from tests.cli.cli_support import chromium_tripwire, mimo_gui, one_line_error
from tests.cli.test_interrupts import SIGNALS, assert_run_recorded_as_interrupted, start, stop, wait_for
from tests.support.replay_site import page_html, record_run, write_site
from tests.support.static_server import serve_folder


@pytest.fixture(scope="module")
def chromium() -> str:
    from mimo_gui.env_adapters.browser import find_chromium

    pytest.importorskip("playwright")
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def site_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def site(site_folder: Path) -> Iterator[str]:
    with serve_folder(site_folder) as url:
        yield url


@pytest.fixture(scope="module")
def recorded(site: str, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> LoadedRun:
    return record_run(f"{site}/index.html", tmp_path_factory.mktemp("recorded") / "run", chromium)


@pytest.mark.browser
def test_a_replay_on_the_recorded_settings_verifies_and_exits_0(
    recorded: LoadedRun, site: str, tmp_path: Path
) -> None:
    out = mimo_gui("replay", str(recorded.folder), "--verify", "--out", str(tmp_path / "replay"), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert {k: summary[k] for k in ("status", "replayed", "verified", "skipped", "ended_by", "mismatch")} == {
        "status": "replayed", "replayed": 4, "verified": 4, "skipped": [], "ended_by": "Finish", "mismatch": None
    }  # fmt: skip
    assert summary["trajectory"] == str(tmp_path / "replay")
    # Built from run.json: the recorded start page and its 640x400 viewport, not the 1280x800 default.
    again = load_run(tmp_path / "replay")
    assert again.run.env["url"] == f"{site}/index.html" and again.run.env["viewport"] == [640, 400]
    assert [s.actions for s in again.steps] == [s.actions for s in recorded.steps]
    assert "step  2  type text='milk'  [replay of step 2]" in out.stderr


@pytest.mark.browser
def test_a_changed_served_page_stops_at_the_step_with_exit_1(
    recorded: LoadedRun, site_folder: Path, tmp_path: Path
) -> None:
    index = site_folder / "index.html"
    index.write_text(page_html("focus.html"), encoding="utf-8")  # the focused field's outline changes
    try:
        out = mimo_gui("replay", str(recorded.folder), "--verify", "--runs-dir", str(tmp_path / "runs"))
    finally:
        index.write_text(page_html("index.html"), encoding="utf-8")
    assert out.returncode == 1, out.stderr
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert (
        "mimo-gui replay: step 2: the screen differs from the recorded step_002.png: 0.586% of the pixels "
        "differ, within (37, 117)-(251, 159) (threshold 0.1%)"
    ) in out.stderr.splitlines()
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.endswith("-replay-add-milk-to-the-shopping-list")
    again = load_run(folder)
    # Step 1's click ran; step 2 was compared and stopped there, so neither its typing nor
    # anything after ran.
    assert [len(s.actions) for s in again.steps] == [1, 0]
    assert again.run.status == "failed"


@pytest.mark.browser
def test_a_url_flag_overrides_the_recorded_start_page(recorded: LoadedRun, site: str, tmp_path: Path) -> None:
    out = mimo_gui(
        "replay", str(recorded.folder), "--verify", "--url", f"{site}/heading.html",
        "--out", str(tmp_path / "replay"), "--json",
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    summary = json.loads(out.stdout)
    assert (summary["status"], summary["mismatch"]["step"], summary["replayed"]) == ("mismatch", 1, 0)
    assert summary["mismatch"]["threshold"] == 0.001 and summary["mismatch"]["difference"] > 0.002
    assert "mimo-gui replay: step 1: the screen differs from the recorded step_001.png" in out.stderr


@pytest.mark.browser
def test_a_run_with_a_cut_last_line_still_replays(recorded: LoadedRun, tmp_path: Path) -> None:
    copy = shutil.copytree(recorded.folder, tmp_path / "run")
    steps = copy / "steps.jsonl"
    lines = steps.read_text().splitlines(keepends=True)
    steps.write_text("".join(lines[:-1]) + lines[-1][:40])  # step 4 (Finish) cut short by a crash
    out = mimo_gui("replay", str(copy), "--verify", "--out", str(tmp_path / "replay"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        f"replayed 3 steps of {str(copy)!r}, 3 screens verified; "
        "the recorded last line was cut short and is not replayed"
    )
    assert len(load_run(tmp_path / "replay").steps) == 3


def test_a_folder_that_is_not_a_run_is_refused_in_one_line(tmp_path: Path) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    (tmp_path / "empty").mkdir()
    env = {"MIMO_GUI_CHROMIUM": str(chromium)}
    out = mimo_gui("replay", str(tmp_path / "empty"), env=env)
    assert out.returncode == 2
    expected = f"mimo-gui replay: error: {str(tmp_path / 'empty')!r} is not a run folder: it has no run.json"
    assert one_line_error(out.stderr, "replay") == expected
    out = mimo_gui("replay", str(tmp_path / "missing"), env=env)
    assert out.returncode == 2
    assert one_line_error(out.stderr, "replay").endswith(
        f"run folder {str(tmp_path / 'missing')!r} does not exist"
    )
    assert not started.exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--threshold", "1.5"],
            "argument --threshold: must be at least 0 and under 1 (0.001 is 0.1%), got 1.5",
        ),
        (["--env", "desktop", "--viewport", "800x600"], "--viewport belongs to --env browser"),
    ],
)
def test_bad_flags_are_refused_before_chromium_starts(
    recorded_copy: Path, tmp_path: Path, flags: list[str], message: str
) -> None:
    chromium, started = chromium_tripwire(tmp_path)
    out = mimo_gui("replay", str(recorded_copy), *flags, env={"MIMO_GUI_CHROMIUM": str(chromium)})
    assert out.returncode == 2
    assert message in out.stderr.strip().splitlines()[-1] and "Traceback" not in out.stderr
    assert not started.exists()


def _hand_made_run(folder: Path, url: str, actions: list[Action]) -> Path:
    """A run folder made without a browser: run.json and one step, as the recorder writes them."""
    env = {"kind": "browser", "url": url, "viewport": [640, 400], "device_scale_factor": 1.0}
    recorder = Recorder(folder, RunRecord(task="t", env=env, started_at=time.time()))
    step = StepRecord(index=1, started_at=time.time(), actions=actions)
    step.screenshot = recorder.save_screenshot(1, Image.new("RGB", (640, 400)))
    recorder.append(step)
    recorder.close()
    return folder


@pytest.fixture
def recorded_copy(tmp_path: Path) -> Path:
    return _hand_made_run(tmp_path / "recorded", "http://127.0.0.1:9/", [Click(point=Point(x=1, y=1))])


@pytest.mark.browser
def test_an_action_that_fails_now_exits_1_naming_its_step(site: str, tmp_path: Path) -> None:
    run = _hand_made_run(tmp_path / "recorded", f"{site}/index.html", [Navigate(url="http://127.0.0.1:9/")])
    out = mimo_gui("replay", str(run), "--out", str(tmp_path / "replay"))
    assert out.returncode == 1, out.stderr
    assert any(line.startswith("mimo-gui replay: step 1: ActionFailed: ") for line in out.stderr.splitlines())
    assert "Traceback" not in out.stderr


@pytest.mark.browser
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_an_interrupted_replay_exits_130_and_is_recorded_so(
    site: str, tmp_path: Path, sig: signal.Signals
) -> None:
    run = _hand_made_run(tmp_path / "recorded", f"{site}/index.html", [Wait(seconds=60)])
    out = tmp_path / "replay"
    proc = start("replay", str(run), "--out", str(out))
    try:
        wait_for((out / "step_001.png").exists, proc, "the replay's first look")
        err = stop(proc, sig)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "mimo-gui replay: interrupted by" in err
    assert_run_recorded_as_interrupted(out)
