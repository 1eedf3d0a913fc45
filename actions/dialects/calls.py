"""Function-call answers: ``click(start_point=(540,1200))``, ``press(keys=['enter'])``.

Xiaomi's unified GUI action space is written this way in its own code (XiaomiMiMo/lmms-eval
``lmms_eval/tasks/_task_utils/gui_utils.py``, the comments of ``MiMo_Unified_GUIAction``:
``click(start_point=<|point_start|>(x,y)<|point_end|>)``, ``scroll(start_point=…, direction=direction)``,
``input(start_point=…, text=text)``, ``press(keys=[key1, key2, ...])``, ``finished(status="xxxx")``,
``wait()``, ``open(app="xxxx")``), and MiMo-VL answers in it now and then instead of JSON.

This module only reads the call's shape: a name and its keyword arguments, as text. What a
name means is the dialect's business. It also knows the action words of the GUI
vocabularies around (`VERB_WORDS`), so a parser can tell an answer that names an action
(and must then be read as that action, or refused) from prose that merely holds numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["VERB_WORDS", "Call", "find_call"]

VERB_WORDS = frozenset(
    {
        # MiMo's unified space (gui_utils.py MiMo_Unified_GUIAction) and its aliases
        "click", "scroll", "drag", "input", "press", "longpress", "long_press", "finished", "wait",
        "open", "appswitch", "hover", "select", "navigate_back", "navigate_home", "press_back",
        "press_home", "press_enter", "open_app",
        # Qwen2.5-VL computer_use / mobile_use (formats.md §3.3-3.4)
        "key", "type", "mouse_move", "left_click", "left_click_drag", "right_click", "middle_click",
        "double_click", "triple_click", "hscroll", "answer", "terminate", "swipe", "system_button",
        # UI-TARS (formats.md §4.2) and its parser's aliases
        "left_double", "right_single", "left_single", "hotkey", "call_user",
        # our browser additions
        "navigate", "switch_tab", "answer_dialog",
        # words other agents use (AndroidWorld, pyautogui, Aguvis)
        "tap", "input_text", "move_to", "moveto", "doubleclick", "rightclick", "dragto", "write",
        "typewrite", "keydown", "keyup", "finish", "done",
    }
)  # fmt: skip
"""Action words of the vocabularies mimo-gui reads or meets; a test keeps it a superset of
every dialect's verb names."""

_NAME = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\s*\(")
_KWARG = re.compile(r"\s*([A-Za-z_]\w*)\s*=")
_TOKENS = ("<|point_start|>", "<|point_end|>", "<|box_start|>", "<|box_end|>", "<point>", "</point>")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True, slots=True)
class Call:
    """One function call in an answer.

    Attributes:
        name: the function's name as written, lower-cased (``pyautogui.click`` stays dotted).
        args: keyword arguments; values are unquoted text, except unquoted ``true``/``false``
            (booleans), whole numbers (ints) and ``[…]`` lists (lists of unquoted items).
        positional: how many arguments had no ``name=``.
    """

    name: str
    args: dict[str, object]
    positional: int

    @property
    def verb(self) -> str:
        """The action word: the name's last dotted part (``pyautogui.click`` → ``click``)."""
        return self.name.rsplit(".", 1)[-1]


def find_call(text: str) -> Call | None:
    """The first call in ``text`` that names an action: a known action word, or any name
    called with keyword arguments. Prose such as ``at (640, 360)`` is not a call."""
    for m in _NAME.finditer(text):
        name = m.group(1).lower()
        if name.rsplit(".", 1)[-1] in VERB_WORDS or _KWARG.match(text, m.end()):
            return _call(name, _body(text, m.end()))
    return None


def _body(text: str, start: int) -> str:
    """The text between a call's parentheses.

    Quotes (with backslash escapes) and nested brackets are respected; an answer cut off
    or with a stray quote gives everything up to the end, a trailing ``)`` dropped.
    """
    depth: list[str] = []
    quote: str | None = None
    i = start
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _CLOSERS:
            depth.append(_CLOSERS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif ch == ")":
            return text[start:i]
        i += 1
    rest = text[start:].rstrip()
    return rest[:-1] if rest.endswith(")") else rest


def _split_top_level(body: str) -> list[str]:
    """Split at commas outside quotes and brackets."""
    parts: list[str] = []
    depth: list[str] = []
    quote: str | None = None
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if quote is not None:
            if ch == "\\" and i + 1 < len(body):
                current.append(body[i : i + 2])
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in _CLOSERS:
            depth.append(_CLOSERS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif ch == "," and not depth:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def _call(name: str, body: str) -> Call:
    for token in _TOKENS:
        body = body.replace(token, "")
    args: dict[str, object] = {}
    positional = 0
    for part in _split_top_level(body):
        m = _KWARG.match(part)
        if m is None:
            positional += 1
            continue
        args[m.group(1).lower()] = _value(part[m.end() :].strip())
    return Call(name, args, positional)


def _unquote(text: str) -> tuple[str, bool]:
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        inner = text[1:-1]
        return inner.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\"), True
    if text[:1] in "'\"":  # an unclosed quote: keep what follows it
        return text[1:], True
    return text, False


def _value(text: str) -> object:
    value, quoted = _unquote(text)
    if quoted:
        return value
    if value.startswith("[") and value.endswith("]"):
        items = [_unquote(p.strip())[0] for p in _split_top_level(value[1:-1])]
        return [i for i in items if i]
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return value
