"""Helpers every command shares: settings from the command's path options, JSON output, progress lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

PATH_OPTIONS = {"corpus_dir": "--corpus", "index_dir": "--index", "model_dir": "--model"}


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def settings_from_args(args: argparse.Namespace):
    """``Settings`` (environment, .env) with any ``--corpus/--index/--model`` given on the command line."""
    from assistant.settings import Settings

    overrides = {f: getattr(args, f) for f in PATH_OPTIONS if getattr(args, f, None) is not None}
    return Settings(**overrides)


def stage_printer(label: str) -> Callable[[str, int, int], None]:
    """A ``progress(stage, done, total)`` callback: one redrawn stderr line on a terminal, plain lines otherwise."""

    def progress(stage: str, done: int, total: int) -> None:
        if sys.stderr.isatty():
            pct = 100 * done // total if total else 100
            end = "\n" if done >= total else ""
            print(f"\r[{label}] {stage:<10} {done}/{total} ({pct}%)", end=end, file=sys.stderr, flush=True)
        elif done == 0 or done >= total:
            state = "done" if done >= total else "..."
            print(f"[{label}] {stage} {state}", file=sys.stderr, flush=True)

    return progress
