"""The model boundary: one method, `Backend.complete`, from a request to a completion.

Backends know nothing about actions, screens or profiles: they move messages and images
to a model and text back. `complete_many` exists so that a backend that can batch
(`TransformersBackend`) or run requests concurrently (`OpenAIBackend`) does; `BackendBase`
gives the default, one by one. What a backend can do is said in its `Capabilities`, so
callers (the eval runner, the recorder) ask instead of sniffing names or classes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ...prompts.messages import ImagePart, Message, Sampling

__all__ = ["Backend", "BackendBase", "Capabilities", "Completion", "CompletionRequest"]


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """What to send: the messages (images inside, already framed) and how to sample."""

    messages: tuple[Message, ...]
    sampling: Sampling = field(default_factory=Sampling)
    tag: str | None = None
    """A label the caller attaches (the eval runner: the sample's id, ``/refine`` for its
    second look). Backends that talk to a model ignore it; scripted ones may key on it."""

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
    """``stop``, ``length`` (cut off at the token cap), … as the backend reports it."""
    reasoning: str | None = None
    """The thought, when the server split it off the answer (vLLM/SGLang started with a
    ``--reasoning-parser``); ``text`` then holds only what followed ``</think>``, and is
    empty when the model never closed its thought."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do, for callers that plan around it.

    Attributes:
        batches: ``complete_many`` runs its requests as one batch (one ``generate``), so
            callers should hand it several requests at once rather than one per thread.
        max_in_flight: the most requests the backend itself runs at once (its connection
            pool); a caller that keeps more in flight has the extra ones wait inside the
            backend, ready to go the moment a connection frees. None: no such limit.
        image_format: how images travel (``jpeg``, ``png``), recorded in ``run.json`` and
            eval manifests; None where images never leave the process.
    """

    batches: bool = False
    max_in_flight: int | None = None
    image_format: str | None = None


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

    @property
    def capabilities(self) -> Capabilities: ...

    def complete(self, request: CompletionRequest) -> Completion: ...

    def complete_many(self, requests: Sequence[CompletionRequest]) -> list[Completion]: ...

    def close(self) -> None: ...


class BackendBase(ABC):
    """Optional base class for backends: `complete_many` one by one, plain capabilities,
    a no-op `close`, and the context manager. Subclasses write `complete`; one that does not
    cannot be built (as `EnvBase` refuses an adapter without ``observe``/``execute``)."""

    name: str = "backend"
    model: str = ""

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    @abstractmethod
    def complete(self, request: CompletionRequest) -> Completion:
        """Answer one request (see `Backend`)."""

    def complete_many(self, requests: Sequence[CompletionRequest]) -> list[Completion]:
        """Answer each request in turn; backends that batch or run concurrently override this."""
        return [self.complete(r) for r in requests]

    def close(self) -> None:  # noqa: B027 - nothing to release unless a subclass holds something
        """Release what the backend holds; nothing, unless a subclass says otherwise."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
