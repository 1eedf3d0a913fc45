"""Running a grounding evaluation: every sample through the production pipeline, durably.

Each sample goes through exactly what the agent does to locate something: the profile
frames the screenshot (`grounding_request`), the backend answers, the profile's parser
reads the answer and the `Frame` maps it back to the screenshot's pixels (`read_answer`).
The point is then scored against the ground-truth box (`scoring`).

Two ways to drive the backend:

* **concurrent** (``openai``, ``scripted``): a thread pool keeps ``concurrency`` samples in
  flight; each worker opens, frames and encodes its own image, so that CPU work overlaps
  the model's (PIL releases the GIL) and the server sees a full queue.
* **batched** (``transformers``): chunks of ``batch_size`` samples go to one
  ``complete_many`` call, which the backend turns into one ``generate``.

The output folder holds ``samples.jsonl`` (one `SampleRecord` a line, appended, flushed and
fsynced as each sample completes, so a killed run loses only what was in flight),
``manifest.json`` (everything needed to reproduce the run), ``summary.json`` and
``report.html``. ``resume=True`` continues a folder: finished samples are kept, samples
whose request failed are run again, a last line cut by a crash is dropped.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field, ValidationError

from ..actions import CoordinateError, Frame, FrameMode, ParseError
from ..actions.errors import BackendError, ConfigError
from ..agent.backends.base import Backend, Completion, CompletionRequest
from ..agent.durable import read_jsonl, write_atomically
from ..agent.grounding import GroundResult, enlarge_crop, grounding_request, read_answer, refine_crop
from ..agent.records import package_versions
from ..prompts import Profile, Sampling
from .samples import Sample
from .scoring import ErrorKind, SampleRecord, Summary, is_hit, summarize

__all__ = [
    "MANIFEST_FILE",
    "REPORT_FILE",
    "SAMPLES_FILE",
    "SUMMARY_FILE",
    "DatasetInfo",
    "EvalResult",
    "EvalSettings",
    "Manifest",
    "Progress",
    "SampleLog",
    "grade_sample",
    "prompt_template",
    "read_records",
    "run_eval",
]

SAMPLES_FILE = "samples.jsonl"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.html"

ABORT_AFTER = 5
"""A run whose first this-many samples all fail at the request stops: the server or its
configuration is broken (a wrong model name, a refused key), and going on would only fill
the folder with errors. ``--resume`` retries them once it is fixed."""


# -- refining ----------------------------------------------------------------------


# -- settings and the manifest ---------------------------------------------------------------


@dataclass(frozen=True)
class EvalSettings:
    """How to ask: the profile (its prompt, parser, budget and frame) and the run's options.

    Attributes:
        profile: the model family's profile, with any pixel-budget overrides applied.
        think: reasoning on/off, or None for the profile's default.
        lang: ``en``, or ``cn`` for the samples' Chinese instructions and the Chinese prompt.
        frame_mode: ``resize`` or ``pad``; None for the profile's.
        temperature: 0 is greedy, as Xiaomi's published eval samples.
        max_tokens: None for the profile's default.
        template: a prompt text replacing the profile's (``--prompt-file``).
        template_source: where ``template`` came from, for the manifest.
        refine: a second pass on a crop around the first answer.
        refine_area: the crop's share of the image area.
        concurrency: samples in flight at once (concurrent backends).
        batch_size: samples per ``complete_many`` call (batching backends).
    """

    profile: Profile
    think: bool | None = None
    lang: Literal["en", "cn"] = "en"
    frame_mode: FrameMode | None = None
    temperature: float | None = 0.0
    max_tokens: int | None = None
    template: str | None = None
    template_source: str | None = None
    refine: bool = False
    refine_area: float = 0.25
    concurrency: int = 16
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.temperature is not None and self.temperature < 0:
            raise ConfigError(f"--temperature must be 0 or more, got {self.temperature}")
        if self.lang not in ("en", "cn"):
            raise ConfigError(f"--lang must be en or cn, got {self.lang!r}")

    def options(self) -> dict[str, Any]:
        """The keyword arguments of `grounding_request`."""
        return {
            "think": self.think,
            "lang": self.lang,
            "frame_mode": self.frame_mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "template": self.template,
        }

    def sampling(self) -> Sampling:
        return self.profile.sampling(
            "ground", self.think, temperature=self.temperature, max_tokens=self.max_tokens
        )

    def instruction(self, sample: Sample) -> str:
        """The instruction in the run's language."""
        if self.lang == "cn":
            if sample.instruction_cn is None:
                raise ConfigError(f"--lang cn: sample {sample.id!r} has no Chinese instruction")
            return sample.instruction_cn
        return sample.instruction


def prompt_template(settings: EvalSettings) -> str:
    """The exact prompt text the run fills in per sample, ``$instruction`` unfilled:
    the ``--prompt-file`` text as given, else the profile's shipped template for the language."""
    if settings.template is not None:
        return settings.template
    return settings.profile.grounding_template(settings.lang)


class DatasetInfo(BaseModel):
    """Which data the run scored: the format, where it was read from, and its content hash."""

    format: str
    path: str
    images: str | None = None
    splits: list[str] | None = None
    limit: int | None = None
    fingerprint: str
    """`dataset_fingerprint` of the annotation files read."""
    samples_fingerprint: str | None = None
    """`dataset_fingerprint` of the samples scored (after splits and limit)."""
    n: int


class Manifest(BaseModel):
    """``manifest.json``: everything needed to reproduce the run, and when it ran."""

    model: str
    backend: str
    profile: str
    prompt_sha256: str
    prompt_source: str
    prompt_template: str
    min_pixels: int
    max_pixels: int
    frame_mode: str
    image_format: str | None = None
    """How images travelled to the server (``jpeg``, ``png``); None for a local backend."""
    sampling: dict[str, Any]
    think: bool | None
    think_effective: bool | None
    lang: str
    refine: bool
    refine_area: float | None
    concurrency: int
    batch_size: int
    dataset: DatasetInfo
    versions: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] | None = None
    """The command's options as given (``mimo-gui eval grounding``)."""
    start_time: str
    end_time: str | None = None
    status: Literal["running", "complete"] = "running"
    resumed: int = 0

    def identity(self) -> dict[str, Any]:
        """What must match for ``--resume`` to continue a run: every setting that moves a score."""
        return {
            "model": self.model,
            "backend": self.backend,
            "profile": self.profile,
            "prompt_sha256": self.prompt_sha256,
            "min_pixels": self.min_pixels,
            "max_pixels": self.max_pixels,
            "frame_mode": self.frame_mode,
            "image_format": self.image_format,
            "sampling": self.sampling,
            "think": self.think_effective,
            "lang": self.lang,
            "refine": (self.refine, self.refine_area),
            "dataset": (
                self.dataset.format,
                self.dataset.fingerprint,
                self.dataset.splits,
                self.dataset.limit,
            ),
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_manifest(
    settings: EvalSettings, backend: Backend, dataset: DatasetInfo, options: dict[str, Any] | None = None
) -> Manifest:
    """The manifest of a run starting now."""
    profile = settings.profile
    template = prompt_template(settings)
    return Manifest(
        model=backend.model,
        backend=backend.name,
        profile=profile.name,
        prompt_sha256=hashlib.sha256(template.encode("utf-8")).hexdigest(),
        prompt_source=settings.template_source or f"profile {profile.name} ({settings.lang})",
        prompt_template=template,
        min_pixels=profile.min_pixels,
        max_pixels=profile.max_pixels,
        frame_mode=settings.frame_mode or profile.frame_mode,
        image_format=getattr(backend, "image_format", None),
        sampling=settings.sampling().model_dump(),
        think=settings.think,
        think_effective=profile.thinking(settings.think),
        lang=settings.lang,
        refine=settings.refine,
        refine_area=settings.refine_area if settings.refine else None,
        concurrency=settings.concurrency,
        batch_size=settings.batch_size,
        dataset=dataset,
        versions=package_versions(),
        options=options,
        start_time=_now(),
    )


# -- one sample --------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _xy(result: GroundResult) -> tuple[float, float]:
    return (round(result.point.x, 2), round(result.point.y, 2))


@dataclass
class _Job:
    """One sample on its way through the passes; `start` and `advance` hand out the requests.

    Kept as a small state machine so that the concurrent path (one thread runs a job to
    its end) and the batched path (a chunk of jobs advances one pass at a time) share
    every line of the grading.
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
        """The first request; None when the sample is already finished (its image is unreadable)."""
        try:
            with Image.open(self.sample.image) as img:
                img.load()
                self.image = img.convert("RGB")
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            self._finish_error("image", f"cannot read image {str(self.sample.image)!r}: {exc}", None)
            return None
        request, self.frame = grounding_request(
            self.image,
            self.settings.instruction(self.sample),
            self.settings.profile,
            **self.settings.options(),
        )
        return request

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
                self._finish_error("answer", _error_text(exc), result.text)
                return None
            if not self.settings.refine:
                self._finish(self.first, result.text)
                return None
            return self._refine_request()
        assert self.crop is not None and self.image is not None
        try:
            second = read_answer(profile, self.frame, result)
        except (ParseError, CoordinateError) as exc:
            # The refine pass only ever improves on the first answer: when it fails, the first stands.
            self._finish(self.first, self.first.raw, refine_raw=result.text, refine_error=_error_text(exc))
            return None
        x0, y0, x1, y1 = self.crop
        enlarged_w, enlarged_h = self.crop_size
        # The model answered in the enlarged crop's pixels: undo the enlargement, then the crop.
        x = x0 + second.point.x * (x1 - x0) / enlarged_w
        y = y0 + second.point.y * (y1 - y0) / enlarged_h
        self._finish_point((round(x, 2), round(y, 2)), result.text)
        return None

    def _refine_request(self) -> CompletionRequest:
        assert self.first is not None and self.image is not None
        self.crop = refine_crop(
            self.image.size, (self.first.point.x, self.first.point.y), area=self.settings.refine_area
        )
        enlarged = enlarge_crop(self.image.crop(self.crop), self.settings.profile)
        self.crop_size = enlarged.size
        request, self.frame = grounding_request(
            enlarged, self.settings.instruction(self.sample), self.settings.profile, **self.settings.options()
        )
        return request

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

    def _finish_error(self, kind: ErrorKind, message: str, raw: str | None) -> None:
        refine: dict[str, Any] = {}
        if self.settings.refine:
            first_point = _xy(self.first) if self.first is not None else None
            refine = {
                "first_point": first_point,
                "first_hit": is_hit(first_point, self.sample.box),
                "first_raw": self.first.raw if self.first is not None else None,
                "crop": self.crop,
            }
        latency = self.latency if self.latency else time.perf_counter() - self.started
        self.record = SampleRecord(
            **self._base(),
            point=None,
            raw=raw,
            hit=False,
            latency_s=round(latency, 4),
            error=message,
            error_kind=kind,
            **refine,
        )
        self.image = None

    def _finish(
        self,
        result: GroundResult,
        raw: str,
        *,
        refine_raw: str | None = None,
        refine_error: str | None = None,
    ) -> None:
        self._finish_point(_xy(result), refine_raw if refine_raw is not None else raw, refine_error)

    def _finish_point(self, point: tuple[float, float], raw: str, refine_error: str | None = None) -> None:
        refine: dict[str, Any] = {}
        if self.settings.refine:
            assert self.first is not None
            first_point = _xy(self.first)
            refine = {
                "first_point": first_point,
                "first_hit": is_hit(first_point, self.sample.box),
                "first_raw": self.first.raw,
                "crop": self.crop,
                "refine_error": refine_error,
            }
            if refine_error is not None:
                point = first_point
        self.record = SampleRecord(
            **self._base(),
            point=point,
            raw=raw,
            hit=is_hit(point, self.sample.box),
            latency_s=round(self.latency, 4),
            **refine,
        )
        self.image = None  # a finished job keeps no pixels: thousands may be alive at once


def _error_text(exc: Exception) -> str:
    # A ParseError's str() repeats the raw answer, which the record keeps whole already.
    message = exc.args[0] if isinstance(exc, ParseError) and exc.args else str(exc)
    return _one_line(str(message))


def grade_sample(sample: Sample, backend: Backend, settings: EvalSettings) -> SampleRecord:
    """Run one sample through every pass on ``backend`` and score it (request errors become records)."""
    return _run_job(_Job(sample, settings), backend).record  # type: ignore[return-value]


def _run_job(job: _Job, backend: Backend) -> _Job:
    request = job.start()
    while request is not None:
        try:
            result: Completion | BackendError = backend.complete(request)
        except BackendError as exc:
            result = exc
        request = job.advance(result)
    return job


def _run_batch(jobs: Sequence[_Job], backend: Backend) -> None:
    """Advance a chunk of jobs pass by pass, each pass one ``complete_many`` call."""
    active = [(job, job.start()) for job in jobs]
    while live := [(job, req) for job, req in active if req is not None]:
        try:
            answers: Sequence[Completion | BackendError] = backend.complete_many([req for _, req in live])
        except BackendError as exc:
            answers = [exc] * len(live)  # a failed batch fails every sample in it
        active = [(job, job.advance(answer)) for (job, _), answer in zip(live, answers, strict=True)]


# -- the samples file --------------------------------------------------------------


def read_records(path: Path) -> tuple[list[SampleRecord], bool]:
    """The records of a ``samples.jsonl``, and whether its last line was cut short (and skipped)."""
    return read_jsonl(path, SampleRecord)


class SampleLog:
    """``samples.jsonl``, appended one record at a time, each durable before `append` returns.

    Args:
        path: the file.
        keep: on resume, the records to keep: the file is first rewritten (atomically) to
            hold exactly them, dropping retried samples' old lines and a line cut by a crash.
    """

    def __init__(self, path: Path, keep: Sequence[SampleRecord] | None = None) -> None:
        self.path = path
        if keep is not None:
            write_atomically(path, "".join(r.model_dump_json() + "\n" for r in keep))
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def append(self, record: SampleRecord) -> None:
        self._file.write(record.model_dump_json() + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


# -- progress --------------------------------------------------------------------------


class Progress:
    """A progress line on ``stream``: done/total, samples/s, ETA and the accuracy so far.

    On a terminal the line is redrawn in place (``\\r``); elsewhere (a log file, CI) a
    line is printed every ``interval`` seconds and once at the end.
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

    def update(self, record: SampleRecord) -> None:
        self.done += 1
        self.new += 1
        self.hits += record.hit
        self.errors += record.point is None
        now = time.perf_counter()
        if now - self._last >= (0.2 if self.tty else self.interval):
            self._last = now
            self._emit()

    def line(self) -> str:
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
        self._emit()
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


# -- the run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalResult:
    """A finished run: its folder, summary, records (in dataset order) and manifest."""

    folder: Path
    summary: Summary
    records: list[SampleRecord]
    manifest: Manifest
    ran: int
    """Samples run by this call (the others were already in the folder)."""


def _prepare_folder(folder: Path, resume: bool, manifest: Manifest) -> tuple[list[SampleRecord], Manifest]:
    """Check the folder; on resume, the records to keep and the manifest to continue."""
    occupied = folder.exists() and (not folder.is_dir() or any(folder.iterdir()))
    if not resume:
        if occupied:
            raise ConfigError(
                f"output folder {str(folder)!r} is not empty: "
                "pick a new --out, or pass --resume to continue it"
            )
        folder.mkdir(parents=True, exist_ok=True)
        return [], manifest
    if not occupied:
        folder.mkdir(parents=True, exist_ok=True)
        return [], manifest
    try:
        old = Manifest.model_validate_json((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"--resume: {str(folder)!r} is not an eval run: it has no {MANIFEST_FILE}"
        ) from None
    except ValidationError as exc:
        raise ConfigError(
            f"--resume: {folder / MANIFEST_FILE} is corrupt: {exc.errors()[0]['msg']}"
        ) from None
    before, now = old.identity(), manifest.identity()
    changed = [key for key in now if before[key] != now[key]]
    if changed:
        key = changed[0]
        raise ConfigError(
            f"--resume: the run in {str(folder)!r} used a different {key} "
            f"({before[key]!r}, now {now[key]!r}): resume with the same settings, or pick a new --out"
        )
    records, _ = read_records(folder / SAMPLES_FILE)
    latest = {r.id: r for r in records}  # a later line for an id supersedes an earlier one
    keep = [r for r in latest.values() if not r.retry]
    continued = old.model_copy(
        update={
            "status": "running",
            "end_time": None,
            "resumed": old.resumed + 1,
            "versions": package_versions(),
        }
    )
    return keep, continued


def run_eval(
    samples: Sequence[Sample],
    backend: Backend,
    settings: EvalSettings,
    out: Path,
    *,
    dataset: DatasetInfo,
    resume: bool = False,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
    report: bool = True,
    on_record: Callable[[SampleRecord], None] | None = None,
) -> EvalResult:
    """Score ``samples`` on ``backend`` into the folder ``out``; see the module docstring.

    Args:
        samples: the dataset (ids must be unique).
        backend: any `Backend`; ``transformers`` is batched, every other kind run concurrently.
        settings: profile and options.
        out: the output folder itself.
        dataset: where the samples came from, for the manifest.
        resume: continue the run already in ``out``.
        progress: where to report progress; None for none.
        options: the command's options, for the manifest.
        report: also write ``report.html`` and the miss images.
        on_record: called in the caller's thread after each record is durable.

    Raises:
        ConfigError: duplicate ids, a missing Chinese instruction with ``lang="cn"``, a
            non-empty ``out`` without ``resume``, or a resumed run with other settings.
        BackendError: the first `ABORT_AFTER` samples all failed at the request.
    """
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise ConfigError(f"sample id {sample.id!r} occurs twice in the dataset: ids must be unique")
        seen.add(sample.id)
        settings.instruction(sample)  # a missing Chinese instruction fails now, not mid-run
    folder = Path(out)
    keep, manifest = _prepare_folder(folder, resume, build_manifest(settings, backend, dataset, options))
    wanted = {s.id for s in samples}
    done = {r.id: r for r in keep if r.id in wanted}
    todo = [s for s in samples if s.id not in done]
    write_atomically(folder / MANIFEST_FILE, manifest.model_dump_json(indent=2) + "\n")
    log = SampleLog(folder / SAMPLES_FILE, keep=keep if resume else None)
    if progress is not None:
        progress.done = len(done)
    try:
        for record in _records(todo, backend, settings):
            log.append(record)
            done[record.id] = record
            if progress is not None:
                progress.update(record)
            if on_record is not None:
                on_record(record)
    finally:
        log.close()
        if progress is not None:
            progress.close()
    records = [done[s.id] for s in samples]
    # Appended in completion order; once complete, rewritten in dataset order so that runs diff cleanly.
    write_atomically(folder / SAMPLES_FILE, "".join(r.model_dump_json() + "\n" for r in records))
    summary = summarize(records, refine=settings.refine)
    write_atomically(folder / SUMMARY_FILE, summary.model_dump_json(indent=2) + "\n")
    manifest = manifest.model_copy(update={"end_time": _now(), "status": "complete"})
    write_atomically(folder / MANIFEST_FILE, manifest.model_dump_json(indent=2) + "\n")
    if report:
        from .report import write_report

        write_report(folder, samples, records, summary, manifest)
    return EvalResult(folder, summary, records, manifest, ran=len(todo))


def _records(todo: Sequence[Sample], backend: Backend, settings: EvalSettings) -> Iterator[SampleRecord]:
    """The records of ``todo`` as they complete, stopping early if the server is plainly broken."""
    batched = backend.name == "transformers"
    jobs = _run_batched(todo, backend, settings) if batched else _run_concurrent(todo, backend, settings)
    failed: list[_Job] = []
    for n, job in enumerate(jobs, start=1):
        assert job.record is not None
        if n <= ABORT_AFTER and job.record.error_kind == "request":
            failed.append(job)
        yield job.record
        if n == ABORT_AFTER and len(failed) == ABORT_AFTER and failed[-1].exception is not None:
            jobs.close()
            raise failed[-1].exception


def _run_batched(
    todo: Sequence[Sample], backend: Backend, settings: EvalSettings
) -> Generator[_Job, None, None]:
    for start in range(0, len(todo), settings.batch_size):
        jobs = [_Job(s, settings) for s in todo[start : start + settings.batch_size]]
        _run_batch(jobs, backend)
        yield from jobs


def _prefetch(backend: Backend, concurrency: int) -> int:
    """Extra workers that open, frame and encode the next samples while ``concurrency`` wait.

    Only for an `OpenAIBackend` whose connection pool holds at most ``concurrency``
    connections: an extra worker encodes its request, then waits in the pool for a free
    connection, so the server never sees more than ``concurrency`` at once while the next
    requests are ready the moment one answer lands. Without it, the CPU work of a whole
    wave of requests would start only when the previous wave's answers arrive, and a small
    client would fall well short of ``concurrency / latency`` samples/s.
    """
    from ..agent.backends.openai import OpenAIBackend

    if isinstance(backend, OpenAIBackend) and backend.concurrency <= concurrency:
        return backend.concurrency
    return 0


def _run_concurrent(
    todo: Sequence[Sample], backend: Backend, settings: EvalSettings
) -> Generator[_Job, None, None]:
    workers = settings.concurrency + _prefetch(backend, settings.concurrency)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mimo-gui-eval")
    pending: set[Future[_Job]] = set()
    queue = iter(todo)
    # Submitted lazily, a few more than the workers, so a stopped run has little queued to cancel.
    room = workers + settings.concurrency
    try:
        for sample in queue:
            pending.add(pool.submit(_run_job, _Job(sample, settings), backend))
            if len(pending) >= room:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
            for sample in queue:
                pending.add(pool.submit(_run_job, _Job(sample, settings), backend))
                if len(pending) >= room:
                    break
    finally:
        # On an early stop (abort, Ctrl-C) drop what has not started; requests in flight end on their own.
        pool.shutdown(wait=not pending, cancel_futures=True)
