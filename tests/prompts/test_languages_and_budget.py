"""Prompt languages a profile has, and the token budget a thinking profile allows a thought."""

from __future__ import annotations

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.prompts import MIMO_VL, PROFILES, QWEN_VL, THINK_MIN_MAX_TOKENS, UITARS_15, ImagePart

IMG = ImagePart(Image.new("RGB", (56, 56)))


def test_each_profile_says_which_languages_it_has() -> None:
    assert MIMO_VL.languages == frozenset({"en", "cn"})
    assert QWEN_VL.languages == UITARS_15.languages == frozenset({"en"})
    for profile in PROFILES.values():
        for lang in profile.languages:
            assert "$instruction" in profile.grounding_template(lang)


@pytest.mark.parametrize("profile", [QWEN_VL, UITARS_15], ids=lambda p: p.name)
def test_a_language_the_profile_lacks_is_an_error_naming_the_profile_and_its_languages(profile) -> None:
    # issue 11: --lang cn with a profile that has no Chinese prompt was silently English
    expected = (
        f"profile {profile.name!r} has no 'cn' prompt (its prompt languages: en); "
        "pick another profile (mimo-vl has en and cn), or give an eval your own prompt with --prompt-file"
    )
    with pytest.raises(ConfigError) as info:
        profile.grounding_template("cn")
    assert str(info.value) == expected
    with pytest.raises(ConfigError, match="has no 'cn' prompt"):
        profile.grounding_messages("保存", IMG, lang="cn")
    with pytest.raises(ConfigError, match="has no 'cn' prompt"):
        profile.require_language("cn")
    profile.require_language("en")


def test_a_prompt_file_needs_no_language_of_the_profile() -> None:
    # --prompt-file replaces the profile's prompt, so any language goes
    _, user = QWEN_VL.grounding_messages("保存", IMG, lang="cn", template="找到：$instruction")
    assert "找到：保存" in user.text_view()


def test_mimo_chinese_is_xiaomis_cn_prompt() -> None:
    # XiaomiMiMo/lmms-eval screenspot_pro *_rec_test_mimo (cn): formats.md §2.3
    assert MIMO_VL.grounding_template("cn").startswith("定位如下命令所指定的UI元素：")


@pytest.mark.parametrize("profile", [p for p in PROFILES.values() if p.think_default], ids=lambda p: p.name)
@pytest.mark.parametrize("kind", ["step", "ground"])
def test_thinking_on_never_cuts_a_thought_short_of_xiaomis_eval(profile, kind: str) -> None:
    # XiaomiMiMo/MiMo-Embodied lmms_eval/models/mivllm.py (MiVLLMDataset.__getitem__) caps
    # max_new_tokens at 16384; XiaomiMiMo/lmms-eval lmms_eval/models/mimo_agent.py defaults it to 32768.
    assert THINK_MIN_MAX_TOKENS == 16384
    for think in (None, True):
        assert 16384 <= profile.sampling(kind, think).max_tokens <= 32768
    assert profile.sampling(kind, False).max_tokens < 16384  # smaller with thinking off is fine
    assert profile.sampling(kind, None, max_tokens=2048).max_tokens == 2048  # --max-tokens wins


def test_the_default_profile_thinks() -> None:
    assert MIMO_VL.think_default is True and MIMO_VL.thinking(None) is True
