"""``--format hf --data owner/name``: a hub id, through ``datasets.load_dataset``, then offline.

A loopback stand-in for the hub (`dataset_hub.DatasetHub`, via ``HF_ENDPOINT``) serves the
repositories as the hub lays them out (``data/test-00000-of-00001.parquet``). Each load runs in
a fresh interpreter, since huggingface_hub and datasets read ``HF_ENDPOINT``, ``HF_HOME`` and
``HF_HUB_OFFLINE`` once, at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .dataset_hub import DatasetHub
from .make_datasets import draw_screen, make_published, published_row

pytest.importorskip("datasets")

_LOAD = """
import json, sys
from pathlib import Path
from mimo_gui.actions import ConfigError
from mimo_gui.eval.datasets import annotation_files, dataset_fingerprint, load_dataset
for name in sys.argv[1:]:
    try:
        samples = load_dataset("hf", Path(name))
        files = annotation_files("hf", Path(name))
        said = {
            "samples": [
                {"id": s.id, "image": str(s.image), "box": [s.box.x1, s.box.y1, s.box.x2, s.box.y2], "tags": s.tags}
                for s in samples
            ],
            "files": [str(f) for f in files],
            "fingerprint": dataset_fingerprint(files),
        }
    except ConfigError as exc:
        said = {"error": str(exc)}
    print(json.dumps(said))
"""

TARGET = (100, 50, 180, 90)


def load_by_id(names: list[str], hf_home: Path, hub: DatasetHub, *, offline: bool) -> list[dict[str, Any]]:
    """``load_dataset("hf", name)`` for each name in a fresh interpreter; one answer per name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(hf_home), HF_ENDPOINT=hub.url, HF_HUB_DISABLE_TELEMETRY="1")
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", _LOAD, *names], capture_output=True, text=True, env=env, timeout=240
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def hub_repo(root: Path, layout: str, screen: Path) -> Path:
    """A dataset repository's files as the hub holds them: one parquet shard of the test split."""
    (root / "data").mkdir(parents=True)
    rows = [published_row(layout, screen, TARGET), published_row(layout, screen, TARGET)]
    make_published(layout, rows).to_parquet(str(root / "data" / "test-00000-of-00001.parquet"))
    return root


def test_a_hub_id_loads_through_datasets_then_from_the_cache_offline(tmp_path: Path) -> None:
    screen = draw_screen(tmp_path / "screen.png", [TARGET], size=(400, 250))
    hub = DatasetHub(
        {
            "rootsautomation/ScreenSpot": hub_repo(tmp_path / "r1", "rootsautomation/ScreenSpot", screen),
            "lscpku/ScreenSpot-v2": hub_repo(tmp_path / "r2", "lscpku/ScreenSpot-v2", screen),
        }
    )
    ids = ["rootsautomation/ScreenSpot", "lscpku/ScreenSpot-v2", "mimo-gui-tests/absent"]
    try:
        online = load_by_id(ids, tmp_path / "hf", hub, offline=False)
        asked_online = list(hub.requests)
        offline = load_by_id(ids, tmp_path / "hf", hub, offline=True)
        asked_offline = hub.requests[len(asked_online) :]
    finally:
        hub.close()

    screenspot, xiaomi, absent = online
    # Fractions (rootsautomation) and pixel x, y, w, h (lscpku) both end as the painted corners.
    for said in (screenspot, xiaomi):
        assert [s["box"] for s in said["samples"]] == [pytest.approx(list(TARGET))] * 2
        assert Path(said["samples"][0]["image"]).read_bytes() == screen.read_bytes()
    assert [s["id"] for s in screenspot["samples"]] == ["ScreenSpot/test:0", "ScreenSpot/test:1"]
    assert screenspot["samples"][0]["tags"] == {"data_type": "icon", "data_source": "ios", "split": "test"}
    assert xiaomi["samples"][0]["tags"]["split"] == "mobile"
    # The images are written beside the dataset in the Hugging Face cache, and so are the files read.
    cache = tmp_path / "hf" / "datasets"
    assert Path(screenspot["samples"][0]["image"]).is_relative_to(cache)
    assert all(Path(f).is_relative_to(cache) for f in screenspot["files"])
    assert "the hub has no such dataset" in absent["error"] and "\n" not in absent["error"]
    assert any("/datasets/rootsautomation/ScreenSpot/resolve/" in r for r in asked_online)

    # Offline: the same samples from the cache, and not one request to the hub.
    assert offline[0] == screenspot
    assert offline[1] == xiaomi
    assert "not in the local Hugging Face cache and the hub cannot be reached" in offline[2]["error"]
    assert asked_offline == []
