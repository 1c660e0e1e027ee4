"""Staged, atomic, idempotent installation of a model folder, shared by every catalogue profile.

A profile's ``build(staging, progress)`` writes the folder's files into a temporary sibling of the target;
``provenance.json`` then records what it was built from (``expected``) and the size of every file, and the
folder is renamed into place. A target that already holds a matching provenance with all its files at their
recorded sizes is left alone, so a second install is a no-op and an interrupted one leaves no half folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

PROVENANCE_FILE = "provenance.json"
Progress = Callable[[str, int, int], None]


def read_provenance(target: Path) -> dict | None:
    try:
        record = json.loads((Path(target) / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_installed(target: Path, expected: Mapping[str, object]) -> bool:
    """True if ``target`` was built from ``expected`` and every recorded file is there at its size (no hashing)."""
    record = read_provenance(target)
    if record is None or any(record.get(k) != v for k, v in expected.items()):
        return False
    files = record.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for name, size in files.items():
        path = Path(target) / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return True


def staged_install(
    target: Path,
    expected: Mapping[str, object],
    build: Callable[[Path, Progress | None], Mapping[str, object] | None],
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Build ``target`` through a staging folder unless it is already installed from ``expected``.

    ``build`` may return extra provenance fields (e.g. a measured hash); they are recorded too.
    """
    target = Path(target)
    if not force and is_installed(target, expected):
        if progress:
            progress("up-to-date", 1, 1)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_abandoned(target)
    # Same parent folder, so the final rename stays on one filesystem (atomic).
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        extra = build(staging, progress) or {}
        write_provenance(staging, {**expected, **extra})
        _make_readable(staging)
        _move_into_place(staging, target, expected)
    except BaseException:
        # Also on KeyboardInterrupt: never leave a half-written folder behind.
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def remove_abandoned(target: Path) -> None:
    """Delete staging folders of installs whose process is gone (killed: no cleanup ran; gigabytes each)."""
    for folder in target.parent.glob(f".{target.name}.tmp-*"):
        pid = folder.name.removeprefix(f".{target.name}.tmp-").split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_provenance(folder: Path, record: Mapping[str, object]) -> None:
    files = {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != PROVENANCE_FILE
    }
    text = json.dumps({**record, "files": files}, indent=2, ensure_ascii=False) + "\n"
    (folder / PROVENANCE_FILE).write_text(text, encoding="utf-8")


def _move_into_place(staging: Path, target: Path, expected: Mapping[str, object]) -> None:
    if not target.exists():
        try:
            staging.rename(target)
            return
        except OSError:
            # Another process installed concurrently; accept its result if valid.
            if is_installed(target, expected):
                shutil.rmtree(staging, ignore_errors=True)
                return
            if not target.exists():
                raise
    # Replacing an existing folder is two renames; the old copy is kept until
    # the new one is in place, so an interruption never leaves neither.
    retired = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
    target.rename(retired)
    try:
        staging.rename(target)
    except BaseException:
        retired.rename(target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    # mkdtemp creates 0700 and safetensors writes 0600; an installed model is
    # shared data (e.g. read by a service user), so use the usual modes.
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
