"""Points, boxes, coordinate spaces, the processor's resize rule and the `Frame`.

Every coordinate in mimo-gui says which space it is in:

* ``model_pixels``: absolute pixels of the image the model saw, after framing
  (MiMo-VL, Qwen2.5-VL, UI-TARS-1.5 answer in it);
* ``norm_1000``: 0..1000 over that image (UI-TARS-1.0, Qwen2-VL, OS-Atlas);
* ``norm_1``: 0..1 over that image (SeeClick, ShowUI, Aguvis);
* ``screen``: what the env executes in (CSS pixels in a browser, logical points on a
  desktop, device pixels on Android, image pixels for a plain screenshot).

`Frame` is the only place that maps between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict

from .errors import CoordinateError, UnframeableImage
from .resample import Resize, resize_bicubic

__all__ = [
    "DEFAULT_RESOLUTION",
    "FACTOR",
    "MAX_RATIO",
    "Box",
    "Frame",
    "FrameMode",
    "Point",
    "Resolution",
    "Space",
    "check_frameable",
    "smart_resize",
]

FACTOR = 28
"""Pixels per visual token side in the Qwen2-VL family: patch 14 × merge 2."""

MAX_RATIO = 200
"""The processor refuses images whose long side exceeds this many times the short side."""


class Space(StrEnum):
    """The coordinate space a point is expressed in."""

    MODEL_PIXELS = "model_pixels"
    NORM_1000 = "norm_1000"
    NORM_1 = "norm_1"
    SCREEN = "screen"


class Point(BaseModel):
    """A point, in a named coordinate space."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    space: Space = Space.SCREEN

    def __str__(self) -> str:
        return f"({self.x:g}, {self.y:g})"


class Box(BaseModel):
    """An axis-aligned box from top-left ``(x1, y1)`` to bottom-right ``(x2, y2)``, edges included."""

    model_config = ConfigDict(frozen=True)

    x1: float
    y1: float
    x2: float
    y2: float
    space: Space = Space.SCREEN

    @property
    def center(self) -> Point:
        return Point(x=(self.x1 + self.x2) / 2, y=(self.y1 + self.y2) / 2, space=self.space)

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def contains(self, point: Point) -> bool:
        """Whether the point lies inside the box, edges included (same space assumed)."""
        return self.x1 <= point.x <= self.x2 and self.y1 <= point.y <= self.y2


def smart_resize(
    height: int,
    width: int,
    factor: int = FACTOR,
    min_pixels: int = 56 * 56,
    max_pixels: int = 14 * 14 * 4 * 1280,
) -> tuple[int, int]:
    """The size the Qwen2-VL image processor resizes an image to, as ``(height, width)``.

    Both sides become multiples of ``factor``, the area lands in ``[min_pixels, max_pixels]``
    and the aspect ratio is kept as closely as that allows. This is transformers'
    rule to the letter (Python's ``round`` rounds half to even); a test compares the two
    over thousands of sizes. The defaults are transformers' function defaults, not
    MiMo-VL's budget: profiles pass their own.

    Raises:
        UnframeableImage: a side is not positive, the aspect ratio exceeds 200:1, or a
            side would come out under ``factor`` pixels (a `ValueError` too, as in
            transformers).
    """
    check_frameable(width, height)
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    if h_bar < factor or w_bar < factor:
        # Only a budget under one cell gets here (round() gave 0 and min_pixels did not lift it).
        raise UnframeableImage(
            f"cannot frame a {width}x{height} image: a side would be {min(h_bar, w_bar)} px after "
            f"scaling, under the {factor} px minimum (min_pixels={min_pixels})"
        )
    return h_bar, w_bar


def check_frameable(width: int, height: int) -> None:
    """Refuse, in one line naming the limit and the size, an image no processor can frame.

    Raises:
        UnframeableImage: a side is not positive, or the long side exceeds ``MAX_RATIO``
            times the short one (the Qwen2-VL processor's own limit).
    """
    if width <= 0 or height <= 0:
        raise UnframeableImage(f"cannot frame a {width}x{height} image: both sides must be positive")
    ratio = max(height, width) / min(height, width)
    if ratio > MAX_RATIO:
        raise UnframeableImage(
            f"cannot frame a {width}x{height} image: its aspect ratio {ratio:.4g}:1 is over the "
            f"{MAX_RATIO}:1 limit of the model's image processor"
        )


FrameMode = Literal["resize", "pad"]

Resolution = Literal["physical", "logical"]
"""What the pixel budget is applied to: the screenshot's physical pixels, or the screen's
logical units (physical / scale). At a device scale factor of 2, ``logical`` shows the model a
quarter of the pixels, as the page would look at scale 1; at scale 1 the two are the same."""

DEFAULT_RESOLUTION: Resolution = "logical"
"""The agent's default (`Agent`, ``--resolution``): see README, "Image budget at HiDPI"."""


@dataclass(frozen=True, slots=True)
class Frame:
    """How one screenshot was framed for the model, and the exact way back.

    Three rectangles are involved:

    * the **screenshot**, ``image_width × image_height`` physical pixels, covering the
      screen area whose top-left is ``origin_x, origin_y`` in screen units, with
      ``scale`` physical pixels per screen unit (a browser's device scale factor, a
      desktop's HiDPI factor, 1 for a phone or a plain image);
    * the **content**, ``content_width × content_height``: the screenshot scaled (``resize``
      mode: to exactly ``smart_resize``'s size, possibly stretching by a fraction of a
      pixel; ``pad`` mode: uniformly, and only when the budget demands it);
    * the **model image**, ``model_width × model_height``: the content, plus (``pad`` mode)
      blank margin on the right and bottom up to multiples of 28.

    The model answers in the model image; a point in the blank margin or outside the
    image is a `CoordinateError`, never clamped. ``to_screen`` and ``to_model`` are exact
    inverses up to float rounding.
    """

    image_width: int
    image_height: int
    content_width: int
    content_height: int
    model_width: int
    model_height: int
    scale: float = 1.0
    origin_x: float = 0.0
    origin_y: float = 0.0
    mode: FrameMode = "resize"

    @classmethod
    def fit(
        cls,
        image_width: int,
        image_height: int,
        *,
        min_pixels: int,
        max_pixels: int,
        mode: FrameMode = "resize",
        scale: float = 1.0,
        origin: tuple[float, float] = (0.0, 0.0),
        factor: int = FACTOR,
        resolution: Resolution = "physical",
    ) -> Frame:
        """Frame a screenshot of this physical size for a model with this pixel budget.

        With ``resolution="logical"`` the budget is applied to the screen's logical size
        (``image / scale``), so a HiDPI screenshot is shown as its screen would look at scale
        1; the frame still maps back from the physical screenshot, exactly.

        Raises:
            UnframeableImage: the image's aspect ratio is over 200:1, a side is not
                positive, or (``resize``) a side would come out under 28 px.
        """
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale}")
        if resolution not in ("physical", "logical"):
            raise ValueError(f"unknown resolution {resolution!r}: expected 'physical' or 'logical'")
        # The size the budget sees: never larger than the screenshot (a scale under 1 would
        # ask for pixels the capture does not have).
        shrink = max(scale, 1.0) if resolution == "logical" else 1.0
        seen_w = max(1, round(image_width / shrink))
        seen_h = max(1, round(image_height / shrink))
        if mode == "resize":
            check_frameable(image_width, image_height)
            h, w = smart_resize(seen_h, seen_w, factor, min_pixels, max_pixels)
            return cls(image_width, image_height, w, h, w, h, scale, origin[0], origin[1], mode)
        if mode != "pad":
            raise ValueError(f"unknown frame mode {mode!r}: expected 'resize' or 'pad'")
        check_frameable(image_width, image_height)
        cw, ch = _pad_content(seen_w, seen_h, factor, min_pixels, max_pixels)
        mw = math.ceil(cw / factor) * factor
        mh = math.ceil(ch / factor) * factor
        return cls(image_width, image_height, cw, ch, mw, mh, scale, origin[0], origin[1], mode)

    # -- sizes ---------------------------------------------------------------

    @property
    def image_size(self) -> tuple[int, int]:
        return (self.image_width, self.image_height)

    @property
    def model_size(self) -> tuple[int, int]:
        return (self.model_width, self.model_height)

    @property
    def image_tokens(self) -> int:
        """Visual tokens the model spends on this image (one per 28×28 cell)."""
        return (self.model_width // FACTOR) * (self.model_height // FACTOR)

    # -- the image ---------------------------------------------------------

    def apply(self, image: Image.Image, resize: Resize = resize_bicubic) -> Image.Image:
        """The image the model is shown: the screenshot resized (or scaled and padded) to this frame.

        The result is exactly ``model_size``, a multiple of 28 within the budget, so a
        server's processor with the same or a larger budget leaves it as it is. ``resize``
        must equal Pillow's bicubic resize; the agent loop passes an `IncrementalResize`,
        which reuses the previous step's work.
        """
        if image.size != self.image_size:
            raise ValueError(f"frame is for a {self.image_width}x{self.image_height} image, got {image.size}")
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        content = rgb
        if (self.content_width, self.content_height) != self.image_size:
            content = resize(rgb, (self.content_width, self.content_height))
        if (self.content_width, self.content_height) == self.model_size:
            return content
        canvas = Image.new("RGB", self.model_size, (0, 0, 0))
        canvas.paste(content, (0, 0))
        return canvas

    # -- mapping -------------------------------------------------------------

    def to_screen(self, point: Point) -> Point:
        """Map a point the model gave (in any model space) to the env's screen space.

        Raises:
            CoordinateError: the point lies outside the content the model was shown.
        """
        cx, cy = self._to_content(point)
        # A millionth of a pixel of slack absorbs float noise from to_model's round trip;
        # anything further out is the model pointing off the image.
        eps = 1e-6
        if not (-eps <= cx <= self.content_width + eps and -eps <= cy <= self.content_height + eps):
            where = (
                "in the padding beyond" if self.mode == "pad" and self._inside_model(cx, cy) else "outside"
            )
            raise CoordinateError(
                f"point {point} ({point.space}) lies {where} the {self.content_width}x{self.content_height} "
                f"image the model was shown"
            )
        px = cx * self.image_width / self.content_width
        py = cy * self.image_height / self.content_height
        return Point(x=self.origin_x + px / self.scale, y=self.origin_y + py / self.scale, space=Space.SCREEN)

    def to_model(self, point: Point, space: Space = Space.MODEL_PIXELS) -> Point:
        """Map a screen point to where the model sees it, in ``space``."""
        if point.space is not Space.SCREEN:
            raise ValueError(f"to_model takes a screen point, got one in {point.space}")
        if space is Space.SCREEN:
            raise ValueError("to_model maps into a model space, not screen")
        px = (point.x - self.origin_x) * self.scale
        py = (point.y - self.origin_y) * self.scale
        cx = px * self.content_width / self.image_width
        cy = py * self.content_height / self.image_height
        if space is Space.MODEL_PIXELS:
            return Point(x=cx, y=cy, space=space)
        unit = 1000.0 if space is Space.NORM_1000 else 1.0
        return Point(x=cx / self.model_width * unit, y=cy / self.model_height * unit, space=space)

    def box_to_screen(self, box: Box) -> Box:
        a = self.to_screen(Point(x=box.x1, y=box.y1, space=box.space))
        b = self.to_screen(Point(x=box.x2, y=box.y2, space=box.space))
        return Box(x1=a.x, y1=a.y, x2=b.x, y2=b.y, space=Space.SCREEN)

    def _to_content(self, point: Point) -> tuple[float, float]:
        if point.space is Space.MODEL_PIXELS:
            return point.x, point.y
        if point.space is Space.NORM_1000:
            return point.x / 1000 * self.model_width, point.y / 1000 * self.model_height
        if point.space is Space.NORM_1:
            return point.x * self.model_width, point.y * self.model_height
        raise ValueError("to_screen takes a point in a model space, got one already in screen space")

    def _inside_model(self, x: float, y: float) -> bool:
        return 0 <= x <= self.model_width and 0 <= y <= self.model_height


def _pad_content(width: int, height: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """Content size for ``pad`` mode: the screenshot as it is, when it fits the budget once
    padded to multiples of ``factor``; else scaled uniformly until it does."""

    def padded_area(w: int, h: int) -> int:
        return math.ceil(w / factor) * factor * math.ceil(h / factor) * factor

    if min_pixels <= padded_area(width, height) <= max_pixels:
        return width, height
    if padded_area(width, height) > max_pixels:
        s = math.sqrt(max_pixels / (width * height))
        while True:
            w, h = max(1, math.floor(width * s)), max(1, math.floor(height * s))
            if padded_area(w, h) <= max_pixels:
                return w, h
            s *= 0.995
    s = math.sqrt(min_pixels / (width * height))
    return max(1, math.ceil(width * s)), max(1, math.ceil(height * s))
