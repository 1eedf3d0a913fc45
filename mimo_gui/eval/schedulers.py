"""Two ways to drive the backend through a run's samples, chosen by its capabilities.

* **concurrent** (a backend that does not batch: ``openai``, ``scripted``): worker threads
  keep ``concurrency`` samples in flight; each worker opens, frames and encodes its own
  image, so that CPU work overlaps the model's (PIL releases the GIL) and the server sees
  a full queue.
* **batched** (`Capabilities.batches`: ``transformers``): chunks of ``batch_size`` samples
  go to one ``complete_many`` call, which the backend turns into one ``generate``.

Both hand each finished job to ``finished`` on the thread where its last answer landed,
before anything else happens to it (the runner appends it to ``samples.jsonl`` there), and
then yield it to the caller's thread, in completion order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence

from ..actions.errors import BackendError
from ..agent.backends.base import Backend, Completion
from .job import SampleJob, run_job
from .samples import Sample
from .settings import EvalSettings

__all__ = ["ABORT_AFTER", "Finished", "prefetch_workers", "run_batched", "run_concurrent", "run_samples"]

ABORT_AFTER = 5
"""A run whose first this-many samples all fail at the request stops: the server or its
configuration is broken (a wrong model name, a refused key), and going on would only fill
the folder with errors. ``--resume`` retries them once it is fixed."""

Finished = Callable[[SampleJob], None]
"""Called with each finished job on the thread where it finished."""


def run_samples(
    todo: Sequence[Sample], backend: Backend, settings: EvalSettings, finished: Finished
) -> Iterator[SampleJob]:
    """The finished jobs of ``todo``, in completion order, stopping early if the server is plainly broken.

    Raises:
        BackendError: the first `ABORT_AFTER` samples all failed at the request (the last one's error).
    """
    schedule = run_batched if backend.capabilities.batches else run_concurrent
    jobs = schedule(todo, backend, settings, finished)
    failed = 0
    try:
        for n, job in enumerate(jobs, start=1):
            assert job.record is not None
            if n <= ABORT_AFTER and job.record.error_kind == "request":
                failed += 1
            yield job
            if n == ABORT_AFTER and failed == ABORT_AFTER and job.exception is not None:
                raise job.exception
    finally:
        jobs.close()


def _run_batch(jobs: Sequence[SampleJob], backend: Backend, finished: Finished) -> None:
    """Advance a chunk of jobs pass by pass, each pass one ``complete_many`` call."""
    active = []
    for job in jobs:
        request = job.start()
        if request is None:
            finished(job)
        active.append((job, request))
    while live := [(job, req) for job, req in active if req is not None]:
        try:
            answers: Sequence[Completion | BackendError] = backend.complete_many([req for _, req in live])
        except BackendError as exc:
            answers = [exc] * len(live)  # a failed batch fails every sample in it
        active = []
        for (job, _), answer in zip(live, answers, strict=True):
            request = job.advance(answer)
            if request is None:
                finished(job)
            active.append((job, request))


def run_batched(
    todo: Sequence[Sample], backend: Backend, settings: EvalSettings, finished: Finished
) -> Generator[SampleJob, None, None]:
    """``todo`` in chunks of ``settings.batch_size``, each pass of a chunk one ``complete_many`` call."""
    for start in range(0, len(todo), settings.batch_size):
        jobs = [SampleJob(s, settings) for s in todo[start : start + settings.batch_size]]
        _run_batch(jobs, backend, finished)
        yield from jobs


def prefetch_workers(backend: Backend, concurrency: int) -> int:
    """Extra workers that open, frame and encode the next samples while ``concurrency`` wait.

    Only for a backend that caps its own requests in flight (`Capabilities.max_in_flight`,
    the openai backend's connection pool) at most at ``concurrency``: an extra worker
    encodes its request, then waits inside the backend for a free connection, so the
    server never sees more than ``concurrency`` at once while the next requests are ready
    the moment one answer lands. Without it, the CPU work of a whole wave of requests would
    start only when the previous wave's answers arrive, and a small client would fall well
    short of ``concurrency / latency`` samples/s.
    """
    cap = backend.capabilities.max_in_flight
    return cap if cap is not None and cap <= concurrency else 0


def run_concurrent(
    todo: Sequence[Sample], backend: Backend, settings: EvalSettings, finished: Finished
) -> Generator[SampleJob, None, None]:
    """``todo`` on worker threads, ``settings.concurrency`` in flight (plus `prefetch_workers`).

    Each worker takes the next sample only when it is free, so a stopped run has nothing
    queued. The workers are daemon threads: after an early stop (an abort, Ctrl+C) the
    requests still in flight are left to end on their own without holding the process
    open, and their answers, landing after the samples log is closed, are dropped (the
    samples run again on resume).
    """
    workers = settings.concurrency + prefetch_workers(backend, settings.concurrency)
    samples = iter(todo)
    take = threading.Lock()
    stop = threading.Event()
    results: queue.SimpleQueue[SampleJob | BaseException] = queue.SimpleQueue()

    def work() -> None:
        while not stop.is_set():
            with take:
                sample = next(samples, None)
            if sample is None:
                return
            try:
                job = run_job(SampleJob(sample, settings), backend)
                finished(job)
            except BaseException as exc:  # a bug, not a sample's trouble: the caller re-raises it
                results.put(exc)
                return
            results.put(job)

    for n in range(min(workers, len(todo))):
        threading.Thread(target=work, name=f"mimo-gui-eval-{n}", daemon=True).start()
    try:
        for _ in range(len(todo)):
            item = results.get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
