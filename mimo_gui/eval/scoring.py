"""Scoring grounding answers: hits, accuracy, and the breakdown by every tag.

A hit is a predicted point inside the ground-truth box, edges included, both in the
original image's pixels (a box answer is scored by its centre, which is what
`GroundResult.point` already is). Every sample is a hit, a miss (an answer outside the
box) or an error (no usable answer: ``errors``, broken down by `ErrorKind`, with answers
cut off at the token cap counted apart as ``truncated``).

`SampleRecord` is one line of ``samples.jsonl`` and `Summary` is ``summary.json``: both
pydantic, so what is written and what is read back (resume, compare) cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ..actions import Box, Point

__all__ = [
    "ERROR_KINDS",
    "RETRIED_KINDS",
    "Breakdown",
    "ErrorKind",
    "SampleRecord",
    "Summary",
    "accuracy",
    "is_hit",
    "summarize",
]

ErrorKind = Literal["request", "answer", "truncated", "image", "unframeable"]
"""Why a sample has no usable answer: the backend failed (``request``: a `BackendError`),
the model's answer was unusable (``answer``: `ParseError`, `CoordinateError`), it was cut
off at the token cap before it named a point (``truncated``: `AnswerTruncated`, fixed by a
larger ``--max-tokens`` or ``--no-think``), the sample's image could not be read
(``image``), or the processor's resize rule cannot frame it (``unframeable``:
`UnframeableImage`, an aspect ratio over 200:1 or a side too small)."""

ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)

RETRIED_KINDS: frozenset[str] = frozenset({"request", "image"})
"""Error kinds ``--resume`` runs again: they say nothing about the model. An ``answer``
error is the model's own miss and stays; so do ``truncated`` (the token cap is part of the
run's settings) and ``unframeable`` (the image will not change)."""


def is_hit(point: Point | tuple[float, float] | None, box: Box | Sequence[float]) -> bool:
    """Whether ``point`` lies inside ``box`` (edges included); no point is never a hit."""
    if point is None:
        return False
    x, y = (point.x, point.y) if isinstance(point, Point) else point
    x1, y1, x2, y2 = (box.x1, box.y1, box.x2, box.y2) if isinstance(box, Box) else box
    return x1 <= x <= x2 and y1 <= y <= y2


def accuracy(hits: int, n: int) -> float:
    """``hits / n`` as a fraction; 0.0 for no samples (nothing was right)."""
    return hits / n if n else 0.0


class SampleRecord(BaseModel):
    """One line of ``samples.jsonl``: what one sample was asked, answered, and scored.

    Points are ``[x, y]`` in the original image's pixels; ``box`` is the ground truth,
    ``[x1, y1, x2, y2]``. With ``--refine``, ``point``/``hit``/``raw`` are the final
    (refined) pass and ``first_*`` the first; ``crop`` is the refine window. ``thought`` is
    the model's reasoning for ``raw``, whether it came inside the answer (``<think>…</think>``)
    or split off by a reasoning server (`Completion.reasoning`).
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    instruction: str
    point: tuple[float, float] | None
    raw: str | None
    thought: str | None = None
    hit: bool
    latency_s: float | None
    error: str | None = None
    error_kind: ErrorKind | None = None
    box: tuple[float, float, float, float]
    tags: dict[str, str] = Field(default_factory=dict)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_point: tuple[float, float] | None = None
    first_hit: bool | None = None
    first_raw: str | None = None
    first_thought: str | None = None
    crop: tuple[int, int, int, int] | None = None
    refine_error: str | None = None

    @property
    def retry(self) -> bool:
        """Whether ``--resume`` should run this sample again."""
        return self.error_kind in RETRIED_KINDS


class Breakdown(BaseModel):
    """Accuracy over the samples sharing one tag value."""

    accuracy: float
    n: int
    hits: int


class Summary(BaseModel):
    """``summary.json``.

    Attributes:
        accuracy: hits / n, a fraction 0–1.
        n: samples scored.
        hits: samples whose point fell in the box.
        misses: samples with a usable answer outside the box.
        errors: samples with no usable answer (``n == hits + misses + errors``).
        request_errors: of those, the ones whose request failed (``--resume`` retries them).
        truncated: of those, the answers cut off at the token cap (``--max-tokens``).
        errors_by_kind: every `ErrorKind` with its count (zeros included).
        by: tag -> value -> accuracy and count, for every tag the samples carry.
        first_pass_accuracy: with ``--refine``, the accuracy before refining.
    """

    accuracy: float
    n: int
    hits: int
    errors: int
    request_errors: int
    misses: int = 0
    truncated: int = 0
    errors_by_kind: dict[str, int] = Field(default_factory=dict)
    by: dict[str, dict[str, Breakdown]]
    first_pass_accuracy: float | None = None


def summarize(records: Iterable[SampleRecord], *, refine: bool = False) -> Summary:
    """Accuracy overall and by every tag value the records carry (values sorted).

    ``refine``: the run refined its answers, so ``first_pass_accuracy`` is measured too (a
    sample with no ``first_hit``, its request having failed, counts as a first-pass miss).
    """
    items = list(records)
    counts: dict[str, dict[str, list[int]]] = {}
    for rec in items:
        for tag, value in rec.tags.items():
            cell = counts.setdefault(tag, {}).setdefault(value, [0, 0])
            cell[0] += rec.hit
            cell[1] += 1
    by = {
        tag: {
            value: Breakdown(accuracy=accuracy(h, n), n=n, hits=h) for value, (h, n) in sorted(values.items())
        }
        for tag, values in sorted(counts.items())
    }
    hits = sum(rec.hit for rec in items)
    errors = sum(rec.point is None for rec in items)
    kinds = {kind: sum(rec.error_kind == kind for rec in items) for kind in ERROR_KINDS}
    first_pass = accuracy(sum(bool(rec.first_hit) for rec in items), len(items)) if refine else None
    return Summary(
        accuracy=accuracy(hits, len(items)),
        n=len(items),
        hits=hits,
        errors=errors,
        request_errors=kinds["request"],
        misses=len(items) - hits - errors,
        truncated=kinds["truncated"],
        errors_by_kind=kinds,
        by=by,
        first_pass_accuracy=first_pass,
    )
