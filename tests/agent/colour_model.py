"""A model that is a function, for the script tests: it finds things by colour in the image it got.

``pages/instant.html`` paints each target in its own colour. The model reads which target
the prompt names, finds that colour in the image it was sent (the framed screenshot, or a
refine pass's enlarged crop) and answers in MiMo-VL's grounding format, pointing at the
colour's centroid in that image's pixels: where a perfect model would point, computed
without our Frame code. For checks it answers whether the banner is green.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image

from mimo_gui.agent.backends.base import CompletionRequest
from mimo_gui.prompts import TextPart
from tests.support.static_server import serve_folder

PAGES = Path(__file__).parent / "pages"

# description keyword -> (colour, the element's CSS rect: left, top, width, height)
TARGETS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int, int]]] = {
    "Sign in": ((220, 30, 30), (100, 100, 160, 60)),
    "Open": ((30, 180, 30), (400, 100, 160, 60)),
    "Menu": ((30, 30, 220), (700, 100, 160, 60)),
    "orange": ((240, 150, 0), (100, 250, 160, 60)),
    "Username": ((240, 240, 0), (400, 250, 250, 50)),
    "purple": ((150, 0, 150), (100, 400, 300, 200)),
}
GREEN = (0, 200, 120)


def centre(name: str) -> tuple[float, float]:
    """The target's centre in CSS pixels."""
    left, top, width, height = TARGETS[name][1]
    return left + width / 2, top + height / 2


def prompt_text(request: CompletionRequest) -> str:
    return "\n".join(p.text for m in request.messages for p in m.content if isinstance(p, TextPart))


def find_colour(
    image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 12
) -> tuple[float, float] | None:
    """The centroid of ``rgb``'s pixels in ``image`` (pixel centres), or None when it is absent."""
    arr = np.asarray(image.convert("RGB")).astype(int)
    mask = np.abs(arr - np.array(rgb)).max(axis=2) <= tolerance
    ys, xs = np.nonzero(mask)
    if len(xs) < 4:
        return None
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5


def target_named(text: str) -> str | None:
    return next((name for name in TARGETS if name in text), None)


def grounding_answer(x: float, y: float) -> str:
    return f'<think>\n</think>\n```json\n[{{"point_2d": [{x:.2f}, {y:.2f}], "label": "target"}}]\n```'


def colour_model(request: CompletionRequest) -> str:
    """Point at the named target's colour, or judge the banner's colour for a check."""
    text = prompt_text(request)
    image = request.images()[-1].image
    if "Decide whether" in text:
        green = find_colour(image, GREEN) is not None
        reason = "the banner is green" if green else "the banner is grey"
        return json.dumps({"passed": green, "reason": reason})
    name = target_named(text)
    if name is None:
        return "I cannot find that."
    found = find_colour(image, TARGETS[name][0])
    if found is None:
        return "I cannot see it on this screen."
    return grounding_answer(*found)


@contextmanager
def serve_pages() -> Iterator[str]:
    """The test pages over HTTP; yields the URL of ``instant.html``."""
    with serve_folder(PAGES) as url:
        yield f"{url}/instant.html"
