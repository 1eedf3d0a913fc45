"""Profiles: exact prompts, image-before-text, /no_think last, budgets and sampling defaults."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PIL import Image

from mimo_gui.actions import (
    AnswerDialog,
    Back,
    Click,
    ConfigError,
    Dialog,
    Finish,
    Hotkey,
    Point,
    ScreenContext,
    Scroll,
    Space,
    Type,
)
from mimo_gui.prompts import (
    MIMO_VL,
    PROFILES,
    QWEN_VL,
    UITARS_15,
    ImagePart,
    PastStep,
    StepInput,
    TextPart,
    get_profile,
    render_text,
)

IMG = ImagePart(Image.new("RGB", (1288, 812)))
SUPPORTED = frozenset({Click, Type, Scroll, Hotkey, Back, AnswerDialog, Finish})


def test_default_profile_is_mimo_with_its_budget_and_sampling() -> None:
    p = get_profile()
    assert p is MIMO_VL
    assert (p.max_pixels, p.space) == (4096 * 28 * 28, Space.MODEL_PIXELS)
    assert (p.step_sampling.temperature, p.step_sampling.top_p) == (0.3, 0.95)
    # thinking on (the default): Xiaomi's eval cap, 16,384 (see test_languages_and_budget.py)
    assert p.sampling("step", None).max_tokens == 16384
    assert p.sampling("step", False).max_tokens == 512
    assert p.sampling("step", False, max_tokens=99).max_tokens == 99
    assert p.sampling("ground", None).temperature == 0.0


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        get_profile("gpt-7")
    assert str(info.value) == f"unknown profile 'gpt-7': known profiles are {', '.join(PROFILES)}"


def test_mimo_grounding_is_xiaomis_eval_prompt() -> None:
    system, user = MIMO_VL.grounding_messages('the "Save" button', IMG)
    assert system.role == "system" and system.text_view() == "You are a helpful assistant."
    assert user.content[0] is IMG
    assert user.content[1] == TextPart(
        'Locate UI components that match the command: "the "Save" button". '
        'Output a JSON in the format [{"bbox_2d": [...], "label": "{the_whole_command}"}, ...].'
    )
    assert len(user.content) == 2  # thinking on: no switch at all


def test_mimo_no_think_is_the_last_item_after_the_image() -> None:
    _, user = MIMO_VL.grounding_messages("x", IMG, think=False)
    assert user.content[-1] == TextPart(" /no_think")
    assert isinstance(user.content[0], ImagePart)
    (step,) = MIMO_VL.step_messages(StepInput(task="t", image=IMG, think=False))
    assert step.content[0] is IMG and step.content[-1] == TextPart(" /no_think")


def test_mimo_chinese_grounding_prompt() -> None:
    _, user = MIMO_VL.grounding_messages("保存", IMG, lang="cn")
    assert user.text_view().startswith('<image 1288x812>定位如下命令所指定的UI元素："保存"。')


def test_mimo_step_prompt_has_no_system_message_and_xiaomis_shape() -> None:
    history = [
        PastStep(actions=(Click(point=Point(x=3, y=4, space=Space.MODEL_PIXELS)),), raw="a"),
        PastStep(actions=(Type(text="alice"),), raw="b"),
    ]
    messages = MIMO_VL.step_messages(
        StepInput(task="log in", image=IMG, history=history, supported=SUPPORTED)
    )
    assert [m.role for m in messages] == ["user"]
    text = messages[0].text_view()
    assert text.startswith("<image 1288x812>You are a GUI agent. You will be provided with a screenshot")
    # Xiaomi's trained form (pinned against its builder in test_mimo_history.py)
    assert (
        '## Previous Actions\nStep 0: {"action_name": "click", "start_point": [3, 4]}.'
        'Step 1: {"action_name": "input", "text": "alice"}.\n\nNow, output'
    ) in text
    assert '{"action": "click", "start_point": [x,y]}' in text
    assert '"longpress"' not in text  # the env cannot long-press: the verb is not offered
    assert "## Goal\nlog in\n" in text


def test_mimo_step_prompt_without_history_says_none_and_carries_feedback_and_dialog() -> None:
    step = StepInput(
        task="t",
        image=IMG,
        supported=SUPPORTED,
        platform="browser",
        context=ScreenContext(url="http://127.0.0.1/x", dialog=Dialog(kind="confirm", message="Delete?")),
        feedback="your answer had no action",
    )
    text = MIMO_VL.step_messages(step)[0].text_view()
    assert "## Previous Actions\nNone\n" in text
    assert 'A confirm dialog is open saying: "Delete?"' in text
    assert "## Problem with your last answer\nyour answer had no action\n" in text


def test_history_images_are_sent_oldest_first_before_the_current_one() -> None:
    old = [ImagePart(Image.new("RGB", (28 * i, 28))) for i in (1, 2, 3)]
    history = [PastStep(actions=(Finish(),), raw="", image=img) for img in old]
    profile = replace(MIMO_VL, history_images=3)
    (msg,) = profile.step_messages(StepInput(task="t", image=IMG, history=history))
    images = [p for p in msg.content if isinstance(p, ImagePart)]
    assert images == [old[1], old[2], IMG]


def test_qwen_tool_description_states_the_framed_size_and_supported_actions() -> None:
    system, user = QWEN_VL.step_messages(
        StepInput(task="t", image=IMG, supported=SUPPORTED, platform="browser")
    )
    line = system.text_view().split("<tools>\n")[1].split("\n</tools>")[0]
    tool = json.loads(line)
    assert tool["function"]["name"] == "computer_use"
    assert "The screen's resolution is 1288x812." in tool["function"]["description"]
    actions = tool["function"]["parameters"]["properties"]["action"]["enum"]
    assert "left_click" in actions and "mouse_move" not in actions
    assert user.content[-1] is IMG
    android = QWEN_VL.step_messages(StepInput(task="t", image=IMG, platform="android"))
    assert '"name": "mobile_use"' in android[0].text_view()


def test_uitars_multi_turn_history() -> None:
    imgs = [ImagePart(Image.new("RGB", (28, 28))) for _ in range(6)]
    history = [PastStep(actions=(Finish(),), raw=f"Action: step{i}", image=imgs[i]) for i in range(6)]
    messages = UITARS_15.step_messages(
        StepInput(task="do it", image=IMG, history=history, platform="browser")
    )
    assert messages[0].text_view().endswith("## User Instruction\ndo it")
    assert [m.role for m in messages[1:3]] == ["assistant", "assistant"]  # steps 0, 1: no image kept
    image_turns = [m for m in messages if m.role == "user" and isinstance(m.content[0], ImagePart)]
    assert len(image_turns) == 5  # the last 4 past screenshots and the current one
    assert messages[-1].content == (IMG,)


def test_strict_rendering_names_the_missing_variable() -> None:
    with pytest.raises(ConfigError, match="prompt t needs the variable 'goal', which was not given"):
        render_text("Goal: $goal", "t", task="x")
    with pytest.raises(ConfigError, match="prompt mimo_agent needs the variable"):
        from mimo_gui.prompts import render

        render("mimo_agent", goal="x")


def test_frame_uses_the_profile_budget() -> None:
    assert MIMO_VL.frame((3840, 2160)).model_size == (2380, 1344)
    assert UITARS_15.frame((3840, 2160)).model_size == (3836, 2156)
    assert MIMO_VL.frame((1000, 700), mode="pad").model_size == (1008, 700)


def test_a_prompt_file_replaces_only_the_prompt_text() -> None:
    system, user = MIMO_VL.grounding_messages("Save", IMG, template="Find: $instruction")
    assert system.text_view() == "You are a helpful assistant." and user.content[0] is IMG
    assert user.content[1] == TextPart("Find: Save")
    with pytest.raises(ConfigError, match="prompt grounding needs the variable 'target'"):
        MIMO_VL.grounding_messages("Save", IMG, template="Find: $target")
    for profile in (MIMO_VL, QWEN_VL, UITARS_15):
        assert "$instruction" in profile.grounding_template()
