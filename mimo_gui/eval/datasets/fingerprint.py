"""A dataset's fingerprint for a run's manifest: of its annotation files, or of its samples."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ...actions import ConfigError
from ..samples import Sample

__all__ = ["dataset_fingerprint"]


def dataset_fingerprint(source: Sequence[Sample] | Sequence[Path]) -> str:
    """A sha256 (hex) identifying a dataset, for a run's manifest.

    Given paths (`annotation_files`' answer): the hash of their bytes, each file under its name
    (a folder: every file under it, by relative path), in name order, so moving a dataset
    does not change it while editing one byte does. Given samples: the hash of what was
    evaluated (ids, instructions, boxes, tags, and image paths relative to the images'
    common folder), one canonical line per sample, sorted, so the order of the samples does
    not matter; image bytes are not read.

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
