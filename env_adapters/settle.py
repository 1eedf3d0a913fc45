"""Waiting for the screen to settle after an action: one mechanism every adapter uses.

An action starts things that take a moment (a page load, a menu sliding open, a phone's
transition), and a screenshot taken at once shows them half done. `Settle` captures until
two captures in a row are identical, or a deadline passes, and hands back the last capture,
so waiting costs nothing extra once the screen is still. Adapters call it in ``observe``
after an action (`BrowserEnv` does, after waiting for the page's ``load`` event within the
same deadline); a desktop or phone adapter passes its own capture function.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..actions import ConfigError

__all__ = ["Settle", "Settled"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settled(Generic[T]):
    """The last capture of a settling wait, and what it took."""

    frame: T
    captures: int
    """How many captures were taken (2 when the screen was already still)."""
    still: bool
    """Whether two captures agreed before the deadline (False: it gave up, still moving)."""


@dataclass(frozen=True, slots=True)
class Settle:
    """How long to wait for the screen to stop changing, and how often to look.

    Attributes:
        timeout: the most seconds one wait takes; 0 turns settling off (one capture).
        interval: seconds between captures.
        pixels: compare captures until two agree. False: one capture, after whatever ready
            signal the platform has (a page's ``load`` event) within ``timeout``. Comparing
            costs at least one more capture and ``interval`` per step (in a browser at device
            scale factor 2, about 0.25 s: `bench/step_overhead.py`), which is why
            `BrowserEnv` leaves it off unless asked.

    Raises:
        ConfigError: a negative or infinite timeout, or a non-positive or infinite interval.
    """

    timeout: float = 2.0
    interval: float = 0.1
    pixels: bool = True

    def __post_init__(self) -> None:
        # An infinite timeout would let a screen that never stops moving (a clock, a video)
        # hang every step; NaN fails both comparisons, so it is refused too.
        if not (self.timeout >= 0 and math.isfinite(self.timeout)):
            raise ConfigError(f"settle timeout must be a finite number >= 0 seconds, got {self.timeout!r}")
        if not (self.interval > 0 and math.isfinite(self.interval)):
            raise ConfigError(f"settle interval must be a finite number > 0 seconds, got {self.interval!r}")

    def deadline(self) -> float:
        """The `time.monotonic` instant a wait starting now must end by."""
        return time.monotonic() + self.timeout

    def until_still(self, capture: Callable[[], T], *, deadline: float | None = None) -> Settled[T]:
        """Capture until two captures in a row are equal (``==``), or ``deadline`` passes.

        Args:
            capture: takes one screenshot; compare cheap forms (PNG bytes, not images).
            deadline: a `time.monotonic` instant; by default `timeout` from now.
        """
        end = self.deadline() if deadline is None else deadline
        frame = capture()
        captures = 1
        if self.timeout == 0 or not self.pixels:
            return Settled(frame=frame, captures=captures, still=False)
        while time.monotonic() < end:
            time.sleep(min(self.interval, max(0.0, end - time.monotonic())))
            current = capture()
            captures += 1
            if current == frame:
                return Settled(frame=current, captures=captures, still=True)
            frame = current
        return Settled(frame=frame, captures=captures, still=False)
