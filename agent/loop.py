"""The perception-action loop.

    observe → frame → messages → complete → parse → to_screen → execute → record

`Agent.step` is the loop's body: one function that returns one `StepRecord`. `Agent.run`
repeats it until the model says `Finish`, `Fail` or `CallUser`, a run-ending error, or
the step budget (``max_steps``, the one budget a run has). Errors are sorted by who can
fix them: the model's own mistakes (an answer that does not parse or was cut off at the
token cap, a point off the image, an action the env refuses) go back to it in the next
prompt; with ``max_retries=3`` the model gets three more tries, and the 4th mistake in a
row ends the run as ``failed``. Backend and env failures end the run with their traceback
recorded; Ctrl+C and SIGTERM (see `interrupts`) end it as ``interrupted``. Nothing
half-parsed is ever executed: every action of an answer is parsed, mapped and checked
before the first one runs. When the run ends, the screen is captured once more
(``final.png``), so a report shows what the last action did.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..actions import (
    DEFAULT_RESOLUTION,
    Action,
    CallUser,
    ConfigError,
    CoordinateError,
    Fail,
    Finish,
    MimoGuiError,
    ParseError,
    Resolution,
    UnsupportedAction,
    action_point,
    is_terminal,
    map_points,
)
from ..actions.errors import ActionDenied, ActionFailed, AnswerTruncated
from ..actions.resample import IncrementalResize
from ..env_adapters.base import Env
from ..prompts import ImagePart, PastStep, Profile, StepInput, get_profile
from .answers import parse_completion
from .backends.base import Backend, CompletionRequest
from .checks import Checks
from .ending import Outcome, ending
from .guard import Confirm, Guard
from .instant import InstantActions
from .policy import Policy
from .recorder import Recorder, collect_downloads, new_run_folder
from .records import (
    ContextRecord,
    ErrorRecord,
    RunOutcome,
    RunRecord,
    StepRecord,
    Timings,
    package_versions,
)
from .secrets import SecretText
from .session import DEFAULT_TASK, Session

__all__ = ["Agent", "RunResult"]

_TERMINAL: frozenset[type[Any]] = frozenset[type[Any]]((Finish, Fail, CallUser))
# A denial counts as a mistake: a model that insists on a refused action cannot loop forever.
_MODEL_MISTAKES = (ParseError, CoordinateError, UnsupportedAction, ActionFailed, ActionDenied)


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended.

    Attributes:
        status: ``finished`` (the model said Finish), ``failed`` (it said Fail, or made
            ``max_retries + 1`` mistakes in a row), ``asked_user`` (CallUser), ``max_steps``
            (the budget ran out), ``error`` (a backend or env failure) or ``interrupted``
            (`Agent.stop()` ended it after a step). A run interrupted by Ctrl+C raises
            `KeyboardInterrupt` instead of returning; its ``run.json`` says ``interrupted``.
        answer: the Finish answer, the Fail reason, the CallUser question or the error.
        steps: every step record, in order.
        trajectory: the run folder, when the run was recorded.
    """

    status: RunOutcome
    answer: str | None
    steps: list[StepRecord]
    trajectory: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "finished"


@dataclass
class _State:
    history: list[PastStep] = field(default_factory=list)
    feedback: str | None = None
    mistakes_in_a_row: int = 0
    index: int = 0
    # Consecutive screenshots mostly differ in a small region: reframe only that.
    resize: IncrementalResize = field(default_factory=IncrementalResize)


class Agent(InstantActions, Checks):
    """Drives an `Env` with a model: a whole task (`run`), or a script's calls one by one.

    A script's calls (`locate`, `click`, `type`, `check`, `query`, `act`, … see
    `instant.InstantActions` and `checks.Checks`) are steps of one session, recorded in
    one run folder that opens on the first call (or `start`) and is finished by `close`
    or by leaving ``with Agent(...) as agent:``. `run` records each run in its own folder.

    Args:
        env: the screen (browser, desktop, phone).
        backend: the model (`OpenAIBackend`, `TransformersBackend`, `ScriptedBackend`).
        profile: the model family (a name or a `Profile`; default ``mimo-vl``).
        think: reasoning on or off (None: the profile's default).
        max_steps: the step budget: the most steps (model calls) one run may make; the
            run ends as ``max_steps`` when they are spent. The only budget a run has.
        max_retries: how many more tries the model gets after a mistake (an answer that
            does not parse or was cut off, a point off the image, an action the env
            refuses or that failed): the run fails at the ``max_retries + 1``-th mistake in
            a row. With the default 3, the 4th mistake in a row ends the run; 0 ends it at
            the first. A step without a mistake resets the count.
        history_images: screenshots per request, the current one included (None: the profile's).
        out: the run folder itself (must be empty or new), or None.
        runs_dir: a parent folder in which each run gets a fresh ``<time>-<task>`` folder
            (a ``-2``, ``-3``, … suffix when that name is taken); used when ``out`` is None.
            With neither, nothing is recorded.
        on_step: called with each step record as soon as it is recorded (progress display).
        temperature, max_tokens: sampling overrides.
        task: the label of a script's session (``run.json``'s task, the folder's name).
        resolution: what the model image's pixel budget applies to: ``physical`` pixels of
            the screenshot, or ``logical`` screen units (a HiDPI screen shown as it would
            look at scale 1; see `DEFAULT_RESOLUTION` and README "Image budget at HiDPI").
        policy: the safety policy every action passes before it runs (`agent.policy`), or None.
        confirm: asked about an ``ask`` (a `ConfirmRequest`; True lets the action run); None:
            nobody can be asked, so an ``ask`` denies (fail closed).
        dry_run: the loop runs and records, and nothing is executed.
    """

    def __init__(
        self,
        env: Env,
        backend: Backend,
        profile: Profile | str | None = None,
        *,
        think: bool | None = None,
        max_steps: int = 20,
        max_retries: int = 3,
        history_images: int | None = None,
        out: Path | str | None = None,
        runs_dir: Path | str | None = None,
        on_step: Callable[[StepRecord], None] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        task: str = DEFAULT_TASK,
        resolution: Resolution = DEFAULT_RESOLUTION,
        policy: Policy | None = None,
        confirm: Confirm | None = None,
        dry_run: bool = False,
    ) -> None:
        if max_steps < 1:
            raise ConfigError(f"max_steps must be at least 1, got {max_steps}")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {max_retries}")
        self.env = env
        self.backend = backend
        self.profile = profile if isinstance(profile, Profile) else get_profile(profile)
        if history_images is not None:
            self.profile = replace(self.profile, history_images=max(1, history_images))
        self.think = think
        self.max_steps = max_steps
        self.max_retries = max_retries
        self.out = Path(out) if out is not None else None
        self.runs_dir = Path(runs_dir) if runs_dir is not None else None
        self.on_step = on_step
        self.sampling = self.profile.sampling("step", think, temperature=temperature, max_tokens=max_tokens)
        self._overrides = {"temperature": temperature, "max_tokens": max_tokens}
        if resolution not in ("physical", "logical"):
            raise ConfigError(f"resolution must be 'physical' or 'logical', got {resolution!r}")
        self.resolution: Resolution = resolution
        self.guard = Guard(policy, confirm, dry_run)
        self._stop = threading.Event()
        self._session = Session(self.out, self.runs_dir, self.run_record, task)

    def stop(self) -> None:
        """End the running `run` (or `act`) after its current step, as ``interrupted``; safe
        from any thread. A later run starts fresh."""
        self._stop.set()

    # -- one step -------------------------------------------------------------------

    def step(
        self, task: str, state: _State, recorder: Recorder | None = None, *, instruction: str | None = None
    ) -> StepRecord:
        """Observe, ask, parse, map, execute and record once; returns the step's record.

        ``instruction``: recorded as the step's (an `act` sub-goal).
        """
        state.index += 1
        t: dict[str, float] = {}
        rec = StepRecord(index=state.index, instruction=instruction, started_at=time.time())
        mark = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            t[stage] = now - mark
            mark = now

        try:
            obs = self.env.observe()
            lap("capture")
            folder = recorder.folder if recorder is not None else None
            rec.downloads += collect_downloads(self.env, folder)
            frame = self._frame_for(obs)
            framed = ImagePart(frame.apply(obs.image, state.resize))
            rec.frame, rec.context = frame, ContextRecord.model_validate(obs.context())
            lap("frame")
            if recorder is not None:
                rec.screenshot = recorder.save_screenshot(state.index, obs.image, obs.png)
                lap("record")
            messages = self.profile.step_messages(
                StepInput(
                    task=task,
                    image=framed,
                    history=state.history,
                    supported=self.env.supported_actions | _TERMINAL,
                    platform=self.env.platform,
                    context=obs.screen,
                    feedback=state.feedback,
                    think=self.think,
                )
            )
            rec.messages = [{"role": m.role, "text": m.text_view()} for m in messages]
            lap("messages")
            completion = self.backend.complete(CompletionRequest(messages, self.sampling))
            lap("model")
            rec.raw, rec.reasoning = completion.text, completion.reasoning
            rec.prompt_tokens, rec.completion_tokens = completion.prompt_tokens, completion.completion_tokens
            platform = self.env.platform
            decision = parse_completion(completion, lambda text: self.profile.parse_step(text, platform))
            rec.parsed, rec.thought = list(decision.actions), decision.thought
            lap("parse")
            state.history.append(PastStep(decision.actions, decision.raw, framed))
            _forget_old_images(state.history, keep=self.profile.history_images - 1)
            on_screen = [map_points(a, frame.to_screen) for a in decision.actions]
            for action in on_screen:
                if not is_terminal(action) and type(action) not in self.env.supported_actions:
                    names = ", ".join(sorted(c.__name__ for c in self.env.supported_actions))
                    raise UnsupportedAction(
                        f"the {self.env.platform} env cannot do {type(action).__name__}; it can do {names}",
                        action=action,
                    )
            lap("map")
            details: list[str] = []
            for action in on_screen:
                if is_terminal(action):
                    rec.actions.append(action)
                    break
                if rec.described is None and (point := action_point(action)) is not None:
                    rec.described = self.env.describe(point)
                guarded = self.guard.execute(
                    self.env,
                    action,
                    rec.policy,
                    obs=obs,
                    thought=rec.thought,
                    instruction=instruction or task,
                )
                rec.actions.append(action)  # after the guard: a denied action is only in rec.policy
                details.append(guarded)
            rec.action = rec.actions[0] if rec.actions else None
            rec.result = "; ".join(d for d in details if d) or None
            rec.downloads += collect_downloads(self.env, folder)
            lap("execute")
            state.feedback, state.mistakes_in_a_row = None, 0
        except _MODEL_MISTAKES as error:
            state.mistakes_in_a_row += 1
            state.feedback = _feedback(error)
            rec.error = ErrorRecord(
                kind=type(error).__name__,
                message=str(error),
                raw=getattr(error, "raw", None) or rec.raw,
                fed_back=True,
            )
            if isinstance(error, ParseError):  # parsing failed before the step joined the history
                state.history.append(PastStep((), error.raw, None))
        except MimoGuiError as error:
            rec.error = ErrorRecord(
                kind=type(error).__name__, message=str(error), raw=rec.raw, traceback=traceback.format_exc()
            )
        rec.timings = Timings(**t)
        if recorder is not None:
            start = time.perf_counter()
            recorder.append(rec)
            rec.timings.record = (rec.timings.record or 0.0) + time.perf_counter() - start
        if self.on_step is not None:
            self.on_step(rec)
        return rec

    # -- the run --------------------------------------------------------------------

    def run(self, task: str) -> RunResult:
        """Run ``task`` to its end; the trajectory is recorded if ``out``/``runs_dir`` was given.

        Raises:
            KeyboardInterrupt: Ctrl+C (or SIGTERM inside `sigterm_as_interrupt`) stopped
                the run; it is recorded as ``interrupted`` (no traceback) and the report
                is written before the interrupt goes on.
            Exception: programming errors (anything not a `MimoGuiError`) are recorded
                with their traceback, then re-raised.
        """
        for name in SecretText(task).names:
            if name not in os.environ:
                raise ConfigError(
                    f"the task names the secret {name}, which is not set: export {name}=... first"
                )
        self._stop.clear()
        recorder = self._recorder(task)
        state = _State()
        steps: list[StepRecord] = []
        budget_spent = f"the step budget of {self.max_steps} ran out"
        with ending(recorder, Outcome("max_steps", budget_spent)) as outcome:
            outcome.status, outcome.answer = self._loop(task, state, recorder, self.max_steps, steps)
            if recorder is not None:
                self._look_once_more(recorder)
        return RunResult(outcome.status, outcome.answer, steps, recorder.folder if recorder else None)

    def _loop(
        self,
        task: str,
        state: _State,
        recorder: Recorder | None,
        budget: int,
        steps: list[StepRecord],
        *,
        instruction: str | None = None,
    ) -> tuple[RunOutcome, str | None]:
        """Step until the task ends or ``budget`` steps are spent; how it ended."""
        first = state.index
        while state.index - first < budget:
            rec = self.step(task, state, recorder, instruction=instruction)
            steps.append(rec)
            ended = _ending(rec, state, self.max_retries)
            if ended is not None:
                return ended
            if self._stop.is_set():
                self._stop.clear()
                return ("interrupted", f"stopped by Agent.stop() after step {rec.index}")
        return ("max_steps", f"the step budget of {budget} ran out")

    # -- a script's session -----------------------------------------------------------

    def act(self, instruction: str, *, max_steps: int | None = None) -> RunResult:
        """Run the loop for a sub-goal inside the session: its steps (kind ``act``) join the
        session's trajectory, numbered on. ``max_steps``: this call's budget (default the
        agent's). Ends as `run` ends, without the final look (the session's `close` takes it).

        Raises:
            ConfigError: ``max_steps`` under 1.
        """
        budget = self.max_steps if max_steps is None else max_steps
        if budget < 1:
            raise ConfigError(f"max_steps must be at least 1, got {budget}")
        session = self._session
        recorder = session.open()
        state = _State(index=session.index, resize=session.resize)
        steps: list[StepRecord] = []
        try:
            outcome = self._loop(instruction, state, recorder, budget, steps, instruction=instruction)
        except BaseException as exc:
            session.last_error = exc
            raise
        finally:
            session.index = state.index
        session.last_error = None
        return RunResult(outcome[0], outcome[1], steps, session.folder if recorder else None)

    def _recorder(self, task: str) -> Recorder | None:
        if self.out is None and self.runs_dir is None:
            return None
        started = time.time()
        folder = (
            self.out if self.out is not None else new_run_folder(self.runs_dir or Path("runs"), task, started)
        )
        return Recorder(folder, self.run_record(task, started))

    def run_record(self, task: str, started: float) -> RunRecord:
        """The settings part of ``run.json``."""
        return RunRecord(
            task=task,
            env=self.env.settings(),
            model=self.backend.model,
            backend=self.backend.name,
            image_format=self.backend.capabilities.image_format,
            profile=self.profile.settings(),
            sampling=self.sampling.model_dump(),
            think=self.profile.thinking(self.think),
            max_steps=self.max_steps,
            max_retries=self.max_retries,
            resolution=self.resolution,
            versions=package_versions(),
            started_at=started,
            dry_run=self.guard.dry_run,
            policy=self.guard.policy.settings() if self.guard.policy is not None else None,
        )


def _forget_old_images(history: list[PastStep], keep: int) -> None:
    """Let go of the screenshots no prompt will carry again (all but the last ``keep``):
    a framed screenshot at scale factor 2 is about 9 MB, and a run may take a hundred steps."""
    for i in range(max(0, len(history) - keep)):
        if history[i].image is not None:
            history[i] = replace(history[i], image=None)


def _feedback(error: MimoGuiError) -> str:
    if isinstance(error, AnswerTruncated):
        return (
            "Your last answer was cut off at the token limit before it named an action. "
            "Think briefly, then answer with one action from the action space."
        )
    if isinstance(error, ParseError):
        return (
            f"{error.args[0]}. Your answer was: {error.raw!r}. "
            "Answer again with one action from the action space."
        )
    if isinstance(error, CoordinateError):
        return f"{error}. Point inside the screenshot."
    return f"{error}. Choose another action."


def _ending(rec: StepRecord, state: _State, max_retries: int) -> tuple[RunOutcome, str | None] | None:
    """Whether this step ends the run, and how."""
    if rec.error is not None and not rec.error.fed_back:
        return ("error", rec.error.message)
    if rec.error is not None and state.mistakes_in_a_row > max_retries:
        return (
            "failed",
            f"the model erred {state.mistakes_in_a_row} times in a row; last: {rec.error.message}",
        )
    return _ends_run(rec.actions[-1]) if rec.actions else None


def _ends_run(action: Action) -> tuple[RunOutcome, str | None] | None:
    """How ``action`` ends the run, or None when the run goes on after it. Which actions end
    a run is `is_terminal`'s to say (exhaustive over the `Action` union); this names how."""
    match action:
        case Finish():
            return ("finished", action.answer)
        case Fail():
            return ("failed", action.reason or "the model gave up")
        case CallUser():
            return ("asked_user", action.question)
        case _:
            return None
