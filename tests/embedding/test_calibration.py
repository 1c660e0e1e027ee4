"""Per-model calibration: the settings follow the selected model, explicit settings still win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.embedding import calibration
from assistant.embedding.catalogue import PROFILES, profile_of_folder
from assistant.errors import ModelError
from assistant.settings import Settings


def test_each_profile_has_a_stored_calibration() -> None:
    stored = json.loads(calibration.CATALOGUE_FILE.read_text(encoding="utf-8"))
    for name in PROFILES:
        assert {"not_found_threshold", "dense_weight", "_fitted"} <= set(stored[name]), name


def test_settings_take_the_selected_models_values(tmp_path: Path) -> None:
    values = {name: calibration.calibration_for(tmp_path, name) for name in PROFILES}
    for name in PROFILES:
        settings = Settings(model=name, models_dir=tmp_path)
        assert settings.model_dir == tmp_path / PROFILES[name].folder
        assert settings.not_found_threshold == values[name]["not_found_threshold"]
        assert settings.dense_weight == values[name]["dense_weight"]
    # The two models' scales differ, so must their thresholds (one shared constant refused nearly everything).
    assert len({v["not_found_threshold"] for v in values.values()}) == len(PROFILES)


def test_explicit_settings_win_over_the_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(model="e5-small", not_found_threshold=0.5).not_found_threshold == 0.5
    monkeypatch.setenv("ASSISTANT_DENSE_WEIGHT", "0.25")
    assert Settings(model="embeddinggemma-300m").dense_weight == 0.25


def test_a_folder_calibration_overrides_and_custom_folders_use_it(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert profile_of_folder(folder) is None
    path = calibration.store_calibration(folder, None, {"not_found_threshold": 0.42, "bogus": 1}, {"items": 3})
    assert path == folder / "calibration.json"
    settings = Settings(model_dir=folder)
    assert settings.not_found_threshold == 0.42
    assert not hasattr(settings, "bogus")


def test_provenance_names_the_profile(tmp_path: Path) -> None:
    folder = tmp_path / "anything"
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps({"profile": "e5-small"}), encoding="utf-8")
    assert profile_of_folder(folder) is PROFILES["e5-small"]


def test_unknown_model_is_one_clear_error() -> None:
    with pytest.raises(ModelError, match="unknown model 'bert'; known: embeddinggemma-300m, e5-small"):
        Settings(model="bert")
