"""Issue 14: replaying a recorded run with no model, and ``verify`` stopping at a changed screen.

A real run is recorded first (the real loop, a scripted model, real headless Chromium on a
page served over HTTP); replays go into fresh browsers, and the page's state is read back
through its own JavaScript. The comparison and the plan are also pinned on plain images.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import Click, ConfigError, Finish, Point, Space, Type
from mimo_gui.agent.compare_screens import (
    DEFAULT_THRESHOLD,
    DEFAULT_TOLERANCE,
    check_threshold,
    compare_screens,
)
from mimo_gui.agent.recorder import LoadedRun, Recorder, load_run
from mimo_gui.agent.records import ErrorRecord, RunRecord, StepRecord
from mimo_gui.agent.replay import MISMATCH_KIND, replay
from mimo_gui.agent.replay_plan import plan_replay
from mimo_gui.env_adapters.image import ImageEnv
from tests.support.replay_site import STATE_JS, VIEWPORT, record_run, write_site
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
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_folder(write_site(tmp_path_factory.mktemp("site"))) as url:
        yield url


@pytest.fixture(scope="module")
def recorded(site: str, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> LoadedRun:
    return record_run(f"{site}/index.html", tmp_path_factory.mktemp("recorded") / "run", chromium)


def _replay_on(url: str, run: LoadedRun, chromium: str, out: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    from mimo_gui.env_adapters.browser import BrowserEnv

    with BrowserEnv.launch(url, viewport=VIEWPORT, chromium=chromium) as env:
        result = replay(run, env, out=out, **kwargs)  # type: ignore[arg-type]
        return result, env.page.evaluate(STATE_JS)


# -- against the real browser ------------------------------------------------------------------


@pytest.mark.browser
def test_a_replay_reproduces_the_run_and_verifies_every_screen(
    recorded: LoadedRun, site: str, chromium: str, tmp_path: Path
) -> None:
    result, state = _replay_on(f"{site}/index.html", recorded, chromium, tmp_path / "replay", verify=True)
    assert (result.status, result.replayed, result.verified, result.ended_by) == ("replayed", 4, 4, "Finish")
    assert state == {"items": ["milk"], "value": "", "focused": "add"}
    assert result.message.startswith(f"replayed 4 steps of {str(recorded.folder)!r}, 4 screens verified")
    # The replay is a run folder of its own, naming its source.
    again = load_run(tmp_path / "replay")
    assert (again.run.backend, again.run.model, again.run.status) == ("replay", "none", "finished")
    assert again.run.task == f"replay of {recorded.folder}: {recorded.run.task}"
    assert [s.result.split(";")[0] for s in again.steps if s.result] == [
        f"replay of step {i}" for i in (1, 2, 3, 4)
    ]
    assert [s.actions for s in again.steps] == [s.actions for s in recorded.steps]
    assert (tmp_path / "replay" / "report.html").is_file() and again.final_screenshot is not None
    # An unchanged page captured again is the same image, pixel for pixel.
    for old, new in zip(recorded.steps, again.steps, strict=True):
        shot, old_shot = again.screenshot(new), recorded.screenshot(old)
        assert shot is not None and old_shot is not None
        assert compare_screens(old_shot, shot).fraction == 0.0, new.index


@pytest.mark.browser
def test_verify_stops_at_the_first_changed_screen_and_runs_nothing_after_it(
    recorded: LoadedRun, site: str, chromium: str, tmp_path: Path
) -> None:
    # focus.html differs only in the focused field's outline: step 1's screen matches, step 2's does not.
    result, state = _replay_on(f"{site}/focus.html", recorded, chromium, tmp_path / "replay", verify=True)
    assert result.status == "mismatch" and result.mismatch is not None
    assert (result.mismatch.step, result.replayed, result.verified) == (2, 1, 1)
    # Exactly the 3 px outline around the 206x36 px field: 214x42 - 208x36 pixels.
    difference = result.mismatch.difference
    assert (difference.changed, difference.box) == (1500, (37, 117, 251, 159))
    assert result.message == (
        "step 2: the screen differs from the recorded step_002.png: 0.586% of the pixels differ, "
        "within (37, 117)-(251, 159) (threshold 0.1%)"
    )
    # Step 1's click ran (the field has the focus); step 2's typing and everything after did not.
    assert state == {"items": [], "value": "", "focused": "item"}
    again = load_run(tmp_path / "replay")
    assert len(again.steps) == 2 and again.steps[-1].actions == []
    assert again.steps[-1].error is not None and again.steps[-1].error.kind == MISMATCH_KIND
    assert again.run.status == "failed" and again.run.answer == result.message


@pytest.mark.browser
def test_a_changed_heading_stops_the_replay_before_its_first_action(
    recorded: LoadedRun, site: str, chromium: str, tmp_path: Path
) -> None:
    result, state = _replay_on(f"{site}/heading.html", recorded, chromium, tmp_path / "replay", verify=True)
    assert result.status == "mismatch" and result.mismatch is not None and result.mismatch.step == 1
    assert result.mismatch.difference.fraction > 2 * DEFAULT_THRESHOLD
    assert state == {"items": [], "value": "", "focused": "BODY"}
    assert result.replayed == 0


@pytest.mark.browser
def test_a_threshold_above_the_change_lets_the_replay_through(
    recorded: LoadedRun, site: str, chromium: str, tmp_path: Path
) -> None:
    result, state = _replay_on(
        f"{site}/focus.html", recorded, chromium, tmp_path / "replay", verify=True, threshold=0.05
    )
    assert (result.status, result.verified) == ("replayed", 4)
    assert state["items"] == ["milk"]


@pytest.mark.browser
def test_without_verify_a_changed_page_is_replayed_all_the_same(
    recorded: LoadedRun, site: str, chromium: str, tmp_path: Path
) -> None:
    result, state = _replay_on(f"{site}/heading.html", recorded, chromium, tmp_path / "replay")
    assert (result.status, result.replayed, result.verified) == ("replayed", 4, 0)
    assert state == {"items": ["milk"], "value": "", "focused": "add"}


# -- the comparison ------------------------------------------------------------------------------


def _grey(size: tuple[int, int] = (1000, 1000)) -> Image.Image:
    return Image.new("RGB", size, (100, 100, 100))


def _with_changed(image: Image.Image, count: int, by: int) -> Image.Image:
    """``image`` with its first ``count`` pixels (row by row) moved ``by`` levels in green alone."""
    out = image.copy()
    width = out.width
    for i in range(count):
        out.putpixel((i % width, i // width), (100, 100 + by, 100))
    return out


def test_the_tolerance_counts_a_pixel_only_beyond_it() -> None:
    base = _grey((100, 100))
    assert compare_screens(base, _with_changed(base, 50, DEFAULT_TOLERANCE)).changed == 0
    over = compare_screens(base, _with_changed(base, 50, DEFAULT_TOLERANCE + 1))
    assert (over.changed, over.fraction, over.box) == (50, 0.005, (0, 0, 50, 1))


def test_the_default_threshold_passes_at_it_and_stops_just_over_it() -> None:
    base = _grey()  # 1,000,000 px: the default 0.1% is 1,000 of them
    at = compare_screens(base, _with_changed(base, 1000, 80))
    over = compare_screens(base, _with_changed(base, 1001, 80))
    assert (at.fraction, at.exceeds(DEFAULT_THRESHOLD)) == (0.001, False)
    assert (over.fraction, over.exceeds(DEFAULT_THRESHOLD)) == (0.001001, True)


def test_screens_of_different_sizes_differ_entirely() -> None:
    difference = compare_screens(_grey((640, 400)), _grey((1280, 800)))
    assert (difference.fraction, difference.exceeds(0.999)) == (1.0, True)
    assert difference.describe() == "the screenshot is 1280x800 px but was 640x400 px when recorded"


@pytest.mark.parametrize("bad", [-0.1, 1.0, float("nan"), float("inf")])
def test_a_threshold_outside_0_to_1_is_refused(bad: float) -> None:
    with pytest.raises(ConfigError, match="0 <= threshold < 1"):
        check_threshold(bad)


# -- the plan, on a plain image ------------------------------------------------------------------


def _point(x: float, y: float) -> Point:
    return Point(x=x, y=y, space=Space.SCREEN)


def _record(folder: Path, steps: list[StepRecord], shot: Image.Image, *, cut_last: bool = False) -> LoadedRun:
    recorder = Recorder(folder, RunRecord(task="plan", started_at=time.time(), env={"kind": "image"}))
    for step in steps:
        step.screenshot = recorder.save_screenshot(step.index, shot)
        recorder.append(step)
    recorder.close()
    if cut_last:
        lines = (folder / "steps.jsonl").read_text().splitlines(keepends=True)
        (folder / "steps.jsonl").write_text("".join(lines[:-1]) + lines[-1][:25])
    return load_run(folder)


def _step(index: int, actions: list, **fields: object) -> StepRecord:  # type: ignore[type-arg]
    return StepRecord(index=index, started_at=time.time(), actions=actions, **fields)  # type: ignore[arg-type]


def test_the_plan_skips_unusable_steps_and_drops_an_action_that_failed(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    error = ErrorRecord(kind="ParseError", message="no action", fed_back=True)
    failed = ErrorRecord(kind="ActionFailed", message="it failed", fed_back=True)
    steps = [
        _step(1, [], error=error),  # the model's answer was unusable: nothing ran
        _step(2, [Click(point=_point(10, 10)), Click(point=_point(20, 20))], error=failed),
        _step(3, [Click(point=_point(99, 1))], kind="check"),  # a check only looked
        _step(4, [Click(point=_point(30, 30)), Finish(answer="done")]),
        _step(5, [Click(point=_point(40, 40))]),  # after the end: never reached
    ]
    run = _record(tmp_path / "run", steps, shot)
    env = ImageEnv(shot)
    plan, skipped = plan_replay(run, env, verify=True)
    assert skipped == (1,)
    assert [(p.source.index, [type(a).__name__ for a in p.actions]) for p in plan] == [
        (2, ["Click"]), (3, []), (4, ["Click", "Finish"])
    ]  # fmt: skip
    result = replay(run, env, verify=True)
    assert (result.status, result.replayed, result.verified, result.skipped) == ("replayed", 3, 3, (1,))
    assert [a.point for a in env.executed] == [_point(10, 10), _point(30, 30)]  # type: ignore[attr-defined]
    assert "1 skipped (an error and no action: step 1)" in result.message


def test_an_action_the_env_cannot_do_is_refused_before_anything_runs(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    run = _record(
        tmp_path / "run", [_step(1, [Click(point=_point(5, 5))]), _step(2, [Type(text="hi")])], shot
    )
    env = ImageEnv(shot)
    with pytest.raises(
        ConfigError, match=r"^step 2's Type cannot be replayed on the image env \(it can do Click, MoveTo\)"
    ):
        replay(run, env, out=tmp_path / "replay")
    assert env.executed == [] and not (tmp_path / "replay").exists()


def test_verify_needs_each_recorded_screenshot(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    run = _record(tmp_path / "run", [_step(1, [Click(point=_point(5, 5))])], shot)
    (tmp_path / "run" / "step_001.png").unlink()
    with pytest.raises(ConfigError, match=r"^cannot verify step 1: step_001.png is missing from "):
        replay(run, ImageEnv(shot), verify=True)
    assert replay(run, ImageEnv(shot)).status == "replayed"  # without verify it is not needed


def test_a_run_whose_last_line_was_cut_replays_the_steps_before_it(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    steps = [_step(1, [Click(point=_point(5, 5))]), _step(2, [Click(point=_point(6, 6))])]
    run = _record(tmp_path / "run", steps, shot, cut_last=True)
    assert run.truncated and len(run.steps) == 1
    env = ImageEnv(shot)
    result = replay(run, env, verify=True, out=tmp_path / "replay")
    assert (result.status, result.replayed, [a.point for a in env.executed]) == (
        "replayed",
        1,
        [_point(5, 5)],
    )  # type: ignore[attr-defined]
    assert result.message.endswith("; the recorded last line was cut short and is not replayed")


def test_a_run_with_no_usable_step_is_refused(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    error = ErrorRecord(kind="ParseError", message="no action", fed_back=True)
    run = _record(tmp_path / "run", [_step(1, [], error=error)], shot)
    with pytest.raises(ConfigError, match=r"has no steps to replay \(1 recorded steps, all with an error"):
        replay(run, ImageEnv(shot))


def test_an_action_that_fails_now_stops_the_replay_at_its_step(tmp_path: Path) -> None:
    steps = [_step(1, [Click(point=_point(5, 5))]), _step(2, [Click(point=_point(150, 50))]), _step(3, [])]
    run = _record(tmp_path / "run", steps, _grey((200, 100)))
    env = ImageEnv(_grey((100, 100)))  # a smaller screen: step 2's point is off it
    result = replay(run, env, out=tmp_path / "replay")
    assert (result.status, result.failed_step, result.replayed) == ("failed", 2, 1)
    assert result.message.startswith("step 2: ActionFailed: ")
    assert env.executed == [Click(point=_point(5, 5))]
    again = load_run(tmp_path / "replay")
    assert again.run.status == "error" and [s.error.kind if s.error else None for s in again.steps] == [
        None, "ActionFailed"
    ]  # fmt: skip


def test_a_recorded_screenshot_that_cannot_be_read_fails_the_step_that_needs_it(tmp_path: Path) -> None:
    shot = _grey((200, 100))
    run = _record(tmp_path / "run", [_step(1, [Click(point=_point(5, 5))])], shot)
    (tmp_path / "run" / "step_001.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    env = ImageEnv(shot)
    result = replay(run, env, verify=True)
    assert (result.status, result.failed_step, env.executed) == ("failed", 1, [])
    assert result.message.startswith("step 1: ConfigError: cannot read the recorded step_001.png: ")
