"""`mimo-gui ground` end to end against a real local OpenAI-compatible server.

The server answers like MiMo-VL would for the image it *received*: it finds the target
(a red rectangle) in that image and answers its box in that image's pixels, in MiMo's
grounding JSON inside a think block. The command must print the point in the original
screenshot's pixels, inside the target, whatever the screenshot's size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mimo_gui.actions import smart_resize
from mimo_gui.cli import main
from tests.support.chat_server import Reply, free_port, serve_chat

RED = (230, 20, 30)


def screenshot(path: Path, size: tuple[int, int], target: tuple[int, int, int, int]) -> Path:
    img = Image.new("RGB", size, (245, 245, 245))
    draw = ImageDraw.Draw(img)
    for i in range(0, size[1], 40):  # some structure, so nothing is uniform
        draw.line((0, i, size[0], i), fill=(200, 200, 210))
    draw.rectangle(target, fill=RED)
    img.save(path)
    return path


def red_box(image: Image.Image) -> tuple[int, int, int, int]:
    a = np.asarray(image.convert("RGB")).astype(int)
    mask = (a[..., 0] > 180) & (a[..., 1] < 90) & (a[..., 2] < 90)
    ys, xs = np.nonzero(mask)
    assert xs.size, "the target is not in the image the server received"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def mimo_like(body: dict, images: list[Image.Image]) -> str:
    x1, y1, x2, y2 = red_box(images[-1])
    return f'<think>\nThe red button.\n</think>\n```json\n[{{"bbox_2d": [{x1}, {y1}, {x2}, {y2}], "label": "red"}}]\n```'


SIZES = [
    ("phone portrait", (1080, 2400), (300, 1700, 420, 1780)),
    ("4K beyond the budget", (3840, 2160), (3000, 120, 3060, 150)),
    ("tiny", (160, 90), (100, 40, 120, 60)),
    ("full HD", (1920, 1080), (10, 1000, 90, 1070)),
    ("odd HiDPI laptop", (2880, 1800), (1439, 899, 1441, 901)),
    ("wide", (3440, 1440), (3400, 700, 3439, 739)),
]


@pytest.mark.parametrize(("name", "size", "target"), SIZES, ids=[s[0] for s in SIZES])
def test_ground_prints_the_point_in_the_screenshots_pixels(tmp_path, capsys, name, size, target) -> None:
    shot = screenshot(tmp_path / "shot.png", size, target)
    with serve_chat(mimo_like) as server:
        code = main(
            ["ground", str(shot), "the red button", "--base-url", server.url, "--model", "mimo-vl-test"]
        )
        (request,) = server.chat_requests
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    x1, y1, x2, y2 = target
    # inside the target, allowing one model pixel of resampling blur at its edge
    slack = max(size[0] / request.images[0].size[0], size[1] / request.images[0].size[1])
    assert x1 - slack <= out["x"] <= x2 + slack and y1 - slack <= out["y"] <= y2 + slack
    assert out["raw"].startswith("<think>")
    # the client framed the image itself, to MiMo's budget, so the server's processor keeps it
    h, w = smart_resize(size[1], size[0], min_pixels=3136, max_pixels=4096 * 28 * 28)
    assert request.images[0].size == (w, h)
    body = request.body
    assert body["temperature"] == 0.0
    content = body["messages"][1]["content"]
    assert [p["type"] for p in content] == ["image_url", "text"]  # image first; thinking on: no switch


def test_no_think_and_annotate(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (1280, 800), (600, 380, 680, 420))
    with serve_chat(mimo_like) as server:
        code = main(
            [
                "ground",
                str(shot),
                "red",
                "--base-url",
                server.url,
                "--no-think",
                "--annotate",
                str(tmp_path / "a.png"),
            ]
        )
        body = server.chat_requests[0].body
    assert code == 0
    assert body["messages"][1]["content"][-1] == {"type": "text", "text": " /no_think"}
    assert body["max_tokens"] == 512
    out = json.loads(capsys.readouterr().out)
    marked = Image.open(tmp_path / "a.png")
    assert marked.size == (1280, 800)
    assert marked.getpixel((round(out["x"]), round(out["y"]) - 12)) != Image.open(shot).getpixel(
        (round(out["x"]), round(out["y"]) - 12)
    )


def test_max_pixels_flag_changes_the_frame(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (1920, 1080), (100, 100, 140, 140))
    with serve_chat(mimo_like) as server:
        assert (
            main(["ground", str(shot), "red", "--base-url", server.url, "--max-pixels", str(1280 * 28 * 28)])
            == 0
        )
        assert server.chat_requests[0].images[0].size == (1316, 728)
    out = json.loads(capsys.readouterr().out)
    assert 100 - 2 <= out["x"] <= 140 + 2


def test_unparseable_answer_exits_1_with_the_raw_text(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (640, 480), (1, 1, 5, 5))
    with serve_chat(lambda body, images: "I am not sure what you mean.") as server:
        code = main(["ground", str(shot), "red", "--base-url", server.url])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (
        "mimo-gui ground: error: no action or coordinates found in a MiMo-VL answer; "
        "raw answer: 'I am not sure what you mean.'"
    )


def test_point_off_the_image_exits_1(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (640, 480), (1, 1, 5, 5))
    with serve_chat(lambda body, images: '{"point_2d": [5000, 10]}') as server:
        code = main(["ground", str(shot), "red", "--base-url", server.url])
    assert code == 1
    assert "lies outside the 644x476 image the model was shown" in capsys.readouterr().err


# -- bad input: a short clear message and a non-zero exit --------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "mimo_gui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_unreachable_server_names_the_url(tmp_path) -> None:
    shot = screenshot(tmp_path / "shot.png", (640, 480), (1, 1, 5, 5))
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli("ground", str(shot), "red", "--base-url", url, "--model", "m", "--timeout", "5")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "127.0.0.1" in result.stderr


def test_missing_image_and_not_an_image(tmp_path) -> None:
    result = run_cli("ground", str(tmp_path / "nope.png"), "x", "--base-url", "http://127.0.0.1:1")
    assert (result.returncode, result.stderr) == (
        2,
        f"mimo-gui ground: error: image '{tmp_path / 'nope.png'}' does not exist\n",
    )
    (tmp_path / "notes.txt").write_text("hello")
    result = run_cli("ground", str(tmp_path / "notes.txt"), "x")
    assert result.returncode == 2
    assert (
        result.stderr
        == f"mimo-gui ground: error: '{tmp_path / 'notes.txt'}' is not an image PIL can read (UnidentifiedImageError)\n"
    )


def test_unknown_profile_lists_known(tmp_path) -> None:
    shot = screenshot(tmp_path / "shot.png", (64, 64), (1, 1, 5, 5))
    result = run_cli("ground", str(shot), "x", "--profile", "gpt-7", "--base-url", "http://127.0.0.1:1")
    assert result.returncode == 2
    assert (
        result.stderr
        == "mimo-gui ground: error: unknown profile 'gpt-7': known profiles are mimo-vl, qwen2.5-vl, ui-tars-1.5\n"
    )


def test_missing_local_model_says_how_to_get_or_serve_it(tmp_path) -> None:
    pytest.importorskip("transformers")
    shot = screenshot(tmp_path / "shot.png", (64, 64), (1, 1, 5, 5))
    result = run_cli(
        "ground", str(shot), "x", "--backend", "transformers", "--model", "nobody/no-such-model-xyz",
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )  # fmt: skip
    assert result.returncode == 2
    loading, error = result.stderr.splitlines()  # what is being loaded, then one line saying why not
    assert (
        loading
        == "loading nobody/no-such-model-xyz on this machine with transformers (--base-url uses a served model)"
    )
    assert error.startswith("mimo-gui ground: error: model 'nobody/no-such-model-xyz' is not on this machine")
    assert "--base-url" in error


def test_demo_without_the_model_points_to_the_scripted_demo(tmp_path) -> None:
    pytest.importorskip("transformers")
    result = run_cli(
        "demo", "--backend", "transformers", "--model", "nobody/no-such-model-xyz",
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )  # fmt: skip
    assert result.returncode == 2
    error = result.stderr.splitlines()[-1]
    assert error.startswith("mimo-gui demo: error: model 'nobody/no-such-model-xyz' is not on this machine")
    assert error.endswith("or watch the loop with no model at all: mimo-gui demo --backend scripted")


def test_server_rejection_is_reported(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (64, 64), (1, 1, 5, 5))
    with serve_chat(lambda body, images: Reply(status=401, text="bad key")) as server:
        code = main(["ground", str(shot), "x", "--base-url", server.url])
    assert code == 2
    assert "401" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    result = run_cli("ground")
    assert (
        result.returncode == 2 and "the following arguments are required: image, instruction" in result.stderr
    )


@pytest.mark.local_model
def test_ground_through_the_transformers_backend_on_a_tiny_local_model(tmp_path, capsys) -> None:
    """The local path end to end: the same loading function a hub id goes through.

    The tiny model is random, so its answer holds no coordinates: the command must say so,
    with the raw answer, and exit 1, after a real load, chat template and generate.
    """
    pytest.importorskip("torch")
    from tests.support.tiny_qwen import build_tiny_qwen

    model_dir = build_tiny_qwen(tmp_path / "tiny", stops_at_once=True)
    shot = screenshot(tmp_path / "shot.png", (320, 240), (10, 10, 40, 40))
    code = main(
        [
            "ground",
            str(shot),
            "red",
            "--backend",
            "transformers",
            "--model",
            str(model_dir),
            "--max-tokens",
            "4",
        ]
    )
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after transformers' own progress bars
    assert code == 1
    assert (
        last
        == "mimo-gui ground: error: the answer holds no action (it is empty after the reasoning); raw answer: ''"
    )


@pytest.mark.parametrize("resolution", ["physical", "logical"])
def test_a_2x_screenshot_at_its_logical_size_still_answers_in_its_own_pixels(
    tmp_path, capsys, resolution
) -> None:
    # A 1280x800 page captured at scale 2; the button sits at (2000..2100, 1400..1460).
    shot = screenshot(tmp_path / "shot.png", (2560, 1600), (2000, 1400, 2100, 1460))
    with serve_chat(mimo_like) as server:
        args = ["ground", str(shot), "the red button", "--base-url", server.url, "--model", "mimo-vl-test"]
        code = main([*args, "--scale", "2", "--resolution", resolution])
        (request,) = server.chat_requests
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert 1998 <= out["x"] <= 2102 and 1398 <= out["y"] <= 1462
    # The budget applies to 1280x800 (logical) or to the whole 2560x1600 (physical).
    side = (1280, 800) if resolution == "logical" else (2560, 1600)
    h, w = smart_resize(side[1], side[0], min_pixels=3136, max_pixels=4096 * 28 * 28)
    assert request.images[0].size == (w, h)


def test_a_bad_scale_is_one_line(tmp_path, capsys) -> None:
    shot = screenshot(tmp_path / "shot.png", (100, 100), (10, 10, 20, 20))
    assert main(["ground", str(shot), "x", "--base-url", "http://127.0.0.1:9/v1", "--scale", "0"]) == 2
    assert (
        capsys.readouterr().err.strip() == "mimo-gui ground: error: --scale must be a positive number, got 0"
    )
