"""Qwen2.5-VL's dialect: ``<tool_call>{"name": …, "arguments": {…}}</tool_call>`` for the
``computer_use`` and ``mobile_use`` tools of Qwen's cookbooks (formats.md §3.2-3.4).

Coordinates are absolute pixels of the image the model was shown (the tool description
states that size). ``scroll``'s ``pixels`` is positive for up (show what is above).
``left_click_drag`` drags from where the pointer is to ``coordinate``: in one answer that
means a ``mouse_move`` first; without one it cannot be executed and is a `ParseError`.
"""

from __future__ import annotations

import json
import re
from typing import Any, assert_never

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
    Swipe,
    SwitchTab,
    Type,
    Wait,
)
from .base import Args, Decision, Dialect, Verb, find_json, read_point, split_thinking

__all__ = ["QWEN_COMPUTER", "QWEN_MOBILE"]


def _point(args: Args, key: str, space: Space, raw: str) -> Point:
    if key not in args:
        raise ParseError(f"this action needs {key!r}", raw=raw, expected=f'"{key}": [x, y]')
    return read_point(args[key], space, what=key, raw=raw)[0]


def _text(args: Args, key: str, raw: str) -> str:
    value = args.get(key)
    if not isinstance(value, str):
        raise ParseError(f"this action needs a string {key!r}", raw=raw, expected=f'"{key}": "…"')
    return value


def _terminate(args: Args) -> list[Action]:
    status = str(args.get("status", "success")).lower()
    return [Fail(reason="the model reported failure")] if status == "failure" else [Finish()]


def _xy(p: Point) -> list[int]:
    return [round(p.x), round(p.y)]


_CLICKS: dict[str, dict[str, Any]] = {
    "left_click": {},
    "right_click": {"button": "right"},
    "middle_click": {"button": "middle"},
    "double_click": {"count": 2},
    "triple_click": {"count": 3},
}


def _computer(action: str, args: Args, space: Space, raw: str) -> list[Action]:
    if action in _CLICKS:
        return [Click(point=_point(args, "coordinate", space, raw), **_CLICKS[action])]
    match action:
        case "mouse_move":
            return [MoveTo(point=_point(args, "coordinate", space, raw))]
        case "left_click_drag":
            return [
                Drag(
                    start=_point(args, "start_coordinate", space, raw),
                    end=_point(args, "coordinate", space, raw),
                )
            ]
        case "key":
            keys = args.get("keys")
            if not isinstance(keys, list) or not keys:
                raise ParseError("'key' needs a list of keys", raw=raw, expected='"keys": ["ctrl", "c"]')
            return [Hotkey(keys=tuple(str(k).lower() for k in keys))]
        case "type":
            return [Type(text=_text(args, "text", raw))]
        case "scroll" | "hscroll":
            pixels = float(args.get("pixels", 0))
            if pixels == 0:
                raise ParseError("'scroll' needs non-zero 'pixels'", raw=raw, expected='"pixels": -300')
            if action == "scroll":
                direction = "up" if pixels > 0 else "down"
            else:
                direction = "right" if pixels > 0 else "left"
            at = _point(args, "coordinate", space, raw) if "coordinate" in args else None
            return [Scroll(direction=direction, point=at)]
        case "wait":
            return [Wait(seconds=float(args.get("time", 1.0)))]
        case "answer":
            return [Finish(answer=_text(args, "text", raw))]
        case "terminate":
            return _terminate(args)
    raise ParseError(f"unknown computer_use action {action!r}", raw=raw, expected=_known(_COMPUTER_ACTIONS))


def _mobile(action: str, args: Args, space: Space, raw: str) -> list[Action]:
    match action:
        case "click":
            return [Click(point=_point(args, "coordinate", space, raw))]
        case "long_press":
            return [
                LongPress(point=_point(args, "coordinate", space, raw), seconds=float(args.get("time", 1.0)))
            ]
        case "swipe":
            return [
                Swipe(
                    start=_point(args, "coordinate", space, raw), end=_point(args, "coordinate2", space, raw)
                )
            ]
        case "type":
            return [Type(text=_text(args, "text", raw))]
        case "key":
            return [Hotkey(keys=(_text(args, "text", raw).lower(),))]
        case "system_button":
            button = _text(args, "button", raw).lower()
            if button == "back":
                return [Back()]
            if button == "home":
                return [Home()]
            if button in ("menu", "enter"):
                return [Hotkey(keys=(button,))]
            raise ParseError(
                f"unknown system_button {button!r}", raw=raw, expected="Back, Home, Menu or Enter"
            )
        case "open":
            return [OpenApp(name=_text(args, "text", raw))]
        case "wait":
            return [Wait(seconds=float(args.get("time", 1.0)))]
        case "terminate":
            return _terminate(args)
    raise ParseError(f"unknown mobile_use action {action!r}", raw=raw, expected=_known(_MOBILE_ACTIONS))


_COMPUTER_ACTIONS = (
    "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
    "double_click", "triple_click", "scroll", "hscroll", "wait", "answer", "terminate",
)  # fmt: skip
_MOBILE_ACTIONS = (
    "key",
    "click",
    "long_press",
    "swipe",
    "type",
    "system_button",
    "open",
    "wait",
    "terminate",
)


def _known(names: tuple[str, ...]) -> str:
    return "one of: " + ", ".join(names)


def _encode_computer(a: Action) -> tuple[str, dict[str, Any]] | None:
    match a:
        case Click(point=p, button=b, count=c):
            name = {2: "double_click", 3: "triple_click"}.get(c) or {"left": "left_click"}.get(
                b, f"{b}_click"
            )
            return name, {"coordinate": _xy(p)}
        case MoveTo(point=p):
            return "mouse_move", {"coordinate": _xy(p)}
        case Drag(start=s, end=e):
            return "left_click_drag", {"start_coordinate": _xy(s), "coordinate": _xy(e)}
        case Hotkey(keys=k):
            return "key", {"keys": list(k)}
        case Type(text=t):
            return "type", {"text": t}
        case Scroll(direction=d, point=p):
            pixels = {"up": 300, "down": -300, "right": 300, "left": -300}[d]
            at = {"coordinate": _xy(p)} if p is not None else {}
            return ("scroll" if d in ("up", "down") else "hscroll"), {"pixels": pixels} | at
        case Wait(seconds=s):
            return "wait", {"time": s}
        case Finish():
            return "terminate", {"status": "success"}
        case Fail():
            return "terminate", {"status": "failure"}
        case (
            LongPress() | Swipe() | Navigate() | Back() | Home() | OpenApp() | SwitchTab() | AnswerDialog()
            | CallUser()
        ):  # fmt: skip
            return None  # computer_use has no word for these
        case _:
            assert_never(a)


def _encode_mobile(a: Action) -> tuple[str, dict[str, Any]] | None:
    match a:
        case Click(point=p, button="left", count=1):
            return "click", {"coordinate": _xy(p)}
        case LongPress(point=p, seconds=s):
            return "long_press", {"coordinate": _xy(p), "time": s}
        case Swipe(start=s, end=e):
            return "swipe", {"coordinate": _xy(s), "coordinate2": _xy(e)}
        case Type(text=t):
            return "type", {"text": t}
        case Hotkey(keys=(k,)) if k in ("menu", "enter"):
            return "system_button", {"button": k.capitalize()}
        case Hotkey(keys=(k,)):
            return "key", {"text": k}
        case Back():
            return "system_button", {"button": "Back"}
        case Home():
            return "system_button", {"button": "Home"}
        case OpenApp(name=n):
            return "open", {"text": n}
        case Wait(seconds=s):
            return "wait", {"time": s}
        case Finish():
            return "terminate", {"status": "success"}
        case Fail():
            return "terminate", {"status": "failure"}
        case (
            Click() | Hotkey() | MoveTo() | Drag() | Scroll() | Navigate() | SwitchTab() | AnswerDialog()
            | CallUser()
        ):  # fmt: skip
            return None  # mobile_use has no word for these (other clicks, chords, pointer moves)
        case _:
            assert_never(a)


_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


_THINKING = re.compile(r"<thinking>(.*?)</thinking>", re.DOTALL)


def _prose_thought(answer: str) -> str | None:
    """The reasoning Qwen writes around its tool call: a ``<thinking>`` block (the prompt
    suffix of Qwen3-VL#732), else any prose before the first ``<tool_call>``."""
    if m := _THINKING.search(answer):
        return m.group(1).strip() or None
    head = answer.split("<tool_call>", 1)[0].strip()
    return head if head and "<tool_call>" in answer else None


def _make_parser(tool: str) -> Any:
    def parse(dialect: Dialect, text: str, space: Space) -> Decision:
        thought, answer = split_thinking(text)
        bodies = [m.group(1) for m in _TOOL_CALL.finditer(answer)] or [answer]
        actions: list[Action] = []
        for body in bodies:
            call = find_json(body)
            if not isinstance(call, dict):
                raise ParseError(
                    "no <tool_call> JSON found in a Qwen2.5-VL answer",
                    raw=text,
                    expected=f'<tool_call>{{"name": "{tool}", "arguments": {{"action": …}}}}</tool_call>',
                )
            args = call.get("arguments", call)
            if isinstance(args, str):  # some servers double-encode the arguments
                args = find_json(args)
            if not isinstance(args, dict) or not isinstance(args.get("action"), str):
                raise ParseError(
                    "the tool call has no 'action' argument", raw=text, expected='"arguments": {"action": …}'
                )
            name = args["action"]
            if name == "left_click_drag" and "start_coordinate" not in args:
                # Drag from the pointer: the pointer is where this answer's last mouse_move left it.
                moved = actions.pop() if actions else None
                if not isinstance(moved, MoveTo):
                    raise ParseError(
                        "left_click_drag without a preceding mouse_move has no start point",
                        raw=text,
                        expected="a mouse_move tool call before left_click_drag",
                    )
                start = moved.point
                actions.append(Drag(start=start, end=_point(args, "coordinate", space, text)))
                continue
            verb = dialect.verb(name, text)
            try:
                actions.extend(verb.decode(args, space, text))
            except ParseError:
                raise
            except (ValueError, TypeError) as exc:
                raise ParseError(f"{name!r} has bad arguments: {exc}".splitlines()[0], raw=text) from exc
        return Decision(tuple(actions), thought or _prose_thought(answer), text)

    return parse


def _make_format(tool: str) -> Any:
    def fmt(name: str, args: dict[str, Any]) -> str:
        return json.dumps({"name": tool, "arguments": {"action": name, **args}}, ensure_ascii=False)

    return fmt


def _table(
    decode: Any, encode: Any, actions: tuple[str, ...], produces: dict[str, tuple[type[Any], ...]]
) -> tuple[Verb, ...]:
    # Qwen's prompt shows the tool schema, not one line per verb: each verb's signature is
    # its name, and the profile writes the schema's action enum from these names.
    def dec_for(name: str) -> Any:
        return lambda args, space, raw: decode(name, args, space, raw)

    def enc_for(name: str) -> Any:
        def enc(a: Action) -> dict[str, Any] | None:
            out = encode(a)
            return out[1] if out is not None and out[0] == name else None

        return enc

    return tuple(Verb(n, n, produces[n], dec_for(n), enc_for(n)) for n in actions)


_COMPUTER_PRODUCES: dict[str, tuple[type[Any], ...]] = {
    "key": (Hotkey,), "type": (Type,), "mouse_move": (MoveTo,), "left_click": (Click,),
    "left_click_drag": (Drag,), "right_click": (Click,), "middle_click": (Click,), "double_click": (Click,),
    "triple_click": (Click,), "scroll": (Scroll,), "hscroll": (Scroll,), "wait": (Wait,),
    "answer": (Finish,), "terminate": (Finish, Fail),
}  # fmt: skip
_MOBILE_PRODUCES: dict[str, tuple[type[Any], ...]] = {
    "key": (Hotkey,), "click": (Click,), "long_press": (LongPress,), "swipe": (Swipe,), "type": (Type,),
    "system_button": (Back, Home, Hotkey), "open": (OpenApp,), "wait": (Wait,), "terminate": (Finish, Fail),
}  # fmt: skip

QWEN_COMPUTER = Dialect(
    "qwen-computer_use",
    _table(_computer, _encode_computer, _COMPUTER_ACTIONS, _COMPUTER_PRODUCES),
    _make_parser("computer_use"),
    _make_format("computer_use"),
)
"""Qwen2.5-VL's ``computer_use`` tool (desktop and browser)."""

QWEN_MOBILE = Dialect(
    "qwen-mobile_use",
    _table(_mobile, _encode_mobile, _MOBILE_ACTIONS, _MOBILE_PRODUCES),
    _make_parser("mobile_use"),
    _make_format("mobile_use"),
)
"""Qwen2.5-VL's ``mobile_use`` tool (phones)."""
