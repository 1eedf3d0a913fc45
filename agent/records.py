"""The typed records of a run, as written to disk and read back.

``run.json`` holds one `RunRecord`; ``steps.jsonl`` one `StepRecord` a line. Both are
pydantic models: one serialiser writes them and the same one reads them back, so a
trajectory on disk and the objects in memory cannot disagree.
"""

from __future__ import annotations

import contextlib
import platform
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..actions import Action, Frame

__all__ = [
    "ErrorRecord",
    "RunRecord",
    "RunStatus",
    "StepKind",
    "StepRecord",
    "Timings",
    "frame_record",
    "package_versions",
]

StepKind = Literal["act", "locate", "check", "ask", "query"]
RunStatus = Literal["running", "finished", "failed", "asked_user", "max_steps", "error"]


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


class StepRecord(BaseModel):
    """One step of a run: what the model saw, said, and what was done."""

    index: int = Field(ge=1)
    """1, 2, … matching ``step_NNN.png``."""
    kind: StepKind = "act"
    started_at: float
    """Unix time the step began."""
    screenshot: str | None = None
    """The screenshot's file name in the run folder."""
    frame: dict[str, Any] | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    """The observation's context: url, title, tabs, dialog, scale."""
    messages: list[dict[str, str]] = Field(default_factory=list)
    """The exact text of each message sent (images shown as ``<image WxH>``)."""
    raw: str | None = None
    """The model's answer, untouched."""
    thought: str | None = None
    parsed: list[Action] | None = None
    """The actions as the model gave them, in its coordinate space."""
    action: Action | None = None
    """The (first) action executed, in screen space; null when nothing was executed."""
    actions: list[Action] = Field(default_factory=list)
    """Every action executed in this step, in order."""
    described: str | None = None
    """What lay under the action's point, where the env could tell."""
    result: str | None = None
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
    answer: str | None = None
    """The `Finish` answer, the `Fail` reason or the `CallUser` question."""
    error: str | None = None
    steps: int = 0
    model_seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def package_versions() -> dict[str, str]:
    """Python's and the installed packages' versions that shape a run, for its records.

    Read from package metadata: nothing is imported to ask.
    """
    found = {"python": platform.python_version()}
    for package in ("mimo-gui", "pydantic", "pillow", "httpx", "playwright", "transformers", "torch"):
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return found


def frame_record(frame: Frame) -> dict[str, Any]:
    """A `Frame` as a JSON-ready dict."""
    return asdict(frame)
