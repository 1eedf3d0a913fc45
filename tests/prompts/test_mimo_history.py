"""MiMo-VL's "Previous Actions", pinned against Xiaomi's own builder.

Source: XiaomiMiMo/lmms-eval (commit c3abd7b), ``lmms_eval/tasks/android_control/utils.py``,
``android_control_doc_to_text_high`` (and ``_low``, and ``cagui/utils.py``'s ``cagui_doc_to_text``,
which build the history the same way), with ``transfer_history_data_into_absolute_style`` and
``transfer_action_into_absolute_style`` in ``lmms_eval/tasks/_task_utils/gui_utils.py``, and the
prompt ``prompt_mimo_wo_instruction`` there. ``xiaomi_history`` below restates that logic (not
our code): the dataset's actions (``MiMo_Unified_GUIAction`` fields, points as fractions) go
to whole pixels, ``None`` fields are dropped, ``input`` loses its point, a scroll becomes a
drag from the centre, each is ``json.dumps(…, ensure_ascii=False)``, and the steps are
``Step {idx}: {json}.`` from idx 0, concatenated, or ``None``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

from mimo_gui.actions import (
    Back,
    Click,
    Drag,
    Finish,
    Hotkey,
    LongPress,
    OpenApp,
    Point,
    Scroll,
    Space,
    Type,
    Wait,
)
from mimo_gui.actions.dialects import MIMO, mimo_history
from mimo_gui.prompts import MIMO_VL, ImagePart, PastStep, StepInput

W, H = 1092, 2408  # a 1080x2400 phone screenshot after MiMo's smart_resize
FIELDS = (
    "action_name",
    "start_point",
    "end_point",
    "direction",
    "scroll_distance",
    "text",
    "keys",
    "status",
    "app",
)


def unified(**given: Any) -> dict[str, Any]:
    """A dataset action as MiMo_Unified_GUIAction holds it: every field, None where unset."""
    return {f: given.get(f) for f in FIELDS}


def xiaomi_entry(action: dict[str, Any], width: int, height: int) -> str:
    """transfer_action_into_absolute_style(convert_scroll=True), then json.dumps, restated."""
    out = {k: v for k, v in action.items() if v is not None}
    for key in ("start_point", "end_point"):
        if key in out:
            fx, fy = out[key]
            out[key] = [round(fx * width), round(fy * height)]
    if out["action_name"] == "input":
        out.pop("start_point", None)
    if out["action_name"] == "scroll":
        if "start_point" not in out and "end_point" not in out:
            out["start_point"] = [round(0.5 * width), round(0.5 * height)]
            end = {"up": (0.5, 0.8), "down": (0.5, 0.2), "left": (0.8, 0.5), "right": (0.2, 0.5)}
            ex, ey = end[out["direction"]]
            out["end_point"] = [round(ex * width), round(ey * height)]
        out["action_name"] = "drag"
        out.pop("scroll_distance", None)
        out.pop("direction", None)
        out["end_point"] = out.pop("end_point")
    return json.dumps(out, ensure_ascii=False)


def xiaomi_history(actions: list[dict[str, Any]], width: int, height: int) -> str:
    """The loop of android_control_doc_to_text_high, restated."""
    text = "".join(f"Step {idx}: {xiaomi_entry(a, width, height)}." for idx, a in enumerate(actions))
    return "None" if text == "" else text


def px(x: float, y: float) -> Point:
    return Point(x=x, y=y, space=Space.MODEL_PIXELS)


# (the dataset's action, ours in the model's pixels): the same step both ways
PAIRS = [
    (unified(action_name="click", start_point=[0.5, 0.25]), Click(point=px(546, 602))),
    (unified(action_name="input", start_point=[0.5, 0.5], text='明天 "9点"'), Type(text='明天 "9点"')),
    (unified(action_name="press", keys=["back"]), Back()),
    (unified(action_name="press", keys=["ctrl", "a"]), Hotkey(keys=("ctrl", "a"))),
    (unified(action_name="longpress", start_point=[0.25, 0.75]), LongPress(point=px(273, 1806))),
    (
        unified(action_name="drag", start_point=[0.5, 0.5], end_point=[0.5, 0.2]),
        Drag(start=px(546, 1204), end=px(546, 482)),
    ),
    (unified(action_name="open", app="Clock"), OpenApp(name="Clock")),
    (unified(action_name="wait"), Wait()),
]


def test_the_history_is_xiaomis_string_exactly() -> None:
    ours = mimo_history([a for _, a in PAIRS], W, H)
    theirs = xiaomi_history([d for d, _ in PAIRS], W, H)
    assert ours == theirs
    # the shape the issue names: numbered from 0, each step closed by a full stop, no separator
    assert ours.startswith('Step 0: {"action_name": "click", "start_point": [546, 602]}.Step 1: ')


@pytest.mark.parametrize(("data", "action"), PAIRS, ids=lambda v: getattr(v, "type", ""))
def test_each_step_alone_matches(data: dict[str, Any], action: Any) -> None:
    assert mimo_history([action], W, H) == xiaomi_history([data], W, H)


def test_no_history_is_none_as_xiaomi_writes_it() -> None:
    assert mimo_history([], W, H) == xiaomi_history([], W, H) == "None"


def test_a_fraction_point_is_written_in_the_model_images_pixels() -> None:
    fraction = Click(point=Point(x=0.5, y=0.25, space=Space.NORM_1))
    assert mimo_history([fraction], W, H) == xiaomi_history([PAIRS[0][0]], W, H)


def test_scroll_is_written_as_the_scroll_mimo_answered_not_xiaomis_drag() -> None:
    # The one deliberate difference (mimo_history's docstring): Xiaomi's AndroidControl prompt
    # offers no scroll, ours does. The scroll is written in MiMo's words and reads back as itself.
    ours = Scroll(direction="down")
    text = mimo_history([ours], W, H)
    assert text == 'Step 0: {"action_name": "scroll", "direction": "up"}.'
    assert xiaomi_history([unified(action_name="scroll", direction="down")], W, H).startswith(
        'Step 0: {"action_name": "drag"'
    )
    entry = text.removeprefix("Step 0: ").removesuffix(".")
    assert MIMO.parse(entry, Space.MODEL_PIXELS).actions == (ours,)


def test_every_history_entry_reads_back_as_the_same_action() -> None:
    for _, action in PAIRS:
        entry = mimo_history([action], W, H).removeprefix("Step 0: ").removesuffix(".")
        assert MIMO.parse(entry, Space.MODEL_PIXELS).actions == (action,), entry


# prompt_mimo_wo_instruction in gui_utils.py, as .format() renders it, with the six-line
# action space android_control_doc_to_text_high passes.
XIAOMI_PROMPT = """You are a GUI agent. You will be provided with a screenshot, a goal, and your action history. You need to perform the next action to complete the task.

## Action Space
{"action": "click", "start_point": [x,y]}
{"action": "drag", "start_point": [x,y], "end_point": [x,y]}
{"action": "input", "text": "text"}
{"action": "press", "keys": [key1, key2, ...]}
{"action": "wait"}
{"action": "finished", "status": "status"}

## Goal
GOAL

## Previous Actions
HISTORY

Now, output the next action in json format [{"action": "{action_name}"}, ...]."""


def test_the_whole_agent_prompt_is_xiaomis_for_the_same_actions_and_history() -> None:
    image = ImagePart(Image.new("RGB", (W, H)))
    history = [PastStep(actions=(a,), raw="") for _, a in PAIRS]
    supported = frozenset({Click, Drag, Type, Hotkey, Wait, Finish})
    (message,) = MIMO_VL.step_messages(
        StepInput(
            task="Set an alarm for 9am", image=image, history=history, supported=supported, platform="android"
        )
    )
    assert message.content[0] is image
    expected = XIAOMI_PROMPT.replace("GOAL", "Set an alarm for 9am").replace(
        "HISTORY", xiaomi_history([d for d, _ in PAIRS], W, H)
    )
    assert message.content[1].text == expected  # type: ignore[union-attr]
