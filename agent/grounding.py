"""Grounding: where on this screenshot is the thing this instruction names?

The same profile, prompt, parser and `Frame` the agent uses, so a grounding answer here
predicts what the agent would click.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from ..actions import (
    FACTOR,
    Box,
    Click,
    Frame,
    FrameMode,
    MoveTo,
    ParseError,
    Point,
    Resolution,
    smart_resize,
)
from ..prompts import ImagePart, Profile, get_profile
from .answers import parse_completion
from .backends.base import Backend, Completion, CompletionRequest

__all__ = [
    "GroundResult",
    "enlarge_crop",
    "ground",
    "grounding_request",
    "point_from_crop",
    "read_answer",
    "refine_crop",
]


@dataclass(frozen=True, slots=True)
class GroundResult:
    """Where the model pointed.

    Attributes:
        point: in the screenshot's own pixels (screen space of an image).
        box: the box the model named, in the screenshot's pixels, if it answered with one.
        model_point: the point as the model gave it, in the framed image.
        frame: how the screenshot was framed for the model.
        completion: the backend's answer (raw text, tokens, latency).
        thought: the model's reasoning, if any: its ``<think>`` block, or the text a
            reasoning server split off (``completion.reasoning``).
    """

    point: Point
    box: Box | None
    model_point: Point
    frame: Frame
    completion: Completion
    thought: str | None

    @property
    def raw(self) -> str:
        return self.completion.text

    def to_json(self) -> dict[str, Any]:
        """What ``mimo-gui ground`` prints: the point (and box) in the screenshot's pixels,
        the thought (null when the model gave none) and the raw answer."""
        out: dict[str, Any] = {"x": round(self.point.x, 2), "y": round(self.point.y, 2)}
        if self.box is not None:
            out["box"] = [round(v, 2) for v in (self.box.x1, self.box.y1, self.box.x2, self.box.y2)]
        out["thought"] = self.thought
        out["raw"] = self.raw
        return out


def grounding_request(
    image: Image.Image,
    instruction: str,
    profile: Profile,
    *,
    think: bool | None = None,
    lang: str = "en",
    frame_mode: FrameMode | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    template: str | None = None,
    scale: float = 1.0,
    resolution: Resolution = "physical",
) -> tuple[CompletionRequest, Frame]:
    """The request to send and the frame to map its answer back with (to the image's pixels).

    ``template`` replaces the profile's grounding prompt (a text with ``$instruction``).
    ``scale`` (the image's pixels per logical pixel) matters only with ``resolution="logical"``:
    the model then sees the image at its logical size, and the answer still maps back to the
    image's own pixels.
    """
    budgeted = profile.frame(image.size, mode=frame_mode, scale=scale, resolution=resolution)
    frame = replace(budgeted, scale=1.0)  # map back to the image's pixels, not logical ones
    framed = ImagePart(frame.apply(image))
    messages = profile.grounding_messages(instruction, framed, think=think, lang=lang, template=template)
    sampling = profile.sampling("ground", think, temperature=temperature, max_tokens=max_tokens)
    return CompletionRequest(messages, sampling), frame


def read_answer(profile: Profile, frame: Frame, completion: Completion) -> GroundResult:
    """Parse a grounding answer and map it to the screenshot's pixels.

    The answer is read wherever the server put it (`parse_completion`): a thought split
    off by a reasoning server becomes the result's thought, and an answer left inside the
    reasoning is found there.

    Raises:
        AnswerTruncated: no point in an answer cut off at the token cap.
        ParseError: no point in the answer (the raw text is in the error).
        CoordinateError: the point lies outside the image the model was shown.
    """
    decision = parse_completion(completion, profile.parse_grounding)
    first = decision.action
    if not isinstance(first, Click | MoveTo):
        raise ParseError(
            f"a grounding answer must point at something, got a {type(first).__name__} action",
            raw=completion.text,
            expected="a box or a point",
        )
    point = frame.to_screen(first.point)
    box = frame.box_to_screen(decision.box) if decision.box is not None else None
    return GroundResult(point, box, first.point, frame, completion, decision.thought)


def ground(
    image: Image.Image,
    instruction: str,
    backend: Backend,
    profile: Profile | str | None = None,
    **options: Any,
) -> GroundResult:
    """Ask ``backend`` where ``instruction``'s target is in ``image``; the answer in the image's pixels.

    ``options`` are those of `grounding_request` (think, lang, frame_mode, temperature, max_tokens,
    template, scale, resolution).
    """
    prof = profile if isinstance(profile, Profile) else get_profile(profile)
    request, frame = grounding_request(image, instruction, prof, **options)
    return read_answer(prof, frame, backend.complete(request))


# -- a second look: refinement on a crop ---------------------------------------------


def refine_crop(
    image_size: tuple[int, int], point: tuple[float, float], *, area: float = 0.25
) -> tuple[int, int, int, int]:
    """The window ``(x0, y0, x1, y1)`` to look at again around a first answer.

    The window has the image's aspect ratio and about ``area`` of its area, is centred on
    ``point`` where it can be and shifted to stay inside the image (never shrunk), so the
    model sees the same amount of context wherever the first answer fell. Integer pixel
    corners, ``x1``/``y1`` exclusive (as `PIL.Image.crop` takes them).

    Raises:
        ValueError: ``area`` outside ``(0, 1]`` or an empty image.
    """
    width, height = image_size
    if not 0 < area <= 1:
        raise ValueError(f"the refine area must be a fraction in (0, 1], got {area}")
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    side = math.sqrt(area)
    w = min(width, max(1, round(width * side)))
    h = min(height, max(1, round(height * side)))
    x0 = min(max(round(point[0] - w / 2), 0), width - w)
    y0 = min(max(round(point[1] - h / 2), 0), height - h)
    return x0, y0, x0 + w, y0 + h


def enlarge_crop(crop: Image.Image, profile: Profile) -> Image.Image:
    """The crop resized up to the profile's pixel budget, at a size its frame keeps as it is.

    Enlarging here, straight to `smart_resize`'s size, resamples once; a crop already over
    the budget is left for the frame to shrink.
    """
    w, h = crop.size
    grow = math.sqrt(profile.max_pixels / (w * h))
    if grow <= 1:
        return crop
    th, tw = smart_resize(round(h * grow), round(w * grow), FACTOR, profile.min_pixels, profile.max_pixels)
    return crop.resize((tw, th), Image.Resampling.BICUBIC)


def point_from_crop(
    crop: tuple[int, int, int, int], enlarged_size: tuple[int, int], point: tuple[float, float]
) -> tuple[float, float]:
    """A point in the enlarged crop's pixels, back in the whole image's pixels.

    Undoes `enlarge_crop` (the crop was scaled to ``enlarged_size``), then `refine_crop`
    (the crop's top-left is ``crop[:2]``).
    """
    x0, y0, x1, y1 = crop
    width, height = enlarged_size
    return x0 + point[0] * (x1 - x0) / width, y0 + point[1] * (y1 - y0) / height
