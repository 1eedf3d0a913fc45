"""The manifest's dataset path: a folder on disk made absolute, a hub id kept as the user gave it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimo_gui.cli.eval_grounding import dataset_location


def test_a_hub_id_is_not_turned_into_a_path_under_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert dataset_location("rootsautomation/ScreenSpot") == "rootsautomation/ScreenSpot"


def test_a_folder_on_disk_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    assert dataset_location("data") == str((tmp_path / "data").resolve())
