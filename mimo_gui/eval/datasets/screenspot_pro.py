"""``screenspot-pro``: ScreenSpot-Pro as published on disk.

``data`` is the folder holding ``annotations/*.json`` beside ``images/``, or the annotations
folder, or one annotation file. ``img_filename`` is relative to ``images/``. Boxes are corners
``[x1, y1, x2, y2]`` in pixels. Tags: ``split`` (the annotation file's stem), ``ui_type``,
``group``, ``platform``, ``application``; ``instruction_cn`` is kept. Ids are the record's
``id``, else ``<file stem>:<index>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

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
    numbered,
    validate,
)
from .registry import DatasetFormat, register_format

__all__ = ["PRO_TAGS", "load_screenspot_pro", "screenspot_pro_files"]

PRO_TAGS = ("ui_type", "group", "platform", "application")
"""The breakdown fields a ScreenSpot-Pro record carries, kept as tags."""


class _ProRecord(BaseModel):
    # Strict: a bbox of strings or booleans is bad data, not something to coerce.
    model_config = ConfigDict(strict=True, extra="ignore")

    img_filename: str
    bbox: list[float]
    instruction: str
    instruction_cn: str | None = None
    id: str | int | None = None
    ui_type: str | None = None
    group: str | None = None
    platform: str | None = None
    application: str | None = None


def load_screenspot_pro(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """ScreenSpot-Pro from its folder, its annotations folder or one annotation file (module docstring)."""
    check_limit(limit)
    files, default_images = _files(Path(data), splits)
    image_dir = existing_dir(images if images is not None else default_images)

    def made() -> Made:
        for split, path, index, raw, where in numbered(files):
            record = validate(_ProRecord, raw, where)
            tags = {"split": split}
            for key in PRO_TAGS:
                value = getattr(record, key)
                if value is not None:
                    tags[key] = value
            sample = Sample(
                id=str(record.id) if record.id is not None else f"{path.stem}:{index}",
                image=image_file(image_dir / record.img_filename, where),
                instruction=instruction_text(record.instruction, where),
                instruction_cn=record.instruction_cn,
                box=corners(record.bbox, "xyxy", where),
                tags=tags,
            )
            yield sample, where

    return collect(made(), limit)


def screenspot_pro_files(data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """The annotation files `load_screenspot_pro` reads for these arguments, by stem."""
    return [path for _, path in _files(Path(data), splits)[0]]


def _files(data: Path, splits: Sequence[str] | None) -> tuple[list[tuple[str, Path]], Path]:
    """The annotation files to read, as ``(stem, path)`` sorted by stem, and the default image folder."""
    if data.is_file():
        if data.suffix != ".json":
            raise ConfigError(f"{data}: not a ScreenSpot-Pro annotation file (a .json file)")
        files, images = [data], data.parent.parent / "images"
    elif (data / "annotations").is_dir():
        files, images = sorted((data / "annotations").glob("*.json")), data / "images"
    elif data.is_dir():
        files, images = sorted(data.glob("*.json")), data.parent / "images"
    else:
        raise ConfigError(f"{data}: no such file or folder (ScreenSpot-Pro annotations)")
    if not files:
        raise ConfigError(f"{data} holds no ScreenSpot-Pro annotation files (annotations/*.json)")
    by_stem = {p.stem: p for p in files}
    if splits is None:
        return list(by_stem.items()), images
    unknown = [s for s in splits if s not in by_stem]
    if unknown:
        raise ConfigError(
            f"unknown ScreenSpot-Pro split(s) {', '.join(unknown)}: {data} has {', '.join(by_stem)}"
        )
    return [(s, p) for s, p in by_stem.items() if s in splits], images


register_format(
    DatasetFormat(
        name="screenspot-pro",
        summary="ScreenSpot-Pro as published: annotations/*.json beside images/",
        load=load_screenspot_pro,
        files=screenspot_pro_files,
    )
)
