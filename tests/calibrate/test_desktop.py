"""``mimo-gui calibrate --env desktop`` on a real X server (Xvfb, two RandR monitors) with the
real board window: the true geometry passes on both monitors, a wrong ``--scale`` fails."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from mimo_gui.calibrate import DesktopBoard, Marker
from mimo_gui.calibrate.runner import OFF_BOARD
from mimo_gui.cli import main
from tests.support.xserver import XServer

ROW = re.compile(r"^(\d+)\s+\(")

XTEST_CLICK = """
from Xlib import X, display
from Xlib.ext import xtest
d = display.Display()
xtest.fake_input(d, X.MotionNotify, x=2100, y=500)
xtest.fake_input(d, X.ButtonPress, 1)
xtest.fake_input(d, X.ButtonRelease, 1)
d.sync()
"""


def calibrate_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["calibrate", "--env", "desktop", "--json", *args])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("monitor", [1, 2])
def test_the_true_geometry_passes_on_each_monitor(capsys, x_server: XServer, monitor: int) -> None:
    spec = x_server.monitors[monitor - 1]
    code, result = calibrate_json(capsys, "--monitor", str(monitor))
    s = result["settings"]
    assert s["monitor"] == monitor and s["monitor_geometry"] == [spec.left, spec.top, spec.width, spec.height]
    assert result["frame"]["screenshot"] == [spec.width, spec.height]
    assert result["frame"]["origin"] == [spec.left, spec.top] and result["frame"]["scale"] == 1
    assert len(result["targets"]) == 13
    for t in result["targets"]:
        # X pixels are whole: on the true geometry every click lands on its marker's pixel.
        assert t["ok"] and t["error"] == [0, 0], t
        left, top = t["drawn"]
        assert spec.left <= left < spec.left + spec.width and spec.top <= top < spec.top + spec.height
    assert result["measured"]["origin"] == pytest.approx([spec.left, spec.top], abs=0.5)
    assert code == 0


def test_scale_2_on_a_scale_1_screen_fails_with_the_errors_shown(capsys, x_server: XServer) -> None:
    code = main(["calibrate", "--env", "desktop", "--scale", "2"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "scale 2 (--scale; detected 1)" in out
    rows = [line for line in out.splitlines() if ROW.match(line)]
    assert len(rows) == 13 and all(r.endswith("FAIL") for r in rows), out
    # The centre target: marker drawn at half its place (480, 270), the click at half that.
    centre = next(r for r in rows if r.startswith("5 "))
    assert "(480.0, 270.0)" in centre and "(240.0, 135.0)" in centre and "(-240.0, -135.0)" in centre
    assert "FAIL: 0 of 13 targets" in out
    assert (
        "hint: the markers measure 1 physical px per logical pt, the mapping used 2 (--scale): "
        "a wrong --scale? detected 1, used 2" in out
    )


def test_scale_half_fails_and_reports_the_markers_off_the_screen(capsys, x_server: XServer) -> None:
    code, result = calibrate_json(capsys, "--scale", "0.5")
    assert code == 1 and not result["passed"]
    off = [t for t in result["targets"] if t["problem"] == OFF_BOARD]
    # Everything past the top-left quarter is mapped beyond the 1920x1080 monitor.
    assert len(off) >= 9
    for t in off:
        x, y = t["intended"]
        assert x + 6 > 1920 or y + 6 > 1080, t
    assert all(not t["ok"] for t in result["targets"])


def test_the_board_draws_on_whole_pixels_reports_presses_and_exits_when_closed(x_server: XServer) -> None:
    spec = x_server.monitors[1]
    board = DesktopBoard([spec.left, spec.top, spec.width, spec.height])
    try:
        drawn = board.show(
            [
                Marker((2000.4, 400.6), 6, (255, 0, 0)),
                Marker((1921.0, 301.0), 6, (0, 255, 0)),  # its square would start left of the monitor
                Marker((3000.5, 1000.5), 6, (0, 0, 255)),  # half up, not to even
            ]
        )
        assert drawn == [(2000.0, 401.0), None, (3001.0, 1001.0)]
        assert board.wait_press(0.2) is None
        # A press from another X client, through XTest (python-xlib, as pyautogui uses it, but
        # not through pyautogui), is reported in root pixels.
        subprocess.run([sys.executable, "-c", XTEST_CLICK], env=x_server.env(), check=True, timeout=10)
        assert board.wait_press(5.0) == (2100.0, 500.0)
    finally:
        board.close()
    assert board._process.returncode == 0
