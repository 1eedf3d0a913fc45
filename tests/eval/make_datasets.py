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


# -- Hugging Face copies of the benchmarks, column for column ------------------------------
# Where each schema comes from (column names, which column holds the image, list or JSON
# string, box convention) is written beside it; tests/eval/test_datasets_hf_layouts.py
# builds small datasets with exactly these features.

PUBLISHED_LAYOUTS = (
    "rootsautomation/ScreenSpot",
    "HongxinLi/ScreenSpot_v2",
    "TIGER-Lab/ScreenSpot-Pro",
    "lscpku/ScreenSpot-v2",
    "lscpku/ScreenSpot-Pro",
)


def published_features(layout: str) -> Any:
    """The ``datasets.Features`` the hub copy ``layout`` is published with."""
    import datasets as hf

    text = hf.Value("string")
    if layout == "rootsautomation/ScreenSpot":
        # Dataset card, https://huggingface.co/datasets/rootsautomation/ScreenSpot/blob/main/README.md
        # (dataset_info): file_name string, bbox sequence float64, instruction, data_type,
        # data_source strings, image image. The card says bbox was turned from the original
        # [x, y, w, h] into corners; upstream lmms-eval (EvolvingLMMs-Lab/lmms-eval
        # lmms_eval/tasks/screenspot/utils_rec.py) asks the model for a box "between 0 and 1" and
        # compares it with doc["bbox"] unscaled: corners as fractions of the image.
        return hf.Features(
            {
                "file_name": text,
                "bbox": hf.Sequence(hf.Value("float64")),
                "instruction": text,
                "data_type": text,
                "data_source": text,
                "image": hf.Image(),
            }
        )
    if layout == "HongxinLi/ScreenSpot_v2":
        # No dataset_info on its card (HongxinLi/ScreenSpot_v2, README.md is 731 bytes); code that
        # loads it (PhilSaad333/VLM_Studies docs/datasets/screenspot_v2.md, and loaders that read
        # row["image"], row["bbox"], row["instruction"], row["data_type"], row["data_source"])
        # reads bbox as normalised [x1, y1, x2, y2] and image as a PIL image. The float64 list
        # is our assumption, the same as rootsautomation/ScreenSpot's.
        return hf.Features(
            {
                "image": hf.Image(),
                "bbox": hf.Sequence(hf.Value("float64")),
                "instruction": text,
                "data_type": text,
                "data_source": text,
            }
        )
    if layout == "TIGER-Lab/ScreenSpot-Pro":
        # Upstream lmms-eval's screenspot_pro task (EvolvingLMMs-Lab/lmms-eval
        # lmms_eval/tasks/screenspot_pro/screenspot_pro.yaml: dataset_path TIGER-Lab/ScreenSpot-Pro;
        # utils.py): doc["image"] (PIL), doc["instruction"], doc["bbox"] pixel corners divided by
        # img_size, doc["img_size"] [w, h], doc["ui_type"]; _parse_bbox and _parse_img_size take
        # either a list or a JSON string, and code loading the copy (json.loads(ex["bbox"]) when a
        # str) shows strings: we build the JSON-string form, the harder one.
        return hf.Features(
            {
                "image": hf.Image(),
                "instruction": text,
                "bbox": text,
                "img_size": text,
                "ui_type": text,
            }
        )
    if layout == "lscpku/ScreenSpot-v2":
        # Xiaomi's lmms-eval fork (XiaomiMiMo/lmms-eval lmms_eval/tasks/screenspot_v2/utils_rec.py,
        # dataset_path lscpku/ScreenSpot-v2 in screenspot_v2_rec_test_mimo.yaml): doc["bbox"] is
        # "x1, y1, w, h" in pixels (normalised by doc["image_width"], doc["image_height"]),
        # doc["img_filename"], doc["data_type"], doc["data_source"], doc["image"]. A loader of the
        # copy (gui_grounding screenspot_dataset.py) also reads row["split"] (mobile/web/desktop).
        return hf.Features(
            {
                "image": hf.Image(),
                "img_filename": text,
                "instruction": text,
                "bbox": hf.Sequence(hf.Value("int64")),
                "image_width": hf.Value("int64"),
                "image_height": hf.Value("int64"),
                "split": text,
                "data_type": text,
                "data_source": text,
            }
        )
    if layout == "lscpku/ScreenSpot-Pro":
        # Xiaomi's lmms-eval fork (XiaomiMiMo/lmms-eval lmms_eval/tasks/screenspot_pro/utils_rec.py,
        # dataset_path lscpku/ScreenSpot-Pro in screenspot_pro_en_rec_test_mimo.yaml):
        # doc["bbox"] pixel corners normalised by doc["image_width"], doc["image_height"]
        # (_task_utils/eval_utils.py normalize_bbox), doc["instruction"], doc["instruction_cn"],
        # doc["img_filename"], doc["image"]. The breakdown columns are ScreenSpot-Pro's own
        # annotation fields; our assumption that the copy keeps them (they are read when present).
        return hf.Features(
            {
                "image": hf.Image(),
                "img_filename": text,
                "instruction": text,
                "instruction_cn": text,
                "bbox": hf.Sequence(hf.Value("int64")),
                "image_width": hf.Value("int64"),
                "image_height": hf.Value("int64"),
                "ui_type": text,
                "application": text,
            }
        )
    raise ValueError(f"no such published layout {layout!r}")


def published_row(
    layout: str, image: Path, target: tuple[int, int, int, int], *, frame: tuple[int, int] | None = None
) -> dict[str, Any]:
    """One row of ``layout`` whose box is the pixel corners ``target`` on ``image``, written the
    layout's way. ``frame`` is the image size the row states (default: the image's own)."""
    with Image.open(image) as opened:
        width, height = opened.size
    stated_w, stated_h = frame or (width, height)
    sx, sy = stated_w / width, stated_h / height
    x1, y1, x2, y2 = target
    fractions = [x1 / width, y1 / height, x2 / width, y2 / height]
    pixels = [round(x1 * sx), round(y1 * sy), round(x2 * sx), round(y2 * sy)]
    # The image's bytes, as a hub parquet file holds them (a path would point outside the dataset).
    embedded = {"bytes": image.read_bytes(), "path": None}
    base: dict[str, Any] = {"image": embedded, "instruction": f"target at {target}"}
    if layout in ("rootsautomation/ScreenSpot", "HongxinLi/ScreenSpot_v2"):
        row = {**base, "bbox": fractions, "data_type": "icon", "data_source": "ios"}
        if layout == "rootsautomation/ScreenSpot":
            row["file_name"] = image.name
        return row
    if layout == "TIGER-Lab/ScreenSpot-Pro":
        return {
            **base,
            "bbox": json.dumps(pixels),
            "img_size": json.dumps([stated_w, stated_h]),
            "ui_type": "text",
        }
    sized = {**base, "img_filename": image.name, "image_width": stated_w, "image_height": stated_h}
    if layout == "lscpku/ScreenSpot-v2":
        x, y = pixels[0], pixels[1]
        xywh = [x, y, pixels[2] - x, pixels[3] - y]
        return {**sized, "bbox": xywh, "split": "mobile", "data_type": "text", "data_source": "android"}
    if layout == "lscpku/ScreenSpot-Pro":
        return {
            **sized,
            "bbox": pixels,
            "instruction_cn": "中文指令",
            "ui_type": "icon",
            "application": "vscode",
        }
    raise ValueError(f"no such published layout {layout!r}")


def make_published(layout: str, rows: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of ``layout`` holding ``rows`` (images embedded when saved)."""
    import datasets as hf

    features = published_features(layout)
    columns = {name: [row[name] for row in rows] for name in features}
    return hf.Dataset.from_dict(columns, features=features)
