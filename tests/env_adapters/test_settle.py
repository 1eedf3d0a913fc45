"""Settle, the one settling mechanism, against a capture function whose screen keeps changing."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.env_adapters.settle import Settle


def frames(changing: int | None) -> tuple[Callable[[], int], list[int]]:
    """A capture that returns a new frame ``changing`` times, then the same one (None: never still)."""
    taken: list[int] = []

    def capture() -> int:
        shade = len(taken) if changing is None else min(len(taken), changing)
        taken.append(shade)
        return shade

    return capture, taken


def test_waits_for_two_identical_captures() -> None:
    capture, taken = frames(changing=3)
    settled = Settle(timeout=5, interval=0.01).until_still(capture)
    # frames 0, 1, 2, 3, then a fifth equal to the fourth
    assert (settled.frame, settled.captures, settled.still) == (3, 5, True)
    assert taken == [0, 1, 2, 3, 3]


def test_a_still_screen_costs_two_captures() -> None:
    capture, _ = frames(changing=0)
    settled = Settle(timeout=5, interval=0.01).until_still(capture)
    assert (settled.frame, settled.captures, settled.still) == (0, 2, True)


def test_gives_up_at_the_deadline_with_the_latest_frame() -> None:
    capture, taken = frames(changing=None)
    start = time.monotonic()
    settled = Settle(timeout=0.3, interval=0.02).until_still(capture)
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 1.5
    assert settled.still is False
    assert settled.frame == taken[-1] and settled.captures == len(taken) > 5


def test_zero_timeout_captures_once() -> None:
    capture, taken = frames(changing=None)
    settled = Settle(timeout=0).until_still(capture)
    assert (settled.captures, taken) == (1, [0])


def test_an_explicit_deadline_is_kept() -> None:
    capture, _ = frames(changing=None)
    settle = Settle(timeout=10, interval=0.01)
    start = time.monotonic()
    settle.until_still(capture, deadline=start + 0.2)
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    ("timeout", "interval"),
    [(-1.0, 0.1), (1.0, 0.0), (float("nan"), 0.1), (float("inf"), 0.1), (1.0, float("inf"))],
)
def test_bad_timings_are_config_errors(timeout: float, interval: float) -> None:
    with pytest.raises(ConfigError, match=r"settle (timeout|interval) must be"):
        Settle(timeout=timeout, interval=interval)


def test_without_pixels_it_captures_once() -> None:
    # The browser's default: its own ready signal (the load event) only, then one look.
    capture, taken = frames(3)
    settled = Settle(timeout=5, interval=0.01, pixels=False).until_still(capture)
    assert (settled.frame, settled.captures, settled.still, taken) == (0, 1, False, [0])
