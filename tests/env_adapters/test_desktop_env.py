"""DesktopEnv on a real X server (Xvfb with two RandR monitors) against a real Tk window.

Every position is checked where the X server delivered it: the Tk probe logs each button
press in root coordinates, as X reports them (`tests/support/tk_probe.py`). Clicks go
through the agent's whole chain: observe -> the profile's Frame from the observation's
size, scale and origin -> an integer model pixel -> `Frame.to_screen` -> execute.
"""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mimo_gui.actions import (
    ActionFailed,
    CaptureFailed,
    Click,
    ConfigError,
    Drag,
    EnvError,
    FailSafeTriggered,
    Frame,
    Hotkey,
    MoveTo,
    Navigate,
    Point,
    Scroll,
    Space,
    Type,
    UnsupportedAction,
    Wait,
)
from mimo_gui.env_adapters.check import check_env
from mimo_gui.env_adapters.desktop import DESKTOP_SETTLE, DesktopEnv
from mimo_gui.env_adapters.desktop.pointer import logical, wheel_clicks
from mimo_gui.prompts import get_profile
from tests.support.xserver import TkProbe, XServer

MONITOR_1 = (0, 0, 1920, 1080)
MONITOR_2 = (1920, 300, 1280, 1024)
GEOMETRY = {1: MONITOR_1, 2: MONITOR_2}


@pytest.fixture(autouse=True)
def pointer_in_the_middle(x_server: XServer) -> None:
    """Each test starts with the pointer mid-screen: the session's X server is shared, and
    a pointer another test left in a corner would (rightly) trip the fail-safe."""
    _xdotool(x_server, "mousemove", "1600", "700")


@pytest.fixture
def env(x_server: XServer) -> Iterator[DesktopEnv]:
    with DesktopEnv(monitor=1) as e:
        yield e


def _xdotool(server: XServer, *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env=server.env(), capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _pointer(server: XServer) -> tuple[int, int]:
    fields = dict(part.split(":") for part in _xdotool(server, "getmouselocation").split()[:2])
    return int(fields["x"]), int(fields["y"])


def _frame(obs: Any) -> Frame:
    # What the agent does (agent/loop.py): profile.frame(obs.size, scale=..., origin=...).
    return get_profile("mimo-vl").frame(obs.size, scale=obs.scale, origin=obs.origin)


def _exact(frame: Frame, mx: int, my: int) -> tuple[float, float]:
    """Where a model pixel is on the screen, computed without Frame: origin + physical / scale."""
    px = mx * frame.image_width / frame.model_width
    py = my * frame.image_height / frame.model_height
    return frame.origin_x + px / frame.scale, frame.origin_y + py / frame.scale


def _presses(probe: TkProbe, n: int, what: str) -> list[dict[str, Any]]:
    probe.wait_for(lambda e: sum(x["event"] == "release" for x in probe.new_events()) >= n, what=what)
    return [e for e in probe.new_events() if e["event"] == "press"]


def _x_button(event: dict[str, Any]) -> int:
    # Tk 8.6.13 reports X's horizontal wheel buttons 6 and 7 as 4 and 5 with Shift held
    # (seen here with `xdotool click 6`); the probe's ``state`` tells them apart.
    button = int(event["button"])
    if button in (4, 5) and int(event.get("state", 0)) & 1:
        return button + 2
    return button


# -- pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "point"), [(0.49, 0), (0.5, 1), (1919.5, 1920), (-0.5, 0), (-0.51, -1)])
def test_screen_coordinates_round_to_the_nearest_logical_point_half_up(value: float, point: int) -> None:
    assert logical(value) == point


@pytest.mark.parametrize(("amount", "clicks"), [(None, 5), (50, 1), (10, 1), (260, 5), (1e9, 50)])
def test_scroll_amounts_become_wheel_clicks(amount: float | None, clicks: int) -> None:
    assert wheel_clicks(amount) == clicks


# -- clicks through the whole chain --------------------------------------------------------


@pytest.mark.parametrize("monitor", [1, 2])
def test_model_pixels_land_on_the_exact_root_pixel_on_both_monitors(
    x_server: XServer, tk_probe: TkProbe, monitor: int
) -> None:
    with DesktopEnv(monitor=monitor) as env:
        obs = env.observe()
        frame = _frame(obs)
        left, top, width, height = GEOMETRY[monitor]
        assert frame.origin_x == left and frame.origin_y == top
        targets = [
            (1, 1),
            (frame.model_width // 3, frame.model_height // 2),
            (frame.model_width - 1, frame.model_height - 1),
            (0, frame.model_height - 1),
        ]
        for mx, my in targets:
            tk_probe.clear()
            point = frame.to_screen(Point(x=mx, y=my, space=Space.MODEL_PIXELS))
            env.execute(Click(point=point))
            (press,) = _presses(tk_probe, 1, f"a click at model pixel {(mx, my)}")
            ex, ey = _exact(frame, mx, my)
            assert (press["x"], press["y"]) == (math.floor(ex + 0.5), math.floor(ey + 0.5))
            assert abs(press["x"] - ex) <= 0.5 and abs(press["y"] - ey) <= 0.5  # within half a point
            assert left <= press["x"] < left + width and top <= press["y"] < top + height
            assert press["button"] == 1


@pytest.mark.parametrize(("button", "x_button"), [("left", 1), ("right", 3), ("middle", 2)])
def test_buttons(env: DesktopEnv, tk_probe: TkProbe, button: Any, x_button: int) -> None:
    tk_probe.clear()
    result = env.execute(Click(point=Point(x=700, y=400), button=button))
    (press,) = _presses(tk_probe, 1, f"a {button} click")
    assert (press["x"], press["y"], press["button"]) == (700, 400, x_button)
    assert result.detail == f"{button} click at (700, 400)"


@pytest.mark.parametrize("count", [2, 3])
def test_double_and_triple_clicks_are_that_many_presses(
    env: DesktopEnv, tk_probe: TkProbe, count: int
) -> None:
    tk_probe.clear()
    env.execute(Click(point=Point(x=640.4, y=360.6), count=count))
    presses = _presses(tk_probe, count, f"{count} presses")
    assert [(p["x"], p["y"], p["button"]) for p in presses] == [(640, 361, 1)] * count


def test_move_to_puts_the_pointer_there(x_server: XServer, env: DesktopEnv) -> None:
    env.execute(MoveTo(point=Point(x=2500.2, y=1000.7)))  # on monitor 2, from monitor 1's env
    assert _pointer(x_server) == (2500, 1001)


def test_drag_presses_at_the_start_moves_and_releases_at_the_end(env: DesktopEnv, tk_probe: TkProbe) -> None:
    tk_probe.clear()
    env.execute(Drag(start=Point(x=300, y=200), end=Point(x=900, y=500)))
    tk_probe.wait_for(lambda e: e["event"] == "release", what="the drag's release")
    events = tk_probe.new_events()
    press = next(e for e in events if e["event"] == "press")
    release = next(e for e in events if e["event"] == "release")
    motions = [(e["x"], e["y"]) for e in events if e["event"] == "motion"]
    assert (press["x"], press["y"]) == (300, 200) and (release["x"], release["y"]) == (900, 500)
    between = [m for m in motions if m not in ((300, 200), (900, 500))]
    assert len(between) >= 5, motions  # the application saw the pointer travel, pressed
    assert all(300 < x < 900 and 200 < y < 500 for x, y in between)


@pytest.mark.parametrize(("direction", "x_button"), [("up", 4), ("down", 5), ("left", 6), ("right", 7)])
def test_scroll_turns_the_wheel_at_the_point(
    env: DesktopEnv, tk_probe: TkProbe, direction: Any, x_button: int
) -> None:
    tk_probe.clear()
    result = env.execute(Scroll(direction=direction, point=Point(x=1200, y=800), amount=100))
    tk_probe.wait_for(
        lambda e: sum(x["event"] == "wheel" for x in tk_probe.new_events()) >= 2, what="2 wheel clicks"
    )
    time.sleep(0.1)
    wheels = [e for e in tk_probe.new_events() if e["event"] == "wheel"]
    assert [(_x_button(e), e["x"], e["y"]) for e in wheels] == [(x_button, 1200, 800)] * 2
    assert result.detail == f"scrolled {direction} 2 wheel clicks at (1200, 800)"


def test_scroll_without_a_point_turns_the_default_at_the_monitor_centre(
    x_server: XServer, tk_probe: TkProbe
) -> None:
    with DesktopEnv(monitor=2) as env:
        tk_probe.clear()
        env.execute(Scroll(direction="down"))
        tk_probe.wait_for(
            lambda e: sum(x["event"] == "wheel" for x in tk_probe.new_events()) >= 5, what="5 clicks"
        )
        time.sleep(0.1)
        wheels = [e for e in tk_probe.new_events() if e["event"] == "wheel"]
        assert [(e["button"], e["x"], e["y"]) for e in wheels] == [(5, 1920 + 640, 300 + 512)] * 5


def test_wait_sleeps(env: DesktopEnv) -> None:
    start = time.monotonic()
    result = env.execute(Wait(seconds=0.3))
    assert time.monotonic() - start >= 0.3
    assert result.detail == "waited 0.3 s"


def test_a_wrong_scale_override_misplaces_clicks_as_the_frame_says(
    x_server: XServer, tk_probe: TkProbe
) -> None:
    with DesktopEnv(monitor=2, scale=2.0) as env:
        obs = env.observe()
        assert obs.scale == 2.0 and obs.size == (1280, 1024)  # the capture does not change
        frame = _frame(obs)
        tk_probe.clear()
        centre = Point(x=frame.model_width / 2, y=frame.model_height / 2, space=Space.MODEL_PIXELS)
        env.execute(Click(point=frame.to_screen(centre)))
        (press,) = _presses(tk_probe, 1, "the misplaced click")
        # The centre's physical pixel (640, 512) halved: what `calibrate` will catch.
        assert (press["x"], press["y"]) == (1920 + 320, 300 + 256)


# -- observation, settings, the contract ----------------------------------------------------

_PAINTER = """
import sys, tkinter as tk
marks = {marks!r}
root = tk.Tk(); root.overrideredirect(True); root.geometry("3200x1400+0+0")
canvas = tk.Canvas(root, width=3200, height=1400, bg="#404040", highlightthickness=0)
canvas.pack()
for x, y, colour in marks:
    canvas.create_rectangle(x, y, x + 15, y + 15, fill=colour, outline=colour)
root.after(100, lambda: print("ready", flush=True))
root.mainloop()
"""

# 16x16 squares at each monitor's top-left and bottom-right corner, one colour each.
_MARKS = [
    (0, 0, "#ff0000"),
    (1920 - 16, 1080 - 16, "#00ff00"),
    (1920, 300, "#0000ff"),
    (1920 + 1280 - 16, 300 + 1024 - 16, "#ffff00"),
]


@pytest.fixture
def painter(x_server: XServer) -> Iterator[None]:
    code = _PAINTER.format(marks=_MARKS)
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=x_server.env(), stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stdout.close()


@pytest.mark.parametrize("monitor", [1, 2])
def test_observe_shows_that_monitor_only_as_mss_grabs_it(
    x_server: XServer, painter: None, monitor: int
) -> None:
    import mss

    left, top, width, height = GEOMETRY[monitor]
    with DesktopEnv(monitor=monitor) as env:
        obs = env.observe()
    assert obs.image.mode == "RGB" and obs.size == (width, height)
    assert obs.origin == (left, top) and obs.scale == 1.0
    assert obs.extra == {"monitor": monitor}
    # The monitor's own corner marks are at the image's corners (its offset is right).
    first, last = _MARKS[2 * (monitor - 1)], _MARKS[2 * (monitor - 1) + 1]
    assert obs.image.getpixel((0, 0)) == _rgb(first[2])
    assert obs.image.getpixel((width - 1, height - 1)) == _rgb(last[2])
    with mss.MSS() as sct:
        shot = sct.grab({"left": left, "top": top, "width": width, "height": height})
        # mss's own RGB conversion, not the env's BGRX decoder.
        grabbed = Image.frombytes("RGB", (shot.width, shot.height), shot.rgb)
    assert obs.image.tobytes() == grabbed.tobytes()


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_the_title_is_the_focused_windows(env: DesktopEnv, tk_probe: TkProbe) -> None:
    assert env.observe().title == "mimo-gui probe"


def test_settings_record_the_geometry(x_server: XServer) -> None:
    with DesktopEnv(monitor=2) as env:
        settings = env.settings()
    assert settings == {
        "kind": "desktop",
        "display": x_server.display,
        "monitor": 2,
        "monitors": [list(MONITOR_1), list(MONITOR_2)],
        "monitor_geometry": list(MONITOR_2),
        "scale": 1.0,
        "scale_source": "detected",
        "detected_scale": 1.0,
        "origin": [1920, 300],
        "settle": {"timeout": DESKTOP_SETTLE.timeout, "interval": DESKTOP_SETTLE.interval, "pixels": True},
    }


def test_a_scale_override_is_recorded_beside_the_detected_one(x_server: XServer) -> None:
    with DesktopEnv(scale=1.5) as env:
        settings = env.settings()
    assert (settings["scale"], settings["scale_source"], settings["detected_scale"]) == (1.5, "override", 1.0)
    assert settings["monitor"] == 1  # no primary marked on Xvfb's monitors: monitor 1


@pytest.mark.parametrize("monitor", [1, 2])
def test_check_env_passes_on_each_monitor(x_server: XServer, tk_probe: TkProbe, monitor: int) -> None:
    with DesktopEnv(monitor=monitor) as env:
        check_env(env)


def test_navigate_is_unsupported(env: DesktopEnv) -> None:
    with pytest.raises(UnsupportedAction, match="desktop env does not support Navigate"):
        env.execute(Navigate(url="https://example.com"))


def test_a_model_space_point_is_refused_and_nothing_is_clicked(env: DesktopEnv, tk_probe: TkProbe) -> None:
    tk_probe.clear()
    with pytest.raises(ActionFailed, match=r"map it with Frame\.to_screen"):
        env.execute(Click(point=Point(x=100, y=100, space=Space.MODEL_PIXELS)))
    time.sleep(0.2)
    assert [e for e in tk_probe.new_events() if e["event"] == "press"] == []


@pytest.mark.parametrize("point", [Point(x=3200, y=10), Point(x=10, y=-1), Point(x=math.nan, y=5)])
def test_a_point_off_the_screen_is_refused(env: DesktopEnv, point: Point) -> None:
    with pytest.raises(ActionFailed, match=r"off the screen|not finite"):
        env.execute(Click(point=point))


def test_the_far_edge_of_the_monitor_is_its_last_pixel(x_server: XServer, tk_probe: TkProbe) -> None:
    # The model image's right/bottom edge maps to the monitor's edge, one past its last pixel.
    with DesktopEnv(monitor=1) as env:
        tk_probe.clear()
        env.execute(Click(point=Point(x=1920, y=1080)))
        (press,) = _presses(tk_probe, 1, "the edge click")
    assert (press["x"], press["y"]) == (1919, 1079)


@pytest.mark.parametrize("monitor", [0, 3])
def test_a_monitor_that_is_not_there_names_the_monitors(x_server: XServer, monitor: int) -> None:
    with pytest.raises(ConfigError) as caught:
        DesktopEnv(monitor=monitor)
    assert f"--monitor {monitor}" in str(caught.value)
    assert "1: 1920x1080+0+0, 2: 1280x1024+1920+300" in str(caught.value)


@pytest.mark.parametrize("scale", [0.0, -2.0, math.inf, math.nan])
def test_a_bad_scale_is_a_config_error(x_server: XServer, scale: float) -> None:
    with pytest.raises(ConfigError, match="--scale must be a positive finite number"):
        DesktopEnv(scale=scale)


def test_the_env_is_bound_to_its_thread(env: DesktopEnv) -> None:
    errors: list[BaseException] = []

    def look() -> None:
        try:
            env.observe()
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=look)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], CaptureFailed)
    assert "thread that created it" in str(errors[0])


def test_a_closed_env_says_so(x_server: XServer) -> None:
    env = DesktopEnv()
    env.close()
    env.close()  # idempotent
    with pytest.raises(EnvError, match="closed"):
        env.observe()


def test_pyautogui_settings_stay_the_users(env: DesktopEnv) -> None:
    import pyautogui

    env.execute(Click(point=Point(x=800, y=600)))
    assert pyautogui.PAUSE == 0.1 and pyautogui.FAILSAFE is True


# -- the fail-safe ---------------------------------------------------------------------------


def test_the_user_moving_the_pointer_into_a_corner_ends_the_run(
    x_server: XServer, env: DesktopEnv, tk_probe: TkProbe
) -> None:
    env.execute(MoveTo(point=Point(x=500, y=500)))
    _xdotool(x_server, "mousemove", "0", "0")  # the user flings the pointer into a corner
    tk_probe.clear()
    action = Click(point=Point(x=200, y=200))
    with pytest.raises(FailSafeTriggered, match="fail-safe") as caught:
        env.execute(action)
    assert caught.value.action == action
    time.sleep(0.2)
    assert [e for e in tk_probe.new_events() if e["event"] == "press"] == []


def test_our_own_click_on_a_corner_does_not_trip_the_fail_safe(
    x_server: XServer, env: DesktopEnv, tk_probe: TkProbe
) -> None:
    tk_probe.clear()
    env.execute(Click(point=Point(x=0, y=0)))  # the model clicked the very corner pixel
    (press,) = _presses(tk_probe, 1, "the corner click")
    assert (press["x"], press["y"]) == (0, 0)
    tk_probe.clear()
    env.execute(Click(point=Point(x=0, y=0), count=2))  # and again, twice
    assert [(p["x"], p["y"]) for p in _presses(tk_probe, 2, "the corner double click")] == [(0, 0)] * 2
    env.execute(Hotkey(keys=("tab",)))  # a key press next: pyautogui's keyboard checks too
    tk_probe.clear()
    env.execute(Drag(start=Point(x=400, y=300), end=Point(x=3199, y=1399)))  # into the far corner
    tk_probe.wait_for(lambda e: e["event"] == "release", what="the drag's release")
    release = next(e for e in tk_probe.new_events() if e["event"] == "release")
    assert (release["x"], release["y"]) == (3199, 1399)
    tk_probe.clear()
    env.execute(Click(point=Point(x=300, y=300)))
    (press,) = _presses(tk_probe, 1, "the click after")
    assert (press["x"], press["y"]) == (300, 300)


def test_after_our_corner_click_the_user_can_still_stop_the_run(x_server: XServer, env: DesktopEnv) -> None:
    env.execute(Click(point=Point(x=0, y=0)))
    _xdotool(x_server, "mousemove", "3199", "0")  # the user, into another corner
    with pytest.raises(FailSafeTriggered):
        env.execute(Wait(seconds=0))


def test_importing_the_package_does_not_import_pyautogui() -> None:
    # pyautogui is imported by DesktopEnv, never by importing the package.
    code = "import sys, mimo_gui.env_adapters.desktop; print('pyautogui' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert done.stdout.strip() == "False", done.stderr


ISSUE_TEXT = 'café 東京 👋 "quoted" $HOME'


@pytest.mark.parametrize("keystrokes", [False, True], ids=["pasted", "keystrokes"])
def test_typed_text_arrives_intact_through_the_env(
    env: DesktopEnv, tk_probe: TkProbe, keystrokes: bool
) -> None:
    # The issue's own string, through execute(Type(...)) as the loop sends it: pasted by
    # default (pyautogui alone would drop the non-ASCII silently), or key by key on request.
    tk_probe.send("clear")
    tk_probe.wait_for(lambda e: e["event"] == "cleared", what="the text box to be cleared")
    tk_probe.clear()
    result = env.execute(Type(text=ISSUE_TEXT, keystrokes=keystrokes))
    assert tk_probe.text(ISSUE_TEXT) == ISSUE_TEXT
    assert ("pasted" in result.detail) is not keystrokes


def test_a_hotkey_with_an_unknown_key_is_refused_by_name(env: DesktopEnv, tk_probe: TkProbe) -> None:
    tk_probe.clear()
    with pytest.raises(ActionFailed, match=r"unknown key 'hyper'"):
        env.execute(Hotkey(keys=("ctrl", "hyper")))
    time.sleep(0.2)
    assert [e for e in tk_probe.new_events() if e["event"] == "key"] == []  # not even ctrl went down
