"""Files in and out of the browser, which pixels alone cannot move: uploads through the file
chooser a click opens, and downloads the page starts.

A click on an ``<input type=file>`` (or a button that calls ``.click()`` on one) opens the
operating system's file dialog, which no screenshot or mouse event can fill in; Playwright
intercepts it as a ``FileChooser`` instead (``page.expect_file_chooser``). The env listens for
file choosers on every tab from the start (see `Downloads.watch`). Downloads arrive as
``download`` events on their tab; they are kept as they come and saved when asked, so the
event handler never blocks Playwright's dispatcher waiting for a download to finish.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ...actions import ActionFailed, ConfigError

if TYPE_CHECKING:
    from playwright.sync_api import Download, FileChooser, Page

__all__ = ["Downloads", "upload_through_chooser"]

CHOOSER_TIMEOUT_MS = 5_000
"""How long a click has to open a file chooser before the upload is called failed."""


def upload_through_chooser(page: Page, x: float, y: float, files: Sequence[Path]) -> str:
    """Click at ``(x, y)`` CSS px and give the file chooser it opens ``files``.

    Raises:
        ConfigError: a file does not exist (checked before anything is clicked).
        ActionFailed: no file chooser opened within `CHOOSER_TIMEOUT_MS`, or it takes one
            file and several were given.
    """
    paths = [Path(f) for f in files]
    if not paths:
        raise ConfigError("an upload needs at least one file")
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"cannot upload {str(path)!r}: no such file")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with page.expect_file_chooser(timeout=CHOOSER_TIMEOUT_MS) as chooser_info:
            page.mouse.click(x, y)
    except PlaywrightTimeout:
        raise ActionFailed(
            f"the click at ({x:g}, {y:g}) opened no file chooser within {CHOOSER_TIMEOUT_MS / 1000:g} s: "
            "point at the page's upload button or file field"
        ) from None
    chooser = chooser_info.value
    if len(paths) > 1 and not chooser.is_multiple():
        raise ActionFailed(f"the file field takes one file, {len(paths)} were given")
    chooser.set_files([str(p) for p in paths])
    names = ", ".join(p.name for p in paths)
    return f"uploaded {names} through the file chooser at ({x:g}, {y:g})"


class Downloads:
    """The downloads the tabs of a context start, kept until `save` writes them out."""

    def __init__(self) -> None:
        self._pending: list[Download] = []

    def watch(self, page: Page) -> None:
        """Keep every download ``page`` starts, and intercept its file choosers from now on."""
        page.on("download", self._keep)
        # Playwright turns interception on without waiting for the browser's reply when the
        # first "filechooser" listener arrives, so a listener added just before an upload's
        # click can miss it and let the OS dialog open instead. Listening from the start
        # closes that race, and a chooser a plain click opens never blocks the run on a
        # native dialog (it is left unanswered: nothing is uploaded).
        page.on("filechooser", _leave_unanswered)

    def _keep(self, download: Download) -> None:
        # A method, not list.append: Playwright tags each handler with an attribute.
        self._pending.append(download)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def save(self, folder: Path) -> list[Path]:
        """Save the downloads started since the last call into ``folder`` (created if needed),
        each under the name the page suggested (``-2``, ``-3``, … when taken); waits for each
        to finish. Returns the paths, in the order the downloads started.

        Raises:
            ActionFailed: a download failed (the page's or the network's reason is named).
        """
        pending, self._pending = self._pending, []
        saved: list[Path] = []
        if not pending:
            return saved
        folder.mkdir(parents=True, exist_ok=True)
        for download in pending:
            target = _free_name(folder, _safe_name(download.suggested_filename))
            failure = download.failure()  # waits for the download to end
            if failure is not None:
                raise ActionFailed(f"the download of {download.suggested_filename!r} failed: {failure}")
            download.save_as(target)
            saved.append(target)
        return saved


def _leave_unanswered(_chooser: FileChooser) -> None:
    pass


def _safe_name(name: str) -> str:
    # A page chooses the suggested name: keep it to one plain file name in the folder.
    cleaned = re.sub(r"[\x00-\x1f/\\]", "_", name).strip(" .")
    return cleaned or "download"


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = target.stem, target.suffix
    n = 2
    while target.exists():
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target
