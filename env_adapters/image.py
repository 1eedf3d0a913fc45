"""`ImageEnv`: a fixed screenshot as an env, for grounding and for tests.

Nothing on screen ever changes. `Click` and `MoveTo` are accepted and recorded in
`ImageEnv.executed`, so a grounding run can read where the model pointed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Self

from PIL import Image, UnidentifiedImageError

from ..actions import Action, ActionFailed, Click, ConfigError, MoveTo, Point, Space
from .base import ActionResult, EnvBase, Observation

__all__ = ["ImageEnv"]


class ImageEnv(EnvBase):
    """A static image shown as the screen; screen units are its pixels (scale 1, origin 0).

    Args:
        image: a PIL image, or the path of an image file.

    Raises:
        ConfigError: the path does not exist or is not an image file (the path is named).

    Attributes:
        executed: every action executed so far, in order.
    """

    platform = "image"
    supported_actions = frozenset({Click, MoveTo})

    def __init__(self, image: Image.Image | str | Path) -> None:
        self.path: Path | None = None
        if isinstance(image, Image.Image):
            loaded = image
        else:
            self.path = Path(image)
            loaded = _load(self.path)
        if loaded.width == 0 or loaded.height == 0:
            raise ConfigError(f"image {self.path or 'given'} is empty ({loaded.width}x{loaded.height})")
        # A private RGB copy: the caller may go on drawing on its own image.
        self.image: Image.Image = loaded.convert("RGB")
        self.executed: list[Action] = []

    def __enter__(self) -> Self:
        # EnvBase's own returns EnvBase, which mypy cannot match to the Env protocol.
        return self

    def observe(self) -> Observation:
        """The image itself (a copy, so a consumer that draws on it cannot change the screen)."""
        return Observation(image=self.image.copy(), scale=1.0, origin=(0.0, 0.0))

    def execute(self, action: Action) -> ActionResult:
        """Record a `Click` or `MoveTo`; nothing changes on screen.

        Raises:
            UnsupportedAction: any other action type (nothing is recorded).
            ActionFailed: the point is not in screen space or lies outside the image.
        """
        self._require_supported(action)
        assert isinstance(action, Click | MoveTo)
        _check_inside(action.point, self.image.size, action)
        self.executed.append(action)
        verb = "click" if isinstance(action, Click) else "move"
        return ActionResult(action=action, detail=f"recorded {verb} at {action.point}")

    def settings(self) -> dict[str, Any]:
        return {
            "kind": self.platform,
            "path": str(self.path) if self.path else None,
            "size": list(self.image.size),
        }


def _load(path: Path) -> Image.Image:
    if path.is_dir():
        raise ConfigError(f"image {str(path)!r} is a directory, not an image")
    if not path.is_file():
        raise ConfigError(f"image {str(path)!r} does not exist")
    try:
        with Image.open(path) as img:
            img.load()
            return img
    except (UnidentifiedImageError, OSError) as exc:
        raise ConfigError(f"{str(path)!r} is not an image PIL can read ({exc.__class__.__name__})") from exc


def _check_inside(point: Point, size: tuple[int, int], action: Action) -> None:
    # The env cannot tell which image a model point refers to, so only screen points are taken.
    if point.space is not Space.SCREEN:
        raise ActionFailed(
            f"point {point} is in {point.space} space; map it with Frame.to_screen first", action=action
        )
    w, h = size
    if not (math.isfinite(point.x) and math.isfinite(point.y) and 0 <= point.x <= w and 0 <= point.y <= h):
        raise ActionFailed(f"point {point} lies outside the {w}x{h} image", action=action)
