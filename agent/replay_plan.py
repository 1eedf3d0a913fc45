"""What a replay will do, decided before anything runs (`plan_replay`).

Which recorded actions each step replays (see `agent.replay` for the rules), and every
refusal that can be made up front: an action the env cannot do, a screenshot ``--verify``
needs that the folder lacks, a run with nothing to replay.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Action, ConfigError, is_terminal
from ..env_adapters.base import Env
from .recorder import LoadedRun
from .records import StepRecord

__all__ = ["ACTING_KINDS", "PlannedStep", "plan_replay"]

ACTING_KINDS = frozenset({"act", "locate"})
"""The step kinds whose recorded actions are replayed; the others (check, ask, query) only looked."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One recorded step and what its replay executes."""

    source: StepRecord
    actions: tuple[Action, ...]
    note: str | None = None
    """Why fewer actions run than were recorded, when that is so."""


def plan_replay(run: LoadedRun, env: Env, *, verify: bool) -> tuple[list[PlannedStep], tuple[int, ...]]:
    """What each recorded step replays, and which steps are skipped; nothing runs yet.

    Raises:
        ConfigError: the run has no step to replay, a step holds an action this env cannot
            do, or (``verify``) a step's recorded screenshot is missing.
    """
    planned: list[PlannedStep] = []
    skipped: list[int] = []
    for step in run.steps:
        if step.kind not in ACTING_KINDS:
            planned.append(PlannedStep(step, ()))
        elif step.error is not None and not step.actions:
            skipped.append(step.index)
            continue
        elif step.error is not None:
            note = f"its last action failed when recorded ({step.error.kind}) and is not replayed"
            planned.append(PlannedStep(step, tuple(step.actions[:-1]), note))
        else:
            planned.append(PlannedStep(step, tuple(step.actions)))
        _check_can_replay(planned[-1], run, env, verify=verify)
        if any(is_terminal(a) for a in planned[-1].actions):
            break  # the recorded run ended here
    if not planned:
        why = f" ({len(skipped)} recorded steps, all with an error and no action)" if skipped else ""
        raise ConfigError(f"{str(run.folder)!r} has no steps to replay{why}")
    return planned, tuple(skipped)


def _check_can_replay(planned: PlannedStep, run: LoadedRun, env: Env, *, verify: bool) -> None:
    step = planned.source
    for action in planned.actions:
        if not is_terminal(action) and type(action) not in env.supported_actions:
            names = ", ".join(sorted(c.__name__ for c in env.supported_actions))
            raise ConfigError(
                f"step {step.index}'s {type(action).__name__} cannot be replayed on the {env.platform} env "
                f"(it can do {names}): choose the env the run was recorded on with --env"
            )
    if verify and (step.screenshot is None or not (run.folder / step.screenshot).is_file()):
        name = step.screenshot or f"step_{step.index:03d}.png"
        raise ConfigError(f"cannot verify step {step.index}: {name} is missing from {str(run.folder)!r}")
