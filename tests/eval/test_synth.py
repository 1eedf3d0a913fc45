"""synthesize() against real Chromium and a page served over real HTTP on 127.0.0.1.

Every control the page should yield is painted in a solid colour of its own (its text in the
same colour), so a produced box, cropped from the produced screenshot, must be that colour
wall to wall, and the pixels just outside it must not be.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.env_adapters.browser import find_chromium
from mimo_gui.eval.datasets import load_dataset
from mimo_gui.eval.samples import Sample
from mimo_gui.eval.synth import SAMPLES_FILE, synthesize
from tests.support.static_server import serve_folder

pytestmark = pytest.mark.browser

VIEWPORT = (800, 600)

# name -> the colour it is painted in
EXPECTED = {
    "Alpha": (220, 0, 0),
    "Beta link": (0, 160, 0),
    "Gamma field": (0, 0, 220),
    "Delta": (220, 200, 0),
    "Epsilon": (160, 0, 160),
    "Eta": (0, 170, 170),
    "Theta": (240, 120, 0),
    "Sole": (90, 60, 30),
    "Iota": (100, 100, 255),
    "Kappa": (255, 100, 100),
}

PAGE = (
    """<!doctype html>
<html><head><meta charset="utf-8"><title>Synth</title>
<style>
  body { margin: 0; background: #fff; font: 14px sans-serif; }
  .c { position: absolute; border: none; outline: none; padding: 0; margin: 0; display: block; }
  .c::placeholder { color: transparent; }
  #alpha { left: 20px; top: 20px; width: 100px; height: 40px; background: rgb(220,0,0); color: rgb(220,0,0); }
  #beta { left: 150px; top: 20px; width: 80px; height: 30px; background: rgb(0,160,0); }
  #gamma { left: 260px; top: 20px; width: 140px; height: 28px; background: rgb(0,0,220); }
  #delta { left: 20px; top: 100px; width: 60px; height: 60px; background: rgb(220,200,0); color: rgb(220,200,0); }
  #elabel { position: absolute; left: 120px; top: 100px; }
  #epsilon { left: 200px; top: 100px; width: 90px; height: 24px; background: rgb(160,0,160); }
  #eta { left: 320px; top: 100px; width: 70px; height: 36px; background: rgb(0,170,170); color: rgb(0,170,170); }
  #wrap { position: absolute; left: 420px; top: 100px; text-decoration: none; }
  #theta { position: static; width: 75px; height: 33px; background: rgb(240,120,0); color: rgb(240,120,0); }
  #sole { left: 20px; top: 200px; width: 64px; height: 32px; background: rgb(90,60,30); color: rgb(90,60,30); }
  #iota-label { position: absolute; left: 20px; top: 300px; }
  #iota { left: 100px; top: 300px; width: 50px; height: 30px; background: rgb(100,100,255); }
  #kappa { left: 200px; top: 300px; width: 70px; height: 30px; background: rgb(255,100,100); color: rgb(255,100,100); }
  /* below: every one of these must be skipped */
  #sole-hidden { left: 100px; top: 200px; width: 64px; height: 32px; visibility: hidden; }
  #none { left: 200px; top: 200px; width: 50px; height: 30px; display: none; }
  #clear { left: 260px; top: 200px; width: 50px; height: 30px; opacity: 0; }
  #below { left: 20px; top: 900px; width: 60px; height: 30px; }
  #leftward { left: -80px; top: 300px; width: 60px; height: 30px; }
  #straddle { left: 760px; top: 300px; width: 80px; height: 30px; }
  #covered { left: 20px; top: 400px; width: 80px; height: 30px; }
  #half { left: 200px; top: 400px; width: 120px; height: 30px; }
  #cover1 { position: absolute; left: 10px; top: 390px; width: 100px; height: 50px; background: #fff; }
  #cover2 { position: absolute; left: 290px; top: 390px; width: 60px; height: 50px; background: #fff; }
  #unnamed { left: 400px; top: 400px; width: 40px; height: 30px; background: #888; }
  .twin { top: 480px; width: 60px; height: 30px; }
  #tiny { left: 600px; top: 480px; width: 2px; height: 2px; }
  #off { left: 660px; top: 480px; width: 60px; height: 30px; }
  #long { left: 20px; top: 530px; width: 60px; height: 30px; overflow: hidden; }
</style></head>
<body>
  <button class="c" id="alpha">Alpha</button>
  <a class="c" id="beta" href="#b" aria-label="Beta link"></a>
  <input class="c" id="gamma" placeholder="Gamma field">
  <div class="c" id="delta" role="button">Delta</div>
  <label id="elabel" for="epsilon">Epsilon</label>
  <input class="c" id="epsilon">
  <div class="c" id="eta" onclick="void 0">Eta</div>
  <a id="wrap" href="#t"><button class="c" id="theta">Theta</button></a>
  <button class="c" id="sole">Sole</button>
  <span id="iota-label">Iota</span>
  <div class="c" id="iota" role="button" aria-labelledby="iota-label"></div>
  <input class="c" id="kappa" type="submit" value="Kappa">
  <button class="c" id="sole-hidden">Sole</button>
  <button class="c" id="none">Hidden by display</button>
  <button class="c" id="clear">Transparent</button>
  <button class="c" id="below">Below the fold</button>
  <button class="c" id="leftward">Off to the left</button>
  <button class="c" id="straddle">Straddling</button>
  <button class="c" id="covered">Covered</button>
  <button class="c" id="half">Half covered</button>
  <div id="cover1"></div><div id="cover2"></div>
  <button class="c" id="unnamed"></button>
  <button class="c twin" style="left: 20px">Twin</button>
  <button class="c twin" style="left: 100px">twin</button>
  <button class="c" id="tiny">Tiny</button>
  <button class="c" id="off" disabled>Disabled</button>
  <button class="c" id="long">"""
    + "word " * 30
    + """</button>
  <div style="height: 2000px"></div>
</body></html>
"""
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        find_chromium()
    except ConfigError as exc:
        pytest.skip(f"no Chromium to drive: {exc}")
    root = tmp_path_factory.mktemp("site")
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    # only things the scan must skip: an unnamed button, a hidden one, plain text
    (root / "bare.html").write_text(
        '<!doctype html><body><p>Just words.</p><button style="width:40px;height:30px"></button>'
        '<button style="visibility:hidden">Hidden</button></body>',
        encoding="utf-8",
    )
    (root / "second.html").write_text(
        '<!doctype html><body style="margin:0"><button style="position:absolute;left:50px;top:60px;'
        'width:70px;height:30px;border:none;background:rgb(220,0,0);color:rgb(220,0,0)">Alpha</button></body>',
        encoding="utf-8",
    )
    with serve_folder(root) as url:
        yield url


def _check_boxes(samples: list[Sample], dsf: float) -> None:
    for sample in samples:
        colour = EXPECTED[sample.instruction]
        with Image.open(sample.image) as opened:
            image = opened.convert("RGB")
        assert image.size == (VIEWPORT[0] * dsf, VIEWPORT[1] * dsf)
        box = sample.box
        crop = image.crop((round(box.x1), round(box.y1), round(box.x2), round(box.y2)))
        assert crop.width > 0 and crop.height > 0
        seen = {c for _, c in crop.getcolors(maxcolors=crop.width * crop.height) or []}
        assert all(max(abs(a - b) for a, b in zip(c, colour)) <= 3 for c in seen), (sample.instruction, seen)
        # tight: a pixel just beyond each side is not the element's colour
        cx, cy = int(box.center.x), int(box.center.y)
        for x, y in ((box.x1 - 1, cy), (box.x2, cy), (cx, box.y1 - 1), (cx, box.y2)):
            assert image.getpixel((int(x), int(y))) != colour, (sample.instruction, x, y)


@pytest.mark.parametrize("dsf", [1, 2])
def test_synthesized_boxes_cover_exactly_their_elements(site: str, tmp_path: Path, dsf: int) -> None:
    out = tmp_path / "set"
    path = synthesize(
        [f"{site}/page.html", f"{site}/second.html"], out, viewport=VIEWPORT, device_scale_factor=dsf
    )
    assert path == out / SAMPLES_FILE
    assert sorted(p.name for p in out.iterdir()) == ["page_001.png", "page_002.png", "samples.jsonl"]
    samples = load_dataset("jsonl", path)
    first = [s for s in samples if s.image.name == "page_001.png"]
    # hidden, off-screen, straddling, covered, half covered, unnamed, duplicate (case-insensitive),
    # tiny, disabled and over-long ones are gone; a hidden namesake does not make "Sole" ambiguous;
    # the link wrapping "Theta" gives way to the button inside it
    assert sorted(s.instruction for s in first) == sorted(EXPECTED)
    assert [s.id for s in first] == [f"page_001:{i}" for i in range(len(first))]
    kinds = {s.instruction: s.tags["kind"] for s in first}
    assert kinds["Alpha"] == "button"
    assert kinds["Beta link"] == "a"
    assert kinds["Gamma field"] == "input:text"
    assert kinds["Delta"] == "button"  # the role
    assert kinds["Theta"] == "button"
    assert kinds["Kappa"] == "input:submit"
    assert all(s.tags["url"] == f"{site}/page.html" for s in first)
    _check_boxes(samples, dsf)
    alpha = next(s for s in first if s.instruction == "Alpha")
    assert (alpha.box.x1, alpha.box.y1, alpha.box.x2, alpha.box.y2) == (
        20 * dsf,
        20 * dsf,
        120 * dsf,
        60 * dsf,
    )
    # the same name on another page is no duplicate
    second = [s for s in samples if s.image.name == "page_002.png"]
    assert [(s.instruction, s.box.x1, s.box.y1, s.box.x2, s.box.y2) for s in second] == [
        ("Alpha", 50 * dsf, 60 * dsf, 120 * dsf, 90 * dsf)
    ]
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert set(line) == {"id", "image", "instruction", "box", "tags"}


def test_synthesize_refuses_a_used_folder_and_bad_pages(site: str, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="is not empty"):
        synthesize([f"{site}/page.html"], used)
    assert sorted(p.name for p in used.iterdir()) == ["keep.txt"]
    with pytest.raises(ConfigError, match="at least one URL"):
        synthesize([], tmp_path / "none")
    # a page that fails takes the pages written before it with it: no half set is left behind
    with pytest.raises(ConfigError, match=r"missing\.html answered HTTP 404"):
        synthesize([f"{site}/second.html", f"{site}/missing.html"], tmp_path / "new", viewport=VIEWPORT)
    assert not (tmp_path / "new").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"cannot open http://127\.0\.0\.1:1/"):
        synthesize([f"{site}/second.html", "http://127.0.0.1:1/"], empty, viewport=VIEWPORT)
    assert empty.is_dir() and not any(empty.iterdir())


def test_a_page_with_no_usable_element_is_an_error_not_an_empty_set(site: str, tmp_path: Path) -> None:
    """Before, such a page gave a set of 0 samples and exit 0; now nothing is written."""
    with pytest.raises(ConfigError, match=r"bare\.html has no usable elements"):
        synthesize([f"{site}/second.html", f"{site}/bare.html"], tmp_path / "set", viewport=VIEWPORT)
    assert not (tmp_path / "set").exists()
