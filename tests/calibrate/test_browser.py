"""``mimo-gui calibrate --env browser`` on a real Chromium: a right mapping passes at every
device scale factor, a wrong one fails."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.calibrate import BrowserBoard, calibrate, render_table
from mimo_gui.calibrate.runner import CLICK_OFF_BOARD, NOT_SEEN, OFF_BOARD
from mimo_gui.cli import main
from mimo_gui.env_adapters.base import Observation
from mimo_gui.env_adapters.browser import BrowserEnv, find_chromium
from mimo_gui.prompts import get_profile
from tests.cli.cli_support import chromium_tripwire

pytestmark = pytest.mark.browser

ROW = re.compile(r"^(\d+)\s+\((\d+), (\d+)\)\s")


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")


def calibrate_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["calibrate", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("dsf", "viewport"), [("1", "1280x800"), ("1.5", "1280x800"), ("2", "1024x640"), ("1", "400x300")]
)
@pytest.mark.parametrize("resolution", ["logical", "physical"])
def test_the_true_geometry_passes(capsys, chromium, dsf, viewport, resolution) -> None:
    code, result = calibrate_json(
        capsys, "--chromium", chromium, "--device-scale-factor", dsf, "--viewport", viewport,
        "--resolution", resolution,
    )  # fmt: skip
    width, height = (int(v) for v in viewport.split("x"))
    # At the logical resolution (the default) Chromium captures one pixel per CSS pixel.
    shot_scale = float(dsf) if resolution == "physical" else 1.0
    assert result["frame"]["screenshot"] == [round(width * shot_scale), round(height * shot_scale)]
    assert result["settings"]["device_scale_factor"] == float(dsf)
    assert len(result["targets"]) == 13
    for t in result["targets"]:
        assert t["ok"] and t["problem"] is None, t
        assert all(abs(e) <= 1.0 for e in t["error"]), t
        # The marker was seen where it was drawn: the board's truth and the screenshot agree
        # to within a physical pixel.
        assert all(abs(s - d * shot_scale) <= 1.0 for s, d in zip(t["seen"], t["drawn"])), t
    assert result["passed"] and result["within"] == 13
    assert result["measured"]["scale"] == pytest.approx([shot_scale] * 2, rel=0.01)
    assert code == 0


def test_the_table_shows_every_target_and_the_geometry(capsys, chromium) -> None:
    code = main(["calibrate", "--chromium", chromium, "--viewport", "640x480", "--max-pixels", "100000"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "viewport 640x480 CSS px, device scale factor 1" in out
    assert "screenshot 640x480 physical px; scale 1 (the browser's device scale factor); origin (0, 0)" in out
    rows = [line for line in out.splitlines() if ROW.match(line)]
    assert [int(ROW.match(r).group(1)) for r in rows] == list(range(1, 14))  # type: ignore[union-attr]
    assert all(r.endswith("  ok") for r in rows), out
    # A small budget (--max-pixels) shrinks the model image: the frame under test is the profile's.
    model = re.search(r"model image (\d+)x(\d+)", out)
    assert model and int(model.group(1)) * int(model.group(2)) <= 100_000
    assert (
        out.rstrip().splitlines()[-1]
        == "PASS: 13 of 13 targets landed within 1 CSS px of their marker on each axis"
    )


class WrongScaleEnv(BrowserEnv):
    """A real Chromium whose observations claim ``factor`` times the device scale factor it has."""

    factor = 2.0

    def observe(self) -> Observation:
        obs = super().observe()
        return dataclasses.replace(obs, scale=obs.scale * self.factor)


class ThirdScaleEnv(WrongScaleEnv):
    factor = 1 / 3


def test_an_observation_with_the_wrong_scale_fails(chromium) -> None:
    with WrongScaleEnv.launch(viewport=(800, 600), chromium=chromium) as env:
        result = calibrate(env, BrowserBoard(env), get_profile("mimo-vl"))
    assert not result.passed
    assert result.frame.scale == 2.0
    # Each marker went where the wrong frame put it (half way), each click half way again.
    errors = [t.error for t in result.targets if t.error is not None]
    assert len(errors) >= 9
    far = max(errors, key=lambda e: abs(e[0]))
    assert far[0] < -100
    assert result.measured is not None and result.measured.scale == pytest.approx((1.0, 1.0), rel=0.01)
    table = render_table(result)
    assert (
        "FAIL" in table and "hint: the markers measure 1 physical px per CSS px, the mapping used 2" in table
    )


def test_a_scale_too_small_pushes_markers_and_clicks_off_the_page_and_says_so(chromium) -> None:
    with ThirdScaleEnv.launch(viewport=(800, 600), chromium=chromium) as env:
        board = BrowserBoard(env)
        result = calibrate(env, board, get_profile("mimo-vl"))
        assert board.wait_press(0.1) is None  # nothing pending: each click sent was read
    by_index = {t.target.index: t for t in result.targets}
    assert not result.passed and result.within == 0
    # The grid's first point is drawn at 3 x 20 % of the page; its click would go to 3 x 60 %:
    # off the page, so it is not sent.
    assert by_index[1].drawn is not None and by_index[1].problem == CLICK_OFF_BOARD
    assert by_index[1].clicked is not None and by_index[1].clicked[0] > 800 and by_index[1].landed is None
    # The top-left corner's marker and click both stay on the page: the click lands 3x as far out.
    corner = by_index[10]
    assert corner.drawn is not None and corner.landed is not None and corner.error is not None
    assert corner.landed[0] == pytest.approx(3 * corner.drawn[0], abs=3)
    assert corner.error[0] > 50
    assert [t.target.index for t in result.targets if t.problem == OFF_BOARD] == [
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        11,
        12,
        13,
    ]
    assert "mapping used 0.333 (the observation's; the browser's device scale factor is 1)" in render_table(
        result
    )


class HidingBoard(BrowserBoard):
    """Draws the markers, then hides the first one: the board says drawn, the screen shows nothing."""

    def show(self, markers):  # type: ignore[no-untyped-def]
        drawn = super().show(markers)
        self._env.page.evaluate("document.querySelector('.marker').style.display = 'none'")
        return drawn


def test_a_drawn_marker_missing_from_the_screenshot_fails_that_target(chromium) -> None:
    with BrowserEnv.launch(viewport=(640, 480), chromium=chromium) as env:
        result = calibrate(env, HidingBoard(env), get_profile("mimo-vl"), find_timeout=0.3)
    first, rest = result.targets[0], result.targets[1:]
    assert first.problem == NOT_SEEN and first.drawn is not None and first.seen is None
    assert all(t.ok(1.0) for t in rest)
    assert not result.passed and result.within == 12
    assert "1 marker(s) drawn but not in the screenshot" in render_table(result)


def test_scale_belongs_to_the_desktop_and_nothing_starts(capsys, monkeypatch, tmp_path: Path) -> None:
    tripwire, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(tripwire))
    assert main(["calibrate", "--scale", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "mimo-gui calibrate: error: --scale is the desktop's; the browser's scale is --device-scale-factor "
        "(mimo-gui calibrate --device-scale-factor 2)"
    )
    assert not started.exists()


def test_a_bad_budget_is_refused_before_chromium_starts(capsys, monkeypatch, tmp_path: Path) -> None:
    tripwire, started = chromium_tripwire(tmp_path)
    monkeypatch.setenv("MIMO_GUI_CHROMIUM", str(tripwire))
    assert main(["calibrate", "--min-pixels", "5000", "--max-pixels", "4000"]) == 2
    assert "--min-pixels 5000 exceeds --max-pixels 4000" in capsys.readouterr().err
    assert not started.exists()
