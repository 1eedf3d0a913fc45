"""`ScriptedBackend`: answers come from a Python function instead of a model.

For tests, demos and replays: the real loop runs, only the model is a function. It is
named for what it is, and its `model` label says so in every record.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from ...actions.errors import BackendError
from .base import BackendBase, Completion, CompletionRequest

__all__ = ["ScriptedBackend"]

Handler = Callable[[CompletionRequest], "str | Completion"]


class ScriptedBackend(BackendBase):
    """A backend whose answers come from ``handler(request)`` (a string or a `Completion`).

    ``ScriptedBackend.from_answers([...])`` plays a fixed list of answers in order and
    raises `BackendError` when they run out.
    """

    name = "scripted"

    def __init__(self, handler: Handler, *, model: str = "scripted") -> None:
        self._handler = handler
        self.model = model
        self.requests: list[CompletionRequest] = []
        """Every request received, in order, for tests to inspect."""

    @classmethod
    def from_answers(cls, answers: Iterable[str], *, model: str = "scripted") -> ScriptedBackend:
        it: Iterator[str] = iter(answers)

        def next_answer(_: CompletionRequest) -> str:
            try:
                return next(it)
            except StopIteration:
                raise BackendError("the scripted backend has no answers left") from None

        return cls(next_answer, model=model)

    def complete(self, request: CompletionRequest) -> Completion:
        self.requests.append(request)
        start = time.perf_counter()
        out = self._handler(request)
        if isinstance(out, Completion):
            return out
        return Completion(text=out, latency_s=time.perf_counter() - start, model=self.model)
