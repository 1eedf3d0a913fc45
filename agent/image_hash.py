"""A perceptual hash of a screenshot, so a cassette matches an unchanged screen without storing it.

The hash is a 4096-bit *difference hash*: the image in greyscale, shrunk (box filter) to
65x64, one bit per horizontally adjacent pair (is the left pixel brighter?). Measured on
Chromium captures of an 800x500 form (tests/agent/test_cassette.py): two captures of the
same screen differ in 0 bits, one typed character in 2, a filled name field in 28. The
usual 64-bit and 256-bit hashes are too coarse for screens: the filled field moved 0 and 3
bits of them. Distances are Hamming distances between the 1024-digit hex strings;
`DEFAULT_THRESHOLD` (8) is what a cassette accepts: a caret or a character is the same
screen, a filled field is not.
"""

from __future__ import annotations

from PIL import Image

__all__ = ["DEFAULT_THRESHOLD", "HASH_BITS", "difference_hash", "hash_distance"]

_W, _H = 65, 64
HASH_BITS = (_W - 1) * _H
DEFAULT_THRESHOLD = 8
"""Most differing bits (of 4096) for two screenshots to count as the same screen."""


def difference_hash(image: Image.Image) -> str:
    """The image's 4096-bit difference hash as 1024 hex digits."""
    small = image.convert("L").resize((_W, _H), Image.Resampling.BOX)
    px = small.tobytes()
    bits = 0
    for y in range(_H):
        row = px[y * _W : (y + 1) * _W]
        for x in range(_W - 1):
            bits = (bits << 1) | (1 if row[x] > row[x + 1] else 0)
    return f"{bits:0{HASH_BITS // 4}x}"


def hash_distance(a: str, b: str) -> int:
    """Bits that differ between two hashes (`HASH_BITS` when their lengths differ)."""
    if len(a) != len(b):
        return HASH_BITS
    return (int(a, 16) ^ int(b, 16)).bit_count()
