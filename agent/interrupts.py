"""Stopping a run from outside: Ctrl+C and SIGTERM end it the same, recorded way.

Python turns SIGINT (Ctrl+C) into `KeyboardInterrupt` in the main thread; SIGTERM, what
``kill``, ``timeout`` and CI runners send, kills the process outright by default, so the
run folder would be left at ``running`` with no report. Inside `sigterm_as_interrupt`
SIGTERM raises `Terminated`, a `KeyboardInterrupt`, so one ``except KeyboardInterrupt``
(the loop's) records both as ``interrupted``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Terminated", "interruption", "sigterm_as_interrupt"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while `sigterm_as_interrupt` was in force."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def interruption(exc: KeyboardInterrupt) -> str:
    """How a run was stopped, for its record: ``interrupted by SIGTERM`` or
    ``interrupted by Ctrl+C (SIGINT)``."""
    if isinstance(exc, Terminated):
        return f"interrupted by {signal.Signals(exc.signum).name}"
    return "interrupted by Ctrl+C (SIGINT)"


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """For the ``with`` block, SIGTERM raises `Terminated` (a `KeyboardInterrupt`) in the main thread.

    The handler that was there before is put back on exit. Signal handlers can only be
    set from the main thread; elsewhere this does nothing (SIGTERM keeps its old meaning).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
