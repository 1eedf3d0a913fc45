"""``hf``: a Hugging Face ``datasets`` dataset, from the hub or from disk, in a known layout.

``data`` is one of:

* a hub id (``rootsautomation/ScreenSpot``), read with ``datasets.load_dataset``: downloaded
  once into the Hugging Face cache, read from the cache after (offline too, with
  ``HF_HUB_OFFLINE=1``);
* a folder written by ``save_to_disk`` (a ``Dataset`` or a ``DatasetDict``);
* a folder of a dataset's own files as the hub serves them (``hf download … --local-dir``).

The layout (`hf_layouts`) is told from the columns: ours (the jsonl fields as columns) or a
published copy of ScreenSpot, ScreenSpot-v2 or ScreenSpot-Pro; an unknown one is an error that
lists the columns found and the layouts known. ``image`` is a path string (absolute, or
relative to the folder holding the saved dataset, or to ``images``) or an ``Image`` column:
those images are written, byte for byte and named by their content hash, into ``images`` if
given, else ``<data>.images/`` beside a saved dataset, else a ``mimo-gui-images`` folder beside
the dataset's files in the Hugging Face cache, else (when that cannot be created) a fresh
temporary folder, logged as a warning. For a ``DatasetDict`` (what a hub id gives) the split
names are its keys (``splits`` picks them, and a sample's ``split`` tag is its key unless the
row has a ``split`` of its own); for a ``Dataset``, ``splits`` filters on the ``split`` tag.
Ids are the row's own id where the layout has one, else ``<name>/<split>:<index>``. Needs the
optional ``datasets`` package.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from ...actions import ConfigError
from ..samples import Sample
from .base import Made, check_limit, collect, image_file
from .hf_images import ImageStore
from .hf_layouts import detect_layout
from .registry import DatasetFormat, register_format

__all__ = ["hf_files", "load_hf"]

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
_DATA_FILES = ("*.parquet", "*.arrow", "*.jsonl", "*.json", "*.csv")


@dataclass
class _Opened:
    """A loaded dataset and where its images' paths start and its images' bytes go."""

    loaded: Any
    label: str
    base: Path
    cache: Path | None


def load_hf(
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """A Hugging Face dataset by hub id or folder, in a known layout (module docstring).

    Raises:
        ConfigError: ``datasets`` is not installed, ``data`` is neither a dataset folder nor a
            reachable or cached hub id, the columns are in no known layout, a bad row.
    """
    check_limit(limit)
    hf = _datasets_module()
    opened = _open(hf, Path(data), images)
    parts = _parts(hf, opened, splits)
    store = ImageStore(opened.base, opened.cache)

    def made() -> Made:
        for split, part in parts:
            place = opened.label if split is None else f"{opened.label} [{split}]"
            layout = detect_layout(part.column_names, place)
            table = part
            if "image" in part.column_names and isinstance(part.features["image"], hf.Image):
                # Undecoded, the column gives the stored bytes: written out as they are, no re-encoding.
                table = part.cast_column("image", hf.Image(decode=False))
            stem = Path(opened.label).name if split is None else f"{Path(opened.label).name}/{split}"
            for index, row in enumerate(table):
                where = f"{place}: record {index}"
                image = store.resolve(row.get("image"), where)
                record = layout.read(row, image, where)
                tags = dict(record.tags)
                if split is not None:
                    tags.setdefault("split", split)
                elif splits is not None and tags.get("split") not in splits:
                    continue
                sample = Sample(
                    id=record.id if record.id is not None else f"{stem}:{index}",
                    image=image_file(image.path, where),
                    instruction=record.instruction,
                    instruction_cn=record.instruction_cn,
                    box=record.box,
                    tags=tags,
                )
                yield sample, where

    return collect(made(), limit)


def hf_files(data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """What a load reads: the dataset's folder, or for a hub id its files in the cache.

    Raises:
        ConfigError: as `load_hf` does when ``data`` cannot be opened.
    """
    data = Path(data)
    if data.is_dir():
        return [data]
    if not _HUB_ID.fullmatch(str(data)):
        raise ConfigError(_not_found(data))
    opened = _open(_datasets_module(), data, None)
    parts = opened.loaded.values() if hasattr(opened.loaded, "values") else [opened.loaded]
    return sorted({Path(f["filename"]) for part in parts for f in part.cache_files})


def _datasets_module() -> ModuleType:
    try:
        return importlib.import_module("datasets")
    except ImportError as exc:
        raise ConfigError(
            "the hf dataset format needs the datasets package: install the datasets package "
            "(pip install datasets)"
        ) from exc


def _not_found(data: Path) -> str:
    return (
        f"{data}: no such folder (a dataset saved with datasets' save_to_disk, or its files as "
        "downloaded from the hub), and not a hub dataset id (owner/name)"
    )


def _open(hf: ModuleType, data: Path, images: Path | None) -> _Opened:
    if data.is_dir():
        saved = (data / "state.json").is_file() or (data / "dataset_dict.json").is_file()
        base = images if images is not None else data.parent
        cache = images if images is not None else data.parent / f"{data.name}.images"
        if saved:
            try:
                return _Opened(hf.load_from_disk(str(data)), str(data), base, cache)
            except (FileNotFoundError, ValueError, OSError) as exc:
                raise ConfigError(f"{data}: not a dataset saved with datasets' save_to_disk ({exc})") from exc
        if any(next(data.rglob(pattern), None) is not None for pattern in _DATA_FILES):
            return _Opened(_hub_load(hf, str(data)), str(data), base, cache)
        raise ConfigError(
            f"{data}: not a dataset saved with datasets' save_to_disk, nor a folder of a dataset's "
            "data files (parquet, arrow, json, csv)"
        )
    if not _HUB_ID.fullmatch(str(data)):
        raise ConfigError(_not_found(data))
    loaded = _hub_load(hf, str(data))
    parts = loaded.values() if hasattr(loaded, "values") else [loaded]
    cached = [Path(f["filename"]) for part in parts for f in part.cache_files]
    # Beside the cached dataset: the images then live (and are cleaned up) with that version of it.
    hub_cache = cached[0].parent / "mimo-gui-images" if cached else None
    return _Opened(loaded, str(data), images or Path.cwd(), images or hub_cache)


def _hub_load(hf: ModuleType, path: str) -> Any:
    """``datasets.load_dataset(path)``, its failures as one-line errors that say what to do."""
    not_found = hf.exceptions.DatasetNotFoundError
    try:
        return hf.load_dataset(path)
    except not_found as exc:
        raise ConfigError(
            f"hub dataset {path}: the hub has no such dataset, or it is gated and no token was given "
            f"(huggingface-cli login) ({_first_line(exc)})"
        ) from exc
    except ConnectionError as exc:
        raise ConfigError(
            f"hub dataset {path}: not in the local Hugging Face cache and the hub cannot be reached "
            f"({_first_line(exc)}): run once with network access, or pass a folder"
        ) from exc
    except (FileNotFoundError, ValueError, OSError, hf.exceptions.DatasetsError) as exc:
        raise ConfigError(f"{path}: datasets could not load it ({_first_line(exc)})") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _parts(hf: ModuleType, opened: _Opened, splits: Sequence[str] | None) -> list[tuple[str | None, Any]]:
    loaded = opened.loaded
    if isinstance(loaded, hf.DatasetDict):
        names = list(loaded.keys())
        unknown = [s for s in splits or () if s not in names]
        if unknown:
            raise ConfigError(f"unknown split(s) {', '.join(unknown)}: {opened.label} has {', '.join(names)}")
        return [(name, loaded[name]) for name in names if splits is None or name in splits]
    return [(None, loaded)]


register_format(
    DatasetFormat(
        name="hf",
        summary=(
            "a Hugging Face dataset: a hub id (rootsautomation/ScreenSpot, lscpku/ScreenSpot-Pro, …) "
            "or a save_to_disk folder, its layout told from its columns"
        ),
        load=load_hf,
        files=hf_files,
    )
)
