"""The trajectory on disk: one folder per run, written so that a killed process loses nothing.

    run.json        the `RunRecord`, rewritten atomically (temp file + rename) when it changes
    steps.jsonl     one `StepRecord` a line, appended, flushed and fsynced before the next step
    step_NNN.png    the screenshot each step saw, in physical pixels
    final.png       the screen after the last action (a run of N steps has N + 1 screenshots)
    downloads/      files the browser downloaded, as the page named them (`collect_downloads`)

`load_run` reads a folder back into typed records and tolerates a last line cut short
by a crash.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image
from pydantic import ValidationError

from ..actions.errors import ConfigError, MimoGuiError
from ..env_adapters.base import Env, FileTransfers
from .durable import claim_fresh_folder, read_jsonl, write_atomically
from .records import ContextRecord, RunRecord, StepRecord

__all__ = [
    "DOWNLOADS",
    "FINAL_SCREENSHOT",
    "LoadedRun",
    "Recorder",
    "collect_downloads",
    "load_run",
    "new_run_folder",
    "record_final_look",
    "run_folder_name",
]

RUN_FILE = "run.json"
STEPS_FILE = "steps.jsonl"
FINAL_SCREENSHOT = "final.png"
DOWNLOADS = "downloads"
SLUG_CHARS = 40


def run_folder_name(task: str, when: float | None = None) -> str:
    """``<time>-<task slug>``: sortable by time, readable at a glance.

    The slug keeps at most `SLUG_CHARS` characters and is cut at a word boundary (a word
    longer than that on its own is cut where the limit falls).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    words = "".join(c if c.isalnum() else " " for c in task.lower()).split()
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_CHARS:
            slug = slug or word[:SLUG_CHARS]
            break
        slug = longer
    return f"{stamp}-{slug or 'run'}"


def new_run_folder(parent: Path, task: str, when: float | None = None) -> Path:
    """Create and return a fresh, empty run folder under ``parent``.

    The folder is made with one ``mkdir`` that fails when the name exists, so two runs of
    the same task in the same second, in one process or in several, never share a folder:
    the later one takes the next free ``-2``, ``-3``, … suffix.

    Raises:
        ConfigError: ``parent`` cannot be created or written to.
    """
    return claim_fresh_folder(parent, run_folder_name(task, when))


class Recorder:
    """Writes one run's folder.

    Args:
        folder: the run folder itself; created if missing, refused if it holds anything.
        run: the run's record, written at once as ``run.json``.
    """

    def __init__(self, folder: Path, run: RunRecord) -> None:
        self.folder = Path(folder)
        _claim(self.folder)
        self.run = run
        self._steps: IO[str] = open(self.folder / STEPS_FILE, "a", encoding="utf-8")  # noqa: SIM115
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mimo-gui-recorder")
        self._pending: Future[None] | None = None
        self.save_run()

    def screenshot_name(self, index: int) -> str:
        return f"step_{index:03d}.png"

    def save_final_screenshot(self, image: Image.Image, png: bytes | None = None) -> str:
        """Save the screen after the last action as `FINAL_SCREENSHOT` (durable on return)."""
        self._wait_for_screenshot()
        self._write_screenshot(self.folder / FINAL_SCREENSHOT, image, png)
        return FINAL_SCREENSHOT

    def save_screenshot(self, index: int, image: Image.Image, png: bytes | None = None) -> str:
        """Start saving a step's screenshot and return its file name.

        The write runs on a background thread, overlapping the model call that follows;
        `append` waits for it, so a step's line never lands before its screenshot. ``png``:
        the capture's own PNG bytes, written as they are instead of encoding ``image`` again.
        """
        name = self.screenshot_name(index)
        self._wait_for_screenshot()
        self._pending = self._pool.submit(self._write_screenshot, self.folder / name, image, png)
        return name

    @staticmethod
    def _write_screenshot(path: Path, image: Image.Image, png: bytes | None) -> None:
        with open(path, "wb") as f:
            if png is not None:
                f.write(png)
            else:
                image.save(f, format="PNG", compress_level=1)  # level 1: speed matters more than bytes
            f.flush()
            os.fsync(f.fileno())

    def _wait_for_screenshot(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a failed write here, in the loop's thread

    def append(self, step: StepRecord) -> None:
        """Append one step and make it (and its screenshot) durable before returning."""
        self._wait_for_screenshot()
        self._steps.write(step.model_dump_json() + "\n")
        self._steps.flush()
        os.fsync(self._steps.fileno())
        self.run.steps = max(self.run.steps, step.index)
        self.run.downloads.extend(step.downloads)
        if step.timings.model:
            self.run.model_seconds += step.timings.model
        self.run.prompt_tokens += step.prompt_tokens or 0
        self.run.completion_tokens += step.completion_tokens or 0

    def save_run(self) -> None:
        write_atomically(self.folder / RUN_FILE, self.run.model_dump_json(indent=2) + "\n")

    def close(self) -> None:
        try:
            self._wait_for_screenshot()
        finally:
            self._pool.shutdown(wait=True)
            if not self._steps.closed:
                self._steps.close()
            self.save_run()


def record_final_look(env: Env, recorder: Recorder) -> None:
    """Record the screen the run left (`FINAL_SCREENSHOT`, and what was in front); an env
    that cannot show it any more is no error: the run's outcome is already decided."""
    try:
        obs = env.observe()
    except MimoGuiError:
        return
    recorder.run.final_screenshot = recorder.save_final_screenshot(obs.image, obs.png)
    recorder.run.final_context = ContextRecord.model_validate(obs.context())


def collect_downloads(env: Env, folder: Path | None) -> list[str]:
    """Save what ``env`` downloaded since the last call into ``folder/downloads/``; the
    saved files' paths relative to ``folder``. Nothing for an env that downloads nothing,
    or a run not recorded (the downloads then stay with the env)."""
    if folder is None or not isinstance(env, FileTransfers):
        return []
    saved = env.save_downloads(folder / DOWNLOADS)
    return [path.relative_to(folder).as_posix() for path in saved]


def _claim(folder: Path) -> None:
    """Make ``folder`` this run's: create it, or accept it when it is an empty folder."""
    try:
        folder.mkdir(parents=True)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigError(f"cannot create the run folder {str(folder)!r}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise ConfigError(f"run folder {str(folder)!r} is a file, not a folder: pick a new --out")
    if any(folder.iterdir()):
        raise ConfigError(f"run folder {str(folder)!r} is not empty: pick a new --out")


@dataclass(frozen=True, slots=True)
class LoadedRun:
    """A run read back from disk."""

    folder: Path
    run: RunRecord
    steps: list[StepRecord]
    truncated: bool
    """Whether the last line of steps.jsonl was cut short (a crash mid-write) and skipped."""

    def screenshot(self, step: StepRecord) -> Image.Image | None:
        return Image.open(self.folder / step.screenshot) if step.screenshot else None

    @property
    def final_screenshot(self) -> Path | None:
        """The screen after the run's last action, if it was captured."""
        name = self.run.final_screenshot
        return self.folder / name if name else None


def load_run(folder: str | Path) -> LoadedRun:
    """Read a run folder back into typed records.

    Raises:
        ConfigError: no run.json there, or a line other than the last is corrupt.
    """
    folder = Path(folder)
    try:
        run = RunRecord.model_validate_json((folder / RUN_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{str(folder)!r} is not a run folder: it has no {RUN_FILE}") from None
    except ValidationError as exc:
        raise ConfigError(f"{folder / RUN_FILE} is corrupt: {exc.errors()[0]['msg']}") from exc
    steps, truncated = read_jsonl(folder / STEPS_FILE, StepRecord)
    return LoadedRun(folder, run, steps, truncated)
