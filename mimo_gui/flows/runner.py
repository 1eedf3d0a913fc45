"""Running a checked flow on an `Agent`: each step one call, in one session, one trajectory.

The flow stops at the first step that fails: an assertion that does not hold, a wait that
runs out, an ``act`` that does not finish, or any error. What the steps found so far (query
and ask results, assertion outcomes) is in the report either way, and the session's
``run.json`` says how it ended. Secrets stay placeholders until `SecretText.reveal` types
them; nothing here ever holds their values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ..actions import Navigate as NavigateAction
from ..actions.errors import GuiAssertionError, MimoGuiError, ParseError, WaitTimeout
from ..agent.secrets import SecretText
from .load import Flow, FlowStep
from .model import Act, Ask, Navigate, Press, Query, ScrollTo, Statement, Target, TypeText, WaitUntil
from .variables import substitute

if TYPE_CHECKING:
    from ..agent.loop import Agent

__all__ = ["CheckOutcome", "FlowOutput", "FlowReport", "StepError", "StepFailed", "run_flow"]

FlowStatus = Literal["passed", "failed", "interrupted"]


class StepFailed(MimoGuiError):
    """An ``act`` step whose loop ended without finishing (failed, ran out of steps, asked the user)."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class CheckOutcome(BaseModel):
    """One ``assert`` or ``wait_until``: the statement as checked, the verdict and the reason."""

    model_config = ConfigDict(frozen=True)

    step: int
    statement: str
    passed: bool
    reason: str


class StepError(BaseModel):
    """What stopped the flow: where, the error's class and message, and the raw answer if any."""

    model_config = ConfigDict(frozen=True)

    step: int
    line: int
    kind: str
    """The step kind (``type``, ``query``, ...)."""
    error: str
    """The error's class name (``ParseError``, ``GuiAssertionError``, ...)."""
    message: str
    raw: str | None = None
    """A model answer that could not be used, untouched."""


class FlowOutput(BaseModel):
    """What ``--output`` holds (and stdout shows without it)."""

    model_config = ConfigDict(frozen=True)

    flow: str
    status: FlowStatus
    results: dict[str, Any]
    checks: list[CheckOutcome]
    trajectory: str | None
    error: StepError | None = None


@dataclass
class FlowReport:
    """The flow's outcome as the runner built it; `output` is its JSON form."""

    flow: str
    status: FlowStatus = "passed"
    results: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    trajectory: Path | None = None
    error: StepError | None = None
    exception: BaseException | None = None
    """What stopped the flow (a `KeyboardInterrupt` when interrupted), to re-raise or map to an exit code."""

    def output(self) -> FlowOutput:
        return FlowOutput(
            flow=self.flow,
            status=self.status,
            results=self.results,
            checks=self.checks,
            trajectory=str(self.trajectory) if self.trajectory is not None else None,
            error=self.error,
        )


def run_flow(
    flow: Flow,
    agent: Agent,
    *,
    task: str | None = None,
    on_step: Callable[[FlowStep], None] | None = None,
) -> FlowReport:
    """Run ``flow``'s steps on ``agent`` in one session (labelled ``task``), stopping at the first failure.

    Never raises for a step: the report says what failed and keeps the exception
    (`FlowReport.exception`), a `KeyboardInterrupt` included, so the caller can write the
    report first and then exit as it should.
    """
    report = FlowReport(flow.source)
    values: dict[str, Any] = dict(flow.variables)
    ended: BaseException | None = None
    try:
        report.trajectory = agent.start(task)
        for step in flow.steps:
            if on_step is not None:
                on_step(step)
            try:
                _execute(step, agent, values, report)
            except (MimoGuiError, KeyboardInterrupt) as exc:
                ended = exc
                report.exception = exc
                report.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
                report.error = _step_error(step, exc)
                break
    finally:
        # The session's run.json says failed or interrupted when the flow stopped on an error.
        agent.__exit__(type(ended) if ended else None, ended, ended.__traceback__ if ended else None)
        report.trajectory = agent.trajectory or report.trajectory
    return report


def _execute(step: FlowStep, agent: Agent, values: dict[str, Any], report: FlowReport) -> None:
    def fill(text: str) -> str:
        return substitute(text, values)

    def maybe(text: str | None) -> str | None:
        return None if text is None else fill(text)

    options = step.options
    match options:
        case Target():
            act = {
                "click": agent.click,
                "double_click": agent.double_click,
                "right_click": agent.right_click,
                "hover": agent.hover,
            }[step.kind]
            act(fill(options.description), refine=options.refine)
        case TypeText():
            typed = SecretText.parse(substitute(options.text, values, keep_secrets=True))
            agent.type(typed, into=maybe(options.into), clear=options.clear, enter=options.enter)
        case Press():
            agent.press(fill(options.keys))
        case ScrollTo():
            agent.scroll(options.direction, at=maybe(options.at), amount=options.amount)
        case Statement():
            statement = fill(options.statement)
            try:
                verdict = agent.assert_that(statement)
            except GuiAssertionError as exc:
                _record(report, step, statement, False, exc.reason)
                raise
            _record(report, step, statement, True, verdict.reason)
        case WaitUntil():
            statement = fill(options.statement)
            try:
                verdict = agent.wait_until(statement, timeout=options.timeout, interval=options.interval)
            except WaitTimeout as exc:
                _record(report, step, statement, False, exc.reason)
                raise
            _record(report, step, statement, True, verdict.reason)
        case Navigate():
            agent.env.execute(NavigateAction(url=fill(options.url)))
        case Ask():
            answer = agent.ask(fill(options.question))
            values[options.name] = report.results[options.name] = answer
        case Query():
            assert step.answer_model is not None  # the loader builds it for every query
            found = agent.query(fill(options.question), schema=step.answer_model, retries=options.retries)
            values[options.name] = found
            report.results[options.name] = found.model_dump(mode="json")
        case Act():
            result = agent.act(fill(options.instruction), max_steps=options.max_steps)
            if result.status != "finished":
                said = f": {result.answer}" if result.answer else ""
                raise StepFailed(f"act ended {result.status}{said}", status=result.status)


def _record(report: FlowReport, step: FlowStep, statement: str, passed: bool, reason: str) -> None:
    report.checks.append(CheckOutcome(step=step.index, statement=statement, passed=passed, reason=reason))


def _step_error(step: FlowStep, exc: BaseException) -> StepError:
    message = str(exc) if not isinstance(exc, KeyboardInterrupt) else "interrupted"
    raw = exc.raw if isinstance(exc, ParseError) else None
    return StepError(
        step=step.index, line=step.line, kind=step.kind, error=type(exc).__name__, message=message, raw=raw
    )
