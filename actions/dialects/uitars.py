"""UI-TARS' dialect: ``Thought: …`` then ``Action: click(start_box='(x,y)')`` (formats.md §4).

Tolerant of what the model and servers really emit: ``<|box_start|>…<|box_end|>`` tokens
or their absence (vLLM strips special tokens), ``<point>x y</point>`` and ``<bbox>``,
4-number boxes (act at the centre), full-width colons (``Action：``), unclosed or stray
quotes, several actions separated by blank lines, escaped quotes and newlines in
``type(content=…)``. UI-TARS' ``scroll`` direction names the content to show, as ours does.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from ..errors import ParseError
from ..geometry import Box, Point, Space
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
from .base import Args, Decision, Dialect, Verb, read_point, split_thinking

__all__ = ["UITARS"]

_BOX_ARGS = ("start_box", "end_box", "point", "start_point", "end_point")
_ARG_NAMES = (*_BOX_ARGS, "key", "content", "direction", "time", "app_name")
_ARG = re.compile(r"\b(" + "|".join(_ARG_NAMES) + r")\s*=\s*")
_CALL = re.compile(r"([A-Za-z_]+)\s*\(")
_NUM = re.compile(r"-?\d+(?:\.\d+)?")
# Case variants spelled out: a case-insensitive scan costs a third of the whole parse.
_ACTION_HEADER = re.compile(r"(?:[Aa]ction|ACTION)\s*[:：]")
_THOUGHT_HEADER = re.compile(r"(?:[Tt]hought|THOUGHT|[Rr]eflection|REFLECTION)\s*[:：]")
_SUMMARY_HEADER = re.compile(r"(?:[Aa]ction_[Ss]ummary|ACTION_SUMMARY)\s*[:：]")


def _box(args: Args, key: str, space: Space, raw: str) -> tuple[Point, Box | None]:
    value = args.get(key)
    if value is None and key == "start_box":  # Doubao prompts say point=
        value = args.get("point", args.get("start_point"))
    if value is None and key == "end_box":
        value = args.get("end_point")
    if value is None:
        raise ParseError(f"this action needs {key}", raw=raw, expected=f"{key}='(x,y)'")
    if len(_NUM.findall(str(value))) not in (2, 4):
        raise ParseError(f"{key} must hold 2 or 4 numbers, got {value!r}", raw=raw, expected=f"{key}='(x,y)'")
    return read_point(str(value), space, what=key, raw=raw)


def _pt(args: Args, key: str, space: Space, raw: str) -> Point:
    return _box(args, key, space, raw)[0]


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"')


def _type(args: Args, space: Space, raw: str) -> list[Action]:
    content = _unescape(str(args.get("content", "")))
    # UI-TARS ends the content with a newline to submit what it typed.
    if content.endswith("\n"):
        body = content.rstrip("\n")
        return [Type(text=body), Hotkey(keys=("enter",))] if body else [Hotkey(keys=("enter",))]
    return [Type(text=content)]


def _scroll(args: Args, space: Space, raw: str) -> list[Action]:
    direction = str(args.get("direction", "")).strip().lower()
    if not direction and "end_box" in args:  # UI-TARS-1.0 mobile: scroll(start_box, end_box) is a swipe
        return [Swipe(start=_pt(args, "start_box", space, raw), end=_pt(args, "end_box", space, raw))]
    if direction not in ("up", "down", "left", "right"):
        raise ParseError(f"scroll direction {direction!r} is not up, down, left or right", raw=raw)
    has_point = any(k in args for k in ("start_box", "point", "start_point"))
    return [Scroll(direction=direction, point=_pt(args, "start_box", space, raw) if has_point else None)]


def _hotkey(args: Args, space: Space, raw: str) -> list[Action]:
    keys = str(args.get("key", "")).replace("+", " ").split()
    if not keys:
        raise ParseError("hotkey needs key='…'", raw=raw, expected="hotkey(key='ctrl c')")
    return [Hotkey(keys=tuple(k.lower() for k in keys))]


def _finished(args: Args, space: Space, raw: str) -> list[Action]:
    content = _unescape(str(args.get("content", ""))).strip()
    return [Finish(answer=content or None)]


def _b(p: Point) -> str:
    return f"<|box_start|>({round(p.x)},{round(p.y)})<|box_end|>"


def _escape(text: str) -> str:
    """``type(content=…)`` text as UI-TARS writes it: backslashes, quotes and newlines escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")


def _encode(a: Action) -> tuple[str, dict[str, Any]] | None:
    """Our action in UI-TARS' words: (verb, arguments), or None where it has none."""
    match a:
        case Click(point=p, button="left", count=1):
            return "click", {"start_box": _b(p)}
        case Click(point=p, count=2):
            return "left_double", {"start_box": _b(p)}
        case Click(point=p, button="right"):
            return "right_single", {"start_box": _b(p)}
        case Click():
            return None  # a middle or triple click
        case MoveTo(point=p):
            return "hover", {"start_box": _b(p)}
        case Drag(start=s, end=e):
            return "drag", {"start_box": _b(s), "end_box": _b(e)}
        case Hotkey(keys=keys):
            return "hotkey", {"key": " ".join(keys)}
        case Type(text=t):
            return "type", {"content": _escape(t)}
        case Scroll(direction=d, point=p):
            return "scroll", ({"start_box": _b(p)} if p else {}) | {"direction": d}
        case LongPress(point=p):
            return "long_press", {"start_box": _b(p)}
        case OpenApp(name=n):
            return "open_app", {"app_name": n}
        case Home():
            return "press_home", {}
        case Back():
            return "press_back", {}
        case Wait():
            return "wait", {}
        case Finish(answer=answer):
            return "finished", {"content": answer or ""}
        case CallUser():
            return "call_user", {}
        case Swipe() | Navigate() | SwitchTab() | AnswerDialog() | Fail():
            return None
        case _:
            assert_never(a)


def _enc(word: str) -> Any:
    def enc(a: Action) -> dict[str, Any] | None:
        out = _encode(a)
        return out[1] if out is not None and out[0] == word else None

    return enc


_VERBS = (
    Verb(
        "click",
        "click(start_box='<|box_start|>(x1,y1)<|box_end|>')",
        (Click,),
        lambda a, s, r: [Click(point=_pt(a, "start_box", s, r))],
        _enc("click"),
    ),
    Verb(
        "left_double",
        "left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')",
        (Click,),
        lambda a, s, r: [Click(point=_pt(a, "start_box", s, r), count=2)],
        _enc("left_double"),
    ),
    Verb(
        "right_single",
        "right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')",
        (Click,),
        lambda a, s, r: [Click(point=_pt(a, "start_box", s, r), button="right")],
        _enc("right_single"),
    ),
    Verb(
        "hover",
        "hover(start_box='<|box_start|>(x1,y1)<|box_end|>')",
        (MoveTo,),
        lambda a, s, r: [MoveTo(point=_pt(a, "start_box", s, r))],
        _enc("hover"),
    ),
    Verb(
        "drag",
        "drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')",
        (Drag,),
        lambda a, s, r: [Drag(start=_pt(a, "start_box", s, r), end=_pt(a, "end_box", s, r))],
        _enc("drag"),
    ),
    Verb("hotkey", "hotkey(key='')", (Hotkey,), _hotkey, _enc("hotkey")),
    Verb(
        "type",
        "type(content='') #If you want to submit your input, use \"\\n\" at the end of `content`.",
        (Type,),
        _type,
        _enc("type"),
    ),
    Verb(
        "scroll",
        "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')",
        (Scroll,),
        _scroll,
        _enc("scroll"),
    ),
    Verb(
        "long_press",
        "long_press(start_box='<|box_start|>(x1,y1)<|box_end|>')",
        (LongPress,),
        lambda a, s, r: [LongPress(point=_pt(a, "start_box", s, r))],
        _enc("long_press"),
    ),
    Verb(
        "open_app",
        "open_app(app_name='')",
        (OpenApp,),
        lambda a, s, r: [OpenApp(name=str(a.get("app_name", "")))],
        _enc("open_app"),
    ),
    Verb("press_home", "press_home()", (Home,), lambda a, s, r: [Home()], _enc("press_home")),
    Verb("press_back", "press_back()", (Back,), lambda a, s, r: [Back()], _enc("press_back")),
    Verb(
        "wait",
        "wait() #Sleep for 5s and take a screenshot to check for any changes.",
        (Wait,),
        lambda a, s, r: [Wait(seconds=5.0)],
        _enc("wait"),
    ),
    Verb(
        "finished",
        "finished(content='xxx') # Use escape characters \\', \\\", and \\n in content part "
        "to ensure we can parse the content in normal python string format.",
        (Finish,),
        _finished,
        _enc("finished"),
    ),
    Verb("call_user", "call_user()", (CallUser,), lambda a, s, r: [CallUser()], _enc("call_user")),
)

_ALIASES = {"left_single": "click", "select": "drag", "press": "hotkey"}


_KNOWN = frozenset(v.name for v in _VERBS) | frozenset(_ALIASES)


def _looks_like_box(value: str | None) -> bool:
    """A cheap pre-check for a 4-number box, so plain points skip building one."""
    return value is not None and (value.count(",") >= 3 or value.count(" ") >= 3)


def _split_args(body: str) -> dict[str, str]:
    """Keyword arguments from the text inside ``name(…)``, tolerating broken quotes.

    Each value runs from its ``key=`` to the next known ``key=`` (or the end); quotes,
    commas and whitespace around it are trimmed rather than required to balance.
    """
    out: dict[str, str] = {}
    matches = list(_ARG.finditer(body))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
        value = body[m.end() : end].strip().rstrip(",").strip()
        if value[:1] in "'\"":
            value = value[1:]
        if value[-1:] in "'\"" and not value.endswith("\\'") and not value.endswith('\\"'):
            value = value[:-1]
        out[m.group(1)] = value
    return out


def _actions_text(answer: str) -> tuple[str | None, str]:
    """Split ``Thought: … Action: …`` (either colon) into the thought and the action text."""
    action_at = _last_action_header(answer)
    if action_at is None:
        return None, answer
    head = answer[: action_at.start()]
    t = _THOUGHT_HEADER.search(head)
    if t is None:
        return None, answer[action_at.end() :]
    thought = head[t.end() :]
    if ("ummary" in thought or "UMMARY" in thought) and (summary := _SUMMARY_HEADER.search(thought)):
        thought = thought[: summary.start()]
    return thought.strip() or None, answer[action_at.end() :]


def _last_action_header(answer: str) -> re.Match[str] | None:
    """The last ``Action:`` header, found from the end: the action text is short, the thought long."""
    end = len(answer)
    while True:
        at = max(answer.rfind("ction", 0, end), answer.rfind("CTION", 0, end))
        if at < 1:
            return None
        if m := _ACTION_HEADER.match(answer, at - 1):
            return m
        end = at


_FREE_TEXT = frozenset({"type", "finished"})


def _call_starts(body: str, calls: list[re.Match[str]]) -> list[re.Match[str]]:
    """Where each action call begins: at a known verb name, and not inside free text.

    A call's arguments run up to the next call. ``type`` and ``finished`` carry free text
    (``type(content='then click(OK)')``), so after one of them only a call past a blank
    line (UI-TARS separates actions with ``)\n\n``) starts a new action.
    """
    starts: list[re.Match[str]] = []
    text_until = -1
    for m in calls:
        name = m.group(1).lower()
        if name not in _KNOWN or m.start() < text_until:
            continue
        starts.append(m)
        if name in _FREE_TEXT:
            blank = body.find("\n\n", m.end())
            text_until = len(body) if blank == -1 else blank
    return starts


def _parse(dialect: Dialect, text: str, space: Space) -> Decision:
    think, answer = split_thinking(text)
    thought, body = _actions_text(answer)
    body = body.replace("<|box_start|>", "").replace("<|box_end|>", "")
    calls = list(_CALL.finditer(body))
    if not calls:
        raise ParseError(
            "no action call found in a UI-TARS answer",
            raw=text,
            expected="Action: click(start_box='(x,y)')",
        )
    actions: list[Action] = []
    box: Box | None = None
    starts = _call_starts(body, calls)
    if not starts:
        dialect.verb(calls[0].group(1).lower(), text)  # raises with the list of known verbs
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        inner = body[m.end() : end].strip()
        if inner.endswith(")"):
            inner = inner[:-1]
        name = m.group(1).lower()
        verb = dialect.verb(_ALIASES.get(name, name), text)
        args = _split_args(inner)
        try:
            decoded = verb.decode(args, space, text)
        except ParseError:
            raise
        except (ValueError, TypeError) as exc:
            raise ParseError(f"{name}(…) has bad arguments: {exc}".splitlines()[0], raw=text) from exc
        if box is None and _looks_like_box(args.get("start_box")):
            box = _box(args, "start_box", space, text)[1]
        actions.extend(decoded)
    return Decision(tuple(actions), thought or think, text, box)


def _format(name: str, args: dict[str, Any]) -> str:
    inner = ", ".join(f"{k}='{v}'" for k, v in args.items())
    return f"{name}({inner})"


UITARS = Dialect("ui-tars", _VERBS, _parse, _format)
"""UI-TARS-1.5's computer and mobile action grammar."""
