"""``--format hf`` on the hub copies of the benchmarks, laid out column for column as published.

Each layout's source (dataset card, or the lmms-eval task code that loads it) is cited beside
its features in `make_datasets.published_features`. Every test builds a small dataset with
those features, saves it with ``save_to_disk`` and checks that the box lands, in the image's
own pixels, on the target painted there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mimo_gui.actions import ConfigError
from mimo_gui.eval.datasets import (
    DatasetFormat,
    annotation_files,
    dataset_fingerprint,
    detect_layout,
    format_names,
    layouts,
    load_dataset,
    register_format,
)
from mimo_gui.eval.samples import Sample

from .make_datasets import PUBLISHED_LAYOUTS, draw_screen, make_published, published_features, published_row

hf = pytest.importorskip("datasets")

SIZE = (400, 250)
TARGET = (100, 50, 180, 90)  # pixel corners of the painted target


def corners(sample: Sample) -> tuple[float, float, float, float]:
    return (sample.box.x1, sample.box.y1, sample.box.x2, sample.box.y2)


def saved(tmp_path: Path, layout: str, rows: list[dict[str, Any]], name: str = "saved") -> Path:
    folder = tmp_path / name
    hf.DatasetDict({"test": make_published(layout, rows)}).save_to_disk(str(folder))
    return folder


@pytest.fixture
def screen(tmp_path: Path) -> Path:
    return draw_screen(tmp_path / "shots" / "screen.png", [TARGET], size=SIZE)


@pytest.mark.parametrize("layout", PUBLISHED_LAYOUTS)
def test_each_published_layout_gives_the_target_in_the_images_pixels(
    tmp_path: Path, screen: Path, layout: str
) -> None:
    folder = saved(tmp_path, layout, [published_row(layout, screen, TARGET)])
    (sample,) = load_dataset("hf", folder)
    assert corners(sample) == pytest.approx(TARGET)
    assert sample.instruction == f"target at {TARGET}"
    assert sample.id == "saved/test:0"
    # The image column's bytes were written out, byte for byte, beside the saved dataset.
    assert sample.image.parent == (tmp_path / "saved.images").absolute()
    assert sample.image.read_bytes() == screen.read_bytes()


def test_fractions_are_scaled_by_the_images_real_size(tmp_path: Path) -> None:
    # rootsautomation/ScreenSpot: [0.25, 0.2, 0.45, 0.36] of a 400x250 screen is (100, 50)-(180, 90);
    # of a 1000x500 one it is (250, 100)-(450, 180).
    small = draw_screen(tmp_path / "a.png", [TARGET], size=(400, 250))
    large = draw_screen(tmp_path / "b.png", [(250, 100, 450, 180)], size=(1000, 500))
    rows = [published_row("rootsautomation/ScreenSpot", small, TARGET)]
    rows.append({**rows[0], "image": {"bytes": large.read_bytes(), "path": None}, "file_name": "b.png"})
    assert rows[0]["bbox"] == [0.25, 0.2, 0.45, 0.36]
    first, second = load_dataset("hf", saved(tmp_path, "rootsautomation/ScreenSpot", rows))
    assert corners(first) == pytest.approx((100, 50, 180, 90))
    assert corners(second) == pytest.approx((250, 100, 450, 180))
    assert first.tags == {"data_type": "icon", "data_source": "ios", "split": "test"}


def test_xywh_pixels_become_corners(tmp_path: Path, screen: Path) -> None:
    # lscpku/ScreenSpot-v2: bbox [100, 50, 80, 40] is x, y, width, height.
    row = published_row("lscpku/ScreenSpot-v2", screen, TARGET)
    assert row["bbox"] == [100, 50, 80, 40]
    (sample,) = load_dataset("hf", saved(tmp_path, "lscpku/ScreenSpot-v2", [row]))
    assert corners(sample) == (100, 50, 180, 90)
    # the row's own split (mobile/web/desktop) wins over the DatasetDict key
    assert sample.tags == {"split": "mobile", "data_type": "text", "data_source": "android"}


def test_a_pixel_box_in_another_frame_than_the_image_is_scaled_to_the_image(
    tmp_path: Path, screen: Path
) -> None:
    # The row states 800x500 (the screenshot as captured) but the stored image is 400x250.
    row = published_row("lscpku/ScreenSpot-Pro", screen, TARGET, frame=(800, 500))
    assert row["bbox"] == [200, 100, 360, 180]
    (sample,) = load_dataset("hf", saved(tmp_path, "lscpku/ScreenSpot-Pro", [row]))
    assert corners(sample) == pytest.approx(TARGET)
    assert sample.instruction_cn == "中文指令"
    assert sample.tags == {"ui_type": "icon", "application": "vscode", "split": "test"}


def test_json_string_boxes_and_sizes_are_read(tmp_path: Path, screen: Path) -> None:
    row = published_row("TIGER-Lab/ScreenSpot-Pro", screen, TARGET, frame=(800, 500))
    assert row["bbox"] == "[200, 100, 360, 180]" and row["img_size"] == "[800, 500]"
    (sample,) = load_dataset("hf", saved(tmp_path, "TIGER-Lab/ScreenSpot-Pro", [row]))
    assert corners(sample) == pytest.approx(TARGET)
    assert sample.tags["ui_type"] == "text"


def test_lists_where_a_copy_stores_lists_are_read_too(tmp_path: Path, screen: Path) -> None:
    # lmms-eval's screenspot_pro utils take bbox and img_size as lists as well as JSON strings.
    features = hf.Features(
        {
            "image": hf.Image(),
            "instruction": hf.Value("string"),
            "bbox": hf.Sequence(hf.Value("int64")),
            "img_size": hf.Sequence(hf.Value("int64")),
        }
    )
    rows = {"image": [str(screen)], "instruction": ["x"], "bbox": [list(TARGET)], "img_size": [list(SIZE)]}
    hf.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "lists"))
    (sample,) = load_dataset("hf", tmp_path / "lists")
    assert corners(sample) == TARGET
    assert sample.id == "lists:0"


def test_every_published_layout_is_told_apart_by_its_columns() -> None:
    for layout in PUBLISHED_LAYOUTS:
        assert detect_layout(published_features(layout), "x").name == layout
    assert detect_layout(["image", "instruction", "box", "tags"], "x").name == "mimo-gui"
    assert [layout.name for layout in layouts()] == ["mimo-gui", *PUBLISHED_LAYOUTS]


def test_an_unknown_layout_names_the_columns_found_and_the_layouts_known(
    tmp_path: Path, screen: Path
) -> None:
    rows = {"image": [str(screen)], "question": ["where"], "bbox": [[1, 2, 3, 4]]}
    hf.Dataset.from_dict(rows).save_to_disk(str(tmp_path / "odd"))
    with pytest.raises(ConfigError) as caught:
        load_dataset("hf", tmp_path / "odd")
    message = str(caught.value)
    assert "\n" not in message
    assert "columns bbox, image, question are in no known layout" in message
    for layout in ["mimo-gui", *PUBLISHED_LAYOUTS]:
        assert layout in message
    # and with each layout the columns it needs
    assert (
        "rootsautomation/ScreenSpot (bbox, data_source, data_type, file_name, image, instruction)" in message
    )


@pytest.mark.parametrize(
    ("layout", "change", "message"),
    [
        (
            "rootsautomation/ScreenSpot",
            {"bbox": [100.0, 50.0, 180.0, 90.0]},
            r"column 'bbox' \[100.0, 50.0, 180.0, 90.0\] should be fractions of the image "
            r"\(layout rootsautomation/ScreenSpot\)",
        ),
        ("TIGER-Lab/ScreenSpot-Pro", {"bbox": "100 50 180 90"}, r"column 'bbox' is a string but not JSON"),
        ("TIGER-Lab/ScreenSpot-Pro", {"bbox": "[1, 2, 3]"}, r"column 'bbox' should be 4 number\(s\)"),
        (
            "TIGER-Lab/ScreenSpot-Pro",
            {"img_size": "[0, 250]"},
            r"the stated image size 0x250 is not positive",
        ),
        ("lscpku/ScreenSpot-Pro", {"bbox": [180, 50, 100, 90]}, r"box \[x1, y1, x2, y2\] .* has x2 < x1"),
        ("lscpku/ScreenSpot-v2", {"bbox": [100, 50, -80, 40]}, r"box .* has a negative width or height"),
        ("lscpku/ScreenSpot-v2", {"instruction": " "}, r"the instruction is empty"),
    ],
)
def test_bad_rows_of_a_published_layout_are_named(
    tmp_path: Path, screen: Path, layout: str, change: dict[str, Any], message: str
) -> None:
    good = published_row(layout, screen, TARGET)
    folder = saved(tmp_path, layout, [good, {**good, **change}])
    with pytest.raises(ConfigError, match=rf"saved \[test\]: record 1: {message}") as caught:
        load_dataset("hf", folder)
    assert "\n" not in str(caught.value)


def test_a_folder_of_the_datasets_own_files_as_downloaded(tmp_path: Path, screen: Path) -> None:
    # `hf download lscpku/ScreenSpot-Pro --repo-type dataset --local-dir …` leaves data/*.parquet.
    folder = tmp_path / "ScreenSpot-Pro"
    (folder / "data").mkdir(parents=True)
    rows = [published_row("lscpku/ScreenSpot-Pro", screen, TARGET)]
    make_published("lscpku/ScreenSpot-Pro", rows).to_parquet(
        str(folder / "data" / "test-00000-of-00001.parquet")
    )
    (sample,) = load_dataset("hf", folder)
    assert corners(sample) == TARGET
    assert sample.id == "ScreenSpot-Pro/test:0"
    assert sample.image.parent == (tmp_path / "ScreenSpot-Pro.images").absolute()
    assert annotation_files("hf", folder) == [folder]
    assert len(dataset_fingerprint(annotation_files("hf", folder))) == 64


def test_a_path_that_is_neither_a_folder_nor_a_hub_id(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no such folder .* and not a hub dataset id"):
        load_dataset("hf", tmp_path / "not" / "here")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("no data here")
    with pytest.raises(ConfigError, match="not a dataset saved with datasets' save_to_disk, nor a folder"):
        load_dataset("hf", tmp_path / "plain")


def test_a_new_format_is_one_registration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mimo_gui.eval.datasets import registry

    # A copy of the registry for this test, so the format is gone afterwards.
    monkeypatch.setattr(registry, "_FORMATS", dict(registry._FORMATS))
    made: list[Path] = []

    def load(data: Path, **_: Any) -> list[Sample]:
        made.append(data)
        return []

    name = "test-only-format"
    register_format(DatasetFormat(name=name, summary="for this test", load=load, files=lambda d, **_: [d]))
    assert name in format_names()
    assert load_dataset(name, tmp_path) == []
    assert made == [tmp_path]
    assert annotation_files(name, tmp_path) == [tmp_path]
    with pytest.raises(ConfigError, match=f"a dataset format named '{name}' is already registered"):
        register_format(DatasetFormat(name=name, summary="again", load=load, files=lambda d, **_: [d]))
