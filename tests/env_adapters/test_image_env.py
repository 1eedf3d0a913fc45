"""ImageEnv: a fixed screenshot that records where the model pointed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import (
    ActionFailed,
    Click,
    ConfigError,
    Drag,
    MoveTo,
    Point,
    Space,
    Type,
    UnsupportedAction,
)
from mimo_gui.env_adapters.base import Env
from mimo_gui.env_adapters.image import ImageEnv


def _picture() -> Image.Image:
    img = Image.new("RGBA", (120, 80), (10, 20, 30, 255))
    ImageDraw.Draw(img).rectangle((30, 20, 60, 40), fill=(200, 100, 0, 255))
    return img


def test_observe_returns_the_image_in_rgb_at_scale_one() -> None:
    source = _picture()
    env = ImageEnv(source)
    obs = env.observe()
    assert obs.image.mode == "RGB"
    assert obs.size == (120, 80)
    assert (obs.scale, obs.origin) == (1.0, (0.0, 0.0))
    assert obs.image.getpixel((45, 30)) == (200, 100, 0)
    assert obs.image.getpixel((5, 5)) == (10, 20, 30)
    assert env.platform == "image"
    assert isinstance(env, Env)


def test_the_screen_cannot_be_changed_through_the_caller_s_images() -> None:
    source = _picture()
    env = ImageEnv(source)
    ImageDraw.Draw(source).rectangle((0, 0, 119, 79), fill=(0, 0, 0, 255))
    ImageDraw.Draw(env.observe().image).rectangle((0, 0, 119, 79), fill=(0, 0, 0))
    assert env.observe().image.getpixel((45, 30)) == (200, 100, 0)


def test_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    _picture().save(path)
    env = ImageEnv(str(path))
    assert env.observe().image.getpixel((45, 30)) == (200, 100, 0)
    assert env.settings() == {"kind": "image", "path": str(path), "size": [120, 80]}
    assert ImageEnv(path).observe().size == (120, 80)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    with pytest.raises(ConfigError, match=re.escape(f"image {str(missing)!r} does not exist")):
        ImageEnv(missing)


def test_a_file_that_is_not_an_image_is_a_config_error_naming_it(tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ConfigError, match=r"notes\.png' is not an image PIL can read") as info:
        ImageEnv(text)
    assert "\n" not in str(info.value)
    assert info.value.__cause__ is not None


def test_a_directory_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory, not an image"):
        ImageEnv(tmp_path)


def test_clicks_and_moves_are_recorded_in_order() -> None:
    env = ImageEnv(_picture())
    click = Click(point=Point(x=45, y=30))
    move = MoveTo(point=Point(x=119.5, y=0))
    assert env.execute(click).action == click
    result = env.execute(move)
    assert result.action == move
    assert result.detail == "recorded move at (119.5, 0)"
    assert env.executed == [click, move]
    assert env.observe().image.getpixel((45, 30)) == (200, 100, 0)


@pytest.mark.parametrize("action", [Drag(start=Point(x=1, y=1), end=Point(x=5, y=5)), Type(text="hi")])
def test_other_actions_are_unsupported_and_not_recorded(action: Drag | Type) -> None:
    env = ImageEnv(_picture())
    with pytest.raises(
        UnsupportedAction, match=f"image env does not support {type(action).__name__}"
    ) as info:
        env.execute(action)
    assert info.value.action == action
    assert env.executed == []


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (Point(x=121, y=10), r"point \(121, 10\) lies outside the 120x80 image"),
        (Point(x=-1, y=10), "lies outside"),
        (Point(x=10, y=80.5), "lies outside"),
        (Point(x=float("nan"), y=10), "lies outside"),
        (Point(x=500, y=500, space=Space.NORM_1000), "is in norm_1000 space; map it with Frame.to_screen"),
    ],
)
def test_points_off_the_image_or_in_model_space_fail(point: Point, message: str) -> None:
    env = ImageEnv(_picture())
    with pytest.raises(ActionFailed, match=message):
        env.execute(Click(point=point))
    assert env.executed == []


def test_describe_knows_nothing_and_close_is_harmless() -> None:
    with ImageEnv(_picture()) as env:
        assert env.describe(Point(x=1, y=1)) is None
    env.close()
    assert env.observe().size == (120, 80)
