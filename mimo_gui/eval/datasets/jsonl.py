"""``jsonl``: our open format, one JSON object per line (blank lines are skipped)::

    {"image": "shots/login.png", "instruction": "the Sign in button", "box": [412, 300, 508, 336],
     "id": "login-1", "instruction_cn": "登录按钮", "tags": {"split": "web", "data_type": "text"}}

* ``image`` (required): the screenshot, absolute or relative to the jsonl file's folder
  (or to ``images`` when given);
* ``instruction`` (required): what to find;
* ``box`` (required): the target, corners ``[x1, y1, x2, y2]`` in the image's pixels, edges
  included;
* ``id`` (optional, string or integer): defaults to ``<file stem>:<index>``;
* ``instruction_cn`` (optional): a Chinese instruction;
* ``tags`` (optional): string keys to string values, the breakdowns a report groups by.

Any other key is an error (a misspelt ``bbox`` must not pass silently). ``data`` is the
``.jsonl`` file, or a folder holding exactly one. ``splits`` keeps the records whose
``split`` tag is one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ...actions import ConfigError
from ..samples import Sample
from .base import (
    Made,
    check_limit,
    collect,
    corners,
    existing_dir,
    image_file,
    instruction_text,
    open_text,
    validate,
)
from .registry import DatasetFormat, register_format

__all__ = ["OpenRecord", "jsonl_files", "load_jsonl", "open_sample"]


class OpenRecord(BaseModel):
    """A record of our jsonl format (the ``hf`` format reads the same fields as columns)."""

    # Strict, and no unknown keys: a misspelt field or a box of strings is bad data.
    model_config = ConfigDict(strict=True, extra="forbid")

    image: str
    instruction: str
    box: list[float]
    id: str | int | None = None
    instruction_cn: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


def open_sample(record: OpenRecord, image: Path, default_id: str, where: str) -> Sample:
    """The sample an open record describes, its image found at ``image``."""
    return Sample(
        id=str(record.id) if record.id is not None else default_id,
        image=image_file(image, where),
        instruction=instruction_text(record.instruction, where),
        instruction_cn=record.instruction_cn,
        box=corners(record.box, "xyxy", where),
        tags=dict(record.tags),
    )


def load_jsonl(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """Our jsonl format (module docstring) from the file, or a folder holding exactly one."""
    check_limit(limit)
    path = _jsonl_file(Path(data))
    base = existing_dir(images) if images is not None else path.parent

    def made() -> Made:
        for index, (line_no, raw) in enumerate(_jsonl_records(path)):
            where = f"{path}: record {index} (line {line_no})"
            record = validate(OpenRecord, raw, where)
            if splits is None or record.tags.get("split") in splits:
                yield open_sample(record, base / record.image, f"{path.stem}:{index}", where), where

    return collect(made(), limit)


def jsonl_files(data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """The one file `load_jsonl` reads (the split filter works inside it)."""
    return [_jsonl_file(Path(data))]


def _jsonl_file(data: Path) -> Path:
    if data.is_file():
        return data
    if data.is_dir():
        found = sorted(data.glob("*.jsonl"))
        if len(found) == 1:
            return found[0]
        what = "no .jsonl file" if not found else f"{len(found)} .jsonl files"
        raise ConfigError(f"{data} holds {what}: pass the .jsonl file itself")
    raise ConfigError(f"{data}: no such file or folder (a .jsonl grounding set)")


def _jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed object)`` for every non-blank line."""
    with open_text(path) as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}: line {line_no}: not valid JSON ({exc.msg})") from exc


register_format(
    DatasetFormat(
        name="jsonl",
        summary="our open format: one JSON object per line (image, instruction, box in pixel corners)",
        load=load_jsonl,
        files=jsonl_files,
    )
)
