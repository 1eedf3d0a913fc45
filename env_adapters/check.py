"""`check_env`: does an adapter keep the `Env` contract? In the spirit of Gymnasium's env checker.

It observes, checks the image and geometry, executes every declared action once
against a harmless target (the screen centre, the current URL), checks that an
undeclared action is refused with `UnsupportedAction`, and observes again. The first
breach raises `EnvCheckError` saying exactly what is wrong.

The check acts on the env for real: run it on a page or screen where a click in the
middle, a tab key, a little typing and a scroll do no harm.
"""

from __future__ import annotations

import math
from typing import Any

from PIL import Image

from ..actions import (
    ACTION_TYPES,
    Action,
    AnswerDialog,
    Back,
    CallUser,
    Click,
    Drag,
    EnvError,
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
    Swipe,
    SwitchTab,
    Type,
    UnsupportedAction,
    Wait,
)
from .base import ActionResult, Observation

__all__ = ["EnvCheckError", "check_env"]

_METHODS = ("observe", "execute", "close", "describe", "settings")
_TERMINAL = (Finish, Fail, CallUser)


class EnvCheckError(AssertionError):
    """The env breaks the `Env` contract; the message says where."""


def check_env(env: Any) -> None:
    """Check that ``env`` keeps the `Env` contract, acting on it for real.

    Raises:
        EnvCheckError: the first breach found.
    """
    for name in _METHODS:
        if not callable(getattr(env, name, None)):
            raise EnvCheckError(f"env has no {name}() method")
    platform = getattr(env, "platform", None)
    if not isinstance(platform, str) or not platform:
        raise EnvCheckError(f"platform must be a non-empty str, got {platform!r}")
    declared = _declared(env)
    _check_settings(env)

    first = _observe(env, "first")
    centre = _centre(first)
    described = _call(env, "describe", "describe()", centre)
    if described is not None and not isinstance(described, str):
        raise EnvCheckError(f"describe() returned {type(described).__name__}, expected str or None")

    _check_undeclared(env, declared, centre)
    for action in _probes(declared, first, centre):
        _check_execute(env, action)
    _observe(env, "second")


def _declared(env: Any) -> frozenset[type[Any]]:
    supported = getattr(env, "supported_actions", None)
    if not isinstance(supported, frozenset):
        raise EnvCheckError(f"supported_actions must be a frozenset, got {type(supported).__name__}")
    if not supported:
        raise EnvCheckError("supported_actions is empty: declare the action types the env can execute")
    for item in supported:
        if item not in ACTION_TYPES:
            raise EnvCheckError(f"supported_actions holds {item!r}, which is not an action class")
    return supported


def _check_settings(env: Any) -> None:
    settings = _call(env, "settings", "settings()")
    if not isinstance(settings, dict) or not isinstance(settings.get("kind"), str):
        raise EnvCheckError(f"settings() must return a dict with a 'kind' string, got {settings!r}")


def _observe(env: Any, which: str) -> Observation:
    obs = _call(env, "observe", f"observe() ({which} call)")
    if not isinstance(obs, Observation):
        raise EnvCheckError(f"observe() returned {type(obs).__name__}, expected Observation")
    image = obs.image
    if not isinstance(image, Image.Image):
        raise EnvCheckError(f"observation image is {type(image).__name__}, expected a PIL image")
    if image.mode != "RGB":
        raise EnvCheckError(f"observation image mode is {image.mode!r}, expected 'RGB'")
    width, height = image.size
    if width == 0 or height == 0:
        raise EnvCheckError(f"observation image is empty ({width}x{height})")
    scale = obs.scale
    if not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise EnvCheckError(f"observation scale must be a positive finite number, got {scale!r}")
    origin = obs.origin
    if (
        not isinstance(origin, tuple)
        or len(origin) != 2
        or not all(isinstance(v, int | float) and math.isfinite(v) for v in origin)
    ):
        raise EnvCheckError(f"observation origin must be two finite numbers, got {origin!r}")
    if width / scale < 1 or height / scale < 1:
        raise EnvCheckError(
            f"observation image is {width}x{height} pixels at scale {scale:g}: less than one screen unit"
        )
    viewport = _call(env, "settings", "settings()").get("viewport")
    if isinstance(viewport, list | tuple) and len(viewport) == 2:
        vw, vh = viewport
        ew, eh = round(vw * scale), round(vh * scale)
        if abs(width - ew) > 1 or abs(height - eh) > 1:
            raise EnvCheckError(
                f"observation image is {width}x{height} pixels, but viewport {vw}x{vh} "
                f"at scale {scale:g} means {ew}x{eh}"
            )
    return obs


def _centre(obs: Observation) -> Point:
    width, height = obs.image.size
    return Point(x=obs.origin[0] + width / obs.scale / 2, y=obs.origin[1] + height / obs.scale / 2)


def _probes(declared: frozenset[type[Any]], obs: Observation, centre: Point) -> list[Action]:
    """One harmless instance of each declared action, in a safe order: a pending dialog first, Back last."""
    width, height = obs.image.size
    nudge = Point(x=centre.x + width / obs.scale / 8, y=centre.y + height / obs.scale / 8)
    active = next((t.index for t in obs.tabs if t.active), 0)
    candidates: list[Action] = []
    if obs.dialog is not None:
        candidates.append(AnswerDialog(accept=False))
    candidates += [
        MoveTo(point=centre),
        Click(point=centre),
        Drag(start=centre, end=nudge),
        Scroll(direction="down", point=centre),
        Scroll(direction="up", point=centre),
        Type(text="mimo"),
        Hotkey(keys=("tab",)),
        Wait(seconds=0),
        LongPress(point=centre, seconds=0.1),
        Swipe(start=nudge, end=centre, seconds=0.1),
        SwitchTab(index=active),
    ]
    if obs.url:
        candidates.append(Navigate(url=obs.url))
    candidates += [Home(), Back()]
    return [a for a in candidates if type(a) in declared]


def _check_undeclared(env: Any, declared: frozenset[type[Any]], centre: Point) -> None:
    """An action outside `supported_actions` must raise `UnsupportedAction` and nothing else."""
    samples: list[Action] = [
        Click(point=centre),
        MoveTo(point=centre),
        Drag(start=centre, end=centre),
        Scroll(direction="down"),
        Type(text="mimo"),
        Hotkey(keys=("tab",)),
        Wait(seconds=0),
        LongPress(point=centre),
        Swipe(start=centre, end=centre),
        Navigate(url="about:blank"),
        Back(),
        Home(),
        OpenApp(name="mimo-gui-check"),
        SwitchTab(index=0),
        AnswerDialog(accept=False),
        Finish(),
    ]
    action = next((a for a in samples if type(a) not in declared), None)
    if action is None:
        return  # everything is declared: nothing to refuse
    name = type(action).__name__
    try:
        result = env.execute(action)
    except UnsupportedAction:
        return
    except Exception as exc:
        raise EnvCheckError(
            f"execute({name}) of an undeclared action raised {type(exc).__name__}, expected UnsupportedAction"
        ) from exc
    raise EnvCheckError(
        f"execute({name}) of an undeclared action returned {type(result).__name__} "
        "instead of raising UnsupportedAction"
    )


def _check_execute(env: Any, action: Action) -> None:
    name = type(action).__name__
    result = _call(env, "execute", f"execute({name})", action)
    if not isinstance(result, ActionResult):
        raise EnvCheckError(f"execute({name}) returned {type(result).__name__}, expected ActionResult")
    if result.action != action:
        other = type(result.action).__name__
        raise EnvCheckError(f"execute({name}) returned a result for {other}, not for the action it was given")


def _call(env: Any, method: str, label: str, *args: Any) -> Any:
    """Call ``env.method(*args)``; any exception becomes an `EnvCheckError` naming it."""
    try:
        return getattr(env, method)(*args)
    except EnvError as exc:
        raise EnvCheckError(f"{label} raised {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise EnvCheckError(
            f"{label} raised {type(exc).__name__} ({exc}); adapters must raise EnvError subclasses"
        ) from exc
