"""``samples.jsonl`` and resuming: one durable line per finished sample, read back on resume.

A line is written and fsynced by the thread whose answer finished the sample, under a lock,
the moment it finishes: a killed run loses only the answers still on their way, never one
that already landed. `open_run_folder` checks the output folder and, on resume, decides
which records stand and which samples run again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from ..actions.errors import ConfigError
from ..agent.durable import read_jsonl, write_atomically
from ..agent.records import package_versions
from .manifest import MANIFEST_FILE, Manifest, settings_mismatch
from .scoring import SampleRecord

__all__ = ["SAMPLES_FILE", "SampleLog", "open_run_folder", "read_records"]

SAMPLES_FILE = "samples.jsonl"


def read_records(path: Path) -> tuple[list[SampleRecord], bool]:
    """The records of a ``samples.jsonl``, and whether its last line was cut short (and skipped)."""
    return read_jsonl(path, SampleRecord)


class SampleLog:
    """``samples.jsonl``, appended one record at a time, each durable before `append` returns.

    Safe to call from several threads at once. Once closed, appends are dropped: a request
    still in flight when a run is interrupted finishes on its worker thread after the run
    has ended, and its sample simply runs again on resume.

    Args:
        path: the file.
        keep: on resume, the records to keep: the file is first rewritten (atomically) to
            hold exactly them, dropping retried samples' old lines and a line cut by a crash.
    """

    def __init__(self, path: Path, keep: Sequence[SampleRecord] | None = None) -> None:
        self.path = path
        if keep is not None:
            write_atomically(path, "".join(r.model_dump_json() + "\n" for r in keep))
        self._lock = threading.Lock()
        self._file: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def append(self, record: SampleRecord) -> bool:
        """Write ``record`` and fsync it; False when the log was already closed (nothing written)."""
        line = record.model_dump_json() + "\n"
        with self._lock:
            if self._file is None:
                return False
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
            return True

    def close(self) -> None:
        """Close the file; later appends are dropped."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def open_run_folder(folder: Path, resume: bool, manifest: Manifest) -> tuple[list[SampleRecord], Manifest]:
    """Check ``folder`` for a run starting with ``manifest``; the records to keep and the manifest to write.

    Without ``resume`` the folder must be empty or new (it is created). With ``resume`` it must
    hold a run made with the same settings: its latest record per sample stands unless its
    error kind is retried (`SampleRecord.retry`), and its manifest continues, counting the resume.

    Raises:
        ConfigError: a non-empty folder without ``resume``; with ``resume``, a folder that does
            not exist or holds no manifest ("nothing to resume"), a corrupt manifest, or
            different settings (each differing setting named, old and new value).
    """
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"output folder {str(folder)!r} is a file, not a folder: pick a new --out")
    occupied = folder.exists() and any(folder.iterdir())
    if not resume:
        if occupied:
            raise ConfigError(
                f"output folder {str(folder)!r} is not empty: "
                "pick a new --out, or pass --resume to continue it"
            )
        folder.mkdir(parents=True, exist_ok=True)
        return [], manifest
    if not (folder / MANIFEST_FILE).is_file():
        why = "it does not exist" if not folder.exists() else f"it has no {MANIFEST_FILE}"
        raise ConfigError(
            f"--resume: nothing to resume in {str(folder)!r} ({why}): drop --resume to start a new run"
        )
    try:
        old = Manifest.model_validate_json((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ConfigError(
            f"--resume: {folder / MANIFEST_FILE} is corrupt: {exc.errors()[0]['msg']}"
        ) from None
    mismatch = settings_mismatch(old, manifest)
    if mismatch is not None:
        raise ConfigError(
            f"--resume: the run in {str(folder)!r} was made with other settings ({mismatch}): "
            "resume with the same settings, or pick a new --out"
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
