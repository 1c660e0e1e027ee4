"""Command line: ``assistant corpus|model|index|search|eval|ask|serve``.

Only argparse is imported at start; each command imports what it needs when it runs, so ``--help``
is instant. Errors the user can fix (:class:`AssistantError`) print one line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.cli_common import PATH_OPTIONS, print_json, settings_from_args


def _plan(args: argparse.Namespace):
    from assistant.corpus import load_plan

    return load_plan(settings_from_args(args).corpus_dir, strict=getattr(args, "strict", False))


# --- corpus --------------------------------------------------------------------------------------


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    plan = _plan(args)
    stats = plan.stats()
    if args.json:
        print_json(stats)
        return 0
    print(f"files:           {', '.join(stats['files'])}")
    print(f"基本施策:        {stats['basic_policies']}")
    print(f"個別施策:        {stats['policies']}")
    print(f"取組方針:        {stats['approaches']}")
    print(f"主要事業:        {stats['projects']}")
    print(f"所管課:          {stats['departments']}")
    for tag, count in stats["tags"].items():
        print(f"重点プロジェクト {tag}: {count}")
    for issue in plan.issues:
        print(f"warning: {issue}", file=sys.stderr)
    return 0


def cmd_corpus_show(args: argparse.Namespace) -> int:
    from assistant.errors import NotFoundError

    plan = _plan(args)
    project = plan.project(args.id)
    if project is not None:
        record = project.to_dict()
    elif (node := plan.node(args.id)) is not None:
        record = node.to_dict()
    else:
        raise NotFoundError(f"no project or policy with id {args.id!r} (ids look like H1-1/1/6, codes like H1-1)")
    if args.json:
        print_json(record)
        return 0
    for key, value in record.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        print(f"{key}: {text}")
    return 0


def cmd_corpus_export(args: argparse.Namespace) -> int:
    plan = _plan(args)
    records = [{"kind": "basic_policy", **b.to_dict()} for b in plan.basic_policies]
    records += [{"kind": "policy", **p.to_dict()} for p in plan.policies]
    records += [{"kind": "project", **p.to_dict()} for p in plan.projects]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


# --- parser --------------------------------------------------------------------------------------


def _add_paths(parser: argparse.ArgumentParser, *fields: str) -> None:
    for field in fields:
        parser.add_argument(PATH_OPTIONS[field], dest=field, type=Path, default=None, help=f"override {field}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="長崎市 実施計画 assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = sub.add_parser("corpus", help="inspect the parsed plan").add_subparsers(dest="action", required=True)
    stats = corpus.add_parser("stats", help="counts of policies, projects, departments and tags")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_corpus_stats)
    show = corpus.add_parser("show", help="one project (H1-1/1/6) or policy (H1-1)")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_corpus_show)
    export = corpus.add_parser("export", help="all records as JSON Lines")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    export.set_defaults(func=cmd_corpus_export)
    for p in (stats, show, export):
        _add_paths(p, "corpus_dir")
        p.add_argument("--strict", action="store_true", help="fail on any line the parser cannot place")

    from assistant import commands, model_commands  # small modules: register their commands lazily

    model_commands.register(sub, _add_paths)
    commands.register(sub, _add_paths)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.errors import AssistantError

    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
