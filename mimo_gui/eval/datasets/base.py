"""The checks every dataset format shares: records, boxes, images, ids, limits.

Each format module turns its records into `Sample`s with these, so a bad record reads the
same whatever the format: a one-line `ConfigError` that names the file (or dataset), the
record index and the problem.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from ...actions import Box, ConfigError, Space
from ..samples import Sample

__all__ = [
    "BoxConvention",
    "Made",
    "check_limit",
    "collect",
    "corners",
    "existing_dir",
    "image_file",
    "instruction_text",
    "json_records",
    "numbered",
    "open_text",
    "validate",
]

BoxConvention = Literal["xywh", "xyxy"]
"""``xywh``: ``[x, y, width, height]``; ``xyxy``: corners ``[x1, y1, x2, y2]``."""

Made = Iterator[tuple[Sample, str]]
"""What a loader's generator yields: each sample with where it came from (for error messages)."""

_R = TypeVar("_R", bound=BaseModel)


def check_limit(limit: int | None) -> None:
    """Refuse a limit that is not a whole number of samples, 0 or more."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be a whole number of samples, 0 or more, got {limit!r}")


def existing_dir(path: Path) -> Path:
    """``path`` when it is a folder, else a `ConfigError` naming it as the image folder."""
    if not Path(path).is_dir():
        raise ConfigError(f"image folder {path} does not exist")
    return Path(path)


def open_text(path: Path) -> io.TextIOWrapper:
    """``path`` opened as UTF-8 text, or a `ConfigError` saying why it cannot be read."""
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def json_records(path: Path) -> list[Any]:
    """The records of a JSON annotation file: a list of objects."""
    with open_text(path) as handle:
        try:
            records = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text") from exc
    if not isinstance(records, list):
        raise ConfigError(f"{path}: expected a JSON list of records, got {type(records).__name__}")
    return records


def validate(model: type[_R], raw: Any, where: str) -> _R:
    """``raw`` read as ``model``; the first problem becomes a one-line `ConfigError` at ``where``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        if error["type"] == "missing":
            problem = f"missing field {field!r}"
        elif error["type"] == "extra_forbidden":
            problem = f"unknown field {field!r}"
        else:
            problem = f"field {field!r}: {error['msg']}"
        raise ConfigError(f"{where}: {problem}") from exc


def corners(values: Sequence[float], convention: BoxConvention, where: str) -> Box:
    """The record's box as corners in the image's pixels (``values`` already in pixels)."""
    name = "[x, y, width, height]" if convention == "xywh" else "[x1, y1, x2, y2]"
    if len(values) != 4:
        raise ConfigError(f"{where}: box must be 4 numbers {name}, got {len(values)}")
    values = [float(v) for v in values]
    if not all(math.isfinite(v) for v in values):
        raise ConfigError(f"{where}: box {values} has a number that is not finite")
    if convention == "xywh":
        x, y, w, h = values
        if w < 0 or h < 0:
            raise ConfigError(f"{where}: box {name} {values} has a negative width or height")
        x1, y1, x2, y2 = x, y, x + w, y + h
    else:
        x1, y1, x2, y2 = values
        if x2 < x1 or y2 < y1:
            raise ConfigError(f"{where}: box {name} {values} has x2 < x1 or y2 < y1")
    return Box(x1=x1, y1=y1, x2=x2, y2=y2, space=Space.SCREEN)


def instruction_text(text: str, where: str) -> str:
    """``text``, refused when it is blank."""
    if not text.strip():
        raise ConfigError(f"{where}: the instruction is empty")
    return text


def image_file(path: Path, where: str) -> Path:
    """The image's absolute path, refused when there is no such file."""
    if not path.is_file():
        raise ConfigError(f"{where}: image {path} does not exist")
    # Absolute, so a report or a later run finds it whatever the working folder.
    return path.absolute()


def numbered(files: Sequence[tuple[str, Path]]) -> Iterator[tuple[str, Path, int, Any, str]]:
    """``(split, path, index, record, where)`` for every record of JSON-array annotation files."""
    for split, path in files:
        for index, raw in enumerate(json_records(path)):
            yield split, path, index, raw, f"{path}: record {index}"


def collect(made: Made, limit: int | None) -> list[Sample]:
    """The samples ``made`` yields (each with where it came from), up to ``limit``.

    Every id must be new; nothing past the limit is read, so a huge set with ``--limit 10``
    reads ten records (and writes at most ten images).
    """
    samples: list[Sample] = []
    seen: dict[str, str] = {}
    if limit == 0:
        return samples
    for sample, where in made:
        if sample.id in seen:
            raise ConfigError(f"{where}: id {sample.id!r} was already used by {seen[sample.id]}")
        seen[sample.id] = where
        samples.append(sample)
        if limit is not None and len(samples) >= limit:
            break
    return samples
