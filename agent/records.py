"""The typed records of a run, as written to disk and read back.

``run.json`` holds one `RunRecord`; ``steps.jsonl`` one `StepRecord` a line. Both are
pydantic models: one serialiser writes them and the same one reads them back, so a
trajectory on disk and the objects in memory cannot disagree.
"""

from __future__ import annotations

import contextlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..actions import Action, Frame

__all__ = [
    "ContextRecord",
    "DialogRecord",
    "ErrorRecord",
    "PolicyDecision",
    "PolicyRecord",
    "RunOutcome",
    "RunRecord",
    "RunStatus",
    "StepKind",
    "StepRecord",
    "TabRecord",
    "Timings",
    "package_versions",
]

StepKind = Literal["act", "locate", "check", "ask", "query"]
RunOutcome = Literal["finished", "failed", "asked_user", "max_steps", "error", "interrupted"]
"""How a run ended (`RunResult.status`); ``interrupted``: Ctrl+C or SIGTERM stopped it."""
RunStatus = Literal["running", RunOutcome]
"""``run.json``'s status: ``running`` until the run ends (and for a killed one), then its `RunOutcome`."""


class ErrorRecord(BaseModel):
    """What went wrong in a step.

    ``kind`` is the error class name; ``fed_back`` says whether it went back to the model
    (its own mistake) or ended the run; ``traceback`` is kept for the latter.
    """

    kind: str
    message: str
    raw: str | None = None
    fed_back: bool = False
    traceback: str | None = None


PolicyDecision = Literal["allow", "ask", "deny"]


class PolicyRecord(BaseModel):
    """What the safety policy decided about one action of a step, and what came of it.

    ``rule`` names the rule that decided as the policy does (``rules[2]``, ``allow_hosts``,
    ``default``); ``rule_text`` is that rule as written. ``confirmed`` is the answer of the
    confirmation callback for an ``ask`` (None: nobody was asked). ``outcome``: ``executed``,
    ``denied`` (a ``deny``, or an ``ask`` not confirmed) or ``dry_run`` (allowed, and not
    executed because the run was a dry run).
    """

    action: Action
    decision: PolicyDecision
    rule: str
    rule_text: str | None = None
    confirmed: bool | None = None
    outcome: Literal["executed", "denied", "dry_run"]


class Timings(BaseModel):
    """Seconds spent in each stage of one step (a stage that did not run is absent)."""

    model_config = ConfigDict(extra="allow")

    capture: float | None = None
    frame: float | None = None
    messages: float | None = None
    model: float | None = None
    parse: float | None = None
    map: float | None = None
    execute: float | None = None
    record: float | None = None


class TabRecord(BaseModel):
    """An open browser tab, as recorded."""

    index: int
    title: str
    url: str
    active: bool


class DialogRecord(BaseModel):
    """A browser dialog that was waiting, as recorded."""

    kind: str
    message: str


class ContextRecord(BaseModel):
    """What was in front besides the pixels, as recorded: `Observation.context()` read back typed.

    Adapters may add keys of their own (``extra``); they are kept as they came.
    """

    model_config = ConfigDict(extra="allow")

    scale: float | None = None
    """Physical pixels per screen unit."""
    origin: list[float] | None = None
    """The screenshot's top-left corner in screen units."""
    url: str | None = None
    title: str | None = None
    app: str | None = None
    tabs: list[TabRecord] = Field(default_factory=list)
    dialog: DialogRecord | None = None

    @property
    def where(self) -> str | None:
        """A short line naming the page or app in front: the title and URL, whichever are known."""
        parts = [p for p in (self.title, self.url or self.app) if p]
        return " · ".join(parts) if parts else None


class StepRecord(BaseModel):
    """One step of a run: what the model saw, said, and what was done."""

    index: int = Field(ge=1)
    """1, 2, … matching ``step_NNN.png``."""
    kind: StepKind = "act"
    """``act``: a model-chosen action (`Agent.run`, `Agent.act`, or `press`/`scroll` with no
    target); ``locate``: `Agent.locate` and the actions on a described target; ``check``,
    ``ask``, ``query``: the questions."""
    instruction: str | None = None
    """What an instant call was given: the target's description, the statement or the question
    (an `Agent.act` step: its sub-goal); None for `Agent.run`'s steps."""
    output: Any = None
    """What the call returned, as JSON: the located point, the check's verdict and reason,
    the answer, the query's validated object."""
    started_at: float
    """Unix time the step began."""
    screenshot: str | None = None
    """The screenshot's file name in the run folder."""
    frame: Frame | None = None
    """How the screenshot was framed for the model (and the exact way back to the screen)."""
    context: ContextRecord = Field(default_factory=ContextRecord)
    """The observation's context: url, title, tabs, dialog, scale."""
    messages: list[dict[str, str]] = Field(default_factory=list)
    """The exact text of each message sent (images shown as ``<image WxH>``)."""
    raw: str | None = None
    """The model's answer, untouched (only what followed ``</think>`` when the server split
    the thought off; ``""`` when it left no answer)."""
    reasoning: str | None = None
    """The thought as the server split it off (a ``--reasoning-parser``), untouched; None
    when the server sent one text."""
    thought: str | None = None
    """The model's reasoning, wherever it arrived (``<think>`` in ``raw``, or ``reasoning``)."""
    parsed: list[Action] | None = None
    """The actions as the model gave them, in its coordinate space."""
    action: Action | None = None
    """The (first) action executed, in screen space; null when nothing was executed."""
    actions: list[Action] = Field(default_factory=list)
    """Every action executed in this step, in order."""
    described: str | None = None
    """What lay under the action's point, where the env could tell."""
    downloads: list[str] = Field(default_factory=list)
    """Files the browser downloaded, saved under ``downloads/`` in the run folder (paths
    relative to it), listed in the step that saw them arrive: the one whose action started
    them, or the next, whose look waited for the page to settle."""
    result: str | None = None
    policy: list[PolicyRecord] = Field(default_factory=list)
    """The safety policy's decision on each action the step tried, in order (empty without a
    policy). A denied action is here and not in ``actions``."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    timings: Timings = Field(default_factory=Timings)
    error: ErrorRecord | None = None


class RunRecord(BaseModel):
    """``run.json``: the run's settings, and at the end its outcome and totals."""

    task: str
    status: RunStatus = "running"
    env: dict[str, Any] = Field(default_factory=dict)
    model: str = ""
    backend: str = ""
    image_format: str | None = None
    """How screenshots travelled to a server (``jpeg``, ``png``); None for a local backend."""
    profile: dict[str, Any] = Field(default_factory=dict)
    sampling: dict[str, Any] = Field(default_factory=dict)
    think: bool | None = None
    max_steps: int | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    started_at: float
    finished_at: float | None = None
    max_retries: int | None = None
    answer: str | None = None
    """The `Finish` answer, the `Fail` reason or the `CallUser` question."""
    error: str | None = None
    resolution: str = "physical"
    """What the model image's pixel budget was applied to: ``physical`` or ``logical`` pixels."""
    downloads: list[str] = Field(default_factory=list)
    """Every file downloaded in the run, in order (paths relative to the run folder)."""
    dry_run: bool = False
    """Whether the run was a dry run: the loop ran and recorded, and no action was executed."""
    policy: dict[str, Any] | None = None
    """The safety policy the run was held to, as its settings (None: no policy)."""
    final_screenshot: str | None = None
    """The screen after the run's last action (``final.png``), when it could be captured."""
    final_context: ContextRecord | None = None
    """What was in front at that last look (url, title, …)."""
    steps: int = 0
    model_seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


_RECORDED_PACKAGES = (
    *("mimo-gui", "pydantic", "pillow", "httpx"),
    *("playwright", "mss", "pyautogui"),  # the screens
    *("transformers", "torch"),  # the local model
)


def package_versions() -> dict[str, str]:
    """Python's and the installed packages' versions that shape a run, for its records.

    Read from package metadata: nothing is imported to ask.
    """
    found = {"python": platform.python_version()}
    for package in _RECORDED_PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return found
