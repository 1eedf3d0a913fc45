"""``report.html``: the accuracy, its breakdown by tag, and every miss drawn on its image.

Each miss is drawn as a file under ``misses/`` (the ground-truth box in green, the
predicted point in red, the first pass's point in orange when refining) and referenced by
a relative path, so the report stays small and opens from the folder as it is.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from ..actions import Point
from ..agent.annotate import annotate
from .manifest import Manifest, describe_value, sampling_text
from .samples import Sample
from .scoring import SampleRecord, Summary

__all__ = ["MISSES_DIR", "REPORT_FILE", "draw_miss", "miss_file_name", "write_report"]

REPORT_FILE = "report.html"
MISSES_DIR = "misses"
MAX_SIDE = 1600
"""Miss images are shrunk to this long side: a report of 4K screenshots would weigh gigabytes."""

GT_COLOR = "#18a058"
PRED_COLOR = "#ff2d55"
FIRST_COLOR = "#ff9f0a"


def miss_file_name(sample_id: str) -> str:
    """A safe, unique file name for a sample's miss image (ids may hold ``/`` or ``:``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", sample_id).strip("-.")[:60] or "sample"
    digest = hashlib.sha256(sample_id.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}.png"


def draw_miss(image: Image.Image, record: SampleRecord) -> Image.Image:
    """``image`` with the ground-truth box, the predicted point and (refining) the first point."""
    out = image.convert("RGB")
    width = max(2, round(min(out.size) / 300))
    x1, y1, x2, y2 = record.box
    ImageDraw.Draw(out).rectangle((x1, y1, x2, y2), outline=GT_COLOR, width=width)
    if record.first_point is not None and record.first_point != record.point:
        out = annotate(out, Point(x=record.first_point[0], y=record.first_point[1]), color=FIRST_COLOR)
    if record.point is not None:
        out = annotate(out, Point(x=record.point[0], y=record.point[1]), color=PRED_COLOR)
    if max(out.size) > MAX_SIDE:
        out.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return out


def _save_miss(path: Path, image_path: Path, record: SampleRecord) -> bool:
    try:
        with Image.open(image_path) as img:
            drawn = draw_miss(img, record)
    except (OSError, Image.DecompressionBombError):
        return False  # the image is gone or unreadable: the report says so instead
    drawn.save(path, format="PNG", compress_level=6)
    return True


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_SETTINGS_SHOWN = (
    "model",
    "backend",
    "profile",
    "prompt_sha256",
    "min_pixels",
    "max_pixels",
    "frame_mode",
    "scale",
    "resolution",
    "sampling",
    "think_effective",
    "lang",
    "refine",
    "status",
    "start_time",
    "end_time",
)


def _setting_text(key: str, value: Any) -> str:
    """A manifest setting as the report shows it: words, never a Python repr."""
    if key == "sampling" and isinstance(value, dict):
        return sampling_text(value)
    if key == "prompt_sha256":
        return str(value)
    return describe_value(value)


def _errors_text(summary: Summary) -> str:
    """The ways samples had no usable answer, each counted apart: ``truncated at the token cap: 2; …``."""
    words = {
        "answer": "unreadable answers",
        "truncated": "cut off at the token cap (raise --max-tokens, or --no-think)",
        "request": "request failures",
        "image": "unreadable images",
        "unframeable": "images the resize rule cannot frame",
    }
    counts = summary.errors_by_kind or {"request": summary.request_errors}
    parts = [f"{words.get(kind, kind)}: {n}" for kind, n in counts.items() if n]
    return "; ".join(parts) if parts else "none"


def write_report(
    folder: Path,
    samples: Sequence[Sample],
    records: Sequence[SampleRecord],
    summary: Summary,
    manifest: Manifest,
) -> Path:
    """Write ``report.html`` and ``misses/*.png`` into ``folder``; the report's path."""
    by_id = {s.id: s for s in samples}
    misses = [r for r in records if not r.hit]
    miss_dir = folder / MISSES_DIR
    miss_dir.mkdir(exist_ok=True)
    jobs = [(miss_dir / miss_file_name(r.id), by_id[r.id].image, r) for r in misses if r.id in by_id]
    # Drawing and PNG-encoding release the GIL: two threads per core keep them busy.
    with ThreadPoolExecutor(max_workers=max(2, 2 * (os.cpu_count() or 1))) as pool:
        drawn = list(pool.map(lambda job: _save_miss(*job), jobs))
    images = {job[2].id: job[0].name for job, ok in zip(jobs, drawn, strict=True) if ok}

    settings = manifest.model_dump()
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>mimo-gui grounding eval</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1700px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
        "text-align:left}td.num{text-align:right}.miss{margin:2em 0}.miss img{max-width:100%;"
        "border:1px solid #999}code,pre{background:#f4f4f4;white-space:pre-wrap;word-break:break-all}"
        ".gt{color:#18a058}.pred{color:#ff2d55}.first{color:#ff9f0a}</style></head><body>",
        "<h1>Grounding evaluation</h1>",
        f"<p><b>accuracy {_pct(summary.accuracy)}</b> ({summary.hits}/{summary.n}); "
        f"misses: {summary.misses}; no usable answer: {summary.errors} ({_esc(_errors_text(summary))})"
        + (
            f"; first pass {_pct(summary.first_pass_accuracy)}"
            if summary.first_pass_accuracy is not None
            else ""
        )
        + "</p>",
        "<table>",
        *(
            f"<tr><th>{_esc(k)}</th><td>{_esc(_setting_text(k, settings[k]))}</td></tr>"
            for k in _SETTINGS_SHOWN
            if k in settings
        ),
        "</table>",
    ]
    for tag, values in summary.by.items():
        parts.append(
            f"<h2>by {_esc(tag)}</h2><table><tr><th>{_esc(tag)}</th><th>accuracy</th><th>n</th></tr>"
        )
        parts += [
            f"<tr><td>{_esc(v)}</td><td class='num'>{_pct(b.accuracy)}</td><td class='num'>{b.n}</td></tr>"
            for v, b in values.items()
        ]
        parts.append("</table>")
    parts.append(
        f"<h2>misses ({len(misses)})</h2><p><span class='gt'>■</span> ground truth, "
        "<span class='pred'>◎</span> answer, <span class='first'>◎</span> first pass (refine)</p>"
    )
    for r in misses:
        where = "no usable answer" if r.point is None else f"answered ({r.point[0]:g}, {r.point[1]:g})"
        tags = ", ".join(f"{k}={v}" for k, v in r.tags.items())
        parts.append(
            f"<div class='miss'><h3>{_esc(r.id)}</h3><p>{_esc(r.instruction)}</p>"
            f"<p>{where}; box {list(r.box)}{'; ' + _esc(tags) if tags else ''}</p>"
        )
        if r.error:
            parts.append(f"<p>error ({_esc(r.error_kind)}): {_esc(r.error)}</p>")
        if r.thought:
            parts.append(f"<details><summary>thought</summary><pre>{_esc(r.thought[:4000])}</pre></details>")
        if r.raw:
            parts.append(f"<pre>{_esc(r.raw[:2000])}</pre>")
        if r.id in images:
            src = f"{MISSES_DIR}/{images[r.id]}"
            parts.append(
                f"<a href='{_esc(src)}'><img loading='lazy' src='{_esc(src)}' alt='{_esc(r.id)}'></a>"
            )
        else:
            parts.append("<p>(image unavailable)</p>")
        parts.append("</div>")
    parts.append("</body></html>\n")
    path = folder / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
    return path
