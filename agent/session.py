"""A script's session: every instant call and `Agent.act` of one `Agent`, in one run folder.

A script calls ``agent.click(...)``, ``agent.check(...)``, ``agent.act(...)`` one after the
other; each call is one step (``act``: several) of the same trajectory, numbered on across
calls, in the same ``run.json`` + ``steps.jsonl`` + ``step_NNN.png`` layout that `Agent.run`
writes, so the report, `load_run` and a replay read it as they read a run.

The folder opens on the first call (or `Agent.start`) and is finished by `Agent.close` (or
leaving the ``with`` block): ``finished``, ``failed`` when the last call raised, or
``interrupted`` after Ctrl+C. Without ``out``/``runs_dir`` nothing is recorded, and the
steps are still numbered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..actions.errors import ConfigError
from ..actions.resample import IncrementalResize
from .interrupts import interruption
from .recorder import Recorder, new_run_folder
from .records import RunRecord, RunStatus
from .report import write_report

__all__ = ["DEFAULT_TASK", "Session"]

DEFAULT_TASK = "script"
"""The task label of a session nobody named (``run.json``'s ``task``, the folder's slug)."""


@dataclass
class Session:
    """The run folder a script's calls are recorded in, and the step count across calls.

    Args:
        out: the run folder itself (must be empty or new), or None.
        runs_dir: a parent in which the session claims a fresh ``<time>-<task>`` folder.
        run_record: builds ``run.json``'s settings part for a task label and start time.
        task: the label used when the session opens without one.
    """

    out: Path | None
    runs_dir: Path | None
    run_record: Callable[[str, float], RunRecord]
    task: str = DEFAULT_TASK
    recorder: Recorder | None = None
    folder: Path | None = None
    """The folder of the open session, or of the last one after it was closed."""
    index: int = 0
    """The last step's index: the next step is ``index + 1``."""
    last_error: BaseException | None = None
    """What the last call raised; None when it returned."""
    active: bool = False
    # Consecutive screenshots of a script mostly differ in a small region: reframe only that.
    resize: IncrementalResize = field(default_factory=IncrementalResize)

    def open(self, task: str | None = None) -> Recorder | None:
        """The session's recorder, opening the session (and its folder) if it is not open.

        Raises:
            ConfigError: the folder cannot be claimed (``out`` not empty, not writable).
        """
        if self.active:
            return self.recorder
        label = task or self.task
        started = time.time()
        if self.out is not None or self.runs_dir is not None:
            folder = (
                self.out
                if self.out is not None
                else new_run_folder(self.runs_dir or Path("runs"), label, started)
            )
            self.recorder = Recorder(folder, self.run_record(label, started))
            self.folder = folder
        self.active, self.index, self.last_error = True, 0, None
        self.resize = IncrementalResize()
        return self.recorder

    def start(self, task: str | None = None) -> Path | None:
        """Open the session now, under ``task``; its folder (None when nothing is recorded).

        Raises:
            ConfigError: a session is open already (close it first), or the folder cannot be claimed.
        """
        if self.active:
            where = f" in {self.folder}" if self.recorder is not None else ""
            raise ConfigError(f"a session is open already{where}: close it before starting another")
        self.open(task)
        return self.folder

    def next_index(self) -> int:
        self.index += 1
        return self.index

    def screenshot_path(self, name: str | None) -> Path | None:
        """Where a step's screenshot file lies, when the session records."""
        return self.folder / name if name is not None and self.folder is not None else None

    def close(
        self, look_once_more: Callable[[Recorder], None], error: BaseException | None = None
    ) -> RunStatus | None:
        """Finish the session: ``run.json``'s status, the final screenshot, ``report.html``.

        ``error`` is what ended the script (a ``with`` block's exception); without one, the
        last call's decides. Closing a session that is not open does nothing (returns None).
        """
        if not self.active:
            return None
        self.active = False
        ended = error if error is not None else self.last_error
        status: RunStatus = "finished"
        message: str | None = None
        if isinstance(ended, KeyboardInterrupt):
            status, message = "interrupted", interruption(ended)
        elif ended is not None:
            status, message = "failed", f"{type(ended).__name__}: {ended}"
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return status
        try:
            if status != "interrupted":
                look_once_more(recorder)
        finally:
            recorder.run.status, recorder.run.finished_at = status, time.time()
            if message is not None:
                recorder.run.error = message
            recorder.close()
            write_report(recorder.folder)
        return status
