"""What every instant call of a script does: one recorded step, a look, a question, an action.

`CallCore` is the base of the `Agent`'s script methods (`instant.InstantActions`,
`checks.Checks`). A call opens one step (`CallCore._step`), looks at the screen once
(`_look`: observed, framed with the observation's scale and origin as `Agent.step` frames
it, the screenshot saved), asks the model (`_ask`: an answer that cannot be used goes
back to the model once with what was wrong, the failed attempt kept in the step) and
executes screen-space actions (`_execute`). The step is appended to the session's
``steps.jsonl`` whether the call returns or raises; a raising call records its error.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from ..actions import Action, CoordinateError, Frame, ParseError, Resolution, action_point
from ..actions.errors import MimoGuiError
from ..env_adapters.base import ActionResult, Env, Observation
from ..prompts import ImagePart, Message, Profile, Sampling
from .backends.base import Backend, Completion, CompletionRequest
from .guard import Guard
from .interrupts import interruption
from .recorder import Recorder, collect_downloads, record_final_look
from .records import ContextRecord, ErrorRecord, StepKind, StepRecord, Timings
from .session import Session

__all__ = ["CallCore", "StepCall"]

T = TypeVar("T")
_MODEL_MISTAKES = (ParseError, CoordinateError)


class StepCall:
    """One call's step while it runs: its record, its look at the screen and its timings."""

    def __init__(self, rec: StepRecord) -> None:
        self.rec = rec
        self.obs: Observation | None = None
        self.frame: Frame | None = None
        self.image: ImagePart | None = None
        self.times: dict[str, float] = {}
        self._mark = time.perf_counter()
        self._details: list[str] = []

    def lap(self, stage: str) -> None:
        """Add the time since the last lap to ``stage`` (a stage may run twice: a retry)."""
        now = time.perf_counter()
        self.times[stage] = self.times.get(stage, 0.0) + now - self._mark
        self._mark = now

    def detail(self, text: str) -> None:
        if text:
            self._details.append(text)
            self.rec.result = "; ".join(self._details)

    @property
    def look(self) -> tuple[Observation, Frame, ImagePart]:
        """The observation, its frame and the framed image (after `CallCore._look`)."""
        if self.obs is None or self.frame is None or self.image is None:
            raise RuntimeError("the step has not looked at the screen yet")
        return self.obs, self.frame, self.image


class CallCore:
    """The session's methods, and the parts of `Agent` an instant call uses (set by `Agent.__init__`)."""

    env: Env
    backend: Backend
    profile: Profile
    think: bool | None
    resolution: Resolution
    on_step: Callable[[StepRecord], None] | None
    _session: Session
    guard: Guard
    _overrides: dict[str, Any]

    # -- the session ----------------------------------------------------------------

    @property
    def trajectory(self) -> Path | None:
        """The session's run folder (the last one, once closed); None before it opens or unrecorded."""
        return self._session.folder

    def start(self, task: str | None = None) -> Path | None:
        """Open the session now, labelled ``task`` (default the agent's ``task``); its folder.

        Raises:
            ConfigError: a session is open already, or its folder cannot be claimed.
        """
        return self._session.start(task)

    def close(self) -> None:
        """Finish the session: ``finished``, or ``failed`` when the last call raised; the
        screen's last look and ``report.html`` are written. The env stays open (it is yours).
        A later call opens a new session."""
        self._session.close(self._look_once_more)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._session.close(self._look_once_more, exc)

    def _look_once_more(self, recorder: Recorder) -> None:
        """Record the screen after the last action; an env that cannot show it is no error."""
        record_final_look(self.env, recorder)
        # What arrived after the last step's look: the run's list has every download.
        recorder.run.downloads.extend(collect_downloads(self.env, recorder.folder))

    # -- one call's step --------------------------------------------------------------

    @property
    def _question_sampling(self) -> Sampling:
        """Sampling for locating, checking and asking: the profile's grounding defaults (greedy)."""
        return self.profile.sampling("ground", self.think, **self._overrides)

    @contextmanager
    def _step(self, kind: StepKind, instruction: str | None) -> Iterator[StepCall]:
        """One recorded step around the ``with`` body; an exception is recorded, then goes on."""
        session = self._session
        recorder = session.open()
        call = StepCall(
            StepRecord(index=session.next_index(), kind=kind, instruction=instruction, started_at=time.time())
        )
        rec = call.rec
        try:
            yield call
        except BaseException as exc:
            session.last_error = exc
            if rec.error is None or rec.error.fed_back:  # not the model's last, already recorded, mistake
                rec.error = _error_record(exc, rec.raw)
            raise
        else:
            session.last_error = None
        finally:
            rec.timings = Timings(**call.times)
            if recorder is not None:
                start = time.perf_counter()
                recorder.append(rec)
                rec.timings.record = (rec.timings.record or 0.0) + time.perf_counter() - start
            if self.on_step is not None:
                self.on_step(rec)

    def _frame_for(self, obs: Observation) -> Frame:
        """How the model sees ``obs``: with its scale and origin, so the way back lands in the
        env's screen space exactly, and the budget at the agent's ``resolution``."""
        return self.profile.frame(obs.size, scale=obs.scale, origin=obs.origin, resolution=self.resolution)

    def _look(self, call: StepCall, *, for_model: bool = True) -> None:
        """Observe, frame (as `Agent.step` does: with the observation's scale and origin) and
        save the screenshot. ``for_model=False``: no model call follows, so no image is made."""
        obs = self.env.observe()
        call.lap("capture")
        self._collect_downloads(call)
        frame = self._frame_for(obs)
        call.obs, call.frame = obs, frame
        call.rec.frame, call.rec.context = frame, ContextRecord.model_validate(obs.context())
        if for_model:
            call.image = ImagePart(frame.apply(obs.image, self._session.resize))
        call.lap("frame")
        recorder = self._session.recorder
        if recorder is not None:
            call.rec.screenshot = recorder.save_screenshot(call.rec.index, obs.image, obs.png)
            call.lap("record")

    def _ask(
        self,
        call: StepCall,
        messages: tuple[Message, ...],
        read: Callable[[Completion], T],
        *,
        feedback: Callable[[MimoGuiError], str],
        retries: int = 1,
    ) -> T:
        """Send ``messages``, read the answer; an answer ``read`` refuses goes back ``retries`` times.

        Each retry continues the conversation: the model's answer, then a user turn saying
        what was wrong (`feedback`). The step keeps every message sent, the last answer and
        the last failed attempt (its error and raw answer).

        Raises:
            ParseError, CoordinateError: the last attempt's, after ``retries`` retries.
            BackendError: the backend failed.
        """
        rec = call.rec
        conversation = list(messages)
        for attempt in range(retries + 1):
            rec.messages = [{"role": m.role, "text": m.text_view()} for m in conversation]
            call.lap("messages")
            completion = self.backend.complete(
                CompletionRequest(tuple(conversation), self._question_sampling)
            )
            call.lap("model")
            rec.raw, rec.reasoning = completion.text, completion.reasoning
            rec.prompt_tokens = (rec.prompt_tokens or 0) + (completion.prompt_tokens or 0)
            rec.completion_tokens = (rec.completion_tokens or 0) + (completion.completion_tokens or 0)
            try:
                value = read(completion)
            except _MODEL_MISTAKES as error:
                last = attempt == retries
                rec.error = ErrorRecord(
                    kind=type(error).__name__,
                    message=str(error),
                    raw=getattr(error, "raw", None) or completion.text,
                    fed_back=not last,
                )
                call.lap("parse")
                if last:
                    raise
                conversation += [
                    Message.text("assistant", completion.text),
                    self.profile.feedback_message(feedback(error), think=self.think),
                ]
                continue
            call.lap("parse")
            return value
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _execute(
        self,
        call: StepCall,
        action: Action,
        *,
        shown: Action | None = None,
        secret: str | None = None,
        perform: Callable[[], ActionResult] | None = None,
    ) -> None:
        """Execute a screen-space ``action``; the step records ``shown`` (default: the action).

        It goes through the agent's `Guard` (policy, confirmation, dry run, secrets).
        ``secret``: a revealed value inside ``action``. It reaches the env alone: an error
        that names it is raised again with the value replaced by ``***`` and without its cause.
        ``perform``: what does the action instead of ``env.execute`` (an upload's click).

        Raises:
            ActionDenied: the policy refused the action (nothing was done; the step records it).
        """
        recorded = shown if shown is not None else action
        rec = call.rec
        if rec.described is None and (point := action_point(action)) is not None:
            rec.described = self.env.describe(point)
        try:
            detail = self.guard.execute(
                self.env,
                action,
                rec.policy,
                obs=call.obs,
                shown=recorded,
                secret=secret,
                thought=rec.thought,
                instruction=rec.instruction,
                perform=perform,
            )
        finally:
            call.lap("execute")
        rec.actions.append(recorded)
        rec.action = rec.action or recorded
        call.detail(detail)
        self._collect_downloads(call)

    def _collect_downloads(self, call: StepCall) -> None:
        recorder = self._session.recorder
        call.rec.downloads += collect_downloads(self.env, recorder.folder if recorder is not None else None)


def _error_record(exc: BaseException, raw: str | None) -> ErrorRecord:
    kind = type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return ErrorRecord(kind=kind, message=interruption(exc), raw=raw)
    fed = isinstance(exc, _MODEL_MISTAKES)
    return ErrorRecord(
        kind=kind,
        message=str(exc),
        raw=getattr(exc, "raw", None) or raw,
        traceback=None if fed else traceback.format_exc(),
    )
