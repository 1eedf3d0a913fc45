"""The column layouts a Hugging Face grounding dataset comes in, told apart by their columns.

The hub copies of the benchmarks each lay their rows out their own way: which columns exist,
whether a box is corners or ``[x, y, width, height]``, fractions of the image or pixels,
whether a field is a list or a JSON string. A `HfLayout` knows one of them and turns a row
into a `LayoutRecord` whose box is corners in the image's pixels. `detect_layout` picks the one
layout whose columns a dataset has; layouts are registered, like formats, so a new hub copy is
one `register_layout` call.

Built in (the test suite builds each with the published column names and feature types):

``mimo-gui``
    Ours: the jsonl fields as columns (``image``, ``instruction``, ``box`` in pixel corners,
    optional ``id``, ``instruction_cn``, ``tags``); other columns are ignored.
``rootsautomation/ScreenSpot``
    ``file_name``, ``bbox`` (corners as fractions of the image), ``instruction``,
    ``data_type``, ``data_source``, ``image``. What upstream lmms-eval's screenspot task loads.
``HongxinLi/ScreenSpot_v2``
    ScreenSpot-v2 the same way: ``bbox`` corners as fractions, ``image``, ``instruction``,
    ``data_type``, ``data_source``, and no ``file_name``.
``TIGER-Lab/ScreenSpot-Pro``
    What upstream lmms-eval's screenspot_pro task loads: ``bbox`` pixel corners and
    ``img_size`` ``[width, height]``, each a list or a JSON string, ``image``, ``instruction``.
``lscpku/ScreenSpot-v2``
    Xiaomi's copy (its lmms-eval fork): ``bbox`` as pixel ``[x, y, width, height]``,
    ``image_width``, ``image_height``, ``img_filename``, ``split``, ``data_type``, ``data_source``.
``lscpku/ScreenSpot-Pro``
    Xiaomi's copy: ``bbox`` pixel corners, ``image_width``, ``image_height``, ``img_filename``,
    ``instruction``, ``instruction_cn``.

A pixel box is in the size the row states (``image_width``/``image_height`` or ``img_size``);
when the image itself has another size the box is scaled to it, so it lands on the image a
model is shown.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ConfigDict

from ...actions import Box, ConfigError, Space
from .base import BoxConvention, corners, instruction_text, validate
from .hf_images import StoredImage
from .jsonl import OpenRecord

__all__ = [
    "ColumnLayout",
    "HfLayout",
    "LayoutRecord",
    "OpenLayout",
    "detect_layout",
    "layouts",
    "register_layout",
]

Row = Mapping[str, Any]


@dataclass(frozen=True)
class LayoutRecord:
    """What a row says, in our terms: the box is corners in the image's pixels."""

    instruction: str
    box: Box
    id: str | None = None
    instruction_cn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


class HfLayout(ABC):
    """One way of laying a grounding dataset out in columns.

    Attributes:
        name: how error messages and docs call it (the hub copy it was made for).
        required: the columns a dataset must have to be in this layout.
        absent: columns it must not have (what tells it from a layout with more columns).
    """

    name: str
    required: frozenset[str]
    absent: frozenset[str]

    def matches(self, columns: frozenset[str]) -> bool:
        """Whether a dataset with these columns is in this layout."""
        return self.required <= columns and not (self.absent & columns)

    @abstractmethod
    def read(self, row: Row, image: StoredImage, where: str) -> LayoutRecord:
        """The row (``image`` already resolved) as a record; a bad cell is a `ConfigError`."""


class _HfOpenRecord(OpenRecord):
    # A saved dataset often carries columns of its own; they are no business of ours.
    model_config = ConfigDict(strict=True, extra="ignore")


class OpenLayout(HfLayout):
    """Ours: the jsonl format's fields as columns (`mimo_gui.eval.datasets.jsonl`)."""

    name = "mimo-gui"
    required = frozenset({"image", "instruction", "box"})
    absent = frozenset({"bbox"})

    def read(self, row: Row, image: StoredImage, where: str) -> LayoutRecord:
        raw = dict(row)
        if isinstance(raw.get("tags"), dict):
            # Arrow stores tags as one struct over every key seen: a key a row lacks comes back None.
            raw["tags"] = {k: v for k, v in raw["tags"].items() if v is not None}
        elif raw.get("tags", 0) is None:
            raw.pop("tags")
        raw["image"] = str(image.path)
        record = validate(_HfOpenRecord, raw, where)
        return LayoutRecord(
            instruction=record.instruction,
            box=corners(record.box, "xyxy", where),
            id=None if record.id is None else str(record.id),
            instruction_cn=record.instruction_cn,
            tags=dict(record.tags),
        )


@dataclass(frozen=True)
class ColumnLayout(HfLayout):
    """A published layout, described by its columns and its box convention.

    Attributes:
        name: the hub copy it was made for.
        required: the columns it must have.
        absent: the columns it must not have.
        convention: ``xyxy`` (corners) or ``xywh`` (``[x, y, width, height]``).
        unit: ``fraction`` (of the image's width and height) or ``pixel``.
        size: where a pixel box's frame is stated: two columns (width, height), one column
            holding ``[width, height]``, or nowhere (the image's own size).
        box_column: the box's column.
        cn_column: the Chinese instruction's column, where the layout has one.
        id_column: the id's column, used when present.
        tag_columns: columns kept as tags when present (strings).
    """

    name: str
    required: frozenset[str]
    absent: frozenset[str]
    convention: BoxConvention
    unit: Literal["fraction", "pixel"]
    size: tuple[str, str] | str | None = None
    box_column: str = "bbox"
    cn_column: str | None = None
    id_column: str | None = None
    tag_columns: tuple[str, ...] = ()

    def read(self, row: Row, image: StoredImage, where: str) -> LayoutRecord:
        text = row.get("instruction")
        if not isinstance(text, str):
            raise ConfigError(f"{where}: column 'instruction' is not a string")
        values = _numbers(row.get(self.box_column), self.box_column, 4, where)
        if self.unit == "fraction":
            if not all(0.0 <= v <= 1.0 for v in values):
                raise ConfigError(
                    f"{where}: column {self.box_column!r} {values} should be fractions of the image "
                    f"(layout {self.name}), but a value lies outside 0..1"
                )
            width, height = image.size(where)
            scale = (float(width), float(height))
        else:
            stated = self._stated_size(row, where)
            real = image.size(where)
            # A pixel box is in the stated frame; on a resized image it must move with the pixels.
            scale = (1.0, 1.0) if stated is None else (real[0] / stated[0], real[1] / stated[1])
        box = _scaled(corners(values, self.convention, where), scale)
        cn = row.get(self.cn_column) if self.cn_column else None
        ident = row.get(self.id_column) if self.id_column else None
        tags = {c: str(row[c]) for c in self.tag_columns if row.get(c) is not None}
        return LayoutRecord(
            instruction=instruction_text(text, where),
            box=box,
            id=None if ident is None else str(ident),
            instruction_cn=cn if isinstance(cn, str) else None,
            tags=tags,
        )

    def _stated_size(self, row: Row, where: str) -> tuple[float, float] | None:
        if self.size is None:
            return None
        if isinstance(self.size, str):
            width, height = _numbers(row.get(self.size), self.size, 2, where)
        else:
            width = _numbers([row.get(self.size[0])], self.size[0], 1, where)[0]
            height = _numbers([row.get(self.size[1])], self.size[1], 1, where)[0]
        if width <= 0 or height <= 0:
            raise ConfigError(f"{where}: the stated image size {width:g}x{height:g} is not positive")
        return width, height


def _numbers(value: Any, column: str, count: int, where: str) -> list[float]:
    """``count`` numbers from a list cell or a JSON-string cell (some copies store them so)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            problem = f"column {column!r} is a string but not JSON: {value[:60]!r}"
            raise ConfigError(f"{where}: {problem}") from None
    if (
        not isinstance(value, (list, tuple))
        or len(value) != count
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    ):
        raise ConfigError(f"{where}: column {column!r} should be {count} number(s), got {value!r}")
    return [float(v) for v in value]


def _scaled(box: Box, scale: tuple[float, float]) -> Box:
    sx, sy = scale
    if (sx, sy) == (1.0, 1.0):
        return box
    return Box(x1=box.x1 * sx, y1=box.y1 * sy, x2=box.x2 * sx, y2=box.y2 * sy, space=Space.SCREEN)


_LAYOUTS: list[HfLayout] = []


def register_layout(layout: HfLayout) -> HfLayout:
    """Teach the ``hf`` format a layout; returns it.

    Raises:
        ConfigError: a layout of that name is already known.
    """
    if any(known.name == layout.name for known in _LAYOUTS):
        raise ConfigError(f"a Hugging Face dataset layout named {layout.name!r} is already registered")
    _LAYOUTS.append(layout)
    return layout


def layouts() -> tuple[HfLayout, ...]:
    """The known layouts, in the order they were registered."""
    return tuple(_LAYOUTS)


def detect_layout(columns: Iterable[str], where: str) -> HfLayout:
    """The one known layout a dataset with these columns is in.

    Raises:
        ConfigError: no layout, or more than one, fits (one line: the columns found and the
            layouts known, each with the columns it needs).
    """
    found = frozenset(columns)
    fitting = [layout for layout in _LAYOUTS if layout.matches(found)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        names = ", ".join(layout.name for layout in fitting)
        raise ConfigError(f"{where}: the columns fit more than one known layout ({names})")
    known = "; ".join(f"{layout.name} ({', '.join(sorted(layout.required))})" for layout in _LAYOUTS)
    columns_found = ", ".join(sorted(found)) or "(none)"
    raise ConfigError(f"{where}: columns {columns_found} are in no known layout; known layouts: {known}")


register_layout(OpenLayout())
# Schemas as published: the dataset cards and the lmms-eval task code that loads each copy
# (cited per layout in tests/eval/test_datasets_hf_layouts.py).
_SCREENSPOT_TAGS = ("data_type", "data_source")
register_layout(
    ColumnLayout(
        name="rootsautomation/ScreenSpot",
        required=frozenset({"image", "instruction", "bbox", "file_name", *_SCREENSPOT_TAGS}),
        absent=frozenset({"image_width", "image_height", "img_size"}),
        convention="xyxy",
        unit="fraction",
        tag_columns=_SCREENSPOT_TAGS,
    )
)
register_layout(
    ColumnLayout(
        name="HongxinLi/ScreenSpot_v2",
        required=frozenset({"image", "instruction", "bbox", *_SCREENSPOT_TAGS}),
        absent=frozenset({"file_name", "image_width", "image_height", "img_size"}),
        convention="xyxy",
        unit="fraction",
        tag_columns=_SCREENSPOT_TAGS,
    )
)
_PRO_TAGS = ("ui_type", "group", "platform", "application")
register_layout(
    ColumnLayout(
        name="TIGER-Lab/ScreenSpot-Pro",
        required=frozenset({"image", "instruction", "bbox", "img_size"}),
        absent=frozenset(),
        convention="xyxy",
        unit="pixel",
        size="img_size",
        cn_column="instruction_cn",
        id_column="id",
        tag_columns=_PRO_TAGS,
    )
)
register_layout(
    ColumnLayout(
        name="lscpku/ScreenSpot-v2",
        required=frozenset(
            {"image", "instruction", "bbox", "img_filename", "image_width", "image_height", *_SCREENSPOT_TAGS}
        ),
        absent=frozenset({"instruction_cn", "img_size"}),
        convention="xywh",
        unit="pixel",
        size=("image_width", "image_height"),
        tag_columns=("split", *_SCREENSPOT_TAGS),
    )
)
register_layout(
    ColumnLayout(
        name="lscpku/ScreenSpot-Pro",
        required=frozenset(
            {"image", "instruction", "instruction_cn", "bbox", "img_filename", "image_width", "image_height"}
        ),
        absent=frozenset({"img_size"}),
        convention="xyxy",
        unit="pixel",
        size=("image_width", "image_height"),
        cn_column="instruction_cn",
        id_column="id",
        tag_columns=_PRO_TAGS,
    )
)
