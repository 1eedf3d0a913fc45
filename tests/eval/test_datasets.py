"""The dataset loaders on the published layouts, built in tmp folders with PIL-drawn screenshots."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from mimo_gui.actions import ConfigError
from mimo_gui.eval.datasets import (
    FORMATS,
    annotation_files,
    dataset_fingerprint,
    load_dataset,
)
from mimo_gui.eval.samples import Sample

from .make_datasets import (
    draw_screen,
    make_jsonl,
    make_screenspot,
    make_screenspot_pro,
    pro_record,
    screenspot_record,
    write_json,
)


def corners(sample: Sample) -> tuple[float, float, float, float]:
    return (sample.box.x1, sample.box.y1, sample.box.x2, sample.box.y2)


def painted_at_centre(sample: Sample) -> bool:
    """Whether the box's centre lands on a painted target rather than the grey screen."""
    with Image.open(sample.image) as image:
        centre = sample.box.center
        return image.convert("RGB").getpixel((int(centre.x), int(centre.y))) != (200, 200, 200)


# -- ScreenSpot ----------------------------------------------------------------------------


def _screenspot(root: Path, version: str = "v1", *, images_in_parent: bool = False) -> Path:
    return make_screenspot(
        root,
        {
            "mobile": [
                # [x, y, w, h] whose w < x: read as corners it would be an inverted box.
                screenspot_record("mobile_1.png", [150, 40, 60, 30], "open settings", "icon", "ios"),
                screenspot_record("mobile_2.png", [20, 30, 100, 50], "search bar", "text", "android"),
            ],
            "desktop": [screenspot_record("pc_1.png", [5, 5, 40, 20], "close window", "icon", "macos")],
            "web": [screenspot_record("web_1.png", [100, 100, 80, 40], "sign in", "text", "shop")],
        },
        version=version,
        images_in_parent=images_in_parent,
    )


def test_screenspot_v1_folder_reads_every_split_in_order_with_tags_and_ids(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "ss")
    samples = load_dataset("screenspot", root)
    assert [s.id for s in samples] == [
        "screenspot_mobile:0",
        "screenspot_mobile:1",
        "screenspot_desktop:0",
        "screenspot_web:0",
    ]
    first = samples[0]
    assert first.instruction == "open settings"
    assert first.tags == {"split": "mobile", "data_type": "icon", "data_source": "ios"}
    assert first.image == (root / "screenspot_imgs" / "mobile_1.png").absolute()
    assert first.instruction_cn is None
    assert [s.tags["split"] for s in samples] == ["mobile", "mobile", "desktop", "web"]


def test_screenspot_box_is_x_y_width_height(tmp_path: Path) -> None:
    samples = load_dataset("screenspot", _screenspot(tmp_path / "ss"))
    assert corners(samples[0]) == (150, 40, 210, 70)
    assert corners(samples[1]) == (20, 30, 120, 80)
    assert all(painted_at_centre(s) for s in samples)


def test_screenspot_v2_files_and_image_folder(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "v2", "v2")
    assert (root / "screenspot_web_v2.json").is_file()
    samples = load_dataset("screenspot", root)
    assert samples[0].id == "screenspot_mobile_v2:0"
    assert samples[0].image.parent == (root / "screenspotv2_image").absolute()
    assert corners(samples[0]) == (150, 40, 210, 70)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_screenspot_finds_the_image_folder_in_the_parent(tmp_path: Path, version: str) -> None:
    root = _screenspot(tmp_path / "data" / "annotations", version, images_in_parent=True)
    name = "screenspot_imgs" if version == "v1" else "screenspotv2_image"
    samples = load_dataset("screenspot", root)
    assert samples[0].image.parent == (tmp_path / "data" / name).absolute()


def test_screenspot_one_file_and_an_explicit_image_folder(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "ss")
    moved = shutil.move(root / "screenspot_imgs", tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match=r"no ScreenSpot image folder found .*--images"):
        load_dataset("screenspot", root)
    samples = load_dataset("screenspot", root / "screenspot_web.json", images=Path(moved))
    assert [s.id for s in samples] == ["screenspot_web:0"]
    assert samples[0].tags["split"] == "web"
    assert samples[0].image.parent == Path(moved).absolute()
    assert (
        load_dataset("screenspot", root / "screenspot_web.json", images=Path(moved), splits=["mobile"]) == []
    )


def test_screenspot_splits_and_limit(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "ss")
    picked = load_dataset("screenspot", root, splits=["web", "mobile"])
    # ScreenSpot's own order, not the order asked in
    assert [s.tags["split"] for s in picked] == ["mobile", "mobile", "web"]
    assert [s.id for s in load_dataset("screenspot", root, limit=3)] == [
        "screenspot_mobile:0",
        "screenspot_mobile:1",
        "screenspot_desktop:0",
    ]
    assert [s.id for s in load_dataset("screenspot", root, splits=["desktop"], limit=5)] == [
        "screenspot_desktop:0"
    ]
    assert load_dataset("screenspot", root, limit=0) == []
    with pytest.raises(ConfigError, match=r"unknown ScreenSpot split.*tablet.*expected mobile, desktop, web"):
        load_dataset("screenspot", root, splits=["tablet"])


def test_screenspot_refuses_a_folder_with_both_versions_or_none(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "ss")
    _screenspot(root, "v2")
    with pytest.raises(ConfigError, match="both ScreenSpot v1 and v2"):
        load_dataset("screenspot", root)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="holds no ScreenSpot annotations"):
        load_dataset("screenspot", tmp_path / "empty")
    with pytest.raises(ConfigError, match="not a ScreenSpot annotation file"):
        load_dataset("screenspot", write_json(tmp_path / "other.json", []))


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"img_filename": "mobile_1.png", "instruction": "x"}, "missing field 'bbox'"),
        ({"bbox": [1, 2, 3, 4], "instruction": "x"}, "missing field 'img_filename'"),
        (
            screenspot_record("mobile_1.png", [1, 2, 3], "x"),
            r"box must be 4 numbers \[x, y, width, height\], got 3",
        ),
        (
            screenspot_record("mobile_1.png", [10, 10, -5, 4], "x"),
            r"box \[x, y, width, height\] \[10.0, 10.0, -5.0, 4.0\] has a negative width or height",
        ),
        (
            screenspot_record("mobile_1.png", ["1", 2, 3, 4], "x"),
            "field 'bbox.0': Input should be a valid number",
        ),
        (screenspot_record("absent.png", [1, 2, 3, 4], "x"), r"image .*absent\.png does not exist"),
        (screenspot_record("mobile_1.png", [1, 2, 3, 4], "  "), "the instruction is empty"),
        (["not", "an", "object"], "expected a JSON object, got list"),
    ],
)
def test_screenspot_bad_records_name_file_and_index(tmp_path: Path, record: object, message: str) -> None:
    root = _screenspot(tmp_path / "ss")
    path = root / "screenspot_mobile.json"
    records = json.loads(path.read_text())
    write_json(path, [records[0], record])
    with pytest.raises(ConfigError, match=rf"screenspot_mobile\.json: record 1: {message}") as caught:
        load_dataset("screenspot", root)
    assert "\n" not in str(caught.value)


# -- ScreenSpot-Pro ------------------------------------------------------------------------


def _pro(root: Path) -> Path:
    return make_screenspot_pro(
        root,
        {
            "vscode_macos": [
                # corners whose x2 < x1 + x2: read as [x, y, w, h] the box would double in size
                pro_record(
                    "vscode_macos/shot_1.png", [100, 50, 120, 60], "run button", id="vscode_0", ui_type="icon"
                ),
                pro_record("vscode_macos/shot_1.png", [10, 10, 90, 30], "explorer tab", ui_type="text"),
            ],
            "photoshop_windows": [
                pro_record(
                    "photoshop_windows/a.png", [200, 100, 260, 140], "brush", id="ps_0", app="photoshop"
                ),
            ],
        },
    )


def test_screenspot_pro_reads_annotations_beside_images(tmp_path: Path) -> None:
    root = _pro(tmp_path / "pro")
    samples = load_dataset("screenspot-pro", root)
    # annotation files in name order
    assert [s.id for s in samples] == ["ps_0", "vscode_0", "vscode_macos:1"]
    run = samples[1]
    assert run.instruction == "run button"
    assert run.instruction_cn == "中文 run button"
    assert run.image == (root / "images" / "vscode_macos" / "shot_1.png").absolute()
    assert run.tags == {
        "split": "vscode_macos",
        "ui_type": "icon",
        "group": "Dev",
        "platform": "macos",
        "application": "vscode",
    }


def test_screenspot_pro_box_is_corners(tmp_path: Path) -> None:
    samples = load_dataset("screenspot-pro", _pro(tmp_path / "pro"))
    assert corners(samples[1]) == (100, 50, 120, 60)
    assert corners(samples[0]) == (200, 100, 260, 140)
    assert all(painted_at_centre(s) for s in samples)


def test_screenspot_pro_annotations_folder_file_splits_limit(tmp_path: Path) -> None:
    root = _pro(tmp_path / "pro")
    from_folder = load_dataset("screenspot-pro", root / "annotations", splits=["vscode_macos"])
    assert [s.id for s in from_folder] == ["vscode_0", "vscode_macos:1"]
    from_file = load_dataset("screenspot-pro", root / "annotations" / "photoshop_windows.json")
    assert [s.id for s in from_file] == ["ps_0"]
    assert [s.id for s in load_dataset("screenspot-pro", root, limit=2)] == ["ps_0", "vscode_0"]
    with pytest.raises(
        ConfigError, match=r"unknown ScreenSpot-Pro split.*gimp.*has photoshop_windows, vscode_macos"
    ):
        load_dataset("screenspot-pro", root, splits=["gimp"])


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ([120, 50, 100, 60], r"box \[x1, y1, x2, y2\] .* has x2 < x1 or y2 < y1"),
        ([100, 60, 120, 50], r"box .* has x2 < x1 or y2 < y1"),
        ([1, 2, 3, 4, 5], "box must be 4 numbers"),
    ],
)
def test_screenspot_pro_bad_box(tmp_path: Path, bbox: list[int], message: str) -> None:
    root = _pro(tmp_path / "pro")
    path = root / "annotations" / "vscode_macos.json"
    records = json.loads(path.read_text())
    records[1]["bbox"] = bbox
    write_json(path, records)
    with pytest.raises(ConfigError, match=rf"vscode_macos\.json: record 1: {message}"):
        load_dataset("screenspot-pro", root)


def test_screenspot_pro_missing_images_folder_and_duplicate_ids(tmp_path: Path) -> None:
    root = _pro(tmp_path / "pro")
    path = root / "annotations" / "vscode_macos.json"
    records = json.loads(path.read_text())
    records[1]["id"] = "vscode_0"
    write_json(path, records)
    with pytest.raises(
        ConfigError, match=r"vscode_macos\.json: record 1: id 'vscode_0' was already used by .*record 0"
    ):
        load_dataset("screenspot-pro", root)
    shutil.rmtree(root / "images")
    with pytest.raises(ConfigError, match=r"image folder .*images does not exist"):
        load_dataset("screenspot-pro", root)


# -- jsonl ---------------------------------------------------------------------------------


def test_jsonl_reads_relative_and_absolute_images_ids_and_tags(tmp_path: Path) -> None:
    draw_screen(tmp_path / "set" / "shots" / "a.png", [(10, 20, 50, 40)])
    absolute = draw_screen(tmp_path / "elsewhere" / "b.png", [(100, 100, 140, 160)])
    path = make_jsonl(
        tmp_path / "set" / "mine.jsonl",
        [
            {"image": "shots/a.png", "instruction": "OK", "box": [10, 20, 50, 40], "tags": {"split": "web"}},
            "",
            {
                "image": str(absolute),
                "instruction": "Cancel",
                "box": [100, 100, 140, 160],
                "id": 7,
                "instruction_cn": "取消",
            },
        ],
    )
    samples = load_dataset("jsonl", path)
    assert [s.id for s in samples] == ["mine:0", "7"]
    assert samples[0].image == (tmp_path / "set" / "shots" / "a.png").absolute()
    assert samples[1].image == absolute.absolute()
    assert samples[0].tags == {"split": "web"}
    assert samples[1].tags == {}
    assert samples[1].instruction_cn == "取消"
    assert corners(samples[0]) == (10, 20, 50, 40)  # corners, not [x, y, w, h]
    assert all(painted_at_centre(s) for s in samples)
    # a folder holding one jsonl file is read the same; splits filter on the split tag
    assert load_dataset("jsonl", tmp_path / "set") == samples
    assert [s.id for s in load_dataset("jsonl", path, splits=["web"])] == ["mine:0"]
    assert [s.id for s in load_dataset("jsonl", path, limit=1)] == ["mine:0"]


def test_records_past_the_limit_are_not_read(tmp_path: Path) -> None:
    draw_screen(tmp_path / "a.png")
    good = {"image": "a.png", "instruction": "OK", "box": [0, 0, 5, 5]}
    path = make_jsonl(tmp_path / "set.jsonl", [good, {"image": "missing.png"}])
    assert [s.id for s in load_dataset("jsonl", path, limit=1)] == ["set:0"]
    with pytest.raises(ConfigError, match=r"record 1"):
        load_dataset("jsonl", path, limit=2)


def test_jsonl_images_folder_overrides_the_base(tmp_path: Path) -> None:
    draw_screen(tmp_path / "pics" / "a.png")
    path = make_jsonl(tmp_path / "set.jsonl", [{"image": "a.png", "instruction": "x", "box": [0, 0, 5, 5]}])
    with pytest.raises(ConfigError, match=r"set\.jsonl: record 0 \(line 1\): image .*a\.png does not exist"):
        load_dataset("jsonl", path)
    assert (
        load_dataset("jsonl", path, images=tmp_path / "pics")[0].image
        == (tmp_path / "pics" / "a.png").absolute()
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"image": "a.png", "instruction": "x", "bbox": [0, 0, 5, 5]}',
            r"record 1 \(line 3\): missing field 'box'",
        ),
        (
            '{"image": "a.png", "instruction": "x", "box": [0, 0, 5, 5], "bbox": 1}',
            r"record 1 \(line 3\): unknown field 'bbox'",
        ),
        (
            '{"image": "a.png", "instruction": "x", "box": [9, 0, 5, 5]}',
            r"record 1 \(line 3\): box .* has x2 < x1",
        ),
        (
            '{"image": "a.png", "instruction": "x", "box": [0, 0, 5]}',
            r"record 1 \(line 3\): box must be 4 numbers",
        ),
        (
            '{"image": "a.png", "instruction": "x", "box": [0, 0, 5, 5], "tags": {"n": 3}}',
            r"record 1 \(line 3\): field 'tags.n'",
        ),
        (
            '{"image": "a.png", "instruction": "x", "box": [0, 0, 5, 5], "id": "mine:0"}',
            r"record 1 \(line 3\): id 'mine:0' was already used",
        ),
        ('{"image": "a.png", "instruction": "x", ', r"line 3: not valid JSON"),
    ],
)
def test_jsonl_bad_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    draw_screen(tmp_path / "a.png")
    good = {"image": "a.png", "instruction": "x", "box": [0, 0, 5, 5]}
    path = make_jsonl(tmp_path / "mine.jsonl", [good, "", line])
    with pytest.raises(ConfigError, match=rf"mine\.jsonl: {message}"):
        load_dataset("jsonl", path)


def test_dispatcher_refuses_unknown_formats_missing_data_and_bad_limits(tmp_path: Path) -> None:
    assert FORMATS == ("screenspot", "screenspot-pro", "jsonl", "hf")
    with pytest.raises(
        ConfigError,
        match="unknown dataset format 'coco': expected one of screenspot, screenspot-pro, jsonl, hf",
    ):
        load_dataset("coco", tmp_path)
    with pytest.raises(ConfigError, match="no such file or folder"):
        load_dataset("jsonl", tmp_path / "nope.jsonl")
    with pytest.raises(ConfigError, match="no such file or folder"):
        load_dataset("screenspot-pro", tmp_path / "nope")
    with pytest.raises(ConfigError, match="limit must be"):
        load_dataset("jsonl", tmp_path, limit=-1)
    with pytest.raises(ConfigError, match=r"holds no .jsonl file"):
        load_dataset("jsonl", tmp_path)


# -- fingerprint ---------------------------------------------------------------------------


def test_fingerprint_follows_annotation_bytes_not_location(tmp_path: Path) -> None:
    root = _screenspot(tmp_path / "a" / "ss")
    files = annotation_files("screenspot", root)
    assert [f.name for f in files] == [
        "screenspot_mobile.json",
        "screenspot_desktop.json",
        "screenspot_web.json",
    ]
    assert annotation_files("screenspot", root, splits=["web"]) == [root / "screenspot_web.json"]
    first = dataset_fingerprint(files)
    # a sha256 in lowercase hex, the same each time the same files are hashed
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert dataset_fingerprint(files) == first
    copy = shutil.copytree(tmp_path / "a", tmp_path / "b")
    moved = annotation_files("screenspot", Path(copy) / "ss")
    assert dataset_fingerprint(moved) == first
    assert dataset_fingerprint(list(reversed(moved))) == first
    web = Path(copy) / "ss" / "screenspot_web.json"
    web.write_text(web.read_text().replace("sign in", "sign up"))
    assert dataset_fingerprint(moved) != first
    assert dataset_fingerprint(files[:2]) != first
    with pytest.raises(ConfigError, match="no such file or folder to fingerprint"):
        dataset_fingerprint([tmp_path / "gone.json"])


def test_fingerprint_of_samples_covers_what_is_evaluated(tmp_path: Path) -> None:
    samples = load_dataset("screenspot", _screenspot(tmp_path / "a"))
    moved = load_dataset("screenspot", _screenspot(tmp_path / "b"))
    assert dataset_fingerprint(samples) == dataset_fingerprint(moved)
    assert dataset_fingerprint(samples) == dataset_fingerprint(list(reversed(samples)))
    assert dataset_fingerprint(samples[:3]) != dataset_fingerprint(samples)
    shifted = samples[0].model_copy(update={"box": samples[0].box.model_copy(update={"x2": 999})})
    assert dataset_fingerprint([shifted, *samples[1:]]) != dataset_fingerprint(samples)
    # the samples' hash and the files' hash are different things, never equal by accident
    assert dataset_fingerprint(samples) != dataset_fingerprint(annotation_files("screenspot", tmp_path / "a"))


# -- a dataset saved with Hugging Face datasets ------------------------------------------


def test_hf_without_the_package_says_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` raise ImportError
    with pytest.raises(ConfigError, match="install the datasets package"):
        load_dataset("hf", tmp_path)


def test_hf_with_path_strings_as_a_dataset_dict(tmp_path: Path) -> None:
    hf = pytest.importorskip("datasets")
    draw_screen(tmp_path / "shots" / "a.png", [(10, 20, 50, 40)])
    draw_screen(tmp_path / "shots" / "b.png", [(60, 70, 90, 110)])
    rows = {
        "image": ["shots/a.png", "shots/b.png"],
        "instruction": ["OK", "Cancel"],
        "box": [[10, 20, 50, 40], [60, 70, 90, 110]],
        "id": ["ok", None],
        "tags": [{"data_type": "text"}, {"data_type": "icon"}],
        "extra_column": [1, 2],
    }
    hf.DatasetDict({"test": hf.Dataset.from_dict(rows), "dev": hf.Dataset.from_dict(rows)}).save_to_disk(
        str(tmp_path / "saved")
    )
    samples = load_dataset("hf", tmp_path / "saved", splits=["test"])
    assert [s.id for s in samples] == ["ok", "saved/test:1"]
    assert samples[0].image == (tmp_path / "shots" / "a.png").absolute()
    assert samples[1].tags == {"data_type": "icon", "split": "test"}
    assert corners(samples[1]) == (60, 70, 90, 110)
    assert all(painted_at_centre(s) for s in samples)
    with pytest.raises(ConfigError, match=r"unknown split.*train.*has test, dev"):
        load_dataset("hf", tmp_path / "saved", splits=["train"])
    # two splits hold the same ids: a load of both says so
    with pytest.raises(ConfigError, match=r"\[dev\]: record 0: id 'ok' was already used"):
        load_dataset("hf", tmp_path / "saved")


def test_hf_image_column_is_written_to_a_cache_beside_it(tmp_path: Path) -> None:
    hf = pytest.importorskip("datasets")
    shot = draw_screen(tmp_path / "src.png", [(30, 30, 80, 60)])
    features = hf.Features(
        {
            "image": hf.Image(),
            "instruction": hf.Value("string"),
            "box": hf.Sequence(hf.Value("float64")),
            "tags": {"split": hf.Value("string"), "data_type": hf.Value("string")},
        }
    )
    rows = {
        "image": [str(shot), str(shot)],
        "instruction": ["chart", "chart again"],
        "box": [[30, 30, 80, 60], [30, 30, 80, 60]],
        "tags": [{"split": "web", "data_type": "icon"}, {"split": "mobile", "data_type": None}],
    }
    hf.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "saved"))
    shot.unlink()  # the saved dataset holds the bytes; the source file is no longer needed
    samples = load_dataset("hf", tmp_path / "saved")
    assert [s.id for s in samples] == ["saved:0", "saved:1"]
    assert samples[0].image.parent == (tmp_path / "saved.images").absolute()
    assert samples[0].image == samples[1].image  # one file per distinct image
    assert samples[0].image.suffix == ".png"
    assert samples[1].tags == {"split": "mobile"}
    assert all(painted_at_centre(s) for s in samples)
    assert [s.id for s in load_dataset("hf", tmp_path / "saved", splits=["web"])] == ["saved:0"]
    chosen = load_dataset("hf", tmp_path / "saved", images=tmp_path / "cache", limit=1)
    assert [s.image.parent for s in chosen] == [(tmp_path / "cache").absolute()]
    assert annotation_files("hf", tmp_path / "saved") == [tmp_path / "saved"]
    assert len(dataset_fingerprint(annotation_files("hf", tmp_path / "saved"))) == 64


def test_hf_bad_rows_and_folders(tmp_path: Path) -> None:
    hf = pytest.importorskip("datasets")
    draw_screen(tmp_path / "a.png")
    rows = {"image": ["a.png"], "instruction": ["x"], "box": [[5, 5, 1, 1]]}
    hf.Dataset.from_dict(rows).save_to_disk(str(tmp_path / "saved"))
    with pytest.raises(ConfigError, match=r"saved: record 0: box .* has x2 < x1"):
        load_dataset("hf", tmp_path / "saved")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match="not a dataset saved with datasets' save_to_disk"):
        load_dataset("hf", tmp_path / "plain")
