"""A tiny, randomly initialised Qwen2.5-VL checkpoint, built offline for tests.

It has the real architecture (`Qwen2_5_VLForConditionalGeneration`), the real processor
classes and a chat template in Qwen2.5-VL's shape, so a test can load it exactly the way a
user loads MiMo-VL from the hub: ``from_pretrained(folder)``. Only the sizes are tiny and
the weights random, so its answers are gibberish but deterministic under greedy decoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "MIMO_VL_7B_TEXT",
    "MIMO_VL_7B_VISION",
    "SPECIAL_TOKENS",
    "TINY_SYSTEM_PROMPT",
    "build_random_7b",
    "build_tiny_qwen",
    "mimo_vl_7b_config",
]

SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
"""Qwen2.5-VL's control tokens, in the order they get ids after the base vocabulary."""

TINY_SYSTEM_PROMPT = "You are a tiny test model."
"""The system prompt the chat template adds when the conversation has none (as MiMo's does)."""

# Qwen2.5-VL's template, cut down to text and images: the default system message and the
# image placeholder are the parts the backend relies on.
_CHAT_TEMPLATE = (
    "{% if messages[0]['role'] != 'system' %}"
    "<|im_start|>system\n" + TINY_SYSTEM_PROMPT + "<|im_end|>\n"
    "{% endif %}"
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}"
    "{{ message['content'] }}"
    "{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' or 'image' in part %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}"
    "{{ part['text'] }}"
    "{% endif %}"
    "{% endfor %}"
    "{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}"
    "<|im_start|>assistant\n"
    "{% endif %}"
)

# A little English for the BPE trainer, so that common words become single tokens and the
# prompts in tests are short; anything else still encodes through the byte alphabet.
_CORPUS = [
    "You are a GUI agent. Look at the screenshot and answer with one action.",
    "click(x, y) type(text) scroll(direction) press(key) finished() wait()",
    "Click the blue button. Type hello world into the search box. Open the settings menu.",
    "The quick brown fox jumps over the lazy dog. /no_think <think> </think>",
    "0 1 2 3 4 5 6 7 8 9 10 100 1000 (120, 340) [12, 34, 56, 78]",
]

_VOCAB_SIZE = 320  # 256 byte tokens and a few merges
_TEXT_HIDDEN = 64
_TEXT_HEADS = 4  # head_dim 16, so the three M-RoPE sections must add up to 8
_VISION_HIDDEN = 32


def _build_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_VOCAB_SIZE,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=list(SPECIAL_TOKENS),
        chat_template=_CHAT_TEMPLATE,
    )
    # MiMo's reasoning markers are ordinary (decoded) tokens, not special ones.
    fast.add_tokens(["<think>", "</think>"])
    fast.padding_side = "left"
    return fast


def _rig_end_of_turn(model: Any, eos_id: int) -> None:
    """Make ``eos_id`` the argmax at every position.

    The residual stream carries each token's embedding unnormalised, so a large constant in
    one embedding dimension dominates the final RMSNorm whatever the random layers add; an
    output row that reads only that dimension then wins by a wide margin.
    """
    import torch

    dim = _TEXT_HIDDEN - 1
    with torch.no_grad():
        model.get_input_embeddings().weight[:, dim] = 100.0
        head = model.get_output_embeddings().weight
        head[:, dim] = 0.0
        head[eos_id, dim] = 10.0


def build_tiny_qwen(path: Path, *, stops_at_once: bool = False) -> Path:
    """Write a tiny random Qwen2.5-VL model, its tokenizer and its processor into ``path``.

    Args:
        path: the folder to create (or fill); it ends up loadable with ``from_pretrained``.
        stops_at_once: rig the weights so that the first token generated is always the end
            of turn (``<|im_end|>``), for tests of how a finished answer is reported.

    Returns:
        ``path``, for chaining.
    """
    text = {
        "hidden_size": _TEXT_HIDDEN,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": _TEXT_HEADS,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
    }
    vision = {
        "depth": 2,
        "hidden_size": _VISION_HIDDEN,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": _TEXT_HIDDEN,
        "fullatt_block_indexes": [1],
    }
    # Qwen2.5-VL's own default pixel bounds, so a test can show that the backend widens them.
    return _write(path, text, vision, longest_edge=28 * 28 * 1280, stops_at_once=stops_at_once)


# MiMo-VL-7B's shapes. The language model is MiMo-7B, not Qwen2.5-VL-7B's: the MiMo-VL
# technical report (arXiv 2506.03569, section 2.1) gives 36 layers, 32 attention heads, hidden
# size 4096 and intermediate size 11008; the rest is MiMo-7B's own config.json (a
# `MiMoForCausalLM`, e.g. as copied in TencentBAC/FastMTP's config.json on the hub): 8
# key-value heads (head_dim 128), rope_theta 640000, rms_norm_eps 1e-5, 32768 positions (the
# report's 32K long-context stage), untied embeddings; its vocabulary is 151,680 tokens (as in
# Xiaomi's MiMo-Audio config, built on the same model). XiaomiMiMo/MiMo-VL-7B-RL-2508's own
# config.json was not reachable from here, so these are checked against MiMo-7B, not against
# that file. The vision tower is Qwen2.5-ViT (the report: "Qwen2.5-ViT", native resolution):
# 32 blocks 1280 wide, windowed attention with full attention every 8th block, projected to
# the language model's 4096.
MIMO_VL_7B_TEXT: dict[str, Any] = {
    "vocab_size": 151680,
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 36,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "max_position_embeddings": 32768,
    "rms_norm_eps": 1e-5,
    # head_dim 128: the three M-RoPE sections cover its 64 frequency pairs.
    "rope_parameters": {"rope_type": "default", "rope_theta": 640000.0, "mrope_section": [16, 24, 24]},
    "tie_word_embeddings": False,
}
MIMO_VL_7B_VISION: dict[str, Any] = {
    "depth": 32,
    "hidden_size": 1280,
    "intermediate_size": 3420,
    "num_heads": 16,
    "out_hidden_size": 4096,
    "fullatt_block_indexes": [7, 15, 23, 31],
}


def mimo_vl_7b_config() -> Any:
    """The `Qwen2_5_VLConfig` `build_random_7b` builds from, without building any weights."""
    return _config(_build_tokenizer(), MIMO_VL_7B_TEXT, MIMO_VL_7B_VISION)


def build_random_7b(path: Path, *, device: str = "cuda") -> Path:
    """Write MiMo-VL-7B's architecture with random bfloat16 weights into ``path``, for benchmarks.

    The sizes are MiMo-VL-7B's (`MIMO_VL_7B_TEXT`, `MIMO_VL_7B_VISION`): MiMo-7B's 36-layer,
    4096-wide language model with grouped-query attention (32 heads, 8 key-value heads) and a
    151,680-token vocabulary, under Qwen2.5-VL's 32-block, 1280-wide vision encoder. The
    tokenizer is the tiny one (ids it lacks decode to nothing), and the processor keeps
    Qwen2.5-VL's widest pixel bounds. About 17 GB on disk; built on ``device`` because random
    initialisation of 8 billion parameters on a CPU takes minutes.
    """
    return _write(
        path,
        MIMO_VL_7B_TEXT,
        MIMO_VL_7B_VISION,
        longest_edge=28 * 28 * 16384,
        device=device,
        dtype="bfloat16",
    )


def _config(tokenizer: Any, text: dict[str, Any], vision: dict[str, Any]) -> Any:
    """A `Qwen2_5_VLConfig` of the given sizes, its special token ids from ``tokenizer``."""
    from transformers import Qwen2_5_VLConfig

    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    patches = {"patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}
    # Untied embeddings must be said at the top level too; the tiny model keeps the default.
    tying = {"tie_word_embeddings": text["tie_word_embeddings"]} if "tie_word_embeddings" in text else {}
    return Qwen2_5_VLConfig(
        text_config={
            # The tiny tokenizer's size unless the sizes name their own vocabulary.
            "vocab_size": len(tokenizer),
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
            **text,
        },
        vision_config={**patches, "window_size": 112, **vision},
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        **tying,
    )


def _write(
    path: Path,
    text: dict[str, Any],
    vision: dict[str, Any],
    *,
    longest_edge: int,
    device: str = "cpu",
    dtype: str = "float32",
    stops_at_once: bool = False,
) -> Path:
    """A random Qwen2.5-VL of the given sizes, with the tiny tokenizer, saved for ``from_pretrained``."""
    import torch
    from transformers import (
        Qwen2_5_VLForConditionalGeneration,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLVideoProcessor,
    )

    path.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer()
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    config = _config(tokenizer, text, vision)
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        with torch.device(device):
            model = Qwen2_5_VLForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(previous)
    if stops_at_once:
        _rig_end_of_turn(model, ids["<|im_end|>"])
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.do_sample = False
    model.save_pretrained(path)
    del model

    image_processor = Qwen2VLImageProcessor(
        size={"shortest_edge": 56 * 56, "longest_edge": longest_edge},
        patch_size=14,
        merge_size=2,
        temporal_patch_size=2,
    )
    video_processor = Qwen2VLVideoProcessor(patch_size=14, merge_size=2, temporal_patch_size=2)
    Qwen2_5_VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=_CHAT_TEMPLATE,
    ).save_pretrained(path)
    return path
