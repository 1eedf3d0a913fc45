"""MiMo-VL's dialect: its agent JSON actions and its grounding answers.

Agent steps (Xiaomi's 2508 eval, formats.md §2.4) answer ``<think>…</think>`` and then one
JSON action such as ``{"action": "click", "start_point": [x, y]}``, fenced or bare, maybe
inside a list. Grounding (§2.3) answers ``[{"bbox_2d": [x1, y1, x2, y2], "label": …}]``,
``point_2d``/``points``, or just numbers. Coordinates are absolute pixels of the image the
model was shown. A box means: act at its centre.

Scroll: MiMo's ``direction`` for up/down names the finger's way, the opposite of ours
(Xiaomi's eval swaps up and down when scoring); left/right it names as we do. So MiMo
``up`` is our ``down`` (show what is below). Pinned by a test.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from ..errors import ParseError
from ..geometry import Point, Space
from ..vocabulary import (
    Action,
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
    Scroll,
    ScrollDirection,
    SwitchTab,
    Type,
    Wait,
)
from .base import Args, Decision, Dialect, Verb, find_json, number_list, point_of, split_thinking

__all__ = ["MIMO", "mimo_scroll_word"]

_TO_OURS: dict[str, ScrollDirection] = {"up": "down", "down": "up", "left": "left", "right": "right"}
_TO_MIMO = {ours: mimo for mimo, ours in _TO_OURS.items()}
_FAIL_STATUSES = {"fail", "failed", "failure", "infeasible", "impossible", "error"}
_DONE_STATUSES = {"success", "successful", "done", "complete", "completed", "finished", "finish"}


def mimo_scroll_word(direction: ScrollDirection) -> str:
    """The word MiMo uses for a scroll that shows content in ``direction``."""
    return _TO_MIMO[direction]


class _Reader:
    """Typed access to one answer's arguments; every complaint is a `ParseError` with the raw text."""

    def __init__(self, args: Args, space: Space, raw: str, verb: str) -> None:
        self.args, self.space, self.raw, self.verb = args, space, raw, verb

    def point(self, key: str) -> Point:
        if key not in self.args:
            raise ParseError(f"{self.verb!r} needs {key!r}", raw=self.raw, expected=f'"{key}": [x, y]')
        nums = number_list(self.args[key], what=key, raw=self.raw)
        return point_of(nums, self.space)[0]

    def opt_point(self, key: str) -> Point | None:
        return self.point(key) if self.args.get(key) is not None else None

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.args.get(key)
        if value is None:
            if required:
                raise ParseError(f"{self.verb!r} needs {key!r}", raw=self.raw, expected=f'"{key}": "…"')
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _decoder(fn: Any) -> Any:
    def decode(args: Args, space: Space, raw: str) -> list[Action]:
        actions: list[Action] = fn(_Reader(args, space, raw, str(args.get("action", ""))))
        return actions

    return decode


def _click(r: _Reader) -> list[Action]:
    button = r.args.get("button", "left")
    count = r.args.get("count", 1)
    return [Click(point=r.point("start_point"), button=button, count=count)]


def _input(r: _Reader) -> list[Action]:
    # Xiaomi's unified space lets `input` name where to type: click there first.
    text = r.text("text")
    at = r.opt_point("start_point")
    return [Click(point=at), Type(text=text)] if at is not None else [Type(text=text)]


def _press(r: _Reader) -> list[Action]:
    keys = r.args.get("keys", r.args.get("key"))
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise ParseError("'press' needs a non-empty list of keys", raw=r.raw, expected='"keys": ["enter"]')
    lowered = [k.lower() for k in keys]
    if lowered == ["home"]:
        return [Home()]
    if lowered == ["back"]:
        return [Back()]
    return [Hotkey(keys=tuple(lowered))]


def _scroll(r: _Reader) -> list[Action]:
    word = r.text("direction").lower()
    if word not in _TO_OURS:
        raise ParseError(f"scroll direction {word!r} is not up, down, left or right", raw=r.raw)
    return [Scroll(direction=_TO_OURS[word], point=r.opt_point("start_point"))]


def _finished(r: _Reader) -> list[Action]:
    status = r.text("status", required=False).strip()
    answer = r.text("answer", required=False).strip() or None
    if status.lower() in _FAIL_STATUSES:
        return [Fail(reason=answer or status)]
    if status.lower() in _DONE_STATUSES or not status:
        return [Finish(answer=answer)]
    return [Finish(answer=answer or status)]


def _wait(r: _Reader) -> list[Action]:
    seconds = r.args.get("seconds", r.args.get("time", 1.0))
    return [Wait(seconds=float(seconds))]


def _pt(p: Point) -> list[int | float]:
    return [round(p.x), round(p.y)]


def _enc_click(a: Action) -> dict[str, Any] | None:
    if not isinstance(a, Click):
        return None
    out: dict[str, Any] = {"start_point": _pt(a.point)}
    if a.button != "left":
        out["button"] = a.button
    if a.count != 1:
        out["count"] = a.count
    return out


def _enc_scroll(a: Action) -> dict[str, Any] | None:
    if not isinstance(a, Scroll):
        return None
    out: dict[str, Any] = {"direction": _TO_MIMO[a.direction]}
    if a.point is not None:
        out["start_point"] = _pt(a.point)
    return out


def _enc_press(a: Action) -> dict[str, Any] | None:
    if isinstance(a, Home):
        return {"keys": ["home"]}
    if isinstance(a, Back):
        return {"keys": ["back"]}
    if isinstance(a, Hotkey):
        return {"keys": list(a.keys)}
    return None


def _enc_finished(a: Action) -> dict[str, Any] | None:
    if isinstance(a, Finish):
        return {"status": "success"} | ({"answer": a.answer} if a.answer else {})
    if isinstance(a, Fail):
        return {"status": "failure"} | ({"answer": a.reason} if a.reason else {})
    return None


def _enc(cls: type[Any], fn: Any) -> Any:
    return lambda a: fn(a) if isinstance(a, cls) else None


_VERBS = (
    Verb("click", '{"action": "click", "start_point": [x,y]}', (Click,), _decoder(_click), _enc_click),
    Verb(
        "drag",
        '{"action": "drag", "start_point": [x,y], "end_point": [x,y]}',
        (Drag,),
        _decoder(lambda r: [Drag(start=r.point("start_point"), end=r.point("end_point"))]),
        _enc(Drag, lambda a: {"start_point": _pt(a.start), "end_point": _pt(a.end)}),
    ),
    Verb(
        "input",
        '{"action": "input", "text": "text"}',
        (Type,),
        _decoder(_input),
        _enc(Type, lambda a: {"text": a.text}),
    ),
    Verb(
        "press",
        '{"action": "press", "keys": [key1, key2, ...]}',
        (Hotkey, Home, Back),
        _decoder(_press),
        _enc_press,
    ),
    Verb(
        "longpress",
        '{"action": "longpress", "start_point": [x,y]}',
        (LongPress,),
        _decoder(lambda r: [LongPress(point=r.point("start_point"))]),
        _enc(LongPress, lambda a: {"start_point": _pt(a.point)}),
    ),
    Verb(
        "scroll", '{"action": "scroll", "direction": "direction"}', (Scroll,), _decoder(_scroll), _enc_scroll
    ),
    Verb(
        "open",
        '{"action": "open", "app": "app_name"}',
        (OpenApp,),
        _decoder(lambda r: [OpenApp(name=r.text("app"))]),
        _enc(OpenApp, lambda a: {"app": a.name}),
    ),
    Verb(
        "hover",
        '{"action": "hover", "start_point": [x,y]}',
        (MoveTo,),
        _decoder(lambda r: [MoveTo(point=r.point("start_point"))]),
        _enc(MoveTo, lambda a: {"start_point": _pt(a.point)}),
    ),
    Verb("wait", '{"action": "wait"}', (Wait,), _decoder(_wait), _enc(Wait, lambda a: {})),
    Verb(
        "navigate",
        '{"action": "navigate", "url": "url"}',
        (Navigate,),
        _decoder(lambda r: [Navigate(url=r.text("url"))]),
        _enc(Navigate, lambda a: {"url": a.url}),
        trained=False,
    ),
    Verb(
        "switch_tab",
        '{"action": "switch_tab", "index": tab_index}',
        (SwitchTab,),
        _decoder(lambda r: [SwitchTab(index=int(r.args.get("index", -1)))]),
        _enc(SwitchTab, lambda a: {"index": a.index}),
        trained=False,
    ),
    Verb(
        "answer_dialog",
        '{"action": "answer_dialog", "accept": true, "text": "optional reply to a prompt()"}',
        (AnswerDialog,),
        _decoder(lambda r: [AnswerDialog(accept=bool(r.args.get("accept")), text=r.args.get("text"))]),
        _enc(AnswerDialog, lambda a: {"accept": a.accept} | ({"text": a.text} if a.text is not None else {})),
        trained=False,
    ),
    Verb(
        "call_user",
        '{"action": "call_user", "question": "what you need from the user"}',
        (CallUser,),
        _decoder(lambda r: [CallUser(question=r.text("question", required=False))]),
        _enc(CallUser, lambda a: {"question": a.question}),
        trained=False,
    ),
    Verb(
        "finished",
        '{"action": "finished", "status": "status"}',
        (Finish, Fail),
        _decoder(_finished),
        _enc_finished,
    ),
)

# -- the parser ----------------------------------------------------------------------

_GROUNDING_KEYS = ("bbox_2d", "bbox", "point_2d", "points", "point", "start_point", "coordinate")
_N = r"\s*(-?\d+(?:\.\d+)?)\s*"
_BOX4 = re.compile(rf"[\[(]{_N},{_N},{_N},{_N}[\])]")
_POINT2 = re.compile(rf"[\[(]{_N},{_N}[\])]")
_PY_DICT = re.compile(r"\{\s*'action'\s*:.*\}", re.DOTALL)
_EXPECTED = 'a JSON action such as {"action": "click", "start_point": [x, y]} or a box [x1, y1, x2, y2]'


def _parse(dialect: Dialect, text: str, space: Space) -> Decision:
    thought, answer = split_thinking(text)
    value = find_json(answer)
    if value is None and (m := _PY_DICT.search(answer)):
        # Some servers and fine-tunes echo the history's Python-dict form: {'action': 'click', ...}.
        try:
            value = ast.literal_eval(m.group(0))
        except (ValueError, SyntaxError):
            value = None
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict):
        name = value.get("action", value.get("action_type", value.get("action_name")))
        if isinstance(name, str):
            verb = dialect.verb(name.strip().lower(), text)
            try:
                actions = verb.decode(value, space, text)
            except ParseError:
                raise
            except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
                raise ParseError(
                    f"{verb.name!r} has bad arguments: {_first_line(exc)}", raw=text, expected=verb.signature
                ) from exc
            return Decision(tuple(actions), thought, text)
        for key in _GROUNDING_KEYS:
            if key in value:
                nums = number_list(value[key], what=key, raw=text)
                point, box = point_of(nums, space)
                return Decision((Click(point=point),), thought, text, box)
    if isinstance(value, list) and len(value) in (2, 4) and all(isinstance(v, int | float) for v in value):
        point, box = point_of([float(v) for v in value], space)
        return Decision((Click(point=point),), thought, text, box)
    # Xiaomi's own fallback order: a 4-number box, then a 2-number point, anywhere in the answer.
    for pattern in (_BOX4, _POINT2):
        m = pattern.search(answer)
        if m:
            point, box = point_of([float(g) for g in m.groups()], space)
            return Decision((Click(point=point),), thought, text, box)
    if not answer.strip():
        raise ParseError(
            "the answer holds no action (it is empty after the reasoning)", raw=text, expected=_EXPECTED
        )
    raise ParseError("no action or coordinates found in a MiMo-VL answer", raw=text, expected=_EXPECTED)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _format(name: str, args: dict[str, Any]) -> str:
    return json.dumps({"action": name, **args}, ensure_ascii=False)


MIMO = Dialect("mimo", _VERBS, _parse, _format)
"""MiMo-VL's agent and grounding dialect."""
