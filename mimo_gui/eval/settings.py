"""How an evaluation asks: the profile and the run's options, checked once, up front."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..actions import FrameMode, Resolution
from ..actions.errors import ConfigError
from ..prompts import Profile, Sampling
from .samples import Sample

__all__ = ["EvalSettings", "prompt_template"]


@dataclass(frozen=True)
class EvalSettings:
    """How to ask: the profile (its prompt, parser, budget and frame) and the run's options.

    Attributes:
        profile: the model family's profile, with any pixel-budget overrides applied.
        think: reasoning on/off, or None for the profile's default.
        lang: ``en``, or ``cn`` for the samples' Chinese instructions and the Chinese prompt.
        frame_mode: ``resize`` or ``pad``; None for the profile's.
        scale: the screenshots' physical pixels per logical pixel (2 for a Retina capture).
        resolution: the budget on the screenshots' ``physical`` pixels or their ``logical``
            size (``size / scale``); answers map back to the screenshots' pixels either way.
        temperature: 0 is greedy, as Xiaomi's published eval samples.
        max_tokens: None for the profile's default.
        template: a prompt text replacing the profile's (``--prompt-file``).
        template_source: where ``template`` came from, for the manifest.
        refine: a second pass on a crop around the first answer.
        refine_area: the crop's share of the image area.
        concurrency: samples in flight at once (concurrent backends).
        batch_size: samples per ``complete_many`` call (batching backends).
    """

    profile: Profile
    think: bool | None = None
    lang: Literal["en", "cn"] = "en"
    frame_mode: FrameMode | None = None
    scale: float = 1.0
    resolution: Resolution = "physical"
    temperature: float | None = 0.0
    max_tokens: int | None = None
    template: str | None = None
    template_source: str | None = None
    refine: bool = False
    refine_area: float = 0.25
    concurrency: int = 16
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigError(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.batch_size < 1:
            raise ConfigError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.temperature is not None and self.temperature < 0:
            raise ConfigError(f"--temperature must be 0 or more, got {self.temperature}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ConfigError(f"--scale must be a positive number, got {self.scale:g}")
        if self.lang not in ("en", "cn"):
            raise ConfigError(f"--lang must be en or cn, got {self.lang!r}")

    def options(self) -> dict[str, Any]:
        """The keyword arguments of `grounding_request`."""
        return {
            "think": self.think,
            "lang": self.lang,
            "frame_mode": self.frame_mode,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "template": self.template,
        }

    def framing(self) -> dict[str, Any]:
        """The first look's framing (`grounding_request`'s ``scale`` and ``resolution``); a
        refine pass frames its enlarged crop as the agent's does, at its own pixels."""
        return {"scale": self.scale, "resolution": self.resolution}

    def sampling(self) -> Sampling:
        """The decoding settings every request of the run carries."""
        return self.profile.sampling(
            "ground", self.think, temperature=self.temperature, max_tokens=self.max_tokens
        )

    def instruction(self, sample: Sample) -> str:
        """The instruction in the run's language.

        Raises:
            ConfigError: ``lang="cn"`` and the sample has no Chinese instruction.
        """
        if self.lang == "cn":
            if sample.instruction_cn is None:
                raise ConfigError(f"--lang cn: sample {sample.id!r} has no Chinese instruction")
            return sample.instruction_cn
        return sample.instruction


def prompt_template(settings: EvalSettings) -> str:
    """The exact prompt text the run fills in per sample, ``$instruction`` unfilled:
    the ``--prompt-file`` text as given, else the profile's shipped template for the language."""
    if settings.template is not None:
        return settings.template
    return settings.profile.grounding_template(settings.lang)
