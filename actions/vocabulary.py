"""The action vocabulary: one frozen pydantic model per action, discriminated by ``type``.

A `Click` cannot carry text and a `Type` cannot carry a point: invalid combinations are
not representable. Points carry their space (`Point.space`): a parser produces actions in
a model space, `Frame.to_screen` turns them into screen space, and only screen-space
actions reach an env. Adapters dispatch with ``match`` and end on ``assert_never``, so
an action an adapter forgot fails the type check; so do this module's own helpers,
and `ACTION_TYPES` is read off the union itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeAlias, assert_never, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .geometry import Point

__all__ = [
    "ACTION_TYPES",
    "Action",
    "ActionAdapter",
    "AnswerDialog",
    "Back",
    "CallUser",
    "Click",
    "Drag",
    "Fail",
    "Finish",
    "Home",
    "Hotkey",
    "LongPress",
    "MoveTo",
    "Navigate",
    "OpenApp",
    "Scroll",
    "ScrollDirection",
    "Swipe",
    "SwitchTab",
    "Type",
    "Wait",
    "action_point",
    "is_terminal",
    "map_points",
]

ScrollDirection = Literal["up", "down", "left", "right"]


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Click(_Action):
    """Click ``count`` times with ``button`` at ``point``."""

    type: Literal["click"] = "click"
    point: Point
    button: Literal["left", "right", "middle"] = "left"
    count: int = Field(default=1, ge=1, le=3)


class MoveTo(_Action):
    """Move the pointer to ``point`` (hover)."""

    type: Literal["move_to"] = "move_to"
    point: Point


class Drag(_Action):
    """Press at ``start``, move to ``end``, release (drag and drop, text selection)."""

    type: Literal["drag"] = "drag"
    start: Point
    end: Point


class Scroll(_Action):
    """Scroll so that content in ``direction`` comes into view: ``down`` shows what is below.

    ``point`` is where the wheel turns (None: the middle of the screen); ``amount`` is
    in the env's screen units (None: the env's default, about half a screen).
    """

    type: Literal["scroll"] = "scroll"
    direction: ScrollDirection
    point: Point | None = None
    amount: float | None = Field(default=None, gt=0)


class Type(_Action):
    """Type ``text`` into whatever has the focus (any Unicode).

    ``keystrokes``: send every character as a key event, even where the env would
    otherwise paste (a desktop pastes text a keyboard cannot type by its keys; a terminal
    or a field that refuses pasting wants keys).
    """

    type: Literal["type"] = "type"
    text: str
    keystrokes: bool = False


class Hotkey(_Action):
    """Press ``keys`` together, in order, and release them in reverse (``("ctrl", "c")``)."""

    type: Literal["hotkey"] = "hotkey"
    keys: tuple[str, ...] = Field(min_length=1)


class Wait(_Action):
    """Do nothing for ``seconds``, then look again."""

    type: Literal["wait"] = "wait"
    seconds: float = Field(default=1.0, ge=0)


class LongPress(_Action):
    """Press and hold at ``point`` for ``seconds`` (touch screens)."""

    type: Literal["long_press"] = "long_press"
    point: Point
    seconds: float = Field(default=1.0, gt=0)


class Swipe(_Action):
    """Move a finger from ``start`` to ``end`` in ``seconds`` (touch screens): a literal gesture."""

    type: Literal["swipe"] = "swipe"
    start: Point
    end: Point
    seconds: float = Field(default=0.3, gt=0)


class Navigate(_Action):
    """Open ``url`` (browsers)."""

    type: Literal["navigate"] = "navigate"
    url: str = Field(min_length=1)


class Back(_Action):
    """Go back (browser history, Android's back button)."""

    type: Literal["back"] = "back"


class Home(_Action):
    """Go to the home screen (Android)."""

    type: Literal["home"] = "home"


class OpenApp(_Action):
    """Open the app called ``name`` (Android package or label, desktop program)."""

    type: Literal["open_app"] = "open_app"
    name: str = Field(min_length=1)


class SwitchTab(_Action):
    """Bring the browser tab at ``index`` (as listed in the observation) to the front."""

    type: Literal["switch_tab"] = "switch_tab"
    index: int = Field(ge=0)


class AnswerDialog(_Action):
    """Answer the open browser dialog: accept (with ``text`` for a prompt) or dismiss."""

    type: Literal["answer_dialog"] = "answer_dialog"
    accept: bool
    text: str | None = None


class Finish(_Action):
    """The task is done; ``answer`` holds what the task asked for, if anything."""

    type: Literal["finish"] = "finish"
    answer: str | None = None


class Fail(_Action):
    """The task cannot be done; ``reason`` says why."""

    type: Literal["fail"] = "fail"
    reason: str = ""


class CallUser(_Action):
    """The model needs the user: ``question`` is what to ask. Ends the run."""

    type: Literal["call_user"] = "call_user"
    question: str = ""


Action: TypeAlias = Annotated[
    Click
    | MoveTo
    | Drag
    | Scroll
    | Type
    | Hotkey
    | Wait
    | LongPress
    | Swipe
    | Navigate
    | Back
    | Home
    | OpenApp
    | SwitchTab
    | AnswerDialog
    | Finish
    | Fail
    | CallUser,
    Field(discriminator="type"),
]
"""Any action; ``ActionAdapter.validate_json`` reads one back from JSON."""

ActionAdapter: TypeAdapter[Action] = TypeAdapter(Action)


def _union_members(alias: object) -> tuple[type[_Action], ...]:
    """The classes of an ``Annotated[A | B | …, Field(...)]`` union, in order."""
    (union, *_metadata) = get_args(alias)
    return tuple(get_args(union))


ACTION_TYPES: tuple[type[_Action], ...] = _union_members(Action)
"""Every action class, read off the `Action` union: a class added there is listed here."""


def is_terminal(action: Action) -> bool:
    """Whether the action ends a run (`Finish`, `Fail`, `CallUser`)."""
    match action:
        case Finish() | Fail() | CallUser():
            return True
        case (
            Click() | MoveTo() | Drag() | Scroll() | Type() | Hotkey() | Wait() | LongPress() | Swipe()
            | Navigate() | Back() | Home() | OpenApp() | SwitchTab() | AnswerDialog()
        ):  # fmt: skip
            return False
        case _:
            assert_never(action)


def action_point(action: Action | None) -> Point | None:
    """Where an action acts: its point, or where a drag or swipe starts; None for the others."""
    match action:
        case None:
            return None
        case Click(point=p) | MoveTo(point=p) | LongPress(point=p):
            return p
        case Scroll(point=p):
            return p
        case Drag(start=p) | Swipe(start=p):
            return p
        case (
            Type() | Hotkey() | Wait() | Navigate() | Back() | Home() | OpenApp() | SwitchTab()
            | AnswerDialog() | Finish() | Fail() | CallUser()
        ):  # fmt: skip
            return None
        case _:
            assert_never(action)


def map_points(action: Action, fn: Callable[[Point], Point]) -> Action:
    """The same action with every point passed through ``fn`` (an action without points is returned as is)."""
    match action:
        case Click(point=p) | MoveTo(point=p) | LongPress(point=p):
            return action.model_copy(update={"point": fn(p)})
        case Scroll(point=p):
            return action if p is None else action.model_copy(update={"point": fn(p)})
        case Drag(start=s, end=e) | Swipe(start=s, end=e):
            return action.model_copy(update={"start": fn(s), "end": fn(e)})
        case (
            Type() | Hotkey() | Wait() | Navigate() | Back() | Home() | OpenApp() | SwitchTab()
            | AnswerDialog() | Finish() | Fail() | CallUser()
        ):  # fmt: skip
            return action
        case _:
            assert_never(action)
