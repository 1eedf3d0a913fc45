"""Grounding datasets read into `Sample`s, one module per format family, found by name.

``load_dataset(fmt, data, ...)`` looks ``fmt`` up in the registry (`registry`); each format
module registers itself when imported:

``screenspot`` (`screenspot`)
    ScreenSpot (SeeClick) and ScreenSpot-v2 annotation files beside their image folder.
``screenspot-pro`` (`screenspot_pro`)
    ScreenSpot-Pro's ``annotations/*.json`` beside ``images/``.
``jsonl`` (`jsonl`)
    Our open format, one JSON object per line.
``hf`` (`hf`)
    A Hugging Face dataset by hub id or folder; its column layout (ours, or a published copy
    of ScreenSpot, ScreenSpot-v2 or ScreenSpot-Pro, `hf_layouts`) is told from its columns.

Every loader converts its format's box convention to corners ``x1, y1, x2, y2`` in the image's
pixels, checks each record (fields, box, image file) and names the file and the record index
in a one-line `ConfigError` when one is wrong. Ids are the record's own ``id`` where it has one,
else ``<file stem>:<index>``; an id seen twice in one load is an error, since results are keyed
by it. `dataset_fingerprint` hashes the annotation files a load reads (`annotation_files`) or
the samples themselves, for a run's manifest.

A new format is a module that builds a `DatasetFormat` and calls `register_format`; a new hub
copy of a benchmark is one `register_layout` call.
"""

from __future__ import annotations

# isort: off
# Imported for their registration, in the order `FORMATS` (and so --help) lists them.
from . import screenspot, screenspot_pro, jsonl, hf  # noqa: F401

# isort: on
from .fingerprint import dataset_fingerprint
from .hf import load_hf
from .hf_layouts import HfLayout, detect_layout, layouts, register_layout
from .jsonl import load_jsonl
from .registry import (
    DatasetFormat,
    annotation_files,
    dataset_format,
    format_names,
    load_dataset,
    register_format,
)
from .screenspot import SCREENSPOT_IMAGE_DIRS, SCREENSPOT_SPLITS, load_screenspot
from .screenspot_pro import load_screenspot_pro

__all__ = [
    "FORMATS",
    "SCREENSPOT_IMAGE_DIRS",
    "SCREENSPOT_SPLITS",
    "DatasetFormat",
    "HfLayout",
    "annotation_files",
    "dataset_fingerprint",
    "dataset_format",
    "detect_layout",
    "format_names",
    "layouts",
    "load_dataset",
    "load_hf",
    "load_jsonl",
    "load_screenspot",
    "load_screenspot_pro",
    "register_format",
    "register_layout",
]

FORMATS = format_names()
"""The built-in formats `load_dataset` reads (`format_names` also lists any registered later)."""
