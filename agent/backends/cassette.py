"""`CassetteBackend`: record a test's model requests and completions, and replay them with no model.

A cassette is a JSON-lines file, one entry per request in the order they were made::

    {"step": 1, "key": "<sha256>", "texts": [...], "image_hashes": ["<1024 hex>"], "sampling": {...},
     "completion": {"text": ..., "reasoning": ..., ...}}

``texts`` are the messages' text views (role and text, images shown as ``<image WxH>``);
images are never stored, only their perceptual hash (`agent.image_hash`), so a cassette
stays a few kilobytes and an unchanged screen matches. A request matches an entry when
the texts and sampling are equal and each image is within ``threshold`` bits
(`DEFAULT_THRESHOLD`). ``key`` is the sha256 of the canonical JSON of texts, sampling and
hashes: an exact fingerprint for people reading the file.

Modes: ``record`` calls the inner backend and writes the cassette afresh (truncated at the
session's first request, each entry appended and fsynced as it happens, so a killed test
keeps what it recorded); ``replay`` serves entries in order and never calls a model (a
request with no match raises `CassetteMismatch` naming the step and what differed);
``auto`` replays when the cassette exists, otherwise records it, so the next run is free.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

from ...actions.errors import CassetteMismatch, ConfigError
from ...prompts.messages import ImagePart
from ..image_hash import DEFAULT_THRESHOLD, difference_hash, hash_distance
from .base import Backend, BackendBase, Capabilities, Completion, CompletionRequest

__all__ = ["CASSETTE_MODES", "CassetteBackend", "CassetteMode", "replays"]

CassetteMode = Literal["record", "replay", "auto"]
CASSETTE_MODES: tuple[str, ...] = ("record", "replay", "auto")


def replays(mode: str, path: Path) -> bool:
    """Whether a cassette in ``mode`` at ``path`` is replayed (else recorded): ``auto`` replays
    an existing cassette."""
    return mode == "replay" or (mode == "auto" and path.exists())


def _texts(request: CompletionRequest) -> list[str]:
    return [f"{m.role}: {m.text_view()}" for m in request.messages]


def _sampling(request: CompletionRequest) -> dict[str, Any]:
    return request.sampling.model_dump(mode="json")


def _hashes(request: CompletionRequest) -> list[str]:
    return [difference_hash(p.image) for m in request.messages for p in m.content if isinstance(p, ImagePart)]


def _key(texts: list[str], sampling: dict[str, Any], hashes: list[str]) -> str:
    canon = json.dumps({"texts": texts, "sampling": sampling, "images": hashes}, sort_keys=True)
    return hashlib.sha256(canon.encode()).hexdigest()


def _first_difference(a: str, b: str) -> str:
    i = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[max(0, i - 20) : i + 40].replace("\n", " ")


class CassetteBackend(BackendBase):
    """Wraps ``inner`` (None only for ``replay``) to record to or replay from ``path``.

    Raises (at construction):
        ConfigError: an unknown mode, ``replay`` of a missing cassette, or recording with no backend.
    """

    name = "cassette"

    def __init__(
        self,
        inner: Backend | None,
        path: Path | str,
        mode: CassetteMode = "auto",
        *,
        threshold: int = DEFAULT_THRESHOLD,
    ) -> None:
        if mode not in CASSETTE_MODES:
            raise ConfigError(f"unknown cassette mode {mode!r}: expected one of {', '.join(CASSETTE_MODES)}")
        self.path = Path(path)
        self.threshold = threshold
        self.replaying = replays(mode, self.path)
        if self.replaying and not self.path.exists():
            raise ConfigError(f"cassette {str(self.path)!r} does not exist: record it first (--mimo-record)")
        if not self.replaying and inner is None:
            raise ConfigError(f"cassette {str(self.path)!r}: recording needs a model backend")
        self.inner = inner
        self.model = inner.model if inner is not None else "cassette"
        self._entries: list[dict[str, Any]] = self._load() if self.replaying else []
        self._next = 0
        self._step = 0
        self._file: Any = None

    @property
    def mode(self) -> str:
        return "replay" if self.replaying else "record"

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities if self.inner is not None else Capabilities()

    def _load(self) -> list[dict[str, Any]]:
        entries = []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                if n == len(lines):
                    break  # the last line of a killed recording
                raise ConfigError(f"cassette {str(self.path)!r} line {n} is not JSON") from None
        return entries

    def complete(self, request: CompletionRequest) -> Completion:
        self._step += 1
        texts, sampling, hashes = _texts(request), _sampling(request), _hashes(request)
        if self.replaying:
            return self._replay(texts, sampling, hashes)
        assert self.inner is not None
        completion = self.inner.complete(request)
        entry = {
            "step": self._step,
            "key": _key(texts, sampling, hashes),
            "texts": texts,
            "sampling": sampling,
            "image_hashes": hashes,
            "completion": asdict(completion),
        }
        if self._file is None:  # the session's first request: start the cassette afresh
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        return completion

    def _replay(self, texts: list[str], sampling: dict[str, Any], hashes: list[str]) -> Completion:
        step = self._step
        if self._next >= len(self._entries):
            raise CassetteMismatch(
                f"step {step}: the cassette {self.path.name} has no more entries "
                f"({len(self._entries)} recorded): re-record it with --mimo-record",
                step=step,
            )
        entry = self._entries[self._next]
        why = self._difference(entry, texts, sampling, hashes)
        if why is not None:
            raise CassetteMismatch(f"step {step}: {why} (re-record with --mimo-record)", step=step)
        self._next += 1
        return Completion(**entry["completion"])

    def _difference(
        self, entry: dict[str, Any], texts: list[str], sampling: dict[str, Any], hashes: list[str]
    ) -> str | None:
        """What makes the request differ from ``entry``; None when it matches."""
        recorded: list[str] = entry["texts"]
        if recorded != texts:
            for new, old in zip(texts, recorded, strict=False):
                if new != old:
                    return f'the prompt text differs at "{_first_difference(new, old)}"'
            return f"the prompt has {len(texts)} messages, the recorded one {len(recorded)}"
        if entry.get("sampling", sampling) != sampling:
            return f"the sampling differs: {sampling} vs recorded {entry['sampling']}"
        old_hashes: list[str] = entry["image_hashes"]
        if len(old_hashes) != len(hashes):
            return f"the request has {len(hashes)} images, the recorded one {len(old_hashes)}"
        for new_h, old_h in zip(hashes, old_hashes, strict=True):
            distance = hash_distance(new_h, old_h)
            if distance > self.threshold:
                return (
                    f"the screenshot differs from the recorded one "
                    f"(hash distance {distance} > {self.threshold})"
                )
        return None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.inner is not None:
            self.inner.close()
