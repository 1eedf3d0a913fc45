"""Pillow's bicubic resize, bit for bit, made cheaper for the two ways mimo-gui resizes.

* `resize_bicubic`: one image (a grounding sample), its two passes split over two cores.
* `IncrementalResize`: the screenshots of one run, step after step. Most steps change a
  small part of the screen (a focused field, a typed word, a ticked box); after the first
  screenshot only the output pixels the changed region can reach are recomputed.

Both give exactly ``image.resize(size, Image.Resampling.BICUBIC)``, because of how Pillow
resamples: two passes, one across and one down, rounding to 8 bits between them. Each
output pixel of the across pass depends only on its own row, and each of the down pass
only on its own column. So a pass may run on any band cut along the axis it leaves alone,
and a changed region reaches only the rows (or columns) it lies in, plus a few on either
side along the axis resampled. Tests compare both with Pillow's own over many sizes and
changes.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import PIL
from PIL import Image, ImageChops

__all__ = ["IncrementalResize", "Resize", "resize_bicubic"]

Resize = Callable[[Image.Image, tuple[int, int]], Image.Image]
"""What `Frame.apply` resizes with: ``image.resize(size, BICUBIC)`` or something equal to it."""

_SPLIT_MIN_PIXELS = 500_000
_PILLOW_PICKS_ORDER = int(PIL.__version__.split(".")[0]) >= 13
_BICUBIC_SUPPORT = 2.0


def resize_bicubic(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image.resize(size, BICUBIC)``, bit for bit, on two cores where there are two.

    The first pass runs on two bands cut along the axis it leaves alone, the second on two
    bands cut along the other, in threads (Pillow releases the GIL while it resamples):
    the same arithmetic on the same pixels, about 1.6 times as fast for a screenshot. The
    passes run in the order Pillow itself picks, which changed in Pillow 13.
    """
    width, height = size
    if image.width * image.height < _SPLIT_MIN_PIXELS or (os.cpu_count() or 1) < 2 or height < 2 or width < 2:
        return image.resize(size, Image.Resampling.BICUBIC)
    if _across_first(image.size, size):
        return _down_in_columns(_across_in_rows(image, width), height)
    return _across_in_rows(_down_in_columns(image, height), width)


@dataclass
class _Cache:
    """What `IncrementalResize` keeps of the last image: all three private but ``output``,
    which was handed out and so is never written to again."""

    source: Image.Image
    middle: Image.Image
    output: Image.Image
    across_first: bool

    def fits(self, image: Image.Image, size: tuple[int, int]) -> bool:
        return (self.source.size, self.source.mode, self.output.size) == (image.size, image.mode, size)


class IncrementalResize:
    """`resize_bicubic` for a run of screenshots of one screen, reusing the last result.

    Each call compares the image with the previous one (a few milliseconds for a 2560×1600
    screenshot). Unchanged, the previous result is returned as it is; changed within a
    region, only the output rows and columns that region reaches are recomputed, on a
    copy of the previous result; changed nearly everywhere, or a new size, it resizes
    afresh. The result is the same as Pillow's, whatever changed.

    Results are shared, not copied: do not draw on them. It keeps a copy of the last image
    (so a caller reusing its buffer does no harm) and the intermediate pass: close to three
    times the screenshot's size in all. One instance per run: it is not thread-safe.
    """

    def __init__(self) -> None:
        self._cache: _Cache | None = None

    def __call__(self, image: Image.Image, size: tuple[int, int]) -> Image.Image:
        if image.mode not in ("RGB", "L") or min(*size, *image.size) < 2 or _one_axis(image.size, size):
            # Other modes diff differently (getbbox of RGBA looks at alpha alone), and a
            # resize along one axis has no intermediate to keep: not worth a cache.
            self._cache = None
            return resize_bicubic(image, size)
        cache = self._cache
        if cache is None or not cache.fits(image, size):
            return self._afresh(image, size)
        if _changed_nearly_everywhere(cache.source, image):
            return self._afresh(image, size)  # spare the full comparison: it would say so too
        changed = ImageChops.difference(cache.source, image).getbbox()
        if changed is None:
            return cache.output
        return self._update(cache, image, changed)

    def _afresh(self, image: Image.Image, size: tuple[int, int]) -> Image.Image:
        width, height = size
        across_first = _across_first(image.size, size)
        middle_size = (width, image.height) if across_first else (image.width, height)
        old = self._cache
        # Write into the last call's private images where they fit: filling fresh memory
        # for a screenshot took about 5 ms more than reusing it (page faults, likely).
        if old is not None and old.fits(image, size):
            source, middle = old.source, old.middle
        else:
            source, middle = Image.new(image.mode, image.size), Image.new(image.mode, middle_size)
        source.paste(image)
        if across_first:
            _across_in_rows(image, width, into=middle)
            output = _down_in_columns(middle, height)
        else:
            _down_in_columns(image, height, into=middle)
            output = _across_in_rows(middle, width)
        self._cache = _Cache(source, middle, output, across_first)
        return output

    def _update(self, cache: _Cache, image: Image.Image, changed: tuple[int, int, int, int]) -> Image.Image:
        x0, y0, x1, y1 = changed
        (src_w, src_h), (mid_w, mid_h) = cache.source.size, cache.middle.size
        out_w, out_h = cache.output.size
        if cache.across_first:
            # Across the changed rows, then down the middle columns those changes reach.
            c0, c1 = _reach(x0, x1, src_w, mid_w)
            if (y1 - y0) / src_h + (c1 - c0) / mid_w > 1:
                return self._afresh(image, (out_w, out_h))  # most of the work anyway: use both cores
            rows = image.crop((0, y0, src_w, y1)).resize((mid_w, y1 - y0), Image.Resampling.BICUBIC)
            cache.middle.paste(rows, (0, y0))
            part = cache.middle.crop((c0, 0, c1, mid_h)).resize((c1 - c0, out_h), Image.Resampling.BICUBIC)
            at = (c0, 0)
        else:
            # Down the changed columns, then across the middle rows those changes reach.
            r0, r1 = _reach(y0, y1, src_h, mid_h)
            if (x1 - x0) / src_w + (r1 - r0) / mid_h > 1:
                return self._afresh(image, (out_w, out_h))
            columns = image.crop((x0, 0, x1, src_h)).resize((x1 - x0, mid_h), Image.Resampling.BICUBIC)
            cache.middle.paste(columns, (x0, 0))
            part = cache.middle.crop((0, r0, mid_w, r1)).resize((out_w, r1 - r0), Image.Resampling.BICUBIC)
            at = (0, r0)
        output = cache.output.copy()
        output.paste(part, at)
        cache.source.paste(image.crop(changed), changed[:2])
        cache.output = output
        return output


def _changed_nearly_everywhere(old: Image.Image, new: Image.Image) -> bool:
    """A cheap look at a few rows and columns: whether the changed region is surely too big
    to redo in part (its height and width fractions add up to over 1, the bound `_update`
    uses), as after a navigation or a repaint."""
    width, height = old.size

    def span(boxes: list[tuple[int, int, int, int]], size: int, at: int) -> float:
        hits = [box[at] for box in boxes if old.crop(box).tobytes() != new.crop(box).tobytes()]
        return (max(hits) - min(hits)) / size if hits else 0.0

    ys = (height // 8, height // 2, height - 1 - height // 8)
    xs = (width // 8, width // 2, width - 1 - width // 8)
    rows = span([(0, y, width, y + 1) for y in ys], height, 1)
    columns = span([(x, 0, x + 1, height) for x in xs], width, 0)
    return rows + columns > 1


def _one_axis(source: tuple[int, int], size: tuple[int, int]) -> bool:
    return source[0] == size[0] or source[1] == size[1]


def _reach(lo: int, hi: int, size_in: int, size_out: int) -> tuple[int, int]:
    """The output indices of one pass (``size_in`` to ``size_out`` along its axis) whose
    input window may hold any of the input indices ``lo..hi-1``.

    Pillow's window for output ``o`` is centred on ``(o + 0.5) * scale`` and reaches
    ``support`` input pixels either side, rounded; one more output index on each side
    than that covers the rounding. Too wide a range costs time, never pixels: the
    outputs it recomputes come out as they were.
    """
    scale = size_in / size_out
    support = _BICUBIC_SUPPORT * max(scale, 1.0)
    first = math.floor((lo - support - 1) / scale) - 1
    last = math.ceil((hi + support + 1) / scale) + 1
    return max(0, first), min(size_out, last)


def _across_first(source: tuple[int, int], size: tuple[int, int]) -> bool:
    """Whether Pillow's resize runs its across pass first (always, before Pillow 13)."""
    if _PILLOW_PICKS_ORDER:
        shrink_x, shrink_y = source[0] - size[0], source[1] - size[1]
        # Pillow 13's Resample.c: down first when the height shrinks by over twice as many
        # pixels as the width does.
        return not (shrink_y > 0 and shrink_y > 2 * shrink_x)
    return True


def _across_in_rows(image: Image.Image, width: int, into: Image.Image | None = None) -> Image.Image:
    """The across pass alone, as two bands of rows (written into ``into`` if given)."""
    if width == image.width:
        return image if into is None else _pasted(image, into)
    out = into if into is not None else Image.new(image.mode, (width, image.height))

    def band(rows: tuple[int, int]) -> None:
        y0, y1 = rows
        part = image.crop((0, y0, image.width, y1)).resize((width, y1 - y0), Image.Resampling.BICUBIC)
        out.paste(part, (0, y0))

    _in_both_threads(band, [(0, image.height // 2), (image.height // 2, image.height)])
    return out


def _down_in_columns(image: Image.Image, height: int, into: Image.Image | None = None) -> Image.Image:
    """The down pass alone, as two bands of columns (written into ``into`` if given)."""
    if height == image.height:
        return image if into is None else _pasted(image, into)
    out = into if into is not None else Image.new(image.mode, (image.width, height))

    def band(columns: tuple[int, int]) -> None:
        x0, x1 = columns
        part = image.crop((x0, 0, x1, image.height)).resize((x1 - x0, height), Image.Resampling.BICUBIC)
        out.paste(part, (x0, 0))

    _in_both_threads(band, [(0, image.width // 2), (image.width // 2, image.width)])
    return out


def _in_both_threads(work: Callable[[tuple[int, int]], None], bands: list[tuple[int, int]]) -> None:
    # Each thread also pastes its own band (disjoint memory): no sequential copy after.
    for done in [_shared_pool().submit(work, band) for band in bands]:
        done.result()


def _pasted(image: Image.Image, into: Image.Image) -> Image.Image:
    into.paste(image)
    return into


@functools.cache
def _shared_pool() -> ThreadPoolExecutor:
    # Two workers whoever calls: many callers at once (a concurrent eval) queue here rather
    # than oversubscribe the cores; the workers never submit to it, so nothing can deadlock.
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="mimo-gui-resize")
