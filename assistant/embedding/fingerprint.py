"""Identity of a model folder, which an index records and checks on load.

Config files count by content, weight files by size (cheap, stable). The ONNX export (``onnx/``) and the
installer's ``provenance.json`` are left out: they describe how the same model is run or where it came from,
and exporting a folder must not make its index stale (the export is checked to give the same vectors).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

IGNORED = ("onnx/", "provenance.json")


def folder_fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file() or rel.startswith(IGNORED):
            continue
        if path.suffix in {".json", ".txt", ".model"} and path.stat().st_size < 50_000_000:
            digest.update(rel.encode() + path.read_bytes())
        else:
            digest.update(f"{rel}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:32]
