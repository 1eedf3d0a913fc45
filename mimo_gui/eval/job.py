"""One sample on its way through the passes: frame, ask, read, (refine,) score.

Each sample goes through exactly what the agent does to locate something: the profile
frames the screenshot (`grounding_request`), the backend answers, the profile's parser
reads the answer and the `Frame` maps it back to the screenshot's pixels (`read_answer`).
The point is then scored against the ground-truth box (`scoring`). Whatever goes wrong
with one sample (its image, its frame, its request, its answer) becomes that sample's
record, with its `ErrorKind`; the run goes on.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from ..actions import CoordinateError, Frame, ParseError
from ..actions.errors import AnswerTruncated, BackendError, UnframeableImage
from ..agent.answers import TRUNCATED_HINT
from ..agent.backends.base import Backend, Completion, CompletionRequest
from ..agent.grounding import GroundResult, enlarge_crop, grounding_request, read_answer, refine_crop
from .samples import Sample
from .scoring import ErrorKind, SampleRecord, is_hit
from .settings import EvalSettings

__all__ = ["REFINE_TAG_SUFFIX", "SampleJob", "grade_sample", "run_job"]

REFINE_TAG_SUFFIX = "/refine"
"""The second look's request carries the tag ``<sample id>/refine``; the first, the id alone."""


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _xy(result: GroundResult) -> tuple[float, float]:
    return (round(result.point.x, 2), round(result.point.y, 2))


def _thought(result: GroundResult) -> str | None:
    # The parser's thought (from <think>…</think>), else what a reasoning server split off.
    return result.thought or result.completion.reasoning or None


def _error_text(exc: Exception) -> str:
    # A ParseError's str() repeats the raw answer, which the record keeps whole already.
    message = exc.args[0] if isinstance(exc, ParseError) and exc.args else str(exc)
    return _one_line(str(message))


def _answer_error(exc: ParseError | CoordinateError, completion: Completion) -> tuple[ErrorKind, str]:
    """The error kind and message of an answer that could not be read."""
    if isinstance(exc, AnswerTruncated):
        return "truncated", _error_text(exc)
    if isinstance(exc, ParseError) and completion.finish_reason == "length":
        # A reader that does not raise AnswerTruncated itself: the finish reason says the same.
        return "truncated", _one_line(TRUNCATED_HINT)
    return "answer", _error_text(exc)


@dataclass
class SampleJob:
    """One sample on its way through the passes; `start` and `advance` hand out the requests.

    Kept as a small state machine so that the concurrent path (one thread runs a job to
    its end) and the batched path (a chunk of jobs advances one pass at a time) share
    every line of the grading. Each request is tagged with the sample's id (``<id>/refine``
    for the second look), so a scripted backend can answer by sample, whatever the order.
    """

    sample: Sample
    settings: EvalSettings
    image: Image.Image | None = None
    frame: Frame | None = None
    first: GroundResult | None = None
    crop: tuple[int, int, int, int] | None = None
    crop_size: tuple[int, int] = (0, 0)
    latency: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    record: SampleRecord | None = None
    exception: BaseException | None = None
    started: float = field(default_factory=time.perf_counter)

    def start(self) -> CompletionRequest | None:
        """The first request; None when the sample is already finished (its image cannot be used)."""
        try:
            with Image.open(self.sample.image) as img:
                img.load()
                self.image = img.convert("RGB")
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
            self._finish_error("image", f"cannot read image {str(self.sample.image)!r}: {exc}", None)
            return None
        try:
            request, self.frame = grounding_request(
                self.image,
                self.settings.instruction(self.sample),
                self.settings.profile,
                **self.settings.options(),
                **self.settings.framing(),
            )
        except UnframeableImage as exc:
            w, h = self.image.size
            self._finish_error("unframeable", _one_line(f"cannot frame the {w}x{h} screenshot: {exc}"), None)
            return None
        return dataclasses.replace(request, tag=self.sample.id)

    def advance(self, result: Completion | BackendError) -> CompletionRequest | None:
        """Take the answer to the last request; the next request, or None when finished."""
        if isinstance(result, BackendError):
            self.exception = result
            self._finish_error("request", _one_line(str(result)), None)
            return None
        assert self.frame is not None  # set with the request this answers
        self._count(result)
        profile = self.settings.profile
        if self.first is None:
            try:
                self.first = read_answer(profile, self.frame, result)
            except (ParseError, CoordinateError) as exc:
                kind, message = _answer_error(exc, result)
                self._finish_error(kind, message, result.text, thought=result.reasoning)
                return None
            if not self.settings.refine:
                self._finish_point(_xy(self.first), self.first.raw, _thought(self.first))
                return None
            return self._refine_request()
        assert self.crop is not None and self.image is not None
        try:
            second = read_answer(profile, self.frame, result)
        except (ParseError, CoordinateError) as exc:
            # The refine pass only ever improves on the first answer: when it fails, the first stands.
            _, message = _answer_error(exc, result)
            self._finish_point(_xy(self.first), result.text, result.reasoning or None, refine_error=message)
            return None
        x0, y0, x1, y1 = self.crop
        enlarged_w, enlarged_h = self.crop_size
        # The model answered in the enlarged crop's pixels: undo the enlargement, then the crop.
        x = x0 + second.point.x * (x1 - x0) / enlarged_w
        y = y0 + second.point.y * (y1 - y0) / enlarged_h
        self._finish_point((round(x, 2), round(y, 2)), result.text, _thought(second))
        return None

    def _refine_request(self) -> CompletionRequest | None:
        assert self.first is not None and self.image is not None
        self.crop = refine_crop(
            self.image.size, (self.first.point.x, self.first.point.y), area=self.settings.refine_area
        )
        try:
            enlarged = enlarge_crop(self.image.crop(self.crop), self.settings.profile)
            instruction = self.settings.instruction(self.sample)
            request, self.frame = grounding_request(
                enlarged, instruction, self.settings.profile, **self.settings.options()
            )
        except UnframeableImage as exc:
            self._finish_point(
                _xy(self.first), self.first.raw, _thought(self.first), refine_error=_one_line(str(exc))
            )
            return None
        self.crop_size = enlarged.size
        return dataclasses.replace(request, tag=self.sample.id + REFINE_TAG_SUFFIX)

    def _count(self, completion: Completion) -> None:
        self.latency += completion.latency_s
        if completion.prompt_tokens is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + completion.prompt_tokens
        if completion.completion_tokens is not None:
            self.completion_tokens = (self.completion_tokens or 0) + completion.completion_tokens

    def _base(self) -> dict[str, Any]:
        box = self.sample.box
        return {
            "id": self.sample.id,
            "instruction": self.settings.instruction(self.sample),
            "box": (box.x1, box.y1, box.x2, box.y2),
            "tags": dict(self.sample.tags),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }

    def _first_pass(self) -> dict[str, Any]:
        """The first pass's fields of a refining run's record."""
        if not self.settings.refine:
            return {}
        first_point = _xy(self.first) if self.first is not None else None
        return {
            "first_point": first_point,
            "first_hit": is_hit(first_point, self.sample.box),
            "first_raw": self.first.raw if self.first is not None else None,
            "first_thought": _thought(self.first) if self.first is not None else None,
            "crop": self.crop,
        }

    def _finish_error(
        self, kind: ErrorKind, message: str, raw: str | None, *, thought: str | None = None
    ) -> None:
        latency = self.latency if self.latency else time.perf_counter() - self.started
        self.record = SampleRecord(
            **self._base(),
            point=None,
            raw=raw,
            thought=thought or None,
            hit=False,
            latency_s=round(latency, 4),
            error=message,
            error_kind=kind,
            **self._first_pass(),
        )
        self.image = None

    def _finish_point(
        self, point: tuple[float, float], raw: str, thought: str | None, *, refine_error: str | None = None
    ) -> None:
        refine = {**self._first_pass(), "refine_error": refine_error} if self.settings.refine else {}
        self.record = SampleRecord(
            **self._base(),
            point=point,
            raw=raw,
            thought=thought,
            hit=is_hit(point, self.sample.box),
            latency_s=round(self.latency, 4),
            **refine,
        )
        self.image = None  # a finished job keeps no pixels: thousands may be alive at once


def run_job(job: SampleJob, backend: Backend) -> SampleJob:
    """Run ``job`` through every pass on ``backend``, one request at a time; the job, finished."""
    request = job.start()
    while request is not None:
        try:
            result: Completion | BackendError = backend.complete(request)
        except BackendError as exc:
            result = exc
        request = job.advance(result)
    return job


def grade_sample(sample: Sample, backend: Backend, settings: EvalSettings) -> SampleRecord:
    """Run one sample through every pass on ``backend`` and score it (request errors become records)."""
    record = run_job(SampleJob(sample, settings), backend).record
    assert record is not None  # a finished job always has its record
    return record
