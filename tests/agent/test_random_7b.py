"""The benchmark's random "7B" model has MiMo-VL-7B's shapes, not Qwen2.5-VL-7B's.

Checked on the config object alone; the 8-billion-parameter model is never built here.
Sources (also in tests/support/tiny_qwen.py): the MiMo-VL technical report (arXiv 2506.03569,
section 2.1: MiMo-7B with 36 layers, 32 heads, hidden size 4096, intermediate size 11008,
under a Qwen2.5-ViT), and MiMo-7B's config.json (8 key-value heads, rope_theta 640000,
rms_norm_eps 1e-5, 32768 positions, vocabulary 151,680).
"""

from __future__ import annotations

import pytest

pytest.importorskip("transformers")

from tests.support.tiny_qwen import mimo_vl_7b_config


def test_the_language_model_is_mimo_7b() -> None:
    text = mimo_vl_7b_config().text_config
    assert (text.num_hidden_layers, text.hidden_size, text.num_attention_heads, text.intermediate_size) == (
        36,
        4096,
        32,
        11008,
    )
    assert (text.num_key_value_heads, text.vocab_size, text.max_position_embeddings) == (8, 151680, 32768)
    assert text.rope_parameters["rope_theta"] == 640000.0
    assert text.rms_norm_eps == 1e-5
    # Qwen2.5-VL-7B's language model is 28 layers, 3584 wide: not what we benchmark.
    assert text.hidden_size // text.num_attention_heads == 128
    assert sum(text.rope_parameters["mrope_section"]) * 2 == 128


def test_the_vision_tower_is_qwen25_vit_feeding_4096() -> None:
    config = mimo_vl_7b_config()
    vision = config.vision_config
    assert (vision.depth, vision.hidden_size, vision.num_heads, vision.intermediate_size) == (
        32,
        1280,
        16,
        3420,
    )
    assert vision.out_hidden_size == config.text_config.hidden_size == 4096
    assert vision.fullatt_block_indexes == [7, 15, 23, 31]
    assert config.tie_word_embeddings is False
