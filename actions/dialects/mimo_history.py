"""The "Previous Actions" of MiMo-VL's agent prompt, written the way Xiaomi writes them.

Xiaomi's builder (XiaomiMiMo/lmms-eval, ``lmms_eval/tasks/android_control/utils.py``,
``android_control_doc_to_text_high``/``_low``, with ``transfer_history_data_into_absolute_style``
in ``lmms_eval/tasks/_task_utils/gui_utils.py``) numbers past steps from 0 and concatenates
them with no separator but the full stop: ``Step 0: {…}.Step 1: {…}.``, or ``None``. Each step
is ``json.dumps`` (``ensure_ascii=False``) of the action in Xiaomi's unified vocabulary: the
key ``action_name``, then the fields in ``MiMo_Unified_GUIAction``'s order (``start_point``,
``end_point``, ``direction``, ``scroll_distance``, ``text``, ``keys``, ``status``, ``app``),
points as whole pixels of the image the model sees, ``input`` without its point. A test
rebuilds Xiaomi's logic from that source and compares.

One deliberate difference: Xiaomi's AndroidControl prompt offers no ``scroll`` and rewrites
past scrolls as drags from the screen's centre; our prompt offers ``scroll``, so a past
scroll is written as the scroll the model answered (MiMo's direction word).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, assert_never

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
    Swipe,
    SwitchTab,
    Type,
    Wait,
)

__all__ = ["SCROLL_TO_MIMO", "mimo_history", "mimo_history_entry"]

# MiMo's up/down name the finger's way, ours the content's: its "up" shows what is below
# (Xiaomi's mimo_agent2mimo swaps up and down when scoring). Left and right agree.
SCROLL_TO_MIMO: dict[ScrollDirection, str] = {"up": "down", "down": "up", "left": "left", "right": "right"}


def _pixels(p: Point, size: tuple[int, int] | None) -> list[int] | list[float]:
    """A point as whole pixels of the model image, rounded as Xiaomi rounds them.

    Without the image's size a fraction (`Space.NORM_1`) is written as it is, so it reads
    back as the same fraction.
    """
    match p.space:
        case Space.MODEL_PIXELS:
            return [round(p.x), round(p.y)]
        case Space.NORM_1 | Space.NORM_1000:
            unit = 1.0 if p.space is Space.NORM_1 else 1000.0
            if size is None:
                return [p.x, p.y] if unit == 1.0 else [round(p.x), round(p.y)]
            return [round(p.x / unit * size[0]), round(p.y / unit * size[1])]
        case Space.SCREEN:
            raise ValueError(f"MiMo's answers and history hold model-space points, got the screen point {p}")
        case _:
            assert_never(p.space)


def mimo_history_entry(action: Action, size: tuple[int, int] | None = None) -> dict[str, Any]:
    """One action in MiMo's words, as Xiaomi's history holds it: ``{"action_name": …, <fields>}``.

    Args:
        action: the action, its points in a model space.
        size: the model image's (width, height), to write fractions as its pixels.
    """

    def pt(p: Point) -> list[int] | list[float]:
        return _pixels(p, size)

    match action:
        case Click(point=p, button=button, count=count):
            out: dict[str, Any] = {"action_name": "click", "start_point": pt(p)}
            if button != "left":
                out["button"] = button
            if count != 1:
                out["count"] = count
            return out
        case Drag(start=s, end=e) | Swipe(start=s, end=e):
            return {"action_name": "drag", "start_point": pt(s), "end_point": pt(e)}
        case Scroll(direction=d, point=p):
            at = {"start_point": pt(p)} if p is not None else {}
            return {"action_name": "scroll", **at, "direction": SCROLL_TO_MIMO[d]}
        case Type(text=t):
            return {"action_name": "input", "text": t}
        case Hotkey(keys=keys):
            return {"action_name": "press", "keys": list(keys)}
        case Home():
            return {"action_name": "press", "keys": ["home"]}
        case Back():
            return {"action_name": "press", "keys": ["back"]}
        case LongPress(point=p):
            return {"action_name": "longpress", "start_point": pt(p)}
        case MoveTo(point=p):
            return {"action_name": "hover", "start_point": pt(p)}
        case Wait():
            return {"action_name": "wait"}
        case OpenApp(name=name):
            return {"action_name": "open", "app": name}
        case Finish(answer=answer):
            return {"action_name": "finished", "status": answer or "success"}
        case Fail():
            return {"action_name": "finished", "status": "failure"}
        case Navigate(url=url):
            return {"action_name": "navigate", "url": url}
        case SwitchTab(index=index):
            return {"action_name": "switch_tab", "index": index}
        case AnswerDialog(accept=accept, text=text):
            reply = {"text": text} if text is not None else {}
            return {"action_name": "answer_dialog", "accept": accept} | reply
        case CallUser(question=question):
            return {"action_name": "call_user", "question": question}
        case _:
            assert_never(action)


def mimo_history(actions: Iterable[Action], width: int, height: int) -> str:
    """The prompt's "Previous Actions": ``Step 0: {…}.Step 1: {…}.``, or ``None`` when empty.

    Args:
        actions: every action taken so far, oldest first, in the model's space.
        width, height: the model image's size (what its pixel coordinates refer to).
    """
    entries = [json.dumps(mimo_history_entry(a, (width, height)), ensure_ascii=False) for a in actions]
    return "".join(f"Step {i}: {e}." for i, e in enumerate(entries)) or "None"
