"""Wrappers: an env around an env, adding one behaviour (settling, a step budget).

Each wrapper is itself an `Env`, so they stack: ``StepBudget(SettleWrapper(env), 50)``.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, Self

from ..actions import Action, EnvError, Point
from .base import ActionResult, Env, Observation

__all__ = ["EnvWrapper", "SettleWrapper", "StepBudget"]


class EnvWrapper:
    """Delegates everything to ``env``; subclasses override what they change.

    Attributes the wrapper lacks (an adapter's own, such as ``ImageEnv.executed``) are
    read from the wrapped env.
    """

    def __init__(self, env: Env) -> None:
        self.env = env
        self.platform: str = env.platform
        self.supported_actions = env.supported_actions

    @property
    def unwrapped(self) -> Env:
        """The innermost env, below every wrapper."""
        env = self.env
        while isinstance(env, EnvWrapper):
            env = env.env
        return env

    def observe(self) -> Observation:
        return self.env.observe()

    def execute(self, action: Action) -> ActionResult:
        return self.env.execute(action)

    def close(self) -> None:
        self.env.close()

    def describe(self, point: Point) -> str | None:
        return self.env.describe(point)

    def settings(self) -> dict[str, Any]:
        return self.env.settings()

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not found on the wrapper; "env" itself is excluded
        # so a half-built wrapper cannot recurse forever.
        if name == "env":
            raise AttributeError(name)
        return getattr(self.env, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _with_wrapper(self, settings: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
        return {**settings, "wrappers": [*settings.get("wrappers", []), entry]}


class SettleWrapper(EnvWrapper):
    """After an action, the next `observe` waits until the screen stops changing.

    It captures every ``interval`` seconds until two captures in a row are identical, or
    ``timeout`` seconds have passed, and returns the last capture (so waiting costs no extra
    screenshot once the screen is still). Observing again without an action in between
    captures once, as the wrapped env does.
    """

    def __init__(self, env: Env, *, timeout: float = 2.0, interval: float = 0.1) -> None:
        if not timeout >= 0:
            raise ValueError(f"timeout must be >= 0 seconds, got {timeout!r}")
        if not interval > 0:
            raise ValueError(f"interval must be > 0 seconds, got {interval!r}")
        super().__init__(env)
        self.timeout = timeout
        self.interval = interval
        self._moved = False
        self.last_settle_captures = 0
        """Captures the last settling took (1 when nothing needed settling)."""

    def execute(self, action: Action) -> ActionResult:
        self._moved = True
        return self.env.execute(action)

    def observe(self) -> Observation:
        if not self._moved:
            self.last_settle_captures = 1
            return self.env.observe()
        self._moved = False
        deadline = time.monotonic() + self.timeout
        obs = self.env.observe()
        captures = 1
        previous = _fingerprint(obs)
        while time.monotonic() < deadline:
            time.sleep(self.interval)
            obs = self.env.observe()
            captures += 1
            current = _fingerprint(obs)
            if current == previous:
                break
            previous = current
        self.last_settle_captures = captures
        return obs

    def settings(self) -> dict[str, Any]:
        entry = {"name": "settle", "timeout": self.timeout, "interval": self.interval}
        return self._with_wrapper(self.env.settings(), entry)


class StepBudget(EnvWrapper):
    """Refuses the action after ``max_steps`` executed ones with `EnvError`, before it reaches the env."""

    def __init__(self, env: Env, max_steps: int) -> None:
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 0:
            raise ValueError(f"max_steps must be a non-negative integer, got {max_steps!r}")
        super().__init__(env)
        self.max_steps = max_steps
        self.steps_taken = 0

    @property
    def steps_left(self) -> int:
        return self.max_steps - self.steps_taken

    def execute(self, action: Action) -> ActionResult:
        if self.steps_taken >= self.max_steps:
            raise EnvError(f"step budget of {self.max_steps} actions exhausted", action=action)
        self.steps_taken += 1
        return self.env.execute(action)

    def settings(self) -> dict[str, Any]:
        return self._with_wrapper(self.env.settings(), {"name": "step_budget", "max_steps": self.max_steps})


def _fingerprint(obs: Observation) -> tuple[tuple[int, int], bytes]:
    # Exact pixels: a 3 MB memcmp costs less than any downscale, and misses no small spinner.
    return obs.image.size, obs.image.tobytes()
