"""Wrappers around a real ImageEnv and around a small env whose screen keeps changing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PIL import Image

from mimo_gui.actions import Action, Click, EnvError, Point, UnsupportedAction, Wait
from mimo_gui.env_adapters.base import ActionResult, Env, Observation
from mimo_gui.env_adapters.image import ImageEnv
from mimo_gui.env_adapters.wrappers import EnvWrapper, SettleWrapper, StepBudget

CLICK = Click(point=Point(x=5, y=5))


class AnimatedEnv(ImageEnv):
    """After each action the screen changes on the next ``frames`` captures, then holds still.

    ``frames=None`` never holds still.
    """

    def __init__(self, frames: int | None) -> None:
        super().__init__(Image.new("RGB", (40, 30), (0, 0, 0)))
        self.frames = frames
        self.left = 0
        self.captures = 0
        self.shade = 0
        self.closed = False

    def execute(self, action: Action) -> ActionResult:
        result = super().execute(action)
        self.left = self.frames if self.frames is not None else 10**9
        return result

    def observe(self) -> Observation:
        self.captures += 1
        if self.left > 0:
            self.left -= 1
            self.shade += 1
        return Observation(image=Image.new("RGB", (40, 30), (self.shade % 256, 0, 0)))

    def close(self) -> None:
        self.closed = True


def test_env_wrapper_delegates_everything() -> None:
    inner = ImageEnv(Image.new("RGB", (40, 30), (1, 2, 3)))
    wrapped = EnvWrapper(inner)
    assert isinstance(wrapped, Env)
    assert (wrapped.platform, wrapped.supported_actions) == ("image", inner.supported_actions)
    assert wrapped.observe().image.getpixel((0, 0)) == (1, 2, 3)
    assert wrapped.execute(CLICK).action == CLICK
    assert wrapped.executed == [CLICK]  # read through to the adapter's own attribute
    assert wrapped.describe(Point(x=1, y=1)) is None
    assert wrapped.settings() == inner.settings()
    assert EnvWrapper(wrapped).unwrapped is inner
    with pytest.raises(UnsupportedAction):
        wrapped.execute(Wait(seconds=0))
    with pytest.raises(AttributeError):
        _ = wrapped.no_such_attribute


def test_closing_a_wrapper_closes_the_env() -> None:
    inner = AnimatedEnv(frames=0)
    with StepBudget(SettleWrapper(inner), 3):
        pass
    assert inner.closed


def test_step_budget_refuses_the_action_after_the_last() -> None:
    inner = ImageEnv(Image.new("RGB", (40, 30)))
    budget = StepBudget(inner, 2)
    budget.execute(CLICK)
    assert budget.steps_left == 1
    budget.execute(CLICK)
    with pytest.raises(EnvError) as info:
        budget.execute(CLICK)
    assert type(info.value) is EnvError
    assert str(info.value) == "step budget of 2 actions exhausted"
    assert info.value.action == CLICK
    assert inner.executed == [CLICK, CLICK]
    assert budget.settings()["wrappers"] == [{"name": "step_budget", "max_steps": 2}]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_step_budget_needs_a_non_negative_integer(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_steps must be a non-negative integer"):
        StepBudget(ImageEnv(Image.new("RGB", (4, 4))), bad)


def test_a_zero_budget_refuses_everything() -> None:
    with pytest.raises(EnvError, match="step budget of 0 actions exhausted"):
        StepBudget(ImageEnv(Image.new("RGB", (4, 4))), 0).execute(CLICK)


def test_settle_waits_for_two_identical_captures() -> None:
    inner = AnimatedEnv(frames=3)
    settle = SettleWrapper(inner, timeout=5, interval=0.01)
    settle.execute(CLICK)
    obs = settle.observe()
    # three changing captures, then a fourth equal to the third
    assert obs.image.getpixel((0, 0)) == (3, 0, 0)
    assert settle.last_settle_captures == inner.captures == 4
    settle.observe()
    assert settle.last_settle_captures == 1  # no action since: one capture, as the env does


def test_settle_gives_up_at_the_timeout_with_the_latest_frame() -> None:
    inner = AnimatedEnv(frames=None)
    settle = SettleWrapper(inner, timeout=0.3, interval=0.02)
    settle.execute(CLICK)
    start = time.monotonic()
    obs = settle.observe()
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 1.5
    assert obs.image.getpixel((0, 0)) == (inner.shade % 256, 0, 0)
    assert inner.captures > 5


def test_settings_list_the_wrappers_in_order() -> None:
    env = StepBudget(SettleWrapper(ImageEnv(Image.new("RGB", (4, 4))), timeout=1.0, interval=0.2), 7)
    assert env.settings() == {
        "kind": "image",
        "path": None,
        "size": [4, 4],
        "wrappers": [
            {"name": "settle", "timeout": 1.0, "interval": 0.2},
            {"name": "step_budget", "max_steps": 7},
        ],
    }


@pytest.mark.parametrize(("timeout", "interval"), [(-1.0, 0.1), (1.0, 0.0)])
def test_settle_rejects_bad_timings(timeout: float, interval: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        SettleWrapper(ImageEnv(Image.new("RGB", (4, 4))), timeout=timeout, interval=interval)
