"""Xiaomi's answer shapes beyond JSON: function calls, fractions of the image, ``app_name``.

Sources, cited per test: XiaomiMiMo/lmms-eval ``lmms_eval/tasks/_task_utils/gui_utils.py``
(``MiMo_Unified_GUIAction``'s comments give the call forms; ``mimo_agent2mimo`` and
``uitars2mimo`` are Xiaomi's parsers), XiaomiMiMo/MiMo-Embodied
``lmms_eval/tasks/_task_utils/eval_utils.py`` (``normalize_bbox``: no value over 1 means
fractions), xiaomi-research/guievalkit ``guieval/models/mimo_vl.py`` (``model_2_minicpm``
reads ``app_name``). The corpus (test_corpus.py) runs the same shapes through every dialect.
"""

from __future__ import annotations

import pytest

from mimo_gui.actions import Click, Frame, OpenApp, ParseError, Point, Scroll, Space
from mimo_gui.actions.dialects import DIALECTS, MIMO, QWEN_MOBILE, UITARS, VERB_WORDS, find_call

M = Space.MODEL_PIXELS
MIMO_MAX = 4096 * 28 * 28


def test_verb_words_know_every_dialects_verbs() -> None:
    for dialect in DIALECTS.values():
        assert {v.name for v in dialect.verbs} <= VERB_WORDS, dialect.name


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # gui_utils.py MiMo_Unified_GUIAction: scroll(start_point=<|point_start|>(x,y)<|point_end|>, direction=direction)
        (
            "scroll(start_point=<|point_start|>(540,1200)<|point_end|>, direction=up)",
            Scroll(direction="down", point=Point(x=540, y=1200, space=M)),
        ),
        # gui_utils.py mimo_2_uitars writes scroll(direction=…) without quotes; uitars2mimo reads it back
        ("scroll(direction=left)", Scroll(direction="left")),
        # guievalkit mimo_vl.py model_2_minicpm reads app_name; Xiaomi's prompt says app
        ('{"action": "open", "app_name": "Clock"}', OpenApp(name="Clock")),
        ("open(app_name='Clock')", OpenApp(name="Clock")),
        ('open(app="Clock")', OpenApp(name="Clock")),
    ],
)
def test_mimo_reads_the_action_a_call_names(answer: str, expected: object) -> None:
    assert MIMO.parse(answer, M).actions == (expected,)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("swipe(start_point=(1,2), end_point=(3,4))", "unknown action 'swipe' in a mimo answer"),
        ("appswitch()", "unknown action 'appswitch' in a mimo answer"),
        ("pyautogui.click(x=0.2, y=0.3)", "unknown action 'pyautogui.click' in a mimo answer"),
        ("scroll(start_point=(540,1200))", "'scroll' needs 'direction'"),
        ("click(640, 360)", "'click' needs 'start_point'"),
        (
            '{"name": "t", "arguments": {"action": "scroll", "coordinate": [5, 5]}}',
            "'scroll' needs 'direction'",
        ),
        ('The model said "action": "scroll" near [5, 5]', "the answer names the action 'scroll'"),
    ],
)
def test_a_named_verb_that_cannot_be_read_is_an_error_never_a_click(answer: str, message: str) -> None:
    with pytest.raises(ParseError) as info:
        MIMO.parse(answer, M)
    assert info.value.args[0].startswith(message)


def test_prose_with_numbers_still_falls_back_to_a_point() -> None:
    # eval_utils.py parse_bbox_from_point: the first (x, y) anywhere, when no action is named
    assert MIMO.parse("The Save button is at (640, 360).", M).actions == (
        Click(point=Point(x=640, y=360, space=M)),
    )
    assert find_call("The Save button is at (640, 360).") is None


def test_find_call_respects_quotes_and_brackets() -> None:
    call = find_call("Action: input(start_point=(5,6), text='a, b) c=d', keys=['x', 'y'])")
    assert call is not None
    assert (call.name, call.args) == (
        "input",
        {"start_point": "(5,6)", "text": "a, b) c=d", "keys": ["x", "y"]},
    )
    cut = find_call("finished(status='the answer was cut")
    assert cut is not None and cut.args == {"status": "the answer was cut"}


# -- fractions of the image -------------------------------------------------------------


def test_a_fraction_box_is_a_fraction_of_the_model_image_mapped_through_the_frame() -> None:
    # MiMo-Embodied eval_utils.py normalize_bbox: no value over 1, so these are fractions.
    decision = MIMO.parse("[0.28, 0.5, 0.52, 0.7]", M)
    assert decision.box is not None and decision.box.space is Space.NORM_1
    frame = Frame.fit(1920, 1080, min_pixels=3136, max_pixels=MIMO_MAX)
    assert frame.model_size == (1932, 1092)
    screen = frame.to_screen(decision.action.point)  # type: ignore[union-attr]
    model = frame.to_model(screen)
    assert (model.x, model.y) == pytest.approx((0.4 * 1932, 0.6 * 1092))
    assert (screen.x, screen.y) == pytest.approx((768, 648))
    box = frame.box_to_screen(decision.box)
    assert (box.x1, box.y1, box.x2, box.y2) == pytest.approx(
        (0.28 * 1920, 0.5 * 1080, 0.52 * 1920, 0.7 * 1080)
    )


def test_in_pad_mode_a_fraction_is_of_the_padded_image_the_model_saw() -> None:
    frame = Frame.fit(1000, 700, min_pixels=3136, max_pixels=MIMO_MAX, mode="pad")
    assert frame.model_size == (1008, 700)
    point = MIMO.parse('{"action": "click", "start_point": [0.5, 0.5]}', M).action.point  # type: ignore[union-attr]
    assert point.space is Space.NORM_1
    screen = frame.to_screen(point)
    assert (screen.x, screen.y) == pytest.approx((504, 350))


@pytest.mark.parametrize(
    ("answer", "space"),
    [
        ("[0, 0, 1, 1]", M),  # whole numbers: pixels, even within [0, 1]
        ("[0.5, 1.5]", M),  # one value over 1: pixels (normalize_bbox's "any value > 1")
        ("[1.0, 0.25]", Space.NORM_1),
        ("(0.17,0.06)", Space.NORM_1),  # SeeClick's form (formats.md §5)
    ],
)
def test_only_decimals_all_within_0_and_1_are_fractions(answer: str, space: Space) -> None:
    assert MIMO.parse(answer, M).action.point.space is space  # type: ignore[union-attr]


def test_the_other_dialects_read_fractions_too() -> None:
    qwen = QWEN_MOBILE.parse(
        '<tool_call>{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [0.5, 0.25]}}</tool_call>',
        M,
    )
    assert qwen.actions == (Click(point=Point(x=0.5, y=0.25, space=Space.NORM_1)),)
    tars = UITARS.parse("Action: click(start_box='(0.52,0.31)')", M)
    assert tars.actions == (Click(point=Point(x=0.52, y=0.31, space=Space.NORM_1)),)
