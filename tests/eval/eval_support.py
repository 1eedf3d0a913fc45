"""Shared parts of the eval runner's tests: a grounding set on disk and a server that answers
like MiMo-VL for the image it received.

Every screenshot has one red 40x30 target; `mimo_answer` finds it in the image the server
was sent and answers its box in that image's pixels, as MiMo-VL does (``bbox_2d`` in the
resized image's absolute pixels), so a test knows the exact right answer for each sample.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mimo_gui.eval.manifest import DatasetInfo
from mimo_gui.eval.settings import EvalSettings
from mimo_gui.prompts import get_profile

RED = (230, 20, 30)


def make_set(folder: Path, n: int, size: tuple[int, int] = (320, 200)) -> Path:
    """A jsonl grounding set of ``n`` screenshots, each with a red 40x30 target; returns the jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        w, h = size[0] + 40 * (i % 3), size[1] + 24 * (i % 2)
        x, y = 20 + (37 * i) % (w - 80), 30 + (23 * i) % (h - 70)
        target = (x, y, x + 40, y + 30)
        img = Image.new("RGB", (w, h), (245, 245, 245))
        draw = ImageDraw.Draw(img)
        for row in range(0, h, 20):
            draw.line((0, row, w, row), fill=(200, 200, 210))
        draw.rectangle(target, fill=RED)
        img.save(folder / f"shot{i}.png")
        tags = {"parity": "even" if i % 2 == 0 else "odd", "split": "web" if i < n // 2 else "mobile"}
        lines.append(json.dumps({"id": f"s{i}", "image": f"shot{i}.png", "instruction": f"target {i}",
                                 "box": list(target), "tags": tags}))  # fmt: skip
    path = folder / "set.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def red_box(image: Image.Image) -> tuple[int, int, int, int]:
    a = np.asarray(image.convert("RGB")).astype(int)
    ys, xs = np.nonzero((a[..., 0] > 180) & (a[..., 1] < 90) & (a[..., 2] < 90))
    assert xs.size, "the target is not in the image the server received"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def index_of(body: dict) -> int:
    text = " ".join(p.get("text", "") for m in body["messages"] for p in m["content"] if isinstance(p, dict))
    return int(re.search(r"target (\d+)", text).group(1))


def mimo_answer(image: Image.Image, thought: str = "The red one.") -> str:
    x1, y1, x2, y2 = red_box(image)
    return f'<think>\n{thought}\n</think>\n```json\n[{{"bbox_2d": [{x1}, {y1}, {x2}, {y2}], "label": "red"}}]\n```'


def settings(**kw) -> EvalSettings:
    return EvalSettings(profile=get_profile("mimo-vl"), **kw)


def info(n: int) -> DatasetInfo:
    return DatasetInfo(format="jsonl", path="test", fingerprint="f", n=n)
