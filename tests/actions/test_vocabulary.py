"""Every action survives JSON; invalid combinations are not representable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mimo_gui.actions import (
    ACTION_TYPES,
    ActionAdapter,
    AnswerDialog,
    Back,
    CallUser,
    Click,
    Drag,
    Fail,
    Finish,
    Home,
    Hotkey,
    LongPress,
    MoveTo,
    Navigate,
    OpenApp,
    Point,
    Scroll,
    Space,
    Swipe,
    SwitchTab,
    Type,
    Wait,
    is_terminal,
    map_points,
)

P = Point(x=12.5, y=7, space=Space.MODEL_PIXELS)
Q = Point(x=100, y=200)

EXAMPLES = [
    Click(point=P, button="right", count=2),
    MoveTo(point=Q),
    Drag(start=P, end=Q),
    Scroll(direction="down", point=Q, amount=300),
    Scroll(direction="left"),
    Type(text='p@ss "wörd" 密码\n'),
    Hotkey(keys=("ctrl", "shift", "t")),
    Wait(seconds=0.5),
    LongPress(point=P, seconds=2),
    Swipe(start=P, end=Q, seconds=0.4),
    Navigate(url="http://127.0.0.1:8000/a?b=c"),
    Back(),
    Home(),
    OpenApp(name="Settings"),
    SwitchTab(index=1),
    AnswerDialog(accept=True, text="yes"),
    Finish(answer="42"),
    Fail(reason="no such button"),
    CallUser(question="Which account?"),
]


def test_examples_cover_every_action_type() -> None:
    assert {type(a) for a in EXAMPLES} == set(ACTION_TYPES)


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda a: a.type)
def test_json_round_trip(action) -> None:
    text = action.model_dump_json()
    back = ActionAdapter.validate_json(text)
    assert back == action and type(back) is type(action)
    assert ActionAdapter.validate_python(action.model_dump(mode="json")) == action


def test_invalid_combinations_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ActionAdapter.validate_python({"type": "click", "point": {"x": 1, "y": 2}, "text": "hi"})
    with pytest.raises(ValidationError):
        ActionAdapter.validate_python({"type": "type", "text": "a", "point": {"x": 1, "y": 2}})
    with pytest.raises(ValidationError):
        Click(point=Q, count=0)
    with pytest.raises(ValidationError):
        Hotkey(keys=())
    with pytest.raises(ValidationError):
        ActionAdapter.validate_python({"type": "teleport"})


def test_actions_are_frozen() -> None:
    click = Click(point=Q)
    with pytest.raises(ValidationError):
        click.count = 2  # type: ignore[misc]


def test_map_points_touches_every_point_and_nothing_else() -> None:
    def shift(p: Point) -> Point:
        return Point(x=p.x + 1, y=p.y + 2, space=Space.SCREEN)

    drag = map_points(Drag(start=P, end=P), shift)
    assert drag == Drag(start=Point(x=13.5, y=9), end=Point(x=13.5, y=9))
    assert map_points(Scroll(direction="up"), shift) == Scroll(direction="up")
    assert map_points(Type(text="x"), shift) == Type(text="x")


def test_terminal_actions() -> None:
    assert [a.type for a in EXAMPLES if is_terminal(a)] == ["finish", "fail", "call_user"]


def test_action_types_are_exactly_the_union_and_no_class_is_left_out() -> None:
    # ACTION_TYPES is read off the Action union; checked here against two other views of it:
    # the discriminator pydantic builds from the union, and the classes the module defines.
    from mimo_gui.actions import vocabulary

    mapping = ActionAdapter.json_schema()["discriminator"]["mapping"]
    assert sorted(c.model_fields["type"].default for c in ACTION_TYPES) == sorted(mapping)
    defined = {
        c
        for c in vars(vocabulary).values()
        if isinstance(c, type) and issubclass(c, vocabulary._Action) and c is not vocabulary._Action
    }
    assert defined == set(ACTION_TYPES)
    assert len(ACTION_TYPES) == len(set(ACTION_TYPES)) == 18


def test_action_point_of_each_kind() -> None:
    from mimo_gui.actions import action_point

    p, q = Point(x=1, y=2), Point(x=3, y=4)
    assert action_point(Click(point=p)) == p
    assert action_point(Drag(start=p, end=q)) == p
    assert action_point(Swipe(start=q, end=p)) == q
    assert action_point(Scroll(direction="up")) is None
    assert action_point(Type(text="x")) is None
    assert action_point(None) is None
