"""check_env: each contract breach gives its exact message; real adapters pass."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import Image

from mimo_gui.actions import (
    Action,
    ActionFailed,
    Click,
    ConfigError,
    MoveTo,
    Point,
    Wait,
)
from mimo_gui.actions.errors import CaptureFailed
from mimo_gui.env_adapters.base import ActionResult, Observation
from mimo_gui.env_adapters.check import EnvCheckError, check_env
from mimo_gui.env_adapters.image import ImageEnv

PAGES = Path(__file__).parent / "pages"


class Good(ImageEnv):
    """A conforming env to break one piece at a time."""

    def __init__(self) -> None:
        super().__init__(Image.new("RGB", (64, 48), (30, 60, 90)))


class NotRGB(Good):
    def observe(self) -> Observation:
        return Observation(image=self.image.convert("L"))


class ZeroScale(Good):
    def observe(self) -> Observation:
        return Observation(image=self.image, scale=0)


class NanOrigin(Good):
    def observe(self) -> Observation:
        return Observation(image=self.image, origin=(math.nan, 0.0))


class EmptyImage(Good):
    def observe(self) -> Observation:
        return Observation(image=Image.new("RGB", (0, 0)))


class NotAnObservation(Good):
    def observe(self) -> Any:
        return self.image


class ObserveFails(Good):
    def observe(self) -> Observation:
        raise CaptureFailed("no screen attached")


class ObserveForeign(Good):
    def observe(self) -> Observation:
        raise OSError("display :0 is gone")


class BrokenAfterActing(Good):
    def observe(self) -> Observation:
        image = self.image.convert("RGBA") if self.executed else self.image
        return Observation(image=image)


class EmptySupported(Good):
    supported_actions = frozenset()


class NotAFrozenset(Good):
    supported_actions: ClassVar[Any] = {Click}


class HoldsANonAction(Good):
    supported_actions = frozenset({Click, int})  # type: ignore[arg-type]


class NoPlatform(Good):
    platform = ""


class WrongResult(Good):
    def execute(self, action: Action) -> ActionResult:
        super().execute(action)
        return ActionResult(action=Wait(seconds=9))


class ReturnsNone(Good):
    def execute(self, action: Action) -> Any:
        super().execute(action)


class SilentOnUndeclared(Good):
    def execute(self, action: Action) -> ActionResult:
        return ActionResult(action=action)


class WrongErrorOnUndeclared(Good):
    def execute(self, action: Action) -> ActionResult:
        if type(action) not in self.supported_actions:
            raise ActionFailed("cannot do that", action=action)
        return super().execute(action)


class ForeignError(Good):
    def execute(self, action: Action) -> ActionResult:
        self._require_supported(action)
        raise ValueError("bad point")


class DeclaredFails(Good):
    def execute(self, action: Action) -> ActionResult:
        self._require_supported(action)
        if isinstance(action, Click):
            raise ActionFailed("element went away", action=action)
        return super().execute(action)


class DescribeNotStr(Good):
    def describe(self, point: Point) -> Any:
        return 42


class BadSettings(Good):
    def settings(self) -> dict[str, Any]:
        return {"size": [64, 48]}


class WrongViewport(Good):
    def settings(self) -> dict[str, Any]:
        return {"kind": "image", "viewport": [10, 10]}


class NoExecute:
    platform = "image"
    supported_actions = frozenset({Click})

    def observe(self) -> Observation:
        return Observation(image=Image.new("RGB", (4, 4)))


BROKEN: list[tuple[type[Any], str]] = [
    (NotRGB, "observation image mode is 'L', expected 'RGB'"),
    (ZeroScale, "observation scale must be a positive finite number, got 0"),
    (NanOrigin, "observation origin must be two finite numbers, got (nan, 0.0)"),
    (EmptyImage, "observation image is empty (0x0)"),
    (NotAnObservation, "observe() returned Image, expected Observation"),
    (ObserveFails, "observe() (first call) raised CaptureFailed: no screen attached"),
    (
        ObserveForeign,
        "observe() (first call) raised OSError (display :0 is gone); adapters must raise EnvError subclasses",
    ),
    (BrokenAfterActing, "observation image mode is 'RGBA', expected 'RGB'"),
    (EmptySupported, "supported_actions is empty: declare the action types the env can execute"),
    (NotAFrozenset, "supported_actions must be a frozenset, got set"),
    (HoldsANonAction, "supported_actions holds <class 'int'>, which is not an action class"),
    (NoPlatform, "platform must be a non-empty str, got ''"),
    (WrongResult, "execute(MoveTo) returned a result for Wait, not for the action it was given"),
    (ReturnsNone, "execute(MoveTo) returned NoneType, expected ActionResult"),
    (
        SilentOnUndeclared,
        "execute(Drag) of an undeclared action returned ActionResult instead of raising UnsupportedAction",
    ),
    (
        WrongErrorOnUndeclared,
        "execute(Drag) of an undeclared action raised ActionFailed, expected UnsupportedAction",
    ),
    (ForeignError, "execute(MoveTo) raised ValueError (bad point); adapters must raise EnvError subclasses"),
    (DeclaredFails, "execute(Click) raised ActionFailed: element went away"),
    (DescribeNotStr, "describe() returned int, expected str or None"),
    (BadSettings, "settings() must return a dict with a 'kind' string, got {'size': [64, 48]}"),
    (WrongViewport, "observation image is 64x48 pixels, but viewport 10x10 at scale 1 means 10x10"),
    (NoExecute, "env has no execute() method"),
]


@pytest.mark.parametrize(("cls", "message"), BROKEN, ids=[c.__name__ for c, _ in BROKEN])
def test_each_breach_has_its_message(cls: type[Any], message: str) -> None:
    with pytest.raises(EnvCheckError) as info:
        check_env(cls())
    assert str(info.value) == message
    assert isinstance(info.value, AssertionError)


def test_image_env_passes_and_is_really_acted_on() -> None:
    env = Good()
    check_env(env)
    assert [type(a) for a in env.executed] == [MoveTo, Click]
    assert env.executed[1] == Click(point=Point(x=32, y=24))  # the screen centre


# -- a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    from tests.support.static_server import serve_folder

    with serve_folder(PAGES) as url:
        yield url


@pytest.fixture(scope="module")
def browser_env() -> Iterator[Any]:
    from mimo_gui.env_adapters.browser import BrowserEnv, find_chromium

    try:
        chromium = find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")
    with BrowserEnv.launch(viewport=(640, 480), device_scale_factor=1.5, chromium=chromium) as env:
        yield env


@pytest.mark.browser
def test_browser_env_passes(browser_env: Any, base_url: str) -> None:
    from mimo_gui.actions import Navigate

    browser_env.execute(Navigate(url=f"{base_url}/form.html"))
    check_env(browser_env)
    assert browser_env.dialog_log == []
    assert browser_env.observe().size == (960, 720)


@pytest.mark.browser
def test_browser_env_passes_with_a_dialog_open_and_answers_it(browser_env: Any, base_url: str) -> None:
    from mimo_gui.actions import Navigate

    browser_env.execute(Navigate(url=f"{base_url}/dialogs.html"))
    x, y = browser_env.page.evaluate(
        "(() => { const r = document.getElementById('confirm').getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
    )
    browser_env.execute(Click(point=Point(x=x, y=y)))
    assert browser_env.observe().dialog is not None
    check_env(browser_env)
    answered = [e for e in browser_env.dialog_log if e["event"] == "answered"]
    assert answered[-1]["accept"] is False
    assert browser_env.observe().dialog is None
