"""``screenspot``: ScreenSpot (SeeClick) and ScreenSpot-v2 as published on disk.

``data`` is the folder holding ``screenspot_{mobile,desktop,web}.json`` (v2:
``screenspot_{mobile,desktop,web}_v2.json``) or one of those files. Images are found in
``screenspot_imgs/`` (v1) or ``screenspotv2_image/`` (v2), looked for in that folder and its
parent, unless ``images`` names the folder. Boxes are ``[x, y, width, height]`` in pixels.
Tags: ``split`` (mobile/desktop/web, from the file name), ``data_type`` (text/icon),
``data_source``. Ids are ``<file stem>:<index>``.
"""

from __future__ import annotations

import re
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

__all__ = ["SCREENSPOT_IMAGE_DIRS", "SCREENSPOT_SPLITS", "load_screenspot", "screenspot_files"]

SCREENSPOT_SPLITS = ("mobile", "desktop", "web")
"""ScreenSpot's splits, in the order its own evaluation reports them."""

SCREENSPOT_IMAGE_DIRS = {"v1": "screenspot_imgs", "v2": "screenspotv2_image"}
"""The image folder each ScreenSpot version is published with."""

_SCREENSPOT_FILE = re.compile(r"screenspot_(mobile|desktop|web)(_v2)?\.json")


class _ScreenSpotRecord(BaseModel):
    # Strict: a bbox of strings or booleans is bad data, not something to coerce.
    model_config = ConfigDict(strict=True, extra="ignore")

    img_filename: str
    bbox: list[float]
    instruction: str
    data_type: str | None = None
    data_source: str | None = None


def load_screenspot(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """ScreenSpot or ScreenSpot-v2 from its folder or one of its annotation files (module docstring)."""
    check_limit(limit)
    files, version = _files_and_version(Path(data), splits)
    if not files:
        return []  # one annotation file, of a split the filter leaves out
    folder = files[0][1].parent
    image_dir = existing_dir(images) if images is not None else _find_images(folder, version)

    def made() -> Made:
        for split, path, index, raw, where in numbered(files):
            record = validate(_ScreenSpotRecord, raw, where)
            tags = {"split": split}
            if record.data_type is not None:
                tags["data_type"] = record.data_type
            if record.data_source is not None:
                tags["data_source"] = record.data_source
            sample = Sample(
                id=f"{path.stem}:{index}",
                image=image_file(image_dir / record.img_filename, where),
                instruction=instruction_text(record.instruction, where),
                box=corners(record.bbox, "xywh", where),
                tags=tags,
            )
            yield sample, where

    return collect(made(), limit)


def screenspot_files(data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """The annotation files `load_screenspot` reads for these arguments, in split order."""
    return [path for _, path in _files_and_version(Path(data), splits)[0]]


def _files_and_version(data: Path, splits: Sequence[str] | None) -> tuple[list[tuple[str, Path]], str]:
    """The annotation files to read, as ``(split, path)`` in split order, and the version."""
    wanted = _wanted_splits(splits)
    if data.is_file():
        match = _SCREENSPOT_FILE.fullmatch(data.name)
        if match is None:
            raise ConfigError(
                f"{data}: not a ScreenSpot annotation file (expected screenspot_{{mobile,desktop,web}}.json "
                "or screenspot_{mobile,desktop,web}_v2.json)"
            )
        split, version = match.group(1), "v2" if match.group(2) else "v1"
        return ([(split, data)] if split in wanted else []), version
    if not data.is_dir():
        raise ConfigError(f"{data}: no such file or folder (ScreenSpot annotations)")
    found = {
        version: {s: data / f"screenspot_{s}{suffix}.json" for s in SCREENSPOT_SPLITS}
        for version, suffix in (("v1", ""), ("v2", "_v2"))
    }
    present = {v: {s: p for s, p in files.items() if p.is_file()} for v, files in found.items()}
    if present["v1"] and present["v2"]:
        raise ConfigError(
            f"{data} holds both ScreenSpot v1 and v2 annotations: pass one annotation file, "
            "or a folder holding one version"
        )
    version = "v2" if present["v2"] else "v1"
    if not present[version]:
        raise ConfigError(
            f"{data} holds no ScreenSpot annotations (screenspot_{{mobile,desktop,web}}.json "
            "or screenspot_{mobile,desktop,web}_v2.json)"
        )
    missing = [s for s in wanted if s not in present[version]]
    if missing and splits is not None:
        names = ", ".join(found[version][s].name for s in missing)
        raise ConfigError(f"{data} lacks the annotation file(s) for the split(s) asked for: {names}")
    return [(s, present[version][s]) for s in wanted if s in present[version]], version


def _wanted_splits(splits: Sequence[str] | None) -> list[str]:
    if splits is None:
        return list(SCREENSPOT_SPLITS)
    unknown = [s for s in splits if s not in SCREENSPOT_SPLITS]
    if unknown:
        raise ConfigError(
            f"unknown ScreenSpot split(s) {', '.join(unknown)}: expected {', '.join(SCREENSPOT_SPLITS)}"
        )
    # ScreenSpot's own order, whatever order they were asked in: reports then line up.
    return [s for s in SCREENSPOT_SPLITS if s in splits]


def _find_images(folder: Path, version: str) -> Path:
    names = [SCREENSPOT_IMAGE_DIRS[version]] + [n for v, n in SCREENSPOT_IMAGE_DIRS.items() if v != version]
    tried = [place / name for place in (folder, folder.parent) for name in names]
    for candidate in tried:
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        f"no ScreenSpot image folder found (looked for {', '.join(str(t) for t in tried)}): "
        "pass the folder with --images"
    )


register_format(
    DatasetFormat(
        name="screenspot",
        summary=(
            "ScreenSpot v1/v2 as published: screenspot_{mobile,desktop,web}[_v2].json beside its image folder"
        ),
        load=load_screenspot,
        files=screenspot_files,
    )
)
