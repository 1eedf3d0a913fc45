"""Output paths checked before anything starts: a bad ``--out`` or ``--annotate`` is a one-line
error (exit 2) at once, not a traceback after Chromium launched or a model answered."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from ..actions import ConfigError

__all__ = ["check_image_output", "check_output_folder", "check_run_folder", "image_extensions"]


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists (the folder a mkdir would write in)."""
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def _check_can_create_in(folder: Path, shown: str, flag: str) -> None:
    """Create and remove a scratch folder in ``folder``: permission bits, read-only mounts and
    pseudo file systems all answer the one question that matters, whether mkdir works there."""
    try:
        probe = tempfile.mkdtemp(prefix=".mimo-gui-probe-", dir=folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"{flag} {shown!r} cannot be written: {folder} refuses new files ({reason})"
        ) from None
    with contextlib.suppress(OSError):
        Path(probe).rmdir()


def check_output_folder(path: Path, flag: str = "--out", *, must_be_empty: bool = False) -> None:
    """Refuse an output folder that cannot become one.

    Args:
        path: the folder the command will write (it may not exist yet).
        flag: the option that named it, for the message.
        must_be_empty: also refuse an existing folder with something in it.

    Raises:
        ConfigError: ``path`` is a file, lies under a file, is not writable, or (with
            ``must_be_empty``) already holds files.
    """
    shown = str(path)
    existing = _nearest_existing(path)
    if not existing.is_dir():
        where = "is a file" if existing == path.absolute() else f"lies under {str(existing)!r}, a file"
        raise ConfigError(f"{flag} {shown!r} {where}: give a folder path")
    if existing == path.absolute() and must_be_empty and any(path.iterdir()):
        raise ConfigError(f"{flag} {shown!r} is not empty: pick a new {flag}")
    _check_can_create_in(existing, shown, flag)


def image_extensions() -> dict[str, str]:
    """The file extensions Pillow can save to, each with its format name (``.png`` → ``PNG``)."""
    from PIL import Image

    Image.init()
    return {ext: fmt for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}


def check_image_output(path: Path, flag: str) -> None:
    """Refuse an image path that cannot be saved: an unknown extension, a missing folder.

    Raises:
        ConfigError: the extension is not an image format Pillow writes, the folder does not
            exist or is not writable, or ``path`` is a folder.
    """
    shown = str(path)
    known = image_extensions()
    if path.suffix.lower() not in known:
        common = ", ".join(e for e in (".png", ".jpg", ".jpeg", ".webp") if e in known)
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise ConfigError(f"{flag} {shown!r} has {got}: name an image file ({common}, …)")
    if path.is_dir():
        raise ConfigError(f"{flag} {shown!r} is a folder: name an image file inside it")
    parent = path.absolute().parent
    if not parent.exists():
        raise ConfigError(f"{flag} {shown!r}: the folder {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise ConfigError(f"{flag} {shown!r}: {str(parent)!r} is a file, not a folder")
    _check_can_create_in(parent, shown, flag)


def check_run_folder(path: Path, record: str = "run.json") -> None:
    """Refuse what is plainly not a run folder before reading it (``report runs/X/run.json``).

    Args:
        path: the folder given.
        record: the file every such folder holds (``run.json``; ``manifest.json`` for an eval).

    Raises:
        ConfigError: ``path`` does not exist or is a file (the message names its folder when
            that is the run folder).
    """
    if not path.exists():
        raise ConfigError(f"run folder {str(path)!r} does not exist")
    if not path.is_dir():
        is_inside_run = (path.parent / record).is_file()
        hint = f": pass the folder that holds it, {str(path.parent)!r}" if is_inside_run else ""
        raise ConfigError(f"{str(path)!r} is a file, not a run folder{hint}")
