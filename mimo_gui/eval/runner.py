"""Running a grounding evaluation: every sample through the production pipeline, durably.

`run_eval` ties the parts together: the settings (`settings`), the manifest (`manifest`),
one sample's passes (`job`), the durable samples log and resume (`sample_log`), and the
two ways to drive a backend (`schedulers`). It reports progress through callbacks and
prints nothing itself.

The output folder holds ``samples.jsonl`` (one `SampleRecord` a line, appended, flushed and
fsynced by the worker whose answer finished the sample, so a killed run loses only what was
in flight), ``manifest.json`` (everything needed to reproduce the run, and its status),
``summary.json`` and ``report.html``. ``resume=True`` continues a folder: finished samples
are kept, samples whose request failed are run again, a last line cut by a crash is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..actions.errors import ConfigError
from ..agent.backends.base import Backend
from ..agent.durable import write_atomically
from .job import SampleJob, grade_sample
from .manifest import MANIFEST_FILE, DatasetInfo, Manifest, RunStatus, build_manifest, now
from .report import REPORT_FILE, write_report
from .sample_log import SAMPLES_FILE, SampleLog, open_run_folder, read_records
from .samples import Sample
from .schedulers import ABORT_AFTER, run_samples
from .scoring import SampleRecord, Summary, summarize
from .settings import EvalSettings, prompt_template

__all__ = [
    "ABORT_AFTER",
    "MANIFEST_FILE",
    "REPORT_FILE",
    "SAMPLES_FILE",
    "SUMMARY_FILE",
    "DatasetInfo",
    "EvalResult",
    "EvalSettings",
    "Manifest",
    "OnRecord",
    "OnStart",
    "SampleLog",
    "grade_sample",
    "prompt_template",
    "read_records",
    "run_eval",
]

SUMMARY_FILE = "summary.json"

OnStart = Callable[[int, int], None]
"""``on_start(total, done)``: the samples of the run, and how many a resumed folder already holds."""

OnRecord = Callable[[SampleRecord], None]
"""``on_record(record)``: one sample finished, its line already durable in ``samples.jsonl``."""


@dataclass(frozen=True)
class EvalResult:
    """A finished run: its folder, summary, records (in dataset order) and manifest."""

    folder: Path
    summary: Summary
    records: list[SampleRecord]
    manifest: Manifest
    ran: int
    """Samples run by this call (the others were already in the folder)."""


def _check_samples(samples: Sequence[Sample], settings: EvalSettings) -> None:
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            raise ConfigError(f"sample id {sample.id!r} occurs twice in the dataset: ids must be unique")
        seen.add(sample.id)
        settings.instruction(sample)  # a missing Chinese instruction fails now, not mid-run


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    write_atomically(folder / MANIFEST_FILE, manifest.model_dump_json(indent=2) + "\n")


def run_eval(
    samples: Sequence[Sample],
    backend: Backend,
    settings: EvalSettings,
    out: Path,
    *,
    dataset: DatasetInfo,
    resume: bool = False,
    options: dict[str, Any] | None = None,
    report: bool = True,
    on_start: OnStart | None = None,
    on_record: OnRecord | None = None,
) -> EvalResult:
    """Score ``samples`` on ``backend`` into the folder ``out``; see the module docstring.

    Args:
        samples: the dataset (ids must be unique).
        backend: any `Backend`; one whose `Capabilities.batches` is batched, every other run
            concurrently.
        settings: profile and options.
        out: the output folder itself.
        dataset: where the samples came from, for the manifest.
        resume: continue the run already in ``out``.
        options: the command's options, for the manifest.
        report: also write ``report.html`` and the miss images.
        on_start: called once in the caller's thread before the first sample runs, with the
            number of samples and how many of them a resumed folder already holds.
        on_record: called in the caller's thread after each record is durable, in
            completion order. A slow callback delays nothing that matters: answers are
            written as they land, on the workers.

    Raises:
        ConfigError: duplicate ids, a missing Chinese instruction with ``lang="cn"``, a
            non-empty ``out`` without ``resume``, nothing to resume in ``out``, or a resumed
            run with other settings.
        BackendError: the first `ABORT_AFTER` samples all failed at the request (the
            manifest then says ``failed``).
        KeyboardInterrupt: passed on after the manifest is written with status
            ``interrupted``; every sample already appended stays in ``samples.jsonl``.
    """
    _check_samples(samples, settings)
    folder = Path(out)
    keep, manifest = open_run_folder(folder, resume, build_manifest(settings, backend, dataset, options))
    wanted = {s.id for s in samples}
    done = {r.id: r for r in keep if r.id in wanted}
    todo = [s for s in samples if s.id not in done]
    _write_manifest(folder, manifest)
    log = SampleLog(folder / SAMPLES_FILE, keep=keep if resume else None)

    def append(job: SampleJob) -> None:
        assert job.record is not None  # a finished job has its record
        log.append(job.record)

    if on_start is not None:
        on_start(len(samples), len(done))
    status: RunStatus = "failed"
    try:
        for job in run_samples(todo, backend, settings, append):
            assert job.record is not None
            done[job.record.id] = job.record
            if on_record is not None:
                on_record(job.record)
        status = "complete"
    except (KeyboardInterrupt, SystemExit):
        status = "interrupted"
        raise
    finally:
        log.close()
        if status != "complete":
            _write_manifest(folder, manifest.model_copy(update={"end_time": now(), "status": status}))
    records = [done[s.id] for s in samples]
    # Appended in completion order; once complete, rewritten in dataset order so that runs diff cleanly.
    write_atomically(folder / SAMPLES_FILE, "".join(r.model_dump_json() + "\n" for r in records))
    summary = summarize(records, refine=settings.refine)
    write_atomically(folder / SUMMARY_FILE, summary.model_dump_json(indent=2) + "\n")
    manifest = manifest.model_copy(update={"end_time": now(), "status": "complete"})
    _write_manifest(folder, manifest)
    if report:
        write_report(folder, samples, records, summary, manifest)
    return EvalResult(folder, summary, records, manifest, ran=len(todo))
