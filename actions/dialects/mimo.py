"""MiMo-VL's dialect: its agent JSON actions and its grounding answers.

Agent steps (Xiaomi's 2508 eval, formats.md §2.4) answer ``<think>…</think>`` and then one
JSON action such as ``{"action": "click", "start_point": [x, y]}``, fenced or bare, maybe
inside a list. Grounding (§2.3) answers ``[{"bbox_2d": [x1, y1, x2, y2], "label": …}]``,
``point_2d``/``points``, or just numbers. Coordinates are absolute pixels of the image the
model was shown. A box means: act at its centre.

MiMo also answers in the function-call form of Xiaomi's unified action space
(``click(start_point=(x,y))``, ``scroll(start_point=(x,y), direction=up)``, ``press(keys=[…])``,
``finished(status=…)``; see calls.py), and sometimes with fractions of the image
(``[0.28, 0.5, 0.52, 0.7]``: every number written with a decimal point and within [0, 1]),
which are read in `Space.NORM_1`. Rule: the bare-number fallback (Xiaomi's ``parse_bbox``
order) applies only when the answer names no action; an action named as a call or as
``"action": …`` is read as that action or refused with a `ParseError`, never clicked.

Scroll: MiMo's ``direction`` for up/down names the finger's way, the opposite of ours
(Xiaomi's eval swaps up and down when scoring); left/right it names as we do. So MiMo
``up`` is our ``down`` (show what is below). Pinned by a test.
"""

from __future__ import annotations

import ast
import contextlib
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
from .base import Args, Decision, Dialect, Verb, find_json, read_point, split_thinking
from .calls import find_call
from .mimo_history import SCROLL_TO_MIMO, mimo_history_entry

__all__ = ["MIMO", "mimo_scroll_word"]

_TO_OURS: dict[str, ScrollDirection] = {mimo: ours for ours, mimo in SCROLL_TO_MIMO.items()}
_FAIL_STATUSES = {"fail", "failed", "failure", "infeasible", "impossible", "error"}
_DONE_STATUSES = {"success", "successful", "done", "complete", "completed", "finished", "finish"}


def mimo_scroll_word(direction: ScrollDirection) -> str:
    """The word MiMo uses for a scroll that shows content in ``direction``."""
    return SCROLL_TO_MIMO[direction]


class _Reader:
    """Typed access to one answer's arguments; every complaint is a `ParseError` with the raw text."""

    def __init__(self, args: Args, space: Space, raw: str, verb: str) -> None:
        self.args, self.space, self.raw, self.verb = args, space, raw, verb

    def point(self, key: str) -> Point:
        if key not in self.args:
            raise ParseError(f"{self.verb!r} needs {key!r}", raw=self.raw, expected=f'"{key}": [x, y]')
        return read_point(self.args[key], self.space, what=key, raw=self.raw)[0]

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


def _open(r: _Reader) -> list[Action]:
    # Xiaomi's prompt and MiMo_Unified_GUIAction say "app"; guievalkit's mimo_vl.py reads "app_name".
    key = "app" if r.args.get("app") is not None or r.args.get("app_name") is None else "app_name"
    return [OpenApp(name=r.text(key))]


def _wait(r: _Reader) -> list[Action]:
    seconds = r.args.get("seconds", r.args.get("time", 1.0))
    return [Wait(seconds=float(seconds))]


def _encoder(word: str) -> Any:
    """Verb ``word``'s encoder: an action in MiMo's words (one exhaustive match, in
    `mimo_history_entry`), when that is ``word``; else None."""

    def encode(a: Action) -> dict[str, Any] | None:
        entry = mimo_history_entry(a)
        name = entry.pop("action_name")
        return entry if name == word else None

    return encode


_VERBS = (
    Verb("click", '{"action": "click", "start_point": [x,y]}', (Click,), _decoder(_click), _encoder("click")),
    Verb(
        "drag",
        '{"action": "drag", "start_point": [x,y], "end_point": [x,y]}',
        (Drag,),
        _decoder(lambda r: [Drag(start=r.point("start_point"), end=r.point("end_point"))]),
        _encoder("drag"),
    ),
    Verb(
        "input",
        '{"action": "input", "text": "text"}',
        (Type,),
        _decoder(_input),
        _encoder("input"),
    ),
    Verb(
        "press",
        '{"action": "press", "keys": [key1, key2, ...]}',
        (Hotkey, Home, Back),
        _decoder(_press),
        _encoder("press"),
    ),
    Verb(
        "longpress",
        '{"action": "longpress", "start_point": [x,y]}',
        (LongPress,),
        _decoder(lambda r: [LongPress(point=r.point("start_point"))]),
        _encoder("longpress"),
    ),
    Verb(
        "scroll",
        '{"action": "scroll", "direction": "direction"}',
        (Scroll,),
        _decoder(_scroll),
        _encoder("scroll"),
    ),
    Verb(
        "open",
        '{"action": "open", "app": "app_name"}',
        (OpenApp,),
        _decoder(_open),
        _encoder("open"),
    ),
    Verb(
        "hover",
        '{"action": "hover", "start_point": [x,y]}',
        (MoveTo,),
        _decoder(lambda r: [MoveTo(point=r.point("start_point"))]),
        _encoder("hover"),
    ),
    Verb("wait", '{"action": "wait"}', (Wait,), _decoder(_wait), _encoder("wait")),
    Verb(
        "navigate",
        '{"action": "navigate", "url": "url"}',
        (Navigate,),
        _decoder(lambda r: [Navigate(url=r.text("url"))]),
        _encoder("navigate"),
        trained=False,
    ),
    Verb(
        "switch_tab",
        '{"action": "switch_tab", "index": tab_index}',
        (SwitchTab,),
        _decoder(lambda r: [SwitchTab(index=int(r.args.get("index", -1)))]),
        _encoder("switch_tab"),
        trained=False,
    ),
    Verb(
        "answer_dialog",
        '{"action": "answer_dialog", "accept": true, "text": "optional reply to a prompt()"}',
        (AnswerDialog,),
        _decoder(lambda r: [AnswerDialog(accept=bool(r.args.get("accept")), text=r.args.get("text"))]),
        _encoder("answer_dialog"),
        trained=False,
    ),
    Verb(
        "call_user",
        '{"action": "call_user", "question": "what you need from the user"}',
        (CallUser,),
        _decoder(lambda r: [CallUser(question=r.text("question", required=False))]),
        _encoder("call_user"),
        trained=False,
    ),
    Verb(
        "finished",
        '{"action": "finished", "status": "status"}',
        (Finish, Fail),
        _decoder(_finished),
        _encoder("finished"),
    ),
)

# -- the parser ----------------------------------------------------------------------

_GROUNDING_KEYS = ("bbox_2d", "bbox", "point_2d", "points", "point", "start_point", "coordinate")
_N = r"\s*(-?\d+(?:\.\d+)?)\s*"
_BOX4 = re.compile(rf"[\[(]{_N},{_N},{_N},{_N}[\])]")
_POINT2 = re.compile(rf"[\[(]{_N},{_N}[\])]")
_PY_DICT = re.compile(r"\{\s*'action'\s*:.*\}", re.DOTALL)
_EXPECTED = 'a JSON action such as {"action": "click", "start_point": [x, y]} or a box [x1, y1, x2, y2]'

# Other spellings of MiMo's verbs: AndroidControl's own action types and the names Xiaomi's
# converters write (gui_utils.py mimo_2_uitars / uitars2mimo), each with the arguments it implies.
_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "long_press": ("longpress", {}),
    "open_app": ("open", {}),
    "press_back": ("press", {"keys": ["back"]}),
    "navigate_back": ("press", {"keys": ["back"]}),
    "press_home": ("press", {"keys": ["home"]}),
    "navigate_home": ("press", {"keys": ["home"]}),
    "press_enter": ("press", {"keys": ["enter"]}),
    "type": ("input", {}),
}

# Argument names other forms use for MiMo's (UI-TARS' start_box and content, which Xiaomi's
# uitars2mimo reads; Qwen's coordinate), used only where MiMo's own name is absent.
_ARG_ALIASES = {
    "start_box": "start_point",
    "point": "start_point",
    "coordinate": "start_point",
    "end_box": "end_point",
    "coordinate2": "end_point",
    "content": "text",
}
# An action named in JSON-ish text the parser could not read as a whole ("action": "scroll").
_NAMED_ACTION = re.compile(r"""["']action(?:_type|_name)?["']\s*:\s*["']([^"']+)["']""")


def _decode(
    dialect: Dialect, name: str, args: Args, space: Space, *, text: str, thought: str | None
) -> Decision:
    word, implied = _ALIASES.get(name, (name, {}))
    verb = dialect.verb(word, text)
    given = dict(args)
    for alias, own in _ARG_ALIASES.items():
        if alias in given and own not in given:
            given[own] = given.pop(alias)
    try:
        actions = verb.decode({**implied, **given, "action": word}, space, text)
    except ParseError:
        raise
    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        raise ParseError(
            f"{verb.name!r} has bad arguments: {_first_line(exc)}", raw=text, expected=verb.signature
        ) from exc
    return Decision(tuple(actions), thought, text)


def _parse(dialect: Dialect, text: str, space: Space) -> Decision:
    thought, answer = split_thinking(text)
    value = find_json(answer)
    if not isinstance(value, dict) and (m := _PY_DICT.search(answer)):
        # Some servers and fine-tunes echo the history's Python-dict form, {'action': 'click', ...},
        # in which JSON finds only the inner list.
        with contextlib.suppress(ValueError, SyntaxError):
            value = ast.literal_eval(m.group(0))
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict) and "action" not in value and isinstance(value.get("arguments"), dict):
        value = value["arguments"]  # a tool call's wrapper: {"name": …, "arguments": {"action": …}}
    if isinstance(value, dict):
        name = value.get("action", value.get("action_type", value.get("action_name")))
        if isinstance(name, str):
            return _decode(dialect, name.strip().lower(), value, space, text=text, thought=thought)
        for key in _GROUNDING_KEYS:
            if key in value:
                point, box = read_point(value[key], space, what=key, raw=text)
                return Decision((Click(point=point),), thought, text, box)
    # A function call (click(start_point=(x,y)), scroll(..., direction=up)) is the action it
    # names, or an error; never the click its numbers would make in the fallback below.
    call = find_call(answer)
    if call is not None:
        return _decode(dialect, call.name, call.args, space, text=text, thought=thought)
    if named := _NAMED_ACTION.search(answer):
        raise ParseError(
            f"the answer names the action {named.group(1)!r} but holds no JSON object that can be read",
            raw=text,
            expected=_EXPECTED,
        )
    if isinstance(value, list) and len(value) in (2, 4) and all(_is_number(v) for v in value):
        point, box = read_point(value, space, what="the answer", raw=text)
        return Decision((Click(point=point),), thought, text, box)
    # Xiaomi's own fallback order (eval_utils.parse_bbox, then parse_bbox_from_point): a
    # 4-number box, then a 2-number point, anywhere in the answer.
    for pattern in (_BOX4, _POINT2):
        m = pattern.search(answer)
        if m:
            point, box = read_point(list(m.groups()), space, what="the answer", raw=text)
            return Decision((Click(point=point),), thought, text, box)
    if not answer.strip():
        raise ParseError(
            "the answer holds no action (it is empty after the reasoning)", raw=text, expected=_EXPECTED
        )
    raise ParseError("no action or coordinates found in a MiMo-VL answer", raw=text, expected=_EXPECTED)


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _format(name: str, args: dict[str, Any]) -> str:
    return json.dumps({"action": name, **args}, ensure_ascii=False)


MIMO = Dialect("mimo", _VERBS, _parse, _format)
"""MiMo-VL's agent and grounding dialect."""
