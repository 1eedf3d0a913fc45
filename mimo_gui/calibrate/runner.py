"""`calibrate`: run the agent's own mapping on known targets and measure where input lands.

For each target model pixel ``m``:

1. the marker is drawn at ``frame.to_screen(m)``, where the mapping under test says the
   model would be pointing (the board reports where it really drew it: the truth);
2. a fresh screenshot is searched for the marker's colour; its centroid, in physical
   pixels, becomes model pixels by the frame's content/image ratio (which depends on
   neither scale nor origin) and is rounded to a whole model pixel: what a perfect model
   would answer;
3. that answer goes back through ``frame.to_screen`` and `Click` on the env, as the agent
   loop does it, and the board reports where the press arrived.

The error is landing minus drawn centre, in screen units (CSS px, logical points). A
right mapping gives about 0 everywhere; a wrong scale or origin moves the marker *and* the
click, so the error grows towards the far corner and cannot hide.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..actions import DEFAULT_RESOLUTION, Click, Frame, Point, Resolution, Space, map_points
from ..actions.errors import CaptureFailed
from ..env_adapters.base import Env
from ..prompts import Profile
from .boards import Board, Marker
from .markers import DEFAULT_TOLERANCE, Found, find_markers
from .targets import Target, choose_targets

__all__ = [
    "CLICK_OFF_BOARD",
    "MARKER_HALF",
    "NOT_SEEN",
    "NO_PRESS",
    "OFF_BOARD",
    "CalibrationResult",
    "Measured",
    "TargetResult",
    "calibrate",
]

XY = tuple[float, float]

# Why a target failed before an error could be measured (`TargetResult.problem`).
OFF_BOARD = "the marker falls off the board, not drawn"
NOT_SEEN = "drawn, but not seen in the screenshot"
CLICK_OFF_BOARD = "the click would fall off the board; not sent"
NO_PRESS = "no press reached the board"

MARKER_HALF = 6
"""Half a marker's side, in screen units: 12 CSS px or points, big enough to find on a
downscaled 4K screenshot, small enough to sit 3 % in from a corner."""


@dataclass(frozen=True, slots=True)
class TargetResult:
    """One target, as far as it got.

    Attributes:
        target: the model pixel and colour.
        intended: ``frame.to_screen(target.model)``, screen units: where the marker was asked for.
        drawn: where the board really drew it (None: off the board, not drawn).
        seen: its centroid in the screenshot, physical px (None: not found).
        answer: ``seen`` in model pixels, rounded: a perfect model's answer.
        clicked: ``frame.to_screen(answer)``, where the click was sent.
        landed: where the board saw the press arrive.
        problem: why the target failed before an error could be measured.
    """

    target: Target
    intended: XY
    drawn: XY | None = None
    seen: XY | None = None
    answer: tuple[int, int] | None = None
    clicked: XY | None = None
    landed: XY | None = None
    problem: str | None = None

    @property
    def error(self) -> XY | None:
        """Landing minus drawn centre, in screen units."""
        if self.landed is None or self.drawn is None:
            return None
        return (self.landed[0] - self.drawn[0], self.landed[1] - self.drawn[1])

    def ok(self, tolerance: float) -> bool:
        error = self.error
        return error is not None and abs(error[0]) <= tolerance and abs(error[1]) <= tolerance


@dataclass(frozen=True, slots=True)
class Measured:
    """The geometry the markers themselves show: physical px = scale × (screen unit − origin),
    fitted per axis over the markers found. It does not depend on the frame under test."""

    scale: XY
    origin: XY


@dataclass(frozen=True)
class CalibrationResult:
    """Everything a calibration found, for the table and ``--json``.

    Attributes:
        platform: the env's ``platform``.
        settings: the env's ``settings()`` (scale and its source, monitor, viewport, …).
        profile: the profile whose budget framed the screenshot.
        frame: the frame under test.
        unit: the screen unit (``CSS px``, ``logical pt``).
        targets: one result per target, in order.
        tolerance: the largest error, in screen units per axis, that passes.
        measured: the geometry the markers show (None with fewer than two found).
    """

    platform: str
    settings: dict[str, Any]
    profile: str
    frame: Frame
    unit: str
    targets: tuple[TargetResult, ...]
    tolerance: float = 1.0
    measured: Measured | None = None

    @property
    def passed(self) -> bool:
        return bool(self.targets) and all(t.ok(self.tolerance) for t in self.targets)

    @property
    def physical_scale(self) -> XY:
        """Physical px per screen unit, per axis, to express errors in: what the markers
        measure (the truth, even when the frame's scale is the thing that is wrong), else
        the frame's."""
        if self.measured is not None:
            return self.measured.scale
        return (self.frame.scale, self.frame.scale)

    @property
    def within(self) -> int:
        return sum(t.ok(self.tolerance) for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        f = self.frame
        return {
            "passed": self.passed,
            "platform": self.platform,
            "unit": self.unit,
            "tolerance": self.tolerance,
            "profile": self.profile,
            "settings": self.settings,
            "frame": {
                "screenshot": [f.image_width, f.image_height],
                "content": [f.content_width, f.content_height],
                "model_image": [f.model_width, f.model_height],
                "scale": f.scale,
                "origin": [f.origin_x, f.origin_y],
                "mode": f.mode,
            },
            "measured": None
            if self.measured is None
            else {"scale": list(self.measured.scale), "origin": list(self.measured.origin)},
            "physical_scale": list(self.physical_scale),
            "targets": [_target_json(t, self.physical_scale, self.tolerance) for t in self.targets],
            "within": self.within,
        }


def _target_json(t: TargetResult, scale: XY, tolerance: float) -> dict[str, Any]:
    error = t.error

    def pair(v: Sequence[float] | None) -> list[float] | None:
        return None if v is None else [v[0], v[1]]

    return {
        "index": t.target.index,
        "model": list(t.target.model),
        "colour": list(t.target.colour),
        "intended": pair(t.intended),
        "drawn": pair(t.drawn),
        "seen": pair(t.seen),
        "answer": pair(t.answer),
        "clicked": pair(t.clicked),
        "landed": pair(t.landed),
        "error": pair(error),
        "error_physical": None if error is None else [error[0] * scale[0], error[1] * scale[1]],
        "ok": t.ok(tolerance),
        "problem": t.problem,
    }


def calibrate(
    env: Env,
    board: Board,
    profile: Profile,
    *,
    tolerance: float = 1.0,
    half: int = MARKER_HALF,
    find_timeout: float = 3.0,
    press_timeout: float = 2.0,
    colour_tolerance: int = DEFAULT_TOLERANCE,
    resolution: Resolution = DEFAULT_RESOLUTION,
) -> CalibrationResult:
    """Prove (or disprove) ``env``'s screenshot-to-screen mapping with ``board``'s markers.

    The frame is built exactly as the agent loop builds it,
    ``profile.frame(obs.size, scale=obs.scale, origin=obs.origin, resolution=...)``, so what
    passes here is the mapping a run uses.

    Raises:
        CaptureFailed: the screenshot changed size between looks (the monitor was reconfigured).
        EnvError, EnvUnreachable: the env or the board failed.
    """
    first = env.observe()
    frame = profile.frame(first.size, scale=first.scale, origin=first.origin, resolution=resolution)
    inset = math.ceil((half + 2) * frame.scale * frame.content_width / frame.image_width)
    targets = choose_targets(frame, inset=inset)
    intended = [
        _xy(frame.to_screen(Point(x=t.model[0], y=t.model[1], space=Space.MODEL_PIXELS))) for t in targets
    ]
    drawn = board.show([Marker(c, half, t.colour) for c, t in zip(intended, targets)])
    seen = _look(
        env, first.size, [t.colour for t in targets], drawn, timeout=find_timeout, tolerance=colour_tolerance
    )

    left, top, width, height = board.area()
    results: list[TargetResult] = []
    for target, want, where, found in zip(targets, intended, drawn, seen):
        if where is None:
            results.append(TargetResult(target, want, problem=OFF_BOARD))
            continue
        if found is None:
            results.append(TargetResult(target, want, where, problem=NOT_SEEN))
            continue
        # Physical px -> model px by the content/image ratio alone: scale and origin are
        # what is under test, and the screenshot does not depend on them.
        cx = found.centre[0] * frame.content_width / frame.image_width
        cy = found.centre[1] * frame.content_height / frame.image_height
        answer = (_round(cx), _round(cy))
        # The model's click, mapped exactly as the agent loop maps an answer (map_points).
        click = map_points(
            Click(point=Point(x=answer[0], y=answer[1], space=Space.MODEL_PIXELS)), frame.to_screen
        )
        assert isinstance(click, Click)
        clicked = _xy(click.point)
        partial = TargetResult(target, want, where, found.centre, answer, clicked)
        if not (left <= clicked[0] < left + width and top <= clicked[1] < top + height):
            # Never click what is not the board: on a user's desktop that is their own windows.
            results.append(_with(partial, problem=CLICK_OFF_BOARD))
            continue
        board.forget_presses()
        env.execute(click)
        landed = board.wait_press(press_timeout)
        if landed is None:
            results.append(_with(partial, problem=f"{NO_PRESS} within {press_timeout:g} s"))
            continue
        results.append(_with(partial, landed=landed))
    return CalibrationResult(
        platform=env.platform,
        settings=env.settings(),
        profile=profile.name,
        frame=frame,
        unit=board.unit,
        targets=tuple(results),
        tolerance=tolerance,
        measured=_measure(drawn, seen),
    )


def _look(
    env: Env,
    size: tuple[int, int],
    colours: Sequence[tuple[int, int, int]],
    drawn: Sequence[XY | None],
    *,
    timeout: float,
    tolerance: int,
) -> list[Found | None]:
    """Screenshots until every drawn marker is seen, or ``timeout`` s: a window's drawing
    reaches the screen a moment after it is flushed, and a compositor adds a frame or two."""
    deadline = time.monotonic() + timeout
    while True:
        obs = env.observe()
        if obs.size != size:
            raise CaptureFailed(
                f"the screenshot changed size during calibration ({size[0]}x{size[1]} -> "
                f"{obs.size[0]}x{obs.size[1]}): was the screen reconfigured?"
            )
        found = find_markers(obs.image, colours, tolerance=tolerance)
        missing = any(d is not None and f is None for d, f in zip(drawn, found))
        if not missing or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def _measure(drawn: Sequence[XY | None], seen: Sequence[Found | None]) -> Measured | None:
    pairs = [(d, f.centre) for d, f in zip(drawn, seen) if d is not None and f is not None]
    fits = [_fit([d[axis] for d, _ in pairs], [p[axis] for _, p in pairs]) for axis in (0, 1)]
    if fits[0] is None or fits[1] is None:
        return None
    return Measured(scale=(fits[0][0], fits[1][0]), origin=(fits[0][1], fits[1][1]))


def _fit(units: Sequence[float], physical: Sequence[float]) -> tuple[float, float] | None:
    """Least squares for ``physical = scale * (unit - origin)``: (scale, origin)."""
    n = len(units)
    if n < 2:
        return None
    mu, mp = sum(units) / n, sum(physical) / n
    var = sum((u - mu) ** 2 for u in units)
    if var == 0:
        return None
    scale = sum((u - mu) * (p - mp) for u, p in zip(units, physical)) / var
    if scale == 0:
        return None
    return scale, mu - mp / scale


def _round(v: float) -> int:
    # Half up, not Python's half to even: a centroid exactly between two model pixels is
    # as likely either way, and the table should not depend on parity.
    return math.floor(v + 0.5)


def _xy(point: Point) -> XY:
    return (point.x, point.y)


def _with(result: TargetResult, **changes: Any) -> TargetResult:
    return replace(result, **changes)
