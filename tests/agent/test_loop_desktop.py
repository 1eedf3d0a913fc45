"""The agent loop on a real X desktop: the user's fail-safe ends a run with its trajectory kept.

pyautogui's fail-safe (the pointer flung into a screen corner) is the user's way to stop a
desktop run. Between two steps the "user" moves the pointer with xdotool, another X client,
as a hand on the mouse would; the next action must then stop the run as an error of kind
`FailSafeTriggered` (exit 130 from the CLI), with every step so far on disk.
"""

from __future__ import annotations

import json
import subprocess

from mimo_gui.actions import Click
from mimo_gui.agent.backends.scripted import ScriptedBackend
from mimo_gui.agent.loop import Agent
from mimo_gui.agent.recorder import load_run
from mimo_gui.agent.records import StepRecord
from mimo_gui.cli.exits import EXIT_INTERRUPTED, exit_code_for_kind
from mimo_gui.env_adapters.desktop import DesktopEnv
from tests.support.xserver import TkProbe, XServer


def click(x: int, y: int) -> str:
    return json.dumps({"action": "click", "start_point": [x, y]})


def test_the_fail_safe_ends_the_run_with_its_trajectory(
    x_server: XServer, tk_probe: TkProbe, tmp_path
) -> None:
    def users_hand(rec: StepRecord) -> None:
        if rec.index == 1:  # after the first click, the user flings the pointer into a corner
            subprocess.run(["xdotool", "mousemove", "0", "0"], env=x_server.env(), check=True)

    backend = ScriptedBackend.from_answers([click(500, 500), click(600, 600), click(700, 700)])
    try:
        with DesktopEnv(monitor=1) as env:
            tk_probe.clear()
            agent = Agent(env, backend, out=tmp_path / "run", on_step=users_hand, max_steps=3)
            result = agent.run("click twice")
    finally:
        # The hand leaves the corner: a pointer left there would stop the session's next
        # desktop test, rightly, as the user's fail-safe.
        subprocess.run(["xdotool", "mousemove", "400", "400"], env=x_server.env(), check=True)
    assert result.status == "error"
    last = result.steps[-1].error
    assert last is not None and last.kind == "FailSafeTriggered" and not last.fed_back
    assert "fail-safe" in last.message
    assert exit_code_for_kind(last.kind) == EXIT_INTERRUPTED
    presses = [e for e in tk_probe.new_events() if e["event"] == "press"]
    assert len(presses) == 1  # the first click only: the second was stopped before it moved the pointer
    loaded = load_run(tmp_path / "run")
    assert loaded.run.status == "error" and len(loaded.steps) == 2
    assert isinstance(loaded.steps[0].action, Click) and loaded.steps[0].error is None
    assert loaded.steps[1].error is not None and loaded.steps[1].error.kind == "FailSafeTriggered"
    assert (tmp_path / "run" / "report.html").is_file()
