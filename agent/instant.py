"""Instant actions: one model call each, no planning.

``agent.click("the Sign in button")`` locates its target with the profile's grounding
prompt and parser (`grounding.read_answer`, the function ``mimo-gui ground`` and the eval
use) on a screenshot framed as `Agent.step` frames one, so the point lands in the env's
screen space exactly; then it executes the action through the env. ``refine=True`` looks
a second time at a crop around the first answer, with the eval's own `refine_crop` and
`enlarge_crop`, so a refine gain measured by ``mimo-gui eval --refine`` carries over.
`press`, and `scroll`/`type` without a target, call no model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

from ..actions import (
    Click,
    ConfigError,
    CoordinateError,
    Hotkey,
    MoveTo,
    ParseError,
    Point,
    Scroll,
    ScrollDirection,
    Space,
    Type,
    UnsupportedAction,
)
from ..actions.errors import MimoGuiError, UnframeableImage
from ..env_adapters.base import FileTransfers
from .calls import CallCore, StepCall
from .grounding import enlarge_crop, grounding_request, point_from_crop, read_answer, refine_crop
from .secrets import SecretText

__all__ = ["REFINE_AREA", "InstantActions", "split_keys"]

REFINE_AREA = 0.25
"""The refine crop's share of the screenshot's area: the eval's default (``--refine-area``)."""

_DIRECTIONS = ("up", "down", "left", "right")
_KEY_SPLIT = re.compile(r"\+(?!$)")


def split_keys(keys: str) -> tuple[str, ...]:
    """``"ctrl+a"`` as ``("ctrl", "a")``; a ``+`` last is the plus key (``"ctrl++"``).

    Raises:
        ConfigError: no key named.
    """
    parts = tuple(p.strip() for p in _KEY_SPLIT.split(keys.strip()))
    if not keys.strip() or any(not p for p in parts):
        raise ConfigError(f"cannot read the keys {keys!r}: name them joined by '+', as in 'ctrl+a'")
    return parts


def _ground_feedback(error: MimoGuiError) -> str:
    if isinstance(error, CoordinateError):
        return f"{error}. Point inside the screenshot, answering as asked."
    message = error.args[0] if isinstance(error, ParseError) else str(error)
    return f"{message}. Your answer could not be used. Answer again with the target's location, as asked."


class InstantActions(CallCore):
    """`locate`, `click`, `double_click`, `right_click`, `hover`, `type`, `scroll`, `upload`, `press`."""

    def locate(self, description: str, *, refine: bool = False) -> Point:
        """Where ``description``'s target is on the screen, in screen space; nothing is executed.

        Raises:
            ParseError: the model named no point (after one retry); the raw answer is in it.
            CoordinateError: the model pointed outside the screenshot (after one retry).
        """
        with self._step("locate", description) as call:
            return self._locate(call, description, refine)

    def click(self, description: str, *, refine: bool = False) -> Point:
        """Click ``description``'s target; the point clicked (screen space)."""
        return self._point_at(description, refine, "left", 1)

    def double_click(self, description: str, *, refine: bool = False) -> Point:
        """Double-click ``description``'s target; the point clicked (screen space)."""
        return self._point_at(description, refine, "left", 2)

    def right_click(self, description: str, *, refine: bool = False) -> Point:
        """Right-click ``description``'s target; the point clicked (screen space)."""
        return self._point_at(description, refine, "right", 1)

    def hover(self, description: str, *, refine: bool = False) -> Point:
        """Move the pointer onto ``description``'s target; the point (screen space)."""
        return self._point_at(description, refine, None, 0)

    def type(
        self,
        text: str | SecretText,
        *,
        into: str | None = None,
        clear: bool = False,
        enter: bool = False,
    ) -> None:
        """Type ``text``; with ``into``, click that target first (in the same step).

        ``clear`` selects all and deletes before typing; ``enter`` presses Enter after. A
        `SecretText` is typed as its value, read now, and recorded as its placeholders.

        Raises:
            ConfigError: a secret's variable is not set (nothing is done).
        """
        shown = str(text)
        value = text.reveal() if isinstance(text, SecretText) else text
        with self._step("locate" if into else "act", into) as call:
            if into is not None:
                point = self._locate(call, into, False)
                self._execute(call, Click(point=point))
            else:
                self._look(call, for_model=False)
            if clear:
                self._execute(call, Hotkey(keys=("ctrl", "a")))
                self._execute(call, Hotkey(keys=("backspace",)))
            secret = value if isinstance(text, SecretText) and value else None
            self._execute(call, Type(text=value), shown=Type(text=shown), secret=secret)
            if enter:
                self._execute(call, Hotkey(keys=("enter",)))

    def scroll(self, direction: str, *, at: str | None = None, amount: int | None = None) -> None:
        """Scroll so that what lies ``direction`` (up, down, left, right) comes into view.

        ``at``: the target to scroll over (located first), else the middle of the screen;
        ``amount``: screen units (None: the env's default, about half a screen).

        Raises:
            ConfigError: an unknown direction or an amount under 1.
        """
        if direction not in _DIRECTIONS:
            raise ConfigError(f"cannot scroll {direction!r}: the directions are {', '.join(_DIRECTIONS)}")
        if amount is not None and amount < 1:
            raise ConfigError(f"a scroll amount must be at least 1, got {amount}")
        way = cast(ScrollDirection, direction)
        with self._step("locate" if at else "act", at) as call:
            point = self._locate(call, at, False) if at is not None else None
            if at is None:
                self._look(call, for_model=False)
            self._execute(call, Scroll(direction=way, point=point, amount=amount))

    def upload(
        self, description: str, files: str | Path | Sequence[str | Path], *, refine: bool = False
    ) -> Point:
        """Click ``description``'s target (an upload button or file field) and give the file
        chooser it opens ``files``; the point clicked. The browser only: a file dialog is
        not something pixels can fill in, so Playwright's file chooser does it.

        Raises:
            UnsupportedAction: the env cannot upload (checked before the model is asked).
            ConfigError: a file does not exist (checked before the model is asked).
            ActionFailed: the click opened no file chooser.
        """
        paths = [Path(files)] if isinstance(files, str | Path) else [Path(f) for f in files]
        env = self.env
        if not isinstance(env, FileTransfers):
            raise UnsupportedAction(f"the {env.platform} env cannot upload files: only the browser env can")
        for path in paths:
            if not path.is_file():
                raise ConfigError(f"cannot upload {str(path)!r}: no such file")
        with self._step("locate", description) as call:
            point = self._locate(call, description, refine)
            self._execute(call, Click(point=point), perform=lambda: env.upload(point, paths))
            return point

    def press(self, keys: str) -> None:
        """Press ``keys`` together (``"ctrl+a"``, ``"enter"``); no model call.

        Raises:
            ConfigError: no key named.
        """
        combo = split_keys(keys)
        with self._step("act", keys) as call:
            self._look(call, for_model=False)
            self._execute(call, Hotkey(keys=combo))

    # -- the parts -----------------------------------------------------------------

    def _point_at(
        self, description: str, refine: bool, button: Literal["left", "right"] | None, count: int
    ) -> Point:
        with self._step("locate", description) as call:
            point = self._locate(call, description, refine)
            action = MoveTo(point=point) if button is None else Click(point=point, button=button, count=count)
            self._execute(call, action)
            return point

    def _locate(self, call: StepCall, description: str, refine: bool) -> Point:
        """Look, ask where ``description`` is, map it to screen space (and refine it)."""
        self._look(call)
        _, frame, image = call.look
        messages = self.profile.grounding_messages(description, image, think=self.think)
        found = self._ask(
            call, messages, lambda c: read_answer(self.profile, frame, c), feedback=_ground_feedback
        )
        call.rec.thought = found.thought
        point = found.point
        output: dict[str, Any] = {"x": point.x, "y": point.y}
        if found.box is not None:
            output["box"] = [found.box.x1, found.box.y1, found.box.x2, found.box.y2]
        if refine:
            point = self._refine(call, description, point, output)
        call.rec.output = output
        return point

    def _refine(self, call: StepCall, description: str, first: Point, output: dict[str, Any]) -> Point:
        """The eval's second look: the same crop, enlargement, request and reading.

        A second answer that cannot be read leaves the first standing, as in the eval.
        """
        obs, frame, _ = call.look
        pixel = ((first.x - frame.origin_x) * frame.scale, (first.y - frame.origin_y) * frame.scale)
        crop = refine_crop(obs.image.size, pixel, area=REFINE_AREA)
        output.update(first={"x": first.x, "y": first.y}, crop=list(crop))
        try:
            enlarged = enlarge_crop(obs.image.crop(crop), self.profile)
            request, crop_frame = grounding_request(
                enlarged, description, self.profile, think=self.think, **self._overrides
            )
        except UnframeableImage as exc:
            output["refine_error"] = str(exc)
            return first
        call.lap("refine")
        completion = self.backend.complete(request)
        call.lap("model")
        output["refine_raw"] = completion.text
        call.rec.prompt_tokens = (call.rec.prompt_tokens or 0) + (completion.prompt_tokens or 0)
        call.rec.completion_tokens = (call.rec.completion_tokens or 0) + (completion.completion_tokens or 0)
        try:
            second = read_answer(self.profile, crop_frame, completion)
        except (ParseError, CoordinateError) as exc:
            output["refine_error"] = str(exc)
            return first
        x, y = point_from_crop(crop, enlarged.size, (second.point.x, second.point.y))
        point = Point(
            x=frame.origin_x + x / frame.scale, y=frame.origin_y + y / frame.scale, space=Space.SCREEN
        )
        output.update(x=point.x, y=point.y)
        return point
