"""The transformers backend on a GPU: one agent step at MiMo-VL-7B's size, beside plain transformers.

No weights can be downloaded where this was written, so by default the model is MiMo-VL-7B's
architecture (MiMo-7B's language model under a Qwen2.5-ViT: `tests.support.tiny_qwen`'s
`MIMO_VL_7B_TEXT` and `MIMO_VL_7B_VISION`) with random bfloat16 weights, saved to a temporary
folder and loaded through `load_model`, the function a user's hub id goes through. Its
answers are noise, but greedy decoding makes both paths below generate the same tokens, so
their times compare like for like; with ``--model`` it runs on real weights.

Measured, medians over ``--steps`` alternated rounds:

1. **Agent step**: `TransformersBackend.complete` on the `mimo-vl` profile's step messages
   for a framed 1280x800 and 2560x1600 screenshot (model images 1288x812 and 2240x1400),
   against what a user would otherwise write: the processor's chat template, the processor,
   ``model.generate`` and ``decode`` on the same image and text. Time to first token
   (``max_tokens=1``) and decoding speed are given for ours.
2. **Grounding throughput**: `complete_many` over 16 framed 1920x1080 screenshots with
   short answers, one request per ``generate`` call against batches of 8.
3. Load time and the GPU memory peak.

    python bench/transformers_backend.py                 # random 7B weights, CUDA needed
    python bench/transformers_backend.py --tiny          # the tests' tiny model: a CPU smoke run
    python bench/transformers_backend.py --model XiaomiMiMo/MiMo-VL-7B-RL-2508
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support, from a checkout

from PIL import Image, ImageDraw

from mimo_gui.actions import Click, Type
from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.agent.backends.transformers import TransformersBackend
from mimo_gui.prompts import ImagePart, Sampling
from mimo_gui.prompts.profile import StepInput
from mimo_gui.prompts.profiles import get_profile

PROFILE = get_profile("mimo-vl")
TASK = "Sign in as alice with the password in the notes, then open the billing page"


def screenshot(width: int, height: int, seed: int = 0) -> Image.Image:
    """A screenshot-like image: a title bar, rows of text-like strokes and one button."""
    img = Image.new("RGB", (width, height), (246, 246, 248))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, height // 14), fill=(40, 90, 160))
    for row in range(height // 10, height - 20, max(12, height // 40)):
        x = 40 + (row * (seed + 3)) % 60
        while x < width - 200:
            n = 20 + (x * 7 + row * 13 + seed) % 90
            draw.rectangle((x, row, x + n, row + height // 80), fill=(60 + (x + row) % 80,) * 3)
            x += n + 8 + (x + seed) % 14
    draw.rectangle(
        (width * 3 // 4, height * 5 // 6, width * 3 // 4 + 140, height * 5 // 6 + 40), fill=(20, 110, 230)
    )
    return img


def framed(width: int, height: int, seed: int = 0) -> ImagePart:
    frame = PROFILE.frame((width, height))
    return ImagePart(frame.apply(screenshot(width, height, seed)))


def step_request(image: ImagePart, max_tokens: int) -> CompletionRequest:
    step = StepInput(task=TASK, image=image, supported=frozenset({Click, Type}), think=False)
    return CompletionRequest(PROFILE.step_messages(step), Sampling(temperature=0, max_tokens=max_tokens))


def bare_generate(model: Any, processor: Any, request: CompletionRequest) -> list[int]:
    """What a user would write with transformers alone (the model card's code), for the same
    image and text; returns the generated token ids."""
    conversation = [
        {
            "role": message.role,
            "content": [
                {"type": "image"} if isinstance(part, ImagePart) else {"type": "text", "text": part.text}
                for part in message.content
            ],
        }
        for message in request.messages
    ]
    text = processor.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    # MiMo-VL's recommended image budget, as formats.md says a careful user passes it
    bounds = {"size": {"shortest_edge": PROFILE.min_pixels, "longest_edge": PROFILE.max_pixels}}
    images = [p.image for p in request.images()]
    inputs = processor(text=[text], images=images, images_kwargs=bounds, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=request.sampling.max_tokens, do_sample=False)
    new_tokens = output[0, inputs["input_ids"].shape[1] :]
    processor.decode(new_tokens, skip_special_tokens=True)
    return [int(t) for t in new_tokens]


def timed(sync: Callable[[], None], fn: Callable[..., Any], *args: Any) -> float:
    sync()
    start = time.perf_counter()
    fn(*args)
    sync()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a hub id or folder (default: random 7B weights, built here)")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny random model (a smoke run)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=128, help="tokens generated per step")
    args = parser.parse_args()

    import torch
    import transformers

    cuda = torch.cuda.is_available()
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    gpu = torch.cuda.get_device_name() if cuda else "none"
    print(f"torch {torch.__version__} | transformers {transformers.__version__} | GPU: {gpu}")
    with tempfile.TemporaryDirectory() as tmp:
        model_id = args.model
        if model_id is None:
            from tests.support.tiny_qwen import build_random_7b, build_tiny_qwen

            start = time.perf_counter()
            if args.tiny:
                model_id = str(build_tiny_qwen(Path(tmp) / "model"))
            else:
                if not cuda:
                    sys.exit("random 7B weights need a CUDA GPU; use --tiny for a CPU smoke run")
                model_id = str(build_random_7b(Path(tmp) / "model"))
            print(f"built random weights in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        backend = TransformersBackend(model_id)
        print(
            f"load_model({'random weights' if args.model is None else model_id!r}): {time.perf_counter() - start:.1f} s"
        )
        model, processor = backend._hf_model, backend._processor
        print(f"device {model.device}, dtype {model.dtype}, attention {model.config._attn_implementation}\n")

        print(
            f"agent step, up to {args.max_tokens} tokens generated greedily; seconds, median of {args.steps}"
        )
        print("  bare: the model card's processor + generate; bare+im: the same under torch.inference_mode")
        print(
            f"  {'screen -> model image':<26} {'ours':>7} {'bare':>7} {'ratio':>6} {'bare+im':>9} {'1st tok':>8} {'tok/s':>7}"
        )
        for width, height in ((1280, 800), (2560, 1600)):
            image = framed(width, height)
            request = step_request(image, args.max_tokens)
            first = step_request(image, 1)
            # warm-up, and proof that both paths do the same work: same prompt, same tokens out
            ours_answer = backend.complete(request)
            bare_ids = bare_generate(model, processor, request)
            assert ours_answer.completion_tokens == len(bare_ids), (
                ours_answer.completion_tokens,
                len(bare_ids),
            )
            ours, bare, bare_im, ttft = [], [], [], []
            for _ in range(args.steps):
                ours.append(timed(sync, backend.complete, request))
                bare.append(timed(sync, bare_generate, model, processor, request))
                with torch.inference_mode():
                    bare_im.append(timed(sync, bare_generate, model, processor, request))
                ttft.append(timed(sync, backend.complete, first))
            o, b, bi = statistics.median(ours), statistics.median(bare), statistics.median(bare_im)
            f = statistics.median(ttft)
            rate = (ours_answer.completion_tokens - 1) / (o - f) if o > f else float("nan")
            size = f"{width}x{height} -> {image.image.width}x{image.image.height}"
            print(f"  {size:<26} {o:7.2f} {b:7.2f} {o / b:5.2f}x {bi:9.2f} {f:8.3f} {rate:7.1f}")

        images = [framed(1920, 1080, seed) for seed in range(16)]
        requests = [
            CompletionRequest(
                PROFILE.grounding_messages("the blue button", image, think=False),
                Sampling(temperature=0, max_tokens=24),
            )
            for image in images
        ]
        print("\ngrounding, 16 framed 1920x1080 screenshots, 24 tokens each")
        for batch in (1, 8):
            backend.batch_size = batch
            backend.complete_many(requests[:batch])  # warm-up
            seconds = timed(sync, backend.complete_many, requests)
            print(f"  batch {batch}: {len(requests) / seconds:6.2f} samples/s ({seconds:.2f} s)")
        if cuda:
            print(f"\nGPU memory peak: {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")
        backend.close()


if __name__ == "__main__":
    main()
