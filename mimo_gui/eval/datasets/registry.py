"""The registry of dataset formats: a format is a name, a loader and the files it reads.

Each format module builds one `DatasetFormat` and registers it when imported; `load_dataset`
and `annotation_files` look the name up here. Adding a format is one new module calling
`register_format`; nothing else names the formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ...actions import ConfigError
from ..samples import Sample
from .base import check_limit

__all__ = [
    "DatasetFormat",
    "annotation_files",
    "dataset_format",
    "format_names",
    "load_dataset",
    "register_format",
]


class Loader(Protocol):
    """Reads a dataset of one format into samples (the arguments of `load_dataset`)."""

    def __call__(
        self,
        data: Path,
        *,
        images: Path | None = None,
        splits: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[Sample]: ...


class FilesOf(Protocol):
    """The annotation files (or folders) a load of one format reads, for the fingerprint."""

    def __call__(self, data: Path, *, splits: Sequence[str] | None = None) -> list[Path]: ...


@dataclass(frozen=True)
class DatasetFormat:
    """One dataset format `load_dataset` can read.

    Attributes:
        name: what ``--format`` calls it.
        summary: one line for help texts: what ``--data`` is for this format.
        load: reads the dataset into samples.
        files: the annotation files (or folders) a load reads, for the run's fingerprint.
    """

    name: str
    summary: str
    load: Loader
    files: FilesOf


_FORMATS: dict[str, DatasetFormat] = {}


def register_format(fmt: DatasetFormat) -> DatasetFormat:
    """Make ``fmt`` readable by `load_dataset` under its name; returns it.

    Raises:
        ConfigError: another format already has that name.
    """
    if fmt.name in _FORMATS:
        raise ConfigError(f"a dataset format named {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def format_names() -> tuple[str, ...]:
    """The registered formats' names, in the order they were registered."""
    return tuple(_FORMATS)


def dataset_format(name: str) -> DatasetFormat:
    """The format registered as ``name``.

    Raises:
        ConfigError: no format has that name (the message lists those that exist).
    """
    try:
        return _FORMATS[name]
    except KeyError:
        raise ConfigError(f"unknown dataset format {name!r}: expected one of {', '.join(_FORMATS)}") from None


def load_dataset(
    fmt: str,
    data: Path,
    *,
    images: Path | None = None,
    splits: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[Sample]:
    """Read a grounding dataset of format ``fmt`` (one of `format_names`) from ``data``.

    Args:
        fmt: ``screenspot``, ``screenspot-pro``, ``jsonl``, ``hf``, or another registered format.
        data: the annotation file or folder (for ``hf`` also a hub id), as the format expects.
        images: the image folder, where the format's own place for it is not wanted.
        splits: keep only these splits (what a split is depends on the format).
        limit: keep only the first this many samples (after the split filter).

    Raises:
        ConfigError: an unknown format, a missing file or folder, a bad record (named by file
            and index), or for ``hf`` the ``datasets`` package missing or an unknown layout.
    """
    check_limit(limit)
    return dataset_format(fmt).load(Path(data), images=images, splits=splits, limit=limit)


def annotation_files(fmt: str, data: Path, *, splits: Sequence[str] | None = None) -> list[Path]:
    """The annotation files (for ``hf``, the dataset's folder or cache files) `load_dataset` reads.

    Raises:
        ConfigError: as `load_dataset` does for the same arguments.
    """
    return dataset_format(fmt).files(Path(data), splits=splits)
