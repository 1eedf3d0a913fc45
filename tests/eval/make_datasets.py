"""Grounding datasets in their published on-disk layouts, built in a test's tmp folder.

The images are real PNGs drawn with PIL: a grey screen with each target painted in its
own solid colour, so a box read with the wrong convention lands on the wrong pixels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

SCREEN_SIZE = (320, 200)


def draw_screen(
    path: Path, rects: Sequence[tuple[int, int, int, int]] = (), size: tuple[int, int] = SCREEN_SIZE
) -> Path:
    """A PNG at ``path`` with each corner rectangle ``(x1, y1, x2, y2)`` filled in a colour of its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for i, rect in enumerate(rects):
        draw.rectangle(rect, fill=((60 * i) % 256, 120, 255 - (40 * i) % 256))
    image.save(path)
    return path


def write_json(path: Path, records: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def screenspot_record(
    img: str, bbox: Sequence[float], instruction: str, data_type: str = "text", source: str = "ios"
) -> dict[str, Any]:
    """One record as ScreenSpot publishes it: bbox is [x, y, width, height]."""
    return {
        "img_filename": img,
        "bbox": list(bbox),
        "instruction": instruction,
        "data_type": data_type,
        "data_source": source,
    }


def make_screenspot(
    root: Path,
    records: Mapping[str, Sequence[dict[str, Any]]],
    *,
    version: str = "v1",
    images_in_parent: bool = False,
) -> Path:
    """ScreenSpot (``v1``) or ScreenSpot-v2 (``v2``) under ``root``: one annotation file per split,
    the image folder beside them (or in ``root``'s parent); every image a record names is drawn.
    Returns the annotation folder."""
    suffix, image_dir = ("", "screenspot_imgs") if version == "v1" else ("_v2", "screenspotv2_image")
    images = (root.parent if images_in_parent else root) / image_dir
    rects: dict[str, list[tuple[int, int, int, int]]] = {}
    for split, recs in records.items():
        write_json(root / f"screenspot_{split}{suffix}.json", list(recs))
        for rec in recs:
            x, y, w, h = (int(v) for v in rec["bbox"])
            rects.setdefault(rec["img_filename"], []).append((x, y, x + w, y + h))
    for name, painted in rects.items():
        draw_screen(images / name, painted)
    return root


def pro_record(
    img: str,
    bbox: Sequence[float],
    instruction: str,
    *,
    id: str | None = None,
    ui_type: str = "text",
    app: str = "vscode",
) -> dict[str, Any]:
    """One record as ScreenSpot-Pro publishes it: bbox is [x1, y1, x2, y2]."""
    record: dict[str, Any] = {
        "img_filename": img,
        "bbox": list(bbox),
        "instruction": instruction,
        "instruction_cn": f"中文 {instruction}",
        "img_size": list(SCREEN_SIZE),
        "ui_type": ui_type,
        "group": "Dev",
        "platform": "macos",
        "application": app,
    }
    if id is not None:
        record["id"] = id
    return record


def make_screenspot_pro(root: Path, files: Mapping[str, Sequence[dict[str, Any]]]) -> Path:
    """ScreenSpot-Pro under ``root``: ``annotations/<stem>.json`` beside ``images/<subfolder>/…``."""
    rects: dict[str, list[tuple[int, int, int, int]]] = {}
    for stem, recs in files.items():
        write_json(root / "annotations" / f"{stem}.json", list(recs))
        for rec in recs:
            x1, y1, x2, y2 = (int(v) for v in rec["bbox"])
            rects.setdefault(rec["img_filename"], []).append((x1, y1, x2, y2))
    for name, painted in rects.items():
        draw_screen(root / "images" / name, painted)
    return root


def make_jsonl(path: Path, records: Sequence[dict[str, Any] | str]) -> Path:
    """A jsonl file; a string record is written as the line itself (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
