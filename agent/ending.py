"""How a recorded run ends, whatever ended it: its status and answer in ``run.json``, the
traceback of an error, ``interrupted`` after Ctrl+C, and ``report.html``, written before
the exception (if any) goes on. `Agent.run` and `replay` share it."""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .interrupts import interruption
from .recorder import Recorder
from .records import RunOutcome
from .report import write_report

__all__ = ["Outcome", "ending"]


@dataclass
class Outcome:
    """How the run ended so far; the body of `ending` sets it as it learns more."""

    status: RunOutcome
    answer: str | None


@contextmanager
def ending(recorder: Recorder | None, outcome: Outcome) -> Iterator[Outcome]:
    """Run the ``with`` body, then finish ``recorder``'s run with ``outcome``.

    An interrupt makes it ``interrupted`` (no traceback); any other exception ``error`` with
    its traceback recorded. Either goes on after the report is written.
    """
    try:
        yield outcome
    except KeyboardInterrupt as exc:
        outcome.status, outcome.answer = "interrupted", interruption(exc)
        raise
    except BaseException as exc:
        outcome.status, outcome.answer = "error", f"{type(exc).__name__}: {exc}"
        if recorder is not None:
            recorder.run.error = traceback.format_exc()
        raise
    finally:
        if recorder is not None:
            recorder.run.status, recorder.run.answer = outcome.status, outcome.answer
            recorder.run.finished_at = time.time()
            if outcome.status == "error" and recorder.run.error is None:
                recorder.run.error = outcome.answer
            recorder.close()
            write_report(recorder.folder)
