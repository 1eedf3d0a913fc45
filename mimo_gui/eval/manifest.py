"""``manifest.json``: what a run scored, how it asked, and how far it got.

The manifest is written when a run starts (status ``running``) and again when it ends
(``complete``, ``interrupted`` or ``failed``). Its `Manifest.identity` is what ``--resume``
compares: every setting that moves a score, named in words so that a mismatch can be
reported as a sentence.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..agent.backends.base import Backend
from ..agent.records import package_versions
from .settings import EvalSettings, prompt_template

__all__ = [
    "MANIFEST_FILE",
    "DatasetInfo",
    "Manifest",
    "RunStatus",
    "build_manifest",
    "describe_value",
    "now",
    "sampling_text",
    "settings_mismatch",
]

MANIFEST_FILE = "manifest.json"

RunStatus = Literal["running", "complete", "interrupted", "failed"]
"""``running`` while samples are being scored (also what a killed run leaves behind),
``complete``, ``interrupted`` (Ctrl-C: every sample already appended is kept), or ``failed``
(the run stopped on an error, such as a server that refused every request)."""


class DatasetInfo(BaseModel):
    """Which data the run scored: the format, where it was read from, and its content hash."""

    format: str
    path: str
    images: str | None = None
    splits: list[str] | None = None
    limit: int | None = None
    fingerprint: str
    """`dataset_fingerprint` of the annotation files read."""
    samples_fingerprint: str | None = None
    """`dataset_fingerprint` of the samples scored (after splits and limit)."""
    n: int


class Manifest(BaseModel):
    """``manifest.json``: everything needed to reproduce the run, and when it ran."""

    model: str
    backend: str
    profile: str
    prompt_sha256: str
    prompt_source: str
    prompt_template: str
    min_pixels: int
    max_pixels: int
    frame_mode: str
    scale: float = 1.0
    """The screenshots' physical pixels per logical pixel (``--scale``)."""
    resolution: str = "physical"
    """What the budget applied to: the screenshots' ``physical`` pixels or ``logical`` size."""
    image_format: str | None = None
    """How images travelled to the server (``jpeg``, ``png``); None for a local backend."""
    sampling: dict[str, Any]
    think: bool | None
    think_effective: bool | None
    lang: str
    refine: bool
    refine_area: float | None
    concurrency: int
    batch_size: int
    dataset: DatasetInfo
    versions: dict[str, str] = Field(default_factory=dict)
    options: dict[str, Any] | None = None
    """The command's options as given (``mimo-gui eval grounding``)."""
    start_time: str
    end_time: str | None = None
    status: RunStatus = "running"
    resumed: int = 0

    def identity(self) -> dict[str, Any]:
        """What must match for ``--resume`` to continue a run: every setting that moves a score,
        keyed by the setting's name in words."""
        return {
            "model": self.model,
            "backend": self.backend,
            "profile": self.profile,
            "prompt (sha256)": self.prompt_sha256,
            "min_pixels": self.min_pixels,
            "max_pixels": self.max_pixels,
            "frame mode": self.frame_mode,
            "scale": self.scale,
            "resolution": self.resolution,
            "image format": self.image_format,
            **{f"sampling {key}": value for key, value in sorted(self.sampling.items())},
            "thinking": self.think_effective,
            "language": self.lang,
            "refine": self.refine,
            "refine area": self.refine_area,
            "dataset format": self.dataset.format,
            "dataset content (fingerprint)": self.dataset.fingerprint,
            "splits": self.dataset.splits,
            "limit": self.dataset.limit,
        }


def now() -> str:
    """The current time as manifests record it (UTC, ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_manifest(
    settings: EvalSettings, backend: Backend, dataset: DatasetInfo, options: dict[str, Any] | None = None
) -> Manifest:
    """The manifest of a run starting now."""
    profile = settings.profile
    template = prompt_template(settings)
    return Manifest(
        model=backend.model,
        backend=backend.name,
        profile=profile.name,
        prompt_sha256=hashlib.sha256(template.encode("utf-8")).hexdigest(),
        prompt_source=settings.template_source or f"profile {profile.name} ({settings.lang})",
        prompt_template=template,
        min_pixels=profile.min_pixels,
        max_pixels=profile.max_pixels,
        frame_mode=settings.frame_mode or profile.frame_mode,
        scale=settings.scale,
        # At scale 1 both frame alike: recorded as one, so a run resumes whichever is asked.
        resolution=settings.resolution if settings.scale != 1 else "physical",
        image_format=backend.capabilities.image_format,
        sampling=settings.sampling().model_dump(),
        think=settings.think,
        think_effective=profile.thinking(settings.think),
        lang=settings.lang,
        refine=settings.refine,
        refine_area=settings.refine_area if settings.refine else None,
        concurrency=settings.concurrency,
        batch_size=settings.batch_size,
        dataset=dataset,
        versions=package_versions(),
        options=options,
        start_time=now(),
    )


def describe_value(value: object) -> str:
    """A setting's value as a reader would write it: ``on``/``off``, ``none``, ``a, b``, ``0.7``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(describe_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {describe_value(v)}" for k, v in value.items()) if value else "none"
    text = str(value)
    return text[:12] + "…" if len(text) == 64 and all(c in "0123456789abcdef" for c in text) else text


def sampling_text(sampling: dict[str, Any]) -> str:
    """A manifest's sampling in words, settings left unset omitted: ``temperature 0, top_p 0.95, …``."""
    return describe_value({k: v for k, v in sampling.items() if v is not None})


def settings_mismatch(before: Manifest, now: Manifest) -> str | None:
    """The settings on which ``now`` differs from ``before``, as one sentence; None when none do."""
    old, new = before.identity(), now.identity()
    changed = [
        f"{key} {describe_value(old.get(key))} then, {describe_value(new.get(key))} now"
        for key in dict.fromkeys([*old, *new])
        if old.get(key) != new.get(key)
    ]
    return "; ".join(changed) if changed else None
