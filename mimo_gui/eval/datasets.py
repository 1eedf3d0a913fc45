"""Grounding datasets on disk, read into `Sample`s: ScreenSpot (v1 and v2), ScreenSpot-Pro, our
jsonl format, and a dataset saved with Hugging Face ``datasets``.

Every loader converts its format's box convention to corners ``x1, y1, x2, y2`` in the image's
pixels, checks each record (fields, box, image file) and names the file and the record index
in a one-line `ConfigError` when one is wrong. Ids are the record's own ``id`` where it has one,
else ``<file stem>:<index>``; an id seen twice in one load is an error, since results are keyed
by it.

Formats (``load_dataset(fmt, data, ...)``):

``screenspot``
    ScreenSpot (SeeClick) and ScreenSpot-v2 as published. ``data`` is the folder holding
    ``screenspot_{mobile,desktop,web}.json`` (v2: ``screenspot_{mobile,desktop,web}_v2.json``) or
    one of those files. Images are found in ``screenspot_imgs/`` (v1) or ``screenspotv2_image/``
    (v2), looked for in that folder and its parent, unless ``images`` names the folder. Boxes are
    ``[x, y, width, height]``. Tags: ``split`` (mobile/desktop/web, from the file name),
    ``data_type`` (text/icon), ``data_source``.

``screenspot-pro``
    ScreenSpot-Pro as published: ``data`` is the folder holding ``annotations/*.json`` beside
    ``images/``, or the annotations folder, or one annotation file. ``img_filename`` is relative
    to ``images/``. Boxes are corners ``[x1, y1, x2, y2]``. Tags: ``split`` (the annotation file's
    stem), ``ui_type``, ``group``, ``platform``, ``application``; ``instruction_cn`` is kept.

``jsonl``
    Our open format: one JSON object per line (blank lines are skipped)::

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

``hf``
    A ``datasets`` dataset saved with ``save_to_disk`` (a ``Dataset`` or a ``DatasetDict``) with the
    jsonl fields as columns (other columns are ignored). ``image`` is either a path string
    (absolute, or relative to the folder holding the saved dataset, or to ``images``) or an
    ``Image`` column: those images are written, byte for byte and named by their content hash,
    into ``images`` if given, else ``<data>.images/`` beside the dataset, else (when that cannot
    be created) a fresh temporary folder, logged as a warning. For a ``DatasetDict`` the split
    names are its keys (``splits`` picks them, and each sample's ``split`` tag is its key); for a
    ``Dataset``, ``splits`` filters on the ``split`` tag. Needs the optional ``datasets`` package.

`dataset_fingerprint` hashes the annotation files a load reads (`annotation_files`) or the
samples themselves, for a run's manifest.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..actions import Box, ConfigError, Space
from .samples import Sample

__all__ = [
    "FORMATS",
    "SCREENSPOT_IMAGE_DIRS",
    "SCREENSPOT_SPLITS",
    "annotation_files",
    "dataset_fingerprint",
    "load_dataset",
    "load_hf",
    "load_jsonl",
    "load_screenspot",
    "load_screenspot_pro",
]

FORMATS = ("screenspot", "screenspot-pro", "jsonl", "hf")
"""The formats `load_dataset` reads."""

SCREENSPOT_SPLITS = ("mobile", "desktop", "web")
"""ScreenSpot's splits, in the order its own evaluation reports them."""

SCREENSPOT_IMAGE_DIRS = {"v1": "screenspot_imgs", "v2": "screenspotv2_image"}
"""The image folder each ScreenSpot version is published with."""

_SCREENSPOT_FILE = re.compile(r"screenspot_(mobile|desktop|web)(_v2)?\.json")

_log = logging.getLogger(__name__)

BoxConvention = Literal["xywh", "xyxy"]
_R = TypeVar("_R", bound=BaseModel)


# -- records as the formats publish them ---------------------------------------------------
# Strict: a bbox of strings or booleans is bad data, not something to coerce.


class _ScreenSpotRecord(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    img_filename: str
    bbox: list[float]
    instruction: str
    data_type: str | None = None
    data_source: str | None = None


class _ProRecord(BaseModel):
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


class _OpenRecord(BaseModel):
    """A record of our jsonl format (and of the hf format's columns)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    image: str
    instruction: str
    box: list[float]
    id: str | int | None = None
    instruction_cn: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class _HfRecord(_OpenRecord):
    # A saved dataset often carries columns of its own; they are no business of ours.
    model_config = ConfigDict(strict=True, extra="ignore")


# -- the dispatcher ------------------------------------------------------------------------


def load_dataset(
    fmt: str,
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """Read a grounding dataset of format ``fmt`` (one of `FORMATS`) from ``data``.

    Args:
        fmt: ``screenspot``, ``screenspot-pro``, ``jsonl`` or ``hf`` (module docstring).
        data: the annotation file or folder, as the format expects.
        images: the image folder, where the format's own place for it is not wanted.
        splits: keep only these splits (what a split is depends on the format).
        limit: keep only the first this many samples (after the split filter).

    Raises:
        ConfigError: an unknown format, a missing file or folder, a bad record (named by file
            and index), or for ``hf`` the ``datasets`` package missing.
    """
    _check_limit(limit)
    data = Path(data)
    if fmt == "screenspot":
        return load_screenspot(data, images=images, splits=splits, limit=limit)
    if fmt == "screenspot-pro":
        return load_screenspot_pro(data, images=images, splits=splits, limit=limit)
    if fmt == "jsonl":
        return load_jsonl(data, images=images, splits=splits, limit=limit)
    if fmt == "hf":
        return load_hf(data, images=images, splits=splits, limit=limit)
    raise ConfigError(f"unknown dataset format {fmt!r}: expected one of {', '.join(FORMATS)}")


def annotation_files(fmt: str, data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """The annotation files (for ``hf``, the saved dataset's folder) that `load_dataset` reads.

    Raises:
        ConfigError: as `load_dataset` does for the same arguments.
    """
    data = Path(data)
    if fmt == "screenspot":
        return [path for _, path in _screenspot_files(data, splits)[0]]
    if fmt == "screenspot-pro":
        return [path for _, path in _pro_files(data, splits)[0]]
    if fmt == "jsonl":
        return [_jsonl_file(data)]
    if fmt == "hf":
        if not data.is_dir():
            raise ConfigError(f"{data}: no such folder (a dataset saved with datasets' save_to_disk)")
        return [data]
    raise ConfigError(f"unknown dataset format {fmt!r}: expected one of {', '.join(FORMATS)}")


# -- ScreenSpot ----------------------------------------------------------------------------


def load_screenspot(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """ScreenSpot or ScreenSpot-v2 from its folder or one of its annotation files (module docstring)."""
    _check_limit(limit)
    files, version = _screenspot_files(Path(data), splits)
    if not files:
        return []  # one annotation file, of a split the filter leaves out
    folder = files[0][1].parent
    image_dir = _existing_dir(images) if images is not None else _find_screenspot_images(folder, version)

    def made() -> Iterator[tuple[Sample, str]]:
        for split, path, index, raw, where in _numbered(files):
            record = _validate(_ScreenSpotRecord, raw, where)
            tags = {"split": split}
            if record.data_type is not None:
                tags["data_type"] = record.data_type
            if record.data_source is not None:
                tags["data_source"] = record.data_source
            sample = Sample(
                id=f"{path.stem}:{index}",
                image=_image_file(image_dir / record.img_filename, where),
                instruction=_instruction(record.instruction, where),
                box=_box(record.bbox, "xywh", where),
                tags=tags,
            )
            yield sample, where

    return _collect(made(), limit)


def _screenspot_files(data: Path, splits: Sequence[str] | None) -> tuple[list[tuple[str, Path]], str]:
    """The annotation files to read, as ``(split, path)`` in split order, and the version."""
    wanted = _screenspot_splits(splits)
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


def _screenspot_splits(splits: Sequence[str] | None) -> list[str]:
    if splits is None:
        return list(SCREENSPOT_SPLITS)
    unknown = [s for s in splits if s not in SCREENSPOT_SPLITS]
    if unknown:
        raise ConfigError(
            f"unknown ScreenSpot split(s) {', '.join(unknown)}: expected {', '.join(SCREENSPOT_SPLITS)}"
        )
    # ScreenSpot's own order, whatever order they were asked in: reports then line up.
    return [s for s in SCREENSPOT_SPLITS if s in splits]


def _find_screenspot_images(folder: Path, version: str) -> Path:
    names = [SCREENSPOT_IMAGE_DIRS[version]] + [n for v, n in SCREENSPOT_IMAGE_DIRS.items() if v != version]
    tried = [place / name for place in (folder, folder.parent) for name in names]
    for candidate in tried:
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        f"no ScreenSpot image folder found (looked for {', '.join(str(t) for t in tried)}): "
        "pass the folder with --images"
    )


# -- ScreenSpot-Pro ------------------------------------------------------------------------


def load_screenspot_pro(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """ScreenSpot-Pro from its folder, its annotations folder or one annotation file (module docstring)."""
    _check_limit(limit)
    files, default_images = _pro_files(Path(data), splits)
    image_dir = _existing_dir(images if images is not None else default_images)

    def made() -> Iterator[tuple[Sample, str]]:
        for split, path, index, raw, where in _numbered(files):
            record = _validate(_ProRecord, raw, where)
            tags = {"split": split}
            for key in ("ui_type", "group", "platform", "application"):
                value = getattr(record, key)
                if value is not None:
                    tags[key] = value
            sample = Sample(
                id=str(record.id) if record.id is not None else f"{path.stem}:{index}",
                image=_image_file(image_dir / record.img_filename, where),
                instruction=_instruction(record.instruction, where),
                instruction_cn=record.instruction_cn,
                box=_box(record.bbox, "xyxy", where),
                tags=tags,
            )
            yield sample, where

    return _collect(made(), limit)


def _pro_files(data: Path, splits: Sequence[str] | None) -> tuple[list[tuple[str, Path]], Path]:
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


# -- jsonl ---------------------------------------------------------------------------------


def load_jsonl(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """Our jsonl format (module docstring) from the file, or a folder holding exactly one."""
    _check_limit(limit)
    path = _jsonl_file(Path(data))
    base = _existing_dir(images) if images is not None else path.parent

    def made() -> Iterator[tuple[Sample, str]]:
        for index, (line_no, raw) in enumerate(_jsonl_records(path)):
            where = f"{path}: record {index} (line {line_no})"
            record = _validate(_OpenRecord, raw, where)
            if splits is None or record.tags.get("split") in splits:
                yield _open_sample(record, base / record.image, f"{path.stem}:{index}", where), where

    return _collect(made(), limit)


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
    with _open_text(path) as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}: line {line_no}: not valid JSON ({exc.msg})") from exc


def _open_sample(record: _OpenRecord, image: Path, default_id: str, where: str) -> Sample:
    return Sample(
        id=str(record.id) if record.id is not None else default_id,
        image=_image_file(image, where),
        instruction=_instruction(record.instruction, where),
        instruction_cn=record.instruction_cn,
        box=_box(record.box, "xyxy", where),
        tags=dict(record.tags),
    )


# -- a saved Hugging Face dataset ----------------------------------------------------------


def load_hf(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """A dataset saved with ``datasets``' ``save_to_disk`` (module docstring).

    Raises:
        ConfigError: ``datasets`` is not installed, ``data`` is no saved dataset, a bad record.
    """
    _check_limit(limit)
    data = Path(data)
    try:
        hf = importlib.import_module("datasets")
    except ImportError as exc:
        raise ConfigError(
            "the hf dataset format needs the datasets package: install the datasets package "
            "(pip install datasets)"
        ) from exc
    if not data.is_dir():
        raise ConfigError(f"{data}: no such folder (a dataset saved with datasets' save_to_disk)")
    try:
        loaded = hf.load_from_disk(str(data))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise ConfigError(f"{data}: not a dataset saved with datasets' save_to_disk ({exc})") from exc
    if isinstance(loaded, hf.DatasetDict):
        names = list(loaded.keys())
        unknown = [s for s in splits or () if s not in names]
        if unknown:
            raise ConfigError(f"unknown split(s) {', '.join(unknown)}: {data} has {', '.join(names)}")
        parts = [(name, loaded[name]) for name in names if splits is None or name in splits]
    else:
        parts = [(None, loaded)]
    images_ref = _ImageStore(data, images)

    def made() -> Iterator[tuple[Sample, str]]:
        for split, part in parts:
            table = part
            if "image" in part.column_names and isinstance(part.features["image"], hf.Image):
                # Undecoded, the column gives the stored bytes: written out as they are, no re-encoding.
                table = part.cast_column("image", hf.Image(decode=False))
            stem = data.name if split is None else f"{data.name}/{split}"
            for index, row in enumerate(table):
                where = f"{data}{'' if split is None else f' [{split}]'}: record {index}"
                raw = dict(row)
                if isinstance(raw.get("tags"), dict):
                    # Arrow stores tags as one struct over every key seen: a key a row lacks comes back None.
                    raw["tags"] = {k: v for k, v in raw["tags"].items() if v is not None}
                elif raw.get("tags", 0) is None:
                    raw.pop("tags")
                image = images_ref.resolve(raw.get("image"), where)
                raw["image"] = str(image)
                record = _validate(_HfRecord, raw, where)
                if split is not None:
                    record.tags.setdefault("split", split)
                elif splits is not None and record.tags.get("split") not in splits:
                    continue
                yield _open_sample(record, image, f"{stem}:{index}", where), where

    return _collect(made(), limit)


class _ImageStore:
    """Where a saved dataset's images are, or are written to."""

    def __init__(self, data: Path, images: Path | None) -> None:
        self._base = images if images is not None else data.parent
        self._cache = images if images is not None else data.parent / f"{data.name}.images"
        self._ready = False

    def resolve(self, value: object, where: str) -> Path:
        if isinstance(value, str):
            return self._base / value
        if isinstance(value, dict):
            stored, path = value.get("bytes"), value.get("path")
            if isinstance(stored, bytes):
                return self._write(stored, where)
            if isinstance(path, str):
                return self._base / path
        if value is None:
            raise ConfigError(f"{where}: missing field 'image'")
        raise ConfigError(f"{where}: field 'image' is neither a path string nor an image")

    def _write(self, data: bytes, where: str) -> Path:
        try:
            kind = Image.open(io.BytesIO(data)).format or "png"
        except OSError as exc:
            raise ConfigError(f"{where}: field 'image' holds bytes that are no image") from exc
        folder = self._folder()
        suffix = ".jpg" if kind.lower() == "jpeg" else f".{kind.lower()}"
        target = folder / (hashlib.sha256(data).hexdigest()[:32] + suffix)
        if not target.is_file():
            # Named by content, an existing file is this very image: written once, reused after.
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)
        return target

    def _folder(self) -> Path:
        if not self._ready:
            try:
                self._cache.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                fallback = Path(tempfile.mkdtemp(prefix="mimo-gui-hf-images-"))
                _log.warning(
                    "cannot create %s (%s): writing the dataset's images to %s", self._cache, exc, fallback
                )
                self._cache = fallback
            self._ready = True
        return self._cache


# -- the fingerprint -----------------------------------------------------------------------


def dataset_fingerprint(source: Sequence[Sample] | Sequence[Path]) -> str:
    """A sha256 (hex) identifying a dataset, for a run's manifest.

    Given paths (`annotation_files`' answer): the hash of their bytes, each file under its name
    (a folder: every file under it, by relative path), in name order, so moving a dataset
    does not change it while editing one byte does. Given samples: the hash of what was
    evaluated (ids, instructions, boxes, tags, and image paths relative to the images'
    common folder), in id order; image bytes are not read.

    Raises:
        ConfigError: a path does not exist, or the sequence mixes samples and paths.
    """
    items = list(source)
    digest = hashlib.sha256()
    if all(isinstance(i, Sample) for i in items):
        samples = [i for i in items if isinstance(i, Sample)]
        digest.update(b"samples\0")
        for line in sorted(_canonical(samples)):
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()
    if not all(isinstance(i, (str, os.PathLike)) for i in items):
        raise ConfigError("dataset_fingerprint takes samples or paths, not a mix of them")
    digest.update(b"files\0")
    for name, path in sorted(_files_under([Path(p) for p in items if isinstance(p, (str, os.PathLike))])):
        digest.update(name.encode() + b"\0" + path.stat().st_size.to_bytes(8, "big"))
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _files_under(paths: Iterable[Path]) -> Iterator[tuple[str, Path]]:
    for path in paths:
        if path.is_file():
            yield path.name, path
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    yield f"{path.name}/{child.relative_to(path).as_posix()}", child
        else:
            raise ConfigError(f"{path}: no such file or folder to fingerprint")


def _canonical(samples: list[Sample]) -> Iterator[str]:
    if not samples:
        return
    root = Path(os.path.commonpath([s.image.parent for s in samples]))
    for s in samples:
        yield json.dumps(
            {
                "id": s.id,
                "image": s.image.relative_to(root).as_posix(),
                "instruction": s.instruction,
                "instruction_cn": s.instruction_cn,
                "box": [s.box.x1, s.box.y1, s.box.x2, s.box.y2],
                "tags": s.tags,
            },
            sort_keys=True,
            ensure_ascii=False,
        )


# -- checks shared by every format ---------------------------------------------------------


def _check_limit(limit: int | None) -> None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ConfigError(f"limit must be a whole number of samples, 0 or more, got {limit!r}")


def _existing_dir(path: Path) -> Path:
    if not Path(path).is_dir():
        raise ConfigError(f"image folder {path} does not exist")
    return Path(path)


def _open_text(path: Path) -> io.TextIOWrapper:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _json_records(path: Path) -> list[Any]:
    """The records of a JSON annotation file: a list of objects."""
    with _open_text(path) as handle:
        try:
            records = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text") from exc
    if not isinstance(records, list):
        raise ConfigError(f"{path}: expected a JSON list of records, got {type(records).__name__}")
    return records


def _validate(model: type[_R], raw: Any, where: str) -> _R:
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


def _box(values: list[float], convention: BoxConvention, where: str) -> Box:
    """The record's box as corners; ``xywh`` is ``[x, y, width, height]``, ``xyxy`` is corners."""
    name = "[x, y, width, height]" if convention == "xywh" else "[x1, y1, x2, y2]"
    if len(values) != 4:
        raise ConfigError(f"{where}: box must be 4 numbers {name}, got {len(values)}")
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


def _instruction(text: str, where: str) -> str:
    if not text.strip():
        raise ConfigError(f"{where}: the instruction is empty")
    return text


def _image_file(path: Path, where: str) -> Path:
    if not path.is_file():
        raise ConfigError(f"{where}: image {path} does not exist")
    # Absolute, so a report or a later run finds it whatever the working folder.
    return path.absolute()


def _numbered(files: Sequence[tuple[str, Path]]) -> Iterator[tuple[str, Path, int, Any, str]]:
    """``(split, path, index, record, where)`` for every record of JSON-array annotation files."""
    for split, path in files:
        for index, raw in enumerate(_json_records(path)):
            yield split, path, index, raw, f"{path}: record {index}"


def _collect(made: Iterator[tuple[Sample, str]], limit: int | None) -> list[Sample]:
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
