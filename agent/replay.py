"""Replaying a recorded run: its screen actions again, with no model (``mimo-gui replay``).

For each recorded step, in order: observe; with ``verify``, compare the screenshot with the
one the step saw when recorded (`compare_screens`) and stop at the first that differs by
more than the threshold; else execute the step's recorded actions, which are already in
screen units, through ``env.execute``. What is replayed of each step:

- ``act``/``locate`` steps: every action that ran when recorded. A step that recorded an
  error with no actions (an unusable answer, a point off the image) is skipped and
  counted; one that recorded an error after some actions ran (its last action failed) runs
  the actions before that one, since what the failed one did is unknown.
- other kinds (``check``, ``ask``, ``query``) looked without acting: nothing is executed,
  but with ``verify`` their screenshot is still compared.
- ``Finish``, ``Fail`` and ``CallUser`` end the replay where the recorded run ended.

The replay is recorded as a run of its own (`Recorder`: backend ``replay``, model ``none``,
its task ``replay of <source folder>: <task>``, each step's ``result`` naming the source
step), so ``report.html`` shows it like any run. Everything that can be refused (an action
the env cannot do, a screenshot ``verify`` needs and the folder lacks) is refused before
the first action runs.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..actions import ConfigError, Frame, MimoGuiError, action_point, is_terminal
from ..env_adapters.base import Env, Observation
from .compare_screens import (
    DEFAULT_THRESHOLD,
    DEFAULT_TOLERANCE,
    ScreenDifference,
    check_threshold,
    compare_screens,
    percent,
)
from .ending import Outcome, ending
from .recorder import LoadedRun, Recorder, new_run_folder, record_final_look
from .records import ContextRecord, ErrorRecord, RunOutcome, RunRecord, StepRecord, Timings, package_versions
from .replay_plan import PlannedStep, plan_replay

__all__ = ["MISMATCH_KIND", "Mismatch", "ReplayResult", "replay"]

ReplayStatus = Literal["replayed", "mismatch", "failed"]
MISMATCH_KIND = "ScreenMismatch"
"""The ``error.kind`` of the replay step at which ``verify`` stopped."""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """Where ``verify`` stopped: the source step, how far its screen was, and the threshold."""

    step: int
    """The recorded step's index (``step_NNN.png`` of the source folder)."""
    difference: ScreenDifference
    threshold: float

    def __str__(self) -> str:
        return (
            f"step {self.step}: the screen differs from the recorded step_{self.step:03d}.png: "
            f"{self.difference.describe()} (threshold {percent(self.threshold)})"
        )


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """How a replay ended.

    Attributes:
        status: ``replayed`` (every step ran, and with verify matched), ``mismatch`` (verify
            stopped at `mismatch`) or ``failed`` (an action or a capture failed at ``failed_step``).
        message: one line saying so, naming the step where it stopped.
        source: the recorded run's folder.
        steps: the replay's own step records (one per replayed step, numbered from 1).
        replayed: recorded steps replayed in full (the one a replay stopped at is not counted).
        verified: screenshots compared and found within the threshold.
        skipped: the recorded steps skipped (an error and no actions).
        ended_by: the terminal action that ended the recorded run (``Finish`` …), if reached.
        trajectory: the replay's run folder, when it was recorded.
    """

    status: ReplayStatus
    message: str
    source: Path
    steps: list[StepRecord]
    replayed: int
    verified: int
    skipped: tuple[int, ...]
    mismatch: Mismatch | None = None
    failed_step: int | None = None
    ended_by: str | None = None
    trajectory: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "replayed"

    def summary(self) -> dict[str, Any]:
        """JSON-ready, for ``mimo-gui replay --json``."""
        out: dict[str, Any] = {
            "status": self.status,
            "message": self.message,
            "source": str(self.source),
            "replayed": self.replayed,
            "verified": self.verified,
            "skipped": list(self.skipped),
            "ended_by": self.ended_by,
            "failed_step": self.failed_step,
            "mismatch": None,
            "trajectory": str(self.trajectory) if self.trajectory else None,
        }
        if self.mismatch is not None:
            d = self.mismatch.difference
            out["mismatch"] = {
                "step": self.mismatch.step,
                "difference": d.fraction,
                "threshold": self.mismatch.threshold,
                "changed_pixels": d.changed,
                "box": list(d.box) if d.box else None,
                "size": list(d.size),
                "recorded_size": list(d.recorded_size),
            }
        return out


@dataclass(frozen=True, slots=True)
class _Replaying:
    """What every step of one replay shares."""

    run: LoadedRun
    env: Env
    recorder: Recorder | None
    verify: bool
    threshold: float
    tolerance: int


@dataclass(frozen=True, slots=True)
class _Stepped:
    """One replayed step: its record, and why the replay stops there, if it does."""

    rec: StepRecord
    compared: bool = False
    mismatch: Mismatch | None = None
    ended_by: str | None = None


def replay(
    run: LoadedRun,
    env: Env,
    *,
    verify: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    tolerance: int = DEFAULT_TOLERANCE,
    out: Path | str | None = None,
    runs_dir: Path | str | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
) -> ReplayResult:
    """Replay ``run`` on ``env`` (see the module's docstring); recorded when ``out``/``runs_dir`` is given.

    Args:
        run: the recorded run (`load_run`).
        env: the screen, already on the run's start page or app.
        verify: compare each screenshot with the recorded one and stop at the first that
            differs by more than ``threshold`` (a share of the pixels; `compare_screens`).
        tolerance: channel levels a pixel may move and still count as unchanged.
        out: the replay's run folder (empty or new); runs_dir: a parent for a fresh one.
        on_step: called with each replay step's record once it is recorded.

    Raises:
        ConfigError: a bad threshold, or a run that cannot be replayed on ``env`` (`plan_replay`),
            before anything runs.
        KeyboardInterrupt: Ctrl+C (or SIGTERM in `sigterm_as_interrupt`); recorded as ``interrupted``.
    """
    check_threshold(threshold)
    plan, skipped = plan_replay(run, env, verify=verify)
    recorder = _recorder(run, env, out, runs_dir)
    shared = _Replaying(run, env, recorder, verify, threshold, tolerance)
    steps: list[StepRecord] = []
    verified = 0
    result: ReplayResult | None = None
    with ending(recorder, Outcome("error", "the replay did not finish")) as outcome:
        for index, planned in enumerate(plan, start=1):
            stepped = _replay_step(index, planned, shared)
            steps.append(stepped.rec)
            if on_step is not None:
                on_step(stepped.rec)
            verified += stepped.compared and stepped.mismatch is None
            result = _stop_at(
                stepped,
                planned,
                verified=verified,
                skipped=skipped,
                steps=steps,
                run=run,
                last=index == len(plan),
            )
            if result is not None:
                break
        assert result is not None  # the last planned step always ends the replay
        outcome.status, outcome.answer = _OUTCOMES[result.status], result.message
        if recorder is not None:
            record_final_look(env, recorder)
    return replace(result, trajectory=recorder.folder) if recorder is not None else result


_OUTCOMES: dict[ReplayStatus, RunOutcome] = {"replayed": "finished", "mismatch": "failed", "failed": "error"}
"""The replay's own ``run.json`` status for each way a replay ends."""


def _stop_at(
    stepped: _Stepped,
    planned: PlannedStep,
    *,
    verified: int,
    skipped: tuple[int, ...],
    steps: list[StepRecord],
    run: LoadedRun,
    last: bool,
) -> ReplayResult | None:
    """The replay's result if it ends at this step, else None."""
    common: dict[str, Any] = {"source": run.folder, "steps": steps, "skipped": skipped, "verified": verified}
    done = len(steps) - 1  # when it stops here, this step did not run (or not all of it)
    error = stepped.rec.error
    if stepped.mismatch is not None:
        mismatch = stepped.mismatch
        return ReplayResult("mismatch", str(mismatch), replayed=done, mismatch=mismatch, **common)
    if error is not None:
        message = f"step {planned.source.index}: {error.kind}: {error.message}"
        return ReplayResult("failed", message, replayed=done, failed_step=planned.source.index, **common)
    if stepped.ended_by is None and not last:
        return None
    ended = f"; the recorded run ended there with {stepped.ended_by}" if stepped.ended_by else ""
    how = f", {verified} screens verified" if stepped.compared else ""
    gone = f", {len(skipped)} skipped (an error and no action: {_list(skipped)})" if skipped else ""
    cut = "; the recorded last line was cut short and is not replayed" if run.truncated else ""
    message = f"replayed {len(steps)} steps of {str(run.folder)!r}{how}{gone}{ended}{cut}"
    return ReplayResult("replayed", message, replayed=len(steps), ended_by=stepped.ended_by, **common)


def _list(indices: tuple[int, ...]) -> str:
    return ", ".join(f"step {i}" for i in indices)


def _replay_step(index: int, planned: PlannedStep, shared: _Replaying) -> _Stepped:
    """Observe, compare (with verify) and execute one recorded step, and record it.

    A mismatch is recorded as the step's error (kind `MISMATCH_KIND`) and nothing of the
    step is executed; an env failure is recorded with its traceback.
    """
    source, env = planned.source, shared.env
    rec = StepRecord(index=index, kind=source.kind, started_at=time.time())
    t: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        t[stage] = now - mark
        mark = now

    notes = [f"replay of step {source.index}"]
    mismatch: Mismatch | None = None
    ended_by: str | None = None
    try:
        obs = env.observe()
        lap("capture")
        rec.frame, rec.context = _as_shot(obs), ContextRecord.model_validate(obs.context())
        if shared.recorder is not None:
            rec.screenshot = shared.recorder.save_screenshot(index, obs.image, obs.png)
            lap("record")
        if shared.verify:
            difference = _compare(shared, source, obs)
            lap("compare")
            notes.append(f"screen difference {percent(difference.fraction)}")
            if difference.exceeds(shared.threshold):
                mismatch = Mismatch(source.index, difference, shared.threshold)
                rec.error = ErrorRecord(kind=MISMATCH_KIND, message=str(mismatch))
        if mismatch is None:
            for action in planned.actions:
                rec.actions.append(action)
                if is_terminal(action):
                    ended_by = type(action).__name__
                    break
                if rec.described is None and (point := action_point(action)) is not None:
                    rec.described = env.describe(point)
                if detail := env.execute(action).detail:
                    notes.append(detail)
            lap("execute")
            if planned.note:
                notes.append(planned.note)
    except MimoGuiError as error:
        rec.error = ErrorRecord(
            kind=type(error).__name__, message=str(error), traceback=traceback.format_exc()
        )
    rec.action = rec.actions[0] if rec.actions else None
    rec.result = "; ".join(notes)
    rec.timings = Timings(**t)
    if shared.recorder is not None:
        shared.recorder.append(rec)
    return _Stepped(rec, shared.verify and "compare" in t, mismatch, ended_by)


def _compare(shared: _Replaying, source: StepRecord, obs: Observation) -> ScreenDifference:
    try:
        recorded = shared.run.screenshot(source)
        if recorded is None:  # the plan refused this before anything ran
            raise ConfigError(f"cannot verify step {source.index}: it has no recorded screenshot")
        with recorded:
            return compare_screens(recorded, obs.image, tolerance=shared.tolerance)
    except OSError as exc:  # a cut or corrupt PNG (UnidentifiedImageError is one too)
        raise ConfigError(f"cannot read the recorded {source.screenshot}: {exc}") from exc


def _as_shot(obs: Observation) -> Frame:
    """The frame of a replay step: no model, so the "model image" is the screenshot itself;
    the report marks each point with it like any step's."""
    w, h = obs.size
    return Frame(
        image_width=w, image_height=h, content_width=w, content_height=h, model_width=w, model_height=h,
        scale=obs.scale, origin_x=obs.origin[0], origin_y=obs.origin[1],
    )  # fmt: skip


def _recorder(
    run: LoadedRun, env: Env, out: Path | str | None, runs_dir: Path | str | None
) -> Recorder | None:
    if out is None and runs_dir is None:
        return None
    started = time.time()
    folder = (
        Path(out)
        if out is not None
        else new_run_folder(Path(runs_dir or "runs"), f"replay {run.run.task}", started)
    )
    record = RunRecord(
        task=f"replay of {run.folder}: {run.run.task}",
        env=env.settings(),
        model="none",
        backend="replay",
        versions=package_versions(),
        started_at=started,
    )
    return Recorder(folder, record)
