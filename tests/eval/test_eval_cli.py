"""``mimo-gui eval`` end to end: exit codes, the output folder, the manifest, compare."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from mimo_gui.cli import eval_main as main
from mimo_gui.prompts.render import load_template
from tests.eval.test_runner import even_right, index_of, make_set, mimo_answer
from tests.support.chat_server import free_port, serve_chat


def grounding(data: Path, out: Path, url: str, *extra: str) -> list[str]:
    return [
        "grounding",
        "--format",
        "jsonl",
        "--data",
        str(data),
        "--out",
        str(out),
        "--base-url",
        url,
        *extra,
    ]


def test_a_complete_run_exits_0_whatever_the_accuracy(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 4)
    with serve_chat(lambda body, images: '{"point_2d": [1, 1]}') as server:
        code = main(grounding(data, tmp_path / "run", server.url))
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["accuracy"], printed["n"]) == (0.0, 4)


def test_output_folder_report_and_manifest(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 6)
    out = tmp_path / "run"
    with serve_chat(even_right) as server:
        assert main(grounding(data, out, server.url, "--no-think", "--max-pixels", str(1024 * 28 * 28))) == 0
    assert {p.name for p in out.iterdir()} >= {
        "samples.jsonl",
        "summary.json",
        "manifest.json",
        "report.html",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["accuracy"], summary["n"], summary["errors"]) == (0.5, 6, 0)
    assert summary["by"]["parity"]["odd"] == {"accuracy": 0.0, "n": 3, "hits": 0}
    line = json.loads((out / "samples.jsonl").read_text().splitlines()[0])
    assert {
        "id",
        "instruction",
        "point",
        "raw",
        "hit",
        "latency_s",
        "error",
        "error_kind",
        "box",
        "tags",
    } <= set(line)

    m = json.loads((out / "manifest.json").read_text())
    assert (m["model"], m["backend"], m["profile"]) == ("mimo-vl-test", "openai", "mimo-vl")
    assert m["prompt_sha256"] == hashlib.sha256(load_template("mimo_grounding_en").encode()).hexdigest()
    assert (m["min_pixels"], m["max_pixels"], m["frame_mode"]) == (4 * 28 * 28, 1024 * 28 * 28, "resize")
    assert m["image_format"] == "jpeg"
    assert m["sampling"]["temperature"] == 0.0 and m["sampling"]["max_tokens"] == 512
    assert (m["think"], m["lang"], m["status"]) == (False, "en", "complete")
    assert m["dataset"]["format"] == "jsonl" and m["dataset"]["path"] == str(data.resolve())
    assert re.fullmatch(r"[0-9a-f]{64}", m["dataset"]["fingerprint"])
    assert "pydantic" in m["versions"] and m["start_time"] <= m["end_time"]

    report = (out / "report.html").read_text()
    srcs = re.findall(r"<img[^>]* src='([^']+)'", report)
    assert len(srcs) == 3  # the three misses, each drawn
    for src in srcs:
        assert src.startswith("misses/") and Image.open(out / src).size[0] > 0
    assert "base64" not in report and "parity" in report


def test_prompt_file_changes_the_prompt_and_its_hash(tmp_path) -> None:
    data = make_set(tmp_path / "set", 2)
    prompt = tmp_path / "prompt.txt"
    prompt.write_text('Point at: "$instruction". Answer {"point_2d": [x, y]}.')
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        assert main(grounding(data, tmp_path / "run", server.url, "--prompt-file", str(prompt))) == 0
        bodies = [r.body for r in server.chat_requests]
    texts = sorted(p["text"] for b in bodies for p in b["messages"][1]["content"] if p["type"] == "text")
    assert texts == [f'Point at: "target {i}". Answer {{"point_2d": [x, y]}}.' for i in range(2)]
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert m["prompt_sha256"] == hashlib.sha256(prompt.read_bytes()).hexdigest()
    assert m["prompt_sha256"] != hashlib.sha256(load_template("mimo_grounding_en").encode()).hexdigest()


def test_non_empty_out_without_resume_exits_2(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 2)
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        assert main(grounding(data, out, server.url)) == 2
        assert server.chat_requests == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not empty" in err and "--resume" in err


def test_resume_with_other_settings_is_refused(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 2)
    out = tmp_path / "run"
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        assert main(grounding(data, out, server.url)) == 0
        assert main(grounding(data, out, server.url, "--resume", "--frame", "pad")) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    # in words, not Python's repr of a tuple of settings (issue 11, item 6)
    assert "was made with other settings (frame mode resize then, pad now)" in err
    assert "('" not in err and "')" not in err


def test_unreachable_server_exits_2_naming_the_url(tmp_path) -> None:
    data = make_set(tmp_path / "set", 2)
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mimo_gui.cli",
            "eval",
            *grounding(data, tmp_path / "run", url),
            "--timeout",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert url.removesuffix("/v1") in result.stderr
    assert not (tmp_path / "run").exists()  # nothing started


def test_a_model_the_server_does_not_serve_stops_the_run_with_2(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 12)
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        code = main(grounding(data, tmp_path / "run", server.url, "--model", "nope", "--concurrency", "1"))
        # stopped after the first 5 failed; at most the 2 queued behind them went out too
        assert 5 <= len(server.chat_requests) <= 7
    assert code == 2 and "404" in capsys.readouterr().err


def test_compare_lists_flips_both_ways(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 6)

    def odd_right(body, images):
        return (
            mimo_answer(images[-1]) if index_of(body) % 2 or index_of(body) == 0 else '{"point_2d": [1, 1]}'
        )

    with serve_chat(even_right) as server:
        assert main(grounding(data, tmp_path / "a", server.url)) == 0
    with serve_chat(odd_right) as server:
        assert main(grounding(data, tmp_path / "b", server.url)) == 0
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"]) == 0
    c = json.loads(capsys.readouterr().out)
    # A: s0 s2 s4 right. B: s0 s1 s3 s5 right.
    assert (c["accuracy_a"], c["accuracy_b"]) == (0.5, 4 / 6)
    assert [f["id"] for f in c["gained"]] == ["s1", "s3", "s5"]
    assert [f["id"] for f in c["lost"]] == ["s2", "s4"]
    assert c["lost"][0]["instruction"] == "target 2"
    rows = {(r["tag"], r["value"]): r for r in c["rows"]}
    assert rows[("parity", "odd")]["a"] == 0.0 and rows[("parity", "odd")]["b"] == 1.0
    assert rows[("parity", "even")]["diff"] == 1 / 3 - 1

    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    text = capsys.readouterr().out
    assert "gained (missed in A, hit in B): 3" in text and "s4  target 4" in text
    assert re.search(r"overall\s+50\.0%\s+6\s+66\.7%\s+6\s+\+16\.7", text)


def test_compare_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys) -> None:
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "is not an eval run" in capsys.readouterr().err


def test_lang_cn_sends_the_chinese_instruction_with_xiaomis_chinese_prompt(tmp_path, capsys) -> None:
    folder = tmp_path / "set"
    data = make_set(folder, 2)
    lines = [json.loads(line) for line in data.read_text().splitlines()]
    data.write_text(
        "".join(
            json.dumps({**r, "instruction_cn": f"红色目标 {i}"}, ensure_ascii=False) + "\n"
            for i, r in enumerate(lines)
        )
    )
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        assert main(grounding(data, tmp_path / "run", server.url, "--lang", "cn")) == 0
        texts = [r.body["messages"][1]["content"][1]["text"] for r in server.chat_requests]
    assert sorted(texts) == [
        f'定位如下命令所指定的UI元素："红色目标 {i}"。按照如下格式输出JSON：[{{"bbox_2d": [...], "label": "{{the_whole_command}}"}}, ...]。'
        for i in (0, 1)
    ]
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["lang"] == "cn"
    assert (
        manifest["prompt_sha256"] == hashlib.sha256(load_template("mimo_grounding_cn").encode()).hexdigest()
    )


def test_synth_command_on_the_demo_app(tmp_path, capsys) -> None:
    import pytest

    pytest.importorskip("playwright")
    from mimo_gui.demo.server import DemoServer
    from mimo_gui.eval.datasets import load_dataset

    with DemoServer() as app:
        code = main(["synth", "--url", app.url, "--out", str(tmp_path / "set"), "--device-scale-factor", "2"])
        layout = app.layout()  # what the page itself reported, in CSS pixels
    assert code == 0 and layout is not None
    path = Path(capsys.readouterr().out.strip().splitlines()[-1])
    samples = {s.instruction: s for s in load_dataset("jsonl", path)}
    assert {"Username", "Password", "Sign in"} <= set(samples)
    button = samples["Sign in"].box
    with Image.open(samples["Sign in"].image) as shot:
        assert shot.size == (2560, 1600)  # physical pixels at scale 2
    rect = layout.elements["signin"]
    expected = (rect.x * 2, rect.y * 2, (rect.x + rect.width) * 2, (rect.y + rect.height) * 2)
    assert all(abs(a - b) <= 2 for a, b in zip((button.x1, button.y1, button.x2, button.y2), expected))


def test_a_hidpi_set_at_its_logical_size_keeps_the_hits_and_says_so(tmp_path, capsys) -> None:
    # 2560x1600 screenshots (a 1280x800 screen at scale 2): at the logical resolution the model
    # sees a quarter of the pixels, and its answers still land in the screenshots' own pixels.
    data = make_set(tmp_path / "set", 4, size=(2560, 1600))
    seen: dict[str, list[tuple[int, int]]] = {}
    for resolution in ("physical", "logical"):
        out = tmp_path / resolution
        with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
            assert main(grounding(data, out, server.url, "--scale", "2", "--resolution", resolution)) == 0
            seen[resolution] = [r.images[-1].size for r in server.chat_requests]
        summary = json.loads((out / "summary.json").read_text())
        assert (summary["accuracy"], summary["n"]) == (1.0, 4)
        manifest = json.loads((out / "manifest.json").read_text())
        assert (manifest["scale"], manifest["resolution"]) == (2.0, resolution)
    capsys.readouterr()
    physical, logical = seen["physical"][0], seen["logical"][0]
    assert logical[0] * logical[1] * 2.5 < physical[0] * physical[1]  # the budget caps physical
    # A run made at one resolution does not resume at the other.
    with serve_chat(lambda body, images: mimo_answer(images[-1])) as server:
        args = grounding(data, tmp_path / "logical", server.url, "--resume", "--scale", "2")
        assert main([*args, "--resolution", "physical"]) == 2
    assert "(resolution logical then, physical now)" in capsys.readouterr().err


def test_a_bad_scale_is_refused_in_one_line(tmp_path, capsys) -> None:
    data = make_set(tmp_path / "set", 1)
    assert main(grounding(data, tmp_path / "run", "http://127.0.0.1:9/v1", "--scale", "-1")) == 2
    assert capsys.readouterr().err.strip().endswith("--scale must be a positive number, got -1")
