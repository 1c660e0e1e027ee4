"""Per-model values of the settings that depend on the embedding model's score scale.

Fusion weights and the not-found / margin thresholds are cosine-scale numbers: e5-small scores nearly
everything ~0.8, EmbeddingGemma spreads its scores far wider, so a threshold fitted on one model refuses
nearly every question on the other. ``assistant model calibrate`` fits them from an evaluation file and
stores them here, per model:

* ``calibration.json`` beside this module, keyed by catalogue profile (committed, so a fresh machine has
  them);
* ``calibration.json`` inside a model folder, for a folder with no profile (``ASSISTANT_MODEL_DIR``); it
  also overrides the profile's values when present.

``Settings`` applies them to every field the user did not set explicitly (environment, ``.env`` or code).
"""

from __future__ import annotations

import json
from pathlib import Path

CATALOGUE_FILE = Path(__file__).with_name("calibration.json")
FOLDER_FILE = "calibration.json"
FIELDS = (
    "fusion",
    "rrf_k",
    "dense_weight",
    "dense_weight_foreign",
    "not_found_threshold",
    "not_found_threshold_en",
    "weak_lexical",
    "lexical_margin",
    "low_confidence_margin",
    "related_ratio",
    "policy_over_project_margin",
    "child_policy_margin",
    "coverage",
)


def read_stored(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def calibration_for(model_dir: Path, profile: str | None) -> dict[str, object]:
    """The stored calibration of a model: its profile's entry, overridden by the folder's own file."""
    values = dict(read_stored(CATALOGUE_FILE).get(profile, {})) if profile else {}
    values.update(read_stored(Path(model_dir) / FOLDER_FILE))
    return {k: v for k, v in values.items() if k in FIELDS}


def store_calibration(model_dir: Path, profile: str | None, values: dict[str, object], meta: dict) -> Path:
    """Write ``values`` (and how they were fitted) where :func:`calibration_for` finds them; return the file."""
    record = {**{k: values[k] for k in FIELDS if k in values}, "_fitted": meta}
    if profile:
        data = read_stored(CATALOGUE_FILE)
        data[profile] = record
        path = CATALOGUE_FILE
    else:
        data, path = record, Path(model_dir) / FOLDER_FILE
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path
