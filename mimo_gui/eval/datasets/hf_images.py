"""Where a Hugging Face dataset's images are on disk, or are written to.

A dataset's ``image`` column is either a path string or an ``Image`` feature. Read undecoded,
an ``Image`` cell is ``{"bytes": …, "path": …}``: the bytes are written out as they are (no
re-encoding), named by their content hash, so each distinct screenshot is one file, written
once and reused by later loads.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from ...actions import ConfigError
from .base import image_file

__all__ = ["ImageStore", "StoredImage"]

_log = logging.getLogger(__name__)


@dataclass
class StoredImage:
    """A sample's screenshot on disk; its size is read from the file the first time it is asked."""

    path: Path
    known_size: tuple[int, int] | None = field(default=None)

    def size(self, where: str) -> tuple[int, int]:
        """``(width, height)`` in pixels.

        Raises:
            ConfigError: the file does not exist or is no image.
        """
        if self.known_size is None:
            path = image_file(self.path, where)
            try:
                with Image.open(path) as image:
                    self.known_size = image.size
            except OSError as exc:
                raise ConfigError(f"{where}: image {path} is not an image file") from exc
        return self.known_size


class ImageStore:
    """Resolves ``image`` cells: path strings against ``base``, image bytes written to ``cache``.

    Args:
        base: the folder a relative path string is relative to.
        cache: the folder image bytes are written to; ``None``, or a folder that cannot be
            created, means a fresh temporary folder (logged as a warning).
    """

    def __init__(self, base: Path, cache: Path | None) -> None:
        self._base = base
        self._cache = cache
        self._ready = False

    def resolve(self, value: object, where: str) -> StoredImage:
        """The image a cell names (a path string) or holds (an undecoded ``Image`` cell).

        Raises:
            ConfigError: the cell is missing, of another kind, or holds bytes that are no image.
        """
        if isinstance(value, str):
            return StoredImage(self._base / value)
        if isinstance(value, dict):
            stored, path = value.get("bytes"), value.get("path")
            if isinstance(stored, bytes):
                return self._write(stored, where)
            if isinstance(path, str):
                return StoredImage(self._base / path)
        if value is None:
            raise ConfigError(f"{where}: missing field 'image'")
        raise ConfigError(f"{where}: field 'image' is neither a path string nor an image")

    def _write(self, data: bytes, where: str) -> StoredImage:
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind, size = (image.format or "png").lower(), image.size
        except OSError as exc:
            raise ConfigError(f"{where}: field 'image' holds bytes that are no image") from exc
        suffix = ".jpg" if kind == "jpeg" else f".{kind}"
        target = self._folder() / (hashlib.sha256(data).hexdigest()[:32] + suffix)
        if not target.is_file():
            # Named by content, an existing file is this very image: written once, reused after.
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)
        return StoredImage(target, size)

    def _folder(self) -> Path:
        if not self._ready:
            self._ready = True
            if self._cache is not None:
                try:
                    self._cache.mkdir(parents=True, exist_ok=True)
                    return self._cache
                except OSError as exc:
                    problem = f"cannot create {self._cache} ({exc})"
            else:
                problem = "the dataset has no folder of its own"
            fallback = Path(tempfile.mkdtemp(prefix="mimo-gui-hf-images-"))
            _log.warning("%s: writing the dataset's images to %s", problem, fallback)
            self._cache = fallback
        assert self._cache is not None
        return self._cache
