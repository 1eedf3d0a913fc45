"""What a command prints on stderr while it works: a line per agent step, a line for an eval."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..actions import Action
from ..agent.records import StepRecord
from ..eval.scoring import SampleRecord

__all__ = ["EvalProgress", "StepPrinter", "describe_action"]


def describe_action(action: Action) -> str:
    """A short human line for an action: its type, then its fields (points rounded to pixels)."""
    data = action.model_dump(mode="json", exclude_defaults=True)
    kind = data.pop("type", action.type)
    parts = []
    for key, value in data.items():
        if isinstance(value, dict) and "x" in value:
            parts.append(f"({value['x']:.0f}, {value['y']:.0f})")
        else:
            parts.append(f"{key}={value!r}")
    return f"{kind} {' '.join(parts)}".strip()


class StepPrinter:
    """An agent's ``on_step``: prints each step as it happens, with the action, what was under it
    and the time."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.perf_counter()

    def __call__(self, step: StepRecord) -> None:
        if step.error is not None:
            what = f"{step.error.kind}: {step.error.message}"
        elif step.actions:
            what = "; ".join(describe_action(a) for a in step.actions)
        else:
            what = "(no action)"
        under = f"  on {step.described!r}" if step.described else ""
        model_s = step.timings.model or 0.0
        total = time.perf_counter() - self.started
        print(
            f"step {step.index:>2}  {what}{under}  [model {model_s:.1f}s, total {total:.1f}s]",
            file=self.stream,
        )
        if step.thought:
            thought = " ".join(step.thought.split())
            print(f"         thought: {thought[:200]}{'…' if len(thought) > 200 else ''}", file=self.stream)
        self.stream.flush()


class EvalProgress:
    """An eval's ``on_record``: done/total, samples/s, ETA and the accuracy so far, on one line.

    On a terminal the line is redrawn in place (``\\r``); elsewhere (a log file, CI) a line is
    printed every ``interval`` seconds and once at the end (`close`).
    """

    def __init__(self, total: int, *, done: int = 0, stream: TextIO | None = None, interval: float = 5.0):
        self.total = total
        self.done = done
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.hits = 0
        self.errors = 0
        self.new = 0
        self.started = time.perf_counter()
        self._last = 0.0

    def start(self, total: int, done: int) -> None:
        """The runner's ``on_start``: ``done`` of ``total`` samples were finished before (resume)."""
        self.total, self.done = total, done

    def __call__(self, record: SampleRecord) -> None:
        self.done += 1
        self.new += 1
        self.hits += record.hit
        self.errors += record.point is None
        now = time.perf_counter()
        if now - self._last >= (0.2 if self.tty else self.interval):
            self._last = now
            self._emit()

    def line(self) -> str:
        """The progress line as it stands."""
        elapsed = time.perf_counter() - self.started
        rate = self.new / elapsed if elapsed > 0 else 0.0
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 else "?"
        acc = f"{100 * self.hits / self.new:.1f}%" if self.new else "-"
        return (
            f"eval {self.done}/{self.total}  {rate:.2f} samples/s  ETA {eta}  "
            f"accuracy so far {acc}  errors {self.errors}"
        )

    def _emit(self) -> None:
        if self.tty:
            self.stream.write("\r" + self.line() + "\x1b[K")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        """The last line (and, on a terminal, the newline that keeps it)."""
        self._emit()
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"
