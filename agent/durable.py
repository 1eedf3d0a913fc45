"""Files that survive a killed process: atomic rewrites, JSONL read back despite a cut line,
and fresh folders claimed atomically.

Appends are fsynced by their writers (the recorder, the eval's sample log); what is shared
is the rewrite (temp file, fsync, rename: a reader sees the old file or the new, never half)
and the reading, which forgives only the *last* line, the one a crash can cut.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..actions.errors import ConfigError

__all__ = ["claim_fresh_folder", "read_jsonl", "write_atomically"]

M = TypeVar("M", bound=BaseModel)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves either the old or the new content."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_jsonl(path: Path, model: type[M]) -> tuple[list[M], bool]:
    """The records of a JSONL file, and whether its last line was cut short (and skipped).

    A missing file is empty. Raises `ConfigError` naming the line when any other line is corrupt.
    """
    if not path.exists():
        return [], False
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    records: list[M] = []
    for n, line in enumerate(lines, start=1):
        try:
            records.append(model.model_validate_json(line))
        except (ValidationError, json.JSONDecodeError) as exc:
            if n == len(lines):
                return records, True  # the process died while writing this line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{path} line {n} is corrupt: {first[:160]}") from exc
    return records, False


def claim_fresh_folder(parent: Path, name: str) -> Path:
    """Create and return a new, empty folder ``parent/name`` (else ``name-2``, ``name-3``, …).

    Each try is one ``mkdir`` that fails when the name exists, so two runs that want the
    same name at the same moment, in one process or in several, never share a folder.

    Raises:
        ConfigError: ``parent`` cannot be created or written to.
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for n in range(1, 10_000):
            folder = parent / (name if n == 1 else f"{name}-{n}")
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        raise ConfigError(f"cannot create a run folder in {str(parent)!r}: {exc.strerror or exc}") from None
    raise ConfigError(f"{str(parent)!r} already holds 10000 folders named {name!r}: clean it up")
