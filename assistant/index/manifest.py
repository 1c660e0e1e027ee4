"""``manifest.json``: what an index folder was built from, checked on every load.

An index is only valid for the corpus, model and tokenizer it was built with. Loading compares the
manifest with the current settings, corpus hash and model folder and names exactly what is stale; file
checksums catch a truncated or corrupted file before FAISS or bm25s trip over it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from assistant.errors import IndexStateError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PACKAGES = ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "sudachipy", "sudachidict-core")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


@dataclass
class Manifest:
    model_name: str
    model_dim: int
    model_fingerprint: str
    tokenizer: str
    corpus_hash: str
    faiss_factory: str
    n_chunks: int
    n_docs: int
    built_at: str
    build_seconds: float
    chunk_chars: int
    packages: dict[str, str] = field(default_factory=package_versions)
    files: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def write(self, folder: Path) -> None:
        self.files = {
            p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        }
        (folder / MANIFEST).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise IndexStateError(f"no index at {folder} ({MANIFEST} missing); run `assistant index build`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise IndexStateError(f"{path} is corrupt ({exc}); run `assistant index build`") from exc

    def verify_files(self, folder: Path) -> None:
        """Every file listed is present with the recorded checksum."""
        for name, digest in self.files.items():
            path = folder / name
            if not path.is_file():
                raise IndexStateError(f"index file {path} is missing; run `assistant index build`")
            if file_sha256(path) != digest:
                raise IndexStateError(f"index file {path} is corrupt (checksum mismatch); run `assistant index build`")

    def staleness(self, *, corpus_hash: str, model_fingerprint: str, model_dim: int, tokenizer: str) -> list[str]:
        """Human-readable reasons why this index does not fit the current corpus, model or tokenizer."""
        reasons = []
        if self.format_version != FORMAT_VERSION:
            reasons.append(f"index format {self.format_version} (this version reads {FORMAT_VERSION})")
        if self.corpus_hash != corpus_hash:
            reasons.append("the corpus has changed since the index was built")
        if self.model_fingerprint != model_fingerprint or self.model_dim != model_dim:
            reasons.append(f"built with model {self.model_name!r} ({self.model_dim} dims), not the configured one")
        if self.tokenizer != tokenizer:
            reasons.append(f"built with tokenizer {self.tokenizer}, settings ask for {tokenizer}")
        return reasons
