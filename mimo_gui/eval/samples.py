"""One grounding sample, whatever format it came from.

Every loader (ScreenSpot, ScreenSpot-Pro, our jsonl, a Hugging Face dataset) turns its
records into `Sample`s, with the ground-truth box converted to one convention: corners
``x1, y1, x2, y2`` in the original image's pixels. Scoring and reports never see the
formats' own conventions.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..actions import Box

__all__ = ["Sample"]


class Sample(BaseModel):
    """A screenshot, an instruction, and the box a correct answer points into.

    Attributes:
        id: the record's own id where it has one, else ``<file stem>:<index>``.
        image: the screenshot's path.
        instruction: what to find (English).
        instruction_cn: the Chinese instruction, where the format has one (ScreenSpot-Pro).
        box: the ground truth in the image's pixels, corners, edges included.
        tags: the format's breakdown fields (split, data_type, data_source, ui_type, group,
            platform, application, …), as strings.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    image: Path
    instruction: str
    box: Box
    instruction_cn: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
