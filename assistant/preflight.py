"""Start-up checks that need no model: a broken index or model folder fails in a second, not after loading.

``assistant serve`` used to find a missing or corrupt index only after importing torch and loading the
embedding model (10–15 s on the city's server), and a damaged model file surfaced as a library message
that named neither the file nor the fix. These checks run first and raise the project's one-line errors:

* the model folder: every file its ``provenance.json`` lists (written by ``assistant model install``) is
  present with its recorded size → otherwise :class:`ModelError` naming the file and
  ``assistant model install --force``. Folders without provenance (a model provided by the city) are left
  to the loader.
* the index folder: present, ``manifest.json`` readable, every listed file present with its checksum
  → otherwise :class:`IndexStateError` naming the file and ``assistant index build``.

Whether the index fits the model, corpus and tokenizer is left to :func:`assistant.index.store.load_index`
after the model has loaded: a model folder whose fingerprint changed may be a new model (rebuild the index)
or a damaged one (reinstall it), and only loading it tells which, so the message names the right command.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.errors import IndexStateError, ModelError
from assistant.settings import Settings

PROVENANCE = "provenance.json"
MODEL_FIX = "run `assistant model install --force` (or set ASSISTANT_MODEL_DIR to a complete model folder)"


def check_model_folder(model_dir: Path) -> None:
    """Raise :class:`ModelError` if a file the installer recorded is missing or has another size."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError(f"embedding model folder {model_dir} is missing; {MODEL_FIX}")
    provenance = model_dir / PROVENANCE
    if not provenance.is_file():
        return  # not installed by us: the loader reports what it finds
    try:
        files = json.loads(provenance.read_text(encoding="utf-8"))["files"]
        expected = {str(name): int(size) for name, size in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"model file {provenance} is corrupt ({type(exc).__name__}); {MODEL_FIX}") from exc
    for name, size in expected.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"model file {path} is missing; {MODEL_FIX}")
        actual = path.stat().st_size
        if actual != size:
            raise ModelError(f"model file {path} is damaged ({actual} bytes, expected {size}); {MODEL_FIX}")


def check_index_folder(index_dir: Path) -> None:
    """Raise :class:`IndexStateError` for a missing or corrupt index folder (checksums only, no model)."""
    from assistant.index.manifest import Manifest

    index_dir = Path(index_dir)
    if not index_dir.exists():
        raise IndexStateError(f"no index at {index_dir}; run `assistant index build`")
    folder = index_dir.resolve()
    manifest = Manifest.read(folder)  # names manifest.json when it is missing or corrupt
    manifest.verify_files(folder)  # names the file that is missing or fails its checksum


def preflight(settings: Settings) -> None:
    """Both checks, model first (the order the full load would find them in)."""
    check_model_folder(settings.model_dir)
    check_index_folder(settings.index_dir)
