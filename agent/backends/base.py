"""The model boundary: one method, `Backend.complete`, from a request to a completion.

Backends know nothing about actions, screens or profiles: they move messages and images
to a model and text back. `complete_many` exists so that a backend that can batch
(`TransformersBackend`) or run requests concurrently (`OpenAIBackend`) does; the default
runs them one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ...prompts.messages import ImagePart, Message, Sampling

__all__ = ["Backend", "Completion", "CompletionRequest"]


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """What to send: the messages (images inside, already framed) and how to sample."""

    messages: tuple[Message, ...]
    sampling: Sampling = field(default_factory=Sampling)

    def images(self) -> list[ImagePart]:
        return [p for m in self.messages for p in m.content if isinstance(p, ImagePart)]


@dataclass(frozen=True, slots=True)
class Completion:
    """The model's answer: raw text, token usage (None where the backend cannot tell) and latency."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    model: str = ""
    finish_reason: str | None = None


@runtime_checkable
class Backend(Protocol):
    """Anything that can answer a `CompletionRequest`.

    Implementations raise `BackendError` subclasses (or `ModelNotFoundError`) and nothing
    else on purpose; foreign exceptions are translated with the original chained.
    """

    name: str
    """Short kind of backend for records: ``openai``, ``transformers``, ``scripted``."""

    model: str
    """The model it serves (hub id, served model name, or a label)."""

    def complete(self, request: CompletionRequest) -> Completion: ...

    def complete_many(self, requests: Sequence[CompletionRequest]) -> list[Completion]: ...

    def close(self) -> None: ...
