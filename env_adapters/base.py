"""The `Env` contract: what every screen (browser, desktop, phone, plain image) offers the loop.

An env shows a screenshot (`observe`) and carries out one action (`execute`). Waiting for
the screen to settle after an action is the adapter's job, done with the one shared
`env_adapters.settle.Settle`; the step budget is the agent's (`Agent.max_steps` counts model
calls, which an env cannot see).

Coordinates: `Observation.image` is in physical pixels; actions arrive in screen units
(CSS pixels, logical points, device pixels); `Observation.scale` and `Observation.origin`
say how the two relate, and `Frame` is built from them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from PIL import Image

from ..actions import Action, Point
from ..actions.screen import Dialog, ScreenContext, Tab

__all__ = ["ActionResult", "Dialog", "Env", "EnvBase", "FileTransfers", "Observation", "Tab"]


@dataclass(frozen=True, slots=True, eq=False)
class Observation:
    """One look at the screen.

    Attributes:
        image: the screenshot in physical pixels (RGB).
        scale: physical pixels per screen unit (device scale factor; 1 for phones and images).
        origin: the captured area's top-left in screen units (a monitor's offset).
        url, title, app: what is in front, where the platform can tell.
        tabs: open browser tabs; dialog: a browser dialog waiting for an answer.
        extra: anything else the adapter wants recorded (JSON-serialisable).
        png: the screenshot as the platform delivered it, PNG-encoded, when it did; the
            recorder writes these bytes instead of encoding ``image`` again.
    """

    image: Image.Image
    scale: float = 1.0
    origin: tuple[float, float] = (0.0, 0.0)
    url: str | None = None
    title: str | None = None
    app: str | None = None
    tabs: tuple[Tab, ...] = ()
    dialog: Dialog | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    png: bytes | None = field(default=None, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        """The screenshot's size in physical pixels."""
        return self.image.size

    @property
    def screen(self) -> ScreenContext:
        """What is in front besides the pixels, typed, as the prompts take it."""
        return ScreenContext(url=self.url, title=self.title, app=self.app, tabs=self.tabs, dialog=self.dialog)

    def context(self) -> dict[str, Any]:
        """The non-image part, JSON-ready, for records."""
        out: dict[str, Any] = {"scale": self.scale, "origin": list(self.origin)}
        out.update(self.screen.to_json())
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What happened when an action ran. A failure is raised (`EnvError`), not returned."""

    action: Action
    detail: str = ""
    """A short note from the adapter (``navigated to …``, ``dialog accepted``)."""


@runtime_checkable
class Env(Protocol):
    """A screen the agent can look at and act on.

    ``execute`` refuses an action whose type is not in ``supported_actions`` with
    `UnsupportedAction` before doing anything; any other failure is an `EnvError`
    subclass with the adapter's own exception chained.
    """

    platform: str
    """``browser``, ``desktop``, ``android`` or ``image``."""

    supported_actions: frozenset[type[Action]]

    def observe(self) -> Observation: ...

    def execute(self, action: Action) -> ActionResult: ...

    def close(self) -> None: ...

    def describe(self, point: Point) -> str | None:
        """The text of what lies under a screen point, where the platform can tell."""
        ...

    def settings(self) -> dict[str, Any]:
        """The env's settings for ``run.json`` (kind, url, viewport, scale, …)."""
        ...

    def __enter__(self) -> Env: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@runtime_checkable
class FileTransfers(Protocol):
    """An env that moves files in and out, which pixels cannot: the browser (`BrowserEnv`).

    ``upload`` clicks a point and hands the file chooser it opens ``files``; ``save_downloads``
    writes the downloads started since its last call into a folder and returns their paths.
    """

    def upload(self, point: Point, files: Sequence[str | Path]) -> ActionResult: ...

    def save_downloads(self, folder: Path) -> list[Path]: ...


class EnvBase(ABC):
    """Optional base class for adapters: the context manager, `describe` and the support check.

    A subclass must define `observe` and `execute`; one that lacks either cannot be
    built (``TypeError: Can't instantiate abstract class … with abstract method execute``).
    """

    platform: str = "unknown"
    supported_actions: frozenset[type[Action]] = frozenset()

    @abstractmethod
    def observe(self) -> Observation:
        """One look at the screen."""

    @abstractmethod
    def execute(self, action: Action) -> ActionResult:
        """Carry out one action; refuse an unsupported one with `_require_supported` first."""

    def describe(self, point: Point) -> str | None:
        return None

    def settings(self) -> dict[str, Any]:
        return {"kind": self.platform}

    def close(self) -> None:
        """Release what the adapter holds; nothing by default."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _require_supported(self, action: Action) -> None:
        from ..actions.errors import UnsupportedAction

        if type(action) not in self.supported_actions:
            names = ", ".join(sorted(t.__name__ for t in self.supported_actions))
            raise UnsupportedAction(
                f"{self.platform} env does not support {type(action).__name__}; it supports {names}",
                action=action,
            )
