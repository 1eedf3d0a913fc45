"""The parser corpus: every dialect, the shapes models really emit, and the broken ones.

Shapes come from formats.md and the issue threads it cites (MiMo-VL's grounding notebook,
Xiaomi's eval, Qwen's mobile cookbook, UI-TARS' parser and midscene#843, UI-TARS#78,
UI-TARS-desktop#37, PR#942). A failure is always a ParseError holding the raw text,
never a Finish.
"""

from __future__ import annotations

import pytest

from mimo_gui.actions import (
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
    OpenApp,
    ParseError,
    Point,
    Scroll,
    Space,
    Swipe,
    Type,
    Wait,
)
from mimo_gui.actions.dialects import MIMO, QWEN_COMPUTER, QWEN_MOBILE, UITARS, mimo_scroll_word

M = Space.MODEL_PIXELS


def pt(x: float, y: float) -> Point:
    return Point(x=x, y=y, space=M)


# -- MiMo-VL ---------------------------------------------------------------------------

MIMO_CASES = [
    # grounding, exactly as the 2506 notebook printed it
    (
        '<think>\n</think>\n\n```json\n[\n\t{"bbox_2d": [222, 253, 348, 535], "label": "Poodle"}, '
        '{"bbox_2d": [1, 1, 3, 3], "label": "x"}]\n```',
        [Click(point=pt(285, 394))],
    ),
    ('[{"bbox_2d": [10, 20, 30, 40], "label": "Save"}]', [Click(point=pt(20, 30))]),
    ('{"point_2d": [55, 66], "label": "Save"}', [Click(point=pt(55, 66))]),
    ('```json\n[{"points": [[12, 34]], "label": "Save"}]\n```', [Click(point=pt(12, 34))]),
    ("[100, 200, 300, 400]", [Click(point=pt(200, 300))]),
    ("The Save button is at (640, 360).", [Click(point=pt(640, 360))]),
    ("<think>It is top left.</think>The box is (5, 6, 7, 8) and the point (1, 1)", [Click(point=pt(6, 7))]),
    ("[12.5, 30.25]", [Click(point=pt(12.5, 30.25))]),
    # agent JSON (2508 eval), fenced, bare, listed, with reasoning
    (
        '<think>\nclick the field\n</think>\n{"action": "click", "start_point": [812, 1530]}',
        [Click(point=pt(812, 1530))],
    ),
    ('```json\n{"action": "input", "text": "alice"}\n```', [Type(text="alice")]),
    ('[{"action": "press", "keys": ["enter"]}]', [Hotkey(keys=("enter",))]),
    ('{"action": "press", "keys": ["home"]}', [Home()]),
    ('{"action": "press", "keys": ["back"]}', [Back()]),
    ('{"action": "press", "keys": ["Ctrl", "A"]}', [Hotkey(keys=("ctrl", "a"))]),
    ('{"action": "drag", "start_point": [1, 2], "end_point": [3, 4]}', [Drag(start=pt(1, 2), end=pt(3, 4))]),
    ('{"action": "longpress", "start_point": [9, 9]}', [LongPress(point=pt(9, 9))]),
    ('{"action": "open", "app": "Settings"}', [OpenApp(name="Settings")]),
    ('{"action": "wait"}', [Wait(seconds=1.0)]),
    ('{"action": "finished", "status": "success"}', [Finish()]),
    ('{"action": "finished", "status": "The price is $5"}', [Finish(answer="The price is $5")]),
    ('{"action": "finished", "status": "failure"}', [Fail(reason="failure")]),
    ('{"action": "hover", "start_point": [3, 3]}', [MoveTo(point=pt(3, 3))]),
    ('{"action": "call_user", "question": "Which account?"}', [CallUser(question="Which account?")]),
    # Xiaomi's unified space: input at a point means click there, then type
    (
        '{"action": "input", "start_point": [5, 5], "text": "密码 \\"q\\""}',
        [Click(point=pt(5, 5)), Type(text='密码 "q"')],
    ),
    # a Python dict, as some histories (guievalkit) render actions
    ("{'action': 'click', 'start_point': [7, 8]}", [Click(point=pt(7, 8))]),
    # several think blocks: the answer follows the last </think>
    (
        '<think>a</think>{"action": "wait"}</think>{"action": "click", "start_point": [1, 2]}',
        [Click(point=pt(1, 2))],
    ),
]


@pytest.mark.parametrize(("text", "expected"), MIMO_CASES)
def test_mimo_parses(text: str, expected: list) -> None:
    decision = MIMO.parse(text, M)
    assert list(decision.actions) == expected
    assert decision.raw == text


def test_mimo_keeps_the_thought_and_the_box() -> None:
    d = MIMO.parse('<think>\nThe Save icon.\n</think>[{"bbox_2d": [0, 0, 10, 20]}]', M)
    assert d.thought == "The Save icon."
    assert d.box is not None and (d.box.x2, d.box.y2) == (10, 20)


@pytest.mark.parametrize(
    ("word", "ours"), [("up", "down"), ("down", "up"), ("left", "left"), ("right", "right")]
)
def test_mimo_scroll_direction_is_swapped_for_up_and_down(word: str, ours: str) -> None:
    # Xiaomi's eval swaps up/down when scoring (formats.md §2.4): MiMo's "up" shows what is below.
    decision = MIMO.parse(f'{{"action": "scroll", "direction": "{word}", "start_point": [5, 5]}}', M)
    assert decision.action == Scroll(direction=ours, point=pt(5, 5))
    assert mimo_scroll_word(ours) == word


MIMO_BROKEN = [
    ("<think>I should click the blue", "the answer was cut off inside <think> before any action"),
    ("", "the answer holds no action"),
    ("<think>done thinking</think>\n  ", "the answer holds no action"),
    ("I cannot find it.", "no action or coordinates found in a MiMo-VL answer"),
    ('{"action": "teleport", "to": [1, 2]}', "unknown action 'teleport' in a mimo answer"),
    ('{"action": "click"}', "'click' needs 'start_point'"),
    ('{"action": "click", "start_point": [1]}', "start_point must hold 2 or 4 numbers"),
    ('{"action": "click", "start_point": [1, 2], "count": 9}', "'click' has bad arguments"),
    (
        '{"action": "scroll", "direction": "sideways"}',
        "scroll direction 'sideways' is not up, down, left or right",
    ),
    ('{"action": "press", "keys": []}', "'press' needs a non-empty list of keys"),
    ('{"action": "input"}', "'input' needs 'text'"),
]


@pytest.mark.parametrize(("text", "message"), MIMO_BROKEN)
def test_mimo_broken_answers_raise_parse_errors_with_the_raw_text(text: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        MIMO.parse(text, M)
    assert str(info.value).startswith(message)
    assert info.value.raw == text
    assert repr(text[:50])[1:-1][:20] in str(info.value)


def test_mimo_error_message_is_pinned() -> None:
    with pytest.raises(ParseError) as info:
        MIMO.parse("Sorry, no.", M)
    assert str(info.value) == "no action or coordinates found in a MiMo-VL answer; raw answer: 'Sorry, no.'"
    assert "start_point" in info.value.expected


# -- Qwen2.5-VL tools -------------------------------------------------------------------

QWEN_MOBILE_CASES = [
    (
        '<tool_call>\n{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [935, 406]}}\n</tool_call>',
        [Click(point=pt(935, 406))],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "swipe", "coordinate": [1, 2], "coordinate2": [3, 4]}}'
        "</tool_call>",
        [Swipe(start=pt(1, 2), end=pt(3, 4))],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "long_press", "coordinate": [5, 6], "time": 2}}'
        "</tool_call>",
        [LongPress(point=pt(5, 6), seconds=2)],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "system_button", "button": "Back"}}',
        [Back()],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "system_button", "button": "Home"}}</tool_call>',
        [Home()],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "type", "text": "ünï"}}</tool_call>',
        [Type(text="ünï")],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "open", "text": "Maps"}}</tool_call>',
        [OpenApp(name="Maps")],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>',
        [Finish()],
    ),
    (
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "terminate", "status": "failure"}}</tool_call>',
        [Fail(reason="the model reported failure")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), QWEN_MOBILE_CASES)
def test_qwen_mobile_parses(text: str, expected: list) -> None:
    assert list(QWEN_MOBILE.parse(text, M).actions) == expected


QWEN_COMPUTER_CASES = [
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1, 2]}}</tool_call>', [Click(point=pt(1, 2))]),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "double_click", "coordinate": [1, 2]}}</tool_call>', [Click(point=pt(1, 2), count=2)]),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "right_click", "coordinate": [1, 2]}}</tool_call>', [Click(point=pt(1, 2), button="right")]),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "key", "keys": ["ctrl", "c"]}}</tool_call>', [Hotkey(keys=("ctrl", "c"))]),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": -300}}</tool_call>', [Scroll(direction="down")]),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": 120, "coordinate": [4, 4]}}</tool_call>', [Scroll(direction="up", point=pt(4, 4))]),
    (
        '<tool_call>{"name": "computer_use", "arguments": {"action": "mouse_move", "coordinate": [1, 2]}}</tool_call>\n'
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click_drag", "coordinate": [9, 9]}}</tool_call>',
        [Drag(start=pt(1, 2), end=pt(9, 9))],
    ),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "answer", "text": "42"}}</tool_call>', [Finish(answer="42")]),
    ('<tool_call>{"name": "computer_use", "arguments": "{\\"action\\": \\"wait\\", \\"time\\": 2}"}</tool_call>', [Wait(seconds=2)]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), QWEN_COMPUTER_CASES)
def test_qwen_computer_parses(text: str, expected: list) -> None:
    assert list(QWEN_COMPUTER.parse(text, M).actions) == expected


QWEN_BROKEN = [
    (QWEN_COMPUTER, "I will click the button.", "no <tool_call> JSON found in a Qwen2.5-VL answer"),
    (QWEN_COMPUTER, '<tool_call>{"name": "computer_use", "arguments": {}}</tool_call>', "the tool call has no 'action'"),
    (
        QWEN_COMPUTER,
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click_drag", "coordinate": [1, 2]}}</tool_call>',
        "left_click_drag without a preceding mouse_move has no start point",
    ),
    (QWEN_COMPUTER, '<tool_call>{"name": "computer_use", "arguments": {"action": "fly"}}</tool_call>', "unknown action 'fly'"),
    (QWEN_MOBILE, '<tool_call>{"name": "mobile_use", "arguments": {"action": "click"}}</tool_call>', "this action needs 'coordinate'"),
    (QWEN_MOBILE, '<tool_call>{"name": "mobile_use", "arguments": {"action": "system_button", "button": "Power"}}</tool_call>', "unknown system_button 'power'"),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "text", "message"), QWEN_BROKEN)
def test_qwen_broken(dialect, text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        dialect.parse(text, M)
    assert info.value.raw == text


# -- UI-TARS ---------------------------------------------------------------------------

UITARS_CASES = [
    (
        "Thought: The button.\nAction: click(start_box='<|box_start|>(197,525)<|box_end|>')",
        [Click(point=pt(197, 525))],
    ),
    # vLLM's skip_special_tokens strips the box tokens
    ("Thought: x\nAction: click(start_box='(197,525)')", [Click(point=pt(197, 525))]),
    # midscene#843: a full-width colon
    ("Thought：看到了\nAction：click(start_box='(10,20)')", [Click(point=pt(10, 20))]),
    # Doubao <point> form
    ("Action: click(point='<point>10 20</point>')", [Click(point=pt(10, 20))]),
    ("Action: left_double(start_box='(5,5)')", [Click(point=pt(5, 5), count=2)]),
    ("Action: right_single(start_box='(5,5)')", [Click(point=pt(5, 5), button="right")]),
    ("Action: click(start_box='(10,20,30,40)')", [Click(point=pt(20, 30))]),
    ("Action: click(start_box='[10, 20, 30, 40]')", [Click(point=pt(20, 30))]),
    # PR#942: an unclosed quote / a missing parenthesis
    ("Action: click(start_box='(100,200))", [Click(point=pt(100, 200))]),
    ("Action: click(start_box='(100,200)", [Click(point=pt(100, 200))]),
    ("Action: hotkey(key='ctrl c')", [Hotkey(keys=("ctrl", "c"))]),
    ("Action: press(key='enter')", [Hotkey(keys=("enter",))]),
    ("Action: type(content='hello')", [Type(text="hello")]),
    ("Action: type(content='it\\'s \\\"q\\\"\\n')", [Type(text='it\'s "q"'), Hotkey(keys=("enter",))]),
    ("Action: scroll(start_box='(5,5)', direction='down')", [Scroll(direction="down", point=pt(5, 5))]),
    ("Action: scroll(direction='up')", [Scroll(direction="up")]),
    ("Action: drag(start_box='(1,2)', end_box='(3,4)')", [Drag(start=pt(1, 2), end=pt(3, 4))]),
    ("Action: long_press(start_box='(7,7)')", [LongPress(point=pt(7, 7))]),
    ("Action: open_app(app_name='Settings')", [OpenApp(name="Settings")]),
    ("Action: press_home()", [Home()]),
    ("Action: press_back()", [Back()]),
    ("Action: wait()", [Wait(seconds=5)]),
    ("Action: finished(content='done')", [Finish(answer="done")]),
    ("Action: finished()", [Finish()]),
    ("Action: call_user()", [CallUser()]),
    # several actions, separated by a blank line
    (
        "Thought: two things\nAction: click(start_box='(1,1)')\n\ntype(content='x')",
        [Click(point=pt(1, 1)), Type(text="x")],
    ),
    # free text that looks like a call stays text; a call after a blank line is the next action
    (
        "Action: type(content='then click(OK) and press_back()')",
        [Type(text="then click(OK) and press_back()")],
    ),
    ("Action: type(content='x')\n\nclick(start_box='(1,1)')", [Type(text="x"), Click(point=pt(1, 1))]),
    ("Action: finished(content='done: wait() was enough')", [Finish(answer="done: wait() was enough")]),
    # Reflection / Action_Summary headers
    (
        "Reflection: ok\nAction_Summary: click it\nAction: click(start_box='(3,3)')",
        [Click(point=pt(3, 3))],
    ),
]


@pytest.mark.parametrize(("text", "expected"), UITARS_CASES)
def test_uitars_parses(text: str, expected: list) -> None:
    assert list(UITARS.parse(text, M).actions) == expected


def test_uitars_thought_and_box() -> None:
    d = UITARS.parse("Thought: The Save icon.\nAction: click(start_box='(0,0,10,20)')", M)
    assert d.thought == "The Save icon."
    assert d.box is not None and d.box.center == pt(5, 10)


UITARS_BROKEN = [
    ("Thought: hmm", "no action call found in a UI-TARS answer"),
    # UI-TARS#78: the model failed to output coordinates
    ("Action: click(start_box='=')", "start_box must hold 2 or 4 numbers"),
    ("Action: fly(to='moon')", "unknown action 'fly' in a ui-tars answer"),
    ("Action: scroll(start_box='(1,1)', direction='diagonal')", "scroll direction 'diagonal'"),
    ("Action: hotkey(key='')", "hotkey needs key="),
    ("Action: click()", "this action needs start_box"),
]


@pytest.mark.parametrize(("text", "message"), UITARS_BROKEN)
def test_uitars_broken(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(")) as info:
        UITARS.parse(text, M)
    assert info.value.raw == text


# -- the table drives prompt and parser ------------------------------------------------

ROUND_TRIP = [
    Click(point=pt(10, 20)),
    Click(point=pt(10, 20), count=2),
    Click(point=pt(10, 20), button="right"),
    Type(text='a "quoted" 密码'),
    Hotkey(keys=("ctrl", "c")),
    Scroll(direction="down", point=pt(3, 4)),
    Scroll(direction="up", point=pt(3, 4)),
    Drag(start=pt(1, 2), end=pt(3, 4)),
    LongPress(point=pt(5, 5)),
    Home(),
    Back(),
    OpenApp(name="Maps"),
    Finish(),
]


@pytest.mark.parametrize("dialect", [MIMO, QWEN_COMPUTER, QWEN_MOBILE, UITARS], ids=lambda d: d.name)
def test_encode_then_parse_gives_back_the_action(dialect) -> None:
    checked = 0
    for action in ROUND_TRIP:
        text = dialect.encode(action)
        if text is None:
            continue
        if dialect in (QWEN_COMPUTER, QWEN_MOBILE):
            text = f"<tool_call>{text}</tool_call>"
        elif dialect is UITARS:
            text = f"Action: {text}"
        assert list(dialect.parse(text, M).actions) == [action], text
        checked += 1
    assert checked >= 6


def test_action_space_lists_only_verbs_for_supported_actions() -> None:
    lines = MIMO.action_space({Click, Type, Finish})
    assert lines == [
        '{"action": "click", "start_point": [x,y]}',
        '{"action": "input", "text": "text"}',
        '{"action": "finished", "status": "status"}',
    ]
    assert MIMO.action_space(set()) == []
    # UI-TARS: the phone-only verbs are not offered to an env that cannot do them
    assert UITARS.action_space({Scroll, Back}) == [
        "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')",
        "press_back()",
    ]


# XiaomiMiMo/lmms-eval lmms_eval/tasks/android_control/utils.py, android_control_doc_to_text_high:
# the action_space list it passes (the live one, then the lines of the commented-out variants).
XIAOMI_AC_ACTION_SPACE = [
    '{"action": "click", "start_point": [x,y]}',
    '{"action": "drag", "start_point": [x,y], "end_point": [x,y]}',
    '{"action": "input", "text": "text"}',
    '{"action": "press", "keys": [key1, key2, ...]}',
    '{"action": "wait"}',
    '{"action": "finished", "status": "status"}',
]
XIAOMI_COMMENTED_OUT = [
    '{"action": "open", "app": "app_name"}',
    '{"action": "longpress", "start_point": [x,y]}',
    '{"action": "scroll", "direction": "direction"}',
]


def test_mimo_action_space_is_xiaomis_for_the_same_actions() -> None:
    assert MIMO.action_space({Click, Drag, Type, Hotkey, Wait, Finish}) == XIAOMI_AC_ACTION_SPACE
    assert MIMO.action_space({OpenApp, LongPress, Scroll}) == [
        XIAOMI_COMMENTED_OUT[1],
        XIAOMI_COMMENTED_OUT[2],
        XIAOMI_COMMENTED_OUT[0],
    ]
    everything = MIMO.action_space()
    assert len(everything) == len(MIMO.verbs)
    assert set(XIAOMI_AC_ACTION_SPACE + XIAOMI_COMMENTED_OUT) <= set(everything)


def test_qwen_keeps_its_reasoning_as_the_thought() -> None:
    call = '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1, 2]}}</tool_call>'
    tagged = QWEN_COMPUTER.parse(
        f"<thinking>The OK button.</thinking>\n{call}\n<conclusion>Clicked OK.</conclusion>", M
    )
    assert tagged.thought == "The OK button." and tagged.actions == (Click(point=pt(1, 2)),)
    assert QWEN_COMPUTER.parse(f"I will press OK.\n{call}", M).thought == "I will press OK."
    assert QWEN_COMPUTER.parse(call, M).thought is None
