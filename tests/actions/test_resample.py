"""The resizes `Frame.apply` uses, against Pillow's own ``resize(size, BICUBIC)``, byte for byte."""

from __future__ import annotations

import random

import numpy as np
import PIL
import pytest
from PIL import Image

from mimo_gui.actions.resample import IncrementalResize, _across_first, resize_bicubic


def noise(width: int, height: int, seed: int, mode: str = "RGB") -> Image.Image:
    """Random pixels: any output pixel computed from the wrong input shows."""
    rng = np.random.default_rng(seed)
    shape = (height, width, len(mode)) if mode != "L" else (height, width)
    return Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode=mode if mode != "L" else None)


def pillows(image: Image.Image, size: tuple[int, int]) -> bytes:
    return image.resize(size, Image.Resampling.BICUBIC).tobytes()


@pytest.mark.parametrize(
    ("size", "target"),
    [((2560, 1600), (2240, 1400)), ((1280, 800), (1288, 812)), ((3840, 2160), (2380, 1344)),
     ((1001, 701), (979, 673)), ((700, 1000), (728, 1008)), ((2000, 300), (1988, 308)),
     # Pillow 13 runs these down first: the height shrinks over twice as much as the width
     ((1440, 3200), (1176, 2632)), ((1200, 2000), (1190, 900)), ((2525, 2398), (2451, 1791))],
)  # fmt: skip
def test_resize_bicubic_is_pillows_resize_bit_for_bit(size, target) -> None:
    image = noise(*size, seed=sum(size))
    ours = resize_bicubic(image, target)
    assert ours.size == target
    assert ours.tobytes() == pillows(image, target)


def test_resize_bicubic_matches_pillow_over_random_sizes_in_both_pass_orders() -> None:
    big = noise(1500, 1500, seed=7)
    pick = random.Random(7)
    orders = set()
    for _ in range(30):
        source = (pick.randint(720, 1500), pick.randint(720, 1500))
        target = (pick.randint(200, 1500), pick.randint(200, 1500))
        image = big.crop((0, 0, *source))
        orders.add(_across_first(source, target))
        assert resize_bicubic(image, target).tobytes() == pillows(image, target), (source, target)
    assert len(orders) == (2 if int(PIL.__version__.split(".")[0]) >= 13 else 1)


class CountingResize(IncrementalResize):
    """Counts how often it starts afresh, so the tests know the partial path ran."""

    def __init__(self) -> None:
        super().__init__()
        self.fresh = 0

    def _afresh(self, image: Image.Image, size: tuple[int, int]) -> Image.Image:
        self.fresh += 1
        return super()._afresh(image, size)


def changed(image: Image.Image, box: tuple[int, int, int, int], seed: int) -> Image.Image:
    """A copy of ``image`` with new random pixels inside ``box``."""
    out = image.copy()
    out.paste(noise(box[2] - box[0], box[3] - box[1], seed, image.mode), box[:2])
    return out


# across first, down first (Pillow 13), an upscale and a mixed up-and-down scale
SIZES = [
    ((1280, 800), (1120, 700)),
    ((720, 1600), (616, 756)),
    ((640, 400), (672, 420)),
    ((900, 500), (812, 532)),
]


@pytest.mark.parametrize(("size", "target"), SIZES)
def test_incremental_resize_is_pillows_after_each_local_change(size, target) -> None:
    w, h = size
    resize = CountingResize()
    image = noise(w, h, seed=1)
    assert resize(image, target).tobytes() == pillows(image, target)
    regions = [
        (w // 3, h // 3, w // 3 + 40, h // 3 + 12),  # a typed word
        (0, 0, 1, 1),  # corners and edges: windows clipped by the border
        (w - 1, h - 1, w, h),
        (0, h // 2, 5, h // 2 + 3),
        (w - 7, 0, w, 9),
        (w // 5, h // 5, w // 5 + 1, h // 5 + 1),  # one pixel
    ]
    for seed, region in enumerate(regions, start=2):
        image = changed(image, region, seed)
        assert resize(image, target).tobytes() == pillows(image, target), region
    assert resize.fresh == 1  # every change above was redone in part, not afresh
    # A full row or column: in part or afresh, whichever is less work; Pillow's pixels either way.
    for seed, region in enumerate([(w // 2, 0, w // 2 + 1, h), (0, h // 2, w, h // 2 + 1)], start=20):
        image = changed(image, region, seed)
        assert resize(image, target).tobytes() == pillows(image, target), region


def test_incremental_resize_matches_pillow_over_random_changes() -> None:
    pick = random.Random(11)
    for case in range(12):
        size = (pick.randint(300, 900), pick.randint(300, 900))
        target = (pick.randint(150, 1000), pick.randint(150, 1000))
        if size[0] == target[0] or size[1] == target[1]:
            continue
        resize = IncrementalResize()
        image = noise(*size, seed=case)
        resize(image, target)
        for step in range(5):
            x0, y0 = pick.randrange(size[0]), pick.randrange(size[1])
            box = (
                x0,
                y0,
                pick.randint(x0 + 1, min(size[0], x0 + 120)),
                pick.randint(y0 + 1, min(size[1], y0 + 60)),
            )
            image = changed(image, box, seed=100 * case + step)
            assert resize(image, target).tobytes() == pillows(image, target), (size, target, box)


def test_incremental_resize_returns_the_same_image_when_nothing_changed() -> None:
    resize = CountingResize()
    first = resize(noise(800, 600, seed=3), (700, 532))
    assert resize(noise(800, 600, seed=3), (700, 532)) is first
    assert resize.fresh == 1


def test_incremental_resize_never_writes_to_an_image_it_handed_out() -> None:
    resize = IncrementalResize()
    image = noise(800, 600, seed=4)
    first = resize(image, (700, 532))
    before = first.tobytes()
    second = resize(changed(image, (100, 100, 300, 200), seed=5), (700, 532))
    assert second is not first and second.tobytes() != before
    assert first.tobytes() == before


def test_incremental_resize_keeps_its_own_copy_of_the_last_image() -> None:
    """A caller that captures into the same buffer each time (a desktop grabber might)
    still gets the new screen, not the cached old one."""
    resize = IncrementalResize()
    buffer = noise(800, 600, seed=6)
    resize(buffer, (700, 532))
    buffer.paste(noise(50, 20, seed=7), (400, 300))
    assert resize(buffer, (700, 532)).tobytes() == pillows(buffer, (700, 532))


def test_incremental_resize_starts_afresh_for_a_new_size_or_a_change_everywhere() -> None:
    resize = CountingResize()
    image = noise(800, 600, seed=8)
    resize(image, (700, 532))
    assert resize(image, (644, 476)).tobytes() == pillows(image, (644, 476))
    other = noise(640, 480, seed=9)
    assert resize(other, (644, 476)).tobytes() == pillows(other, (644, 476))
    everywhere = changed(other, (0, 0, 640, 480), seed=10)
    assert resize(everywhere, (644, 476)).tobytes() == pillows(everywhere, (644, 476))
    assert resize.fresh == 4


@pytest.mark.parametrize(("mode", "target"), [("RGBA", (700, 532)), ("L", (700, 532)), ("RGB", (800, 532))])
def test_incremental_resize_in_other_modes_and_along_one_axis(mode, target) -> None:
    resize = IncrementalResize()
    image = noise(800, 600, seed=12, mode=mode)
    assert resize(image, target).tobytes() == pillows(image, target)
    image = changed(image, (10, 10, 60, 30), seed=13)
    assert resize(image, target).tobytes() == pillows(image, target)
