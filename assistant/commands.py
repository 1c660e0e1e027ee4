"""Sub-commands of the later pipeline stages (index, search, eval, ask, serve), kept out of cli.py.

Each handler imports its stage only when it runs, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from assistant.cli_common import print_json, settings_from_args, stage_printer

AddPaths = Callable[..., None]


def cmd_index_build(args: argparse.Namespace) -> int:
    from assistant.corpus import load_plan
    from assistant.index.build import build_index
    from assistant.runtime import make_encoder, make_tokenizer

    settings = settings_from_args(args)
    plan = load_plan(settings.corpus_dir)
    print(f"building index for {len(plan.projects)} projects from {settings.corpus_dir}", file=sys.stderr)
    folder, stats = build_index(
        plan,
        settings.index_dir,
        make_encoder(settings),
        make_tokenizer(settings),
        factory=settings.faiss_factory,
        ann_threshold=settings.ann_threshold,
        chunk_chars=settings.chunk_chars,
        progress=stage_printer("index"),
    )
    print(
        f"index ready: {settings.index_dir} -> {folder.name} ({stats['chunks']} chunks, "
        f"{stats['embedded']} embedded, {stats['reused']} reused, {stats['seconds']:.1f} s)"
    )
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from assistant.runtime import load_runtime

    runtime = load_runtime(settings_from_args(args))
    manifest = asdict(runtime.index.manifest)
    manifest.pop("files")
    print_json({"status": "ok", "folder": str(runtime.index.folder), **manifest})
    return 0


def _filters(args: argparse.Namespace):
    from assistant.corpus.wareki import years_in_text
    from assistant.retrieval.types import Filters

    year = None
    if args.year:
        years = years_in_text(str(args.year)) or ([int(args.year)] if str(args.year).isdigit() else [])
        if not years:
            from assistant.errors import AssistantError

            raise AssistantError(f"cannot read year {args.year!r} (use 2027, 2027年度 or 令和9年度)")
        year = years[0]
    return Filters(department=args.department, policy=args.policy, tag=args.tag, year=year)


def cmd_search(args: argparse.Namespace) -> int:
    from assistant.runtime import load_runtime

    runtime = load_runtime(settings_from_args(args))
    results = runtime.searcher.search(args.query, k=args.k, filters=_filters(args), mode=args.retriever)
    if args.json:
        print_json(
            {
                "query": results.query,
                "took_ms": round(results.took_ms, 2),
                "results": [h.to_dict() for h in results.hits],
            }
        )
        return 0
    if not results.hits:
        print("該当する記載は見つかりませんでした。")
    for rank, hit in enumerate(results.hits, start=1):
        print(f"{rank:>2}. [{hit.id}] {hit.name}  {'・'.join(hit.departments)}  ({hit.score:.4f})")
        print(f"    {hit.excerpt[:120]}")
    return 0


DEFAULT_SHARED_STATE = "sqlite:///data/state.sqlite3"


def use_shared_state(settings, workers: int) -> str | None:
    """With several workers and no ``state_url``, share state through a SQLite file under data/ (per-process
    state would give each worker its own rate limit, N × the limit, and its own sessions). Returns the line
    that says so, or None when nothing was changed."""
    if workers <= 1 or settings.state_url.strip():
        return None
    settings.state_url = DEFAULT_SHARED_STATE
    return (
        f"{workers} workers share rate limits and sessions through {DEFAULT_SHARED_STATE} "
        "(ASSISTANT_STATE_URL chooses another store; redis://host:6379/0 for several hosts)"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from assistant.errors import AssistantError, ModelError
    from assistant.preflight import MODEL_FIX, preflight

    settings = settings_from_args(args)
    workers = args.workers if args.workers is not None else settings.workers
    if workers < 1:
        raise AssistantError(f"--workers must be at least 1 (got {workers})")
    # Load before binding the port: a missing or stale model/index fails here with one clear line. The cheap
    # checks come first, even before the web stack is imported, so a broken index or model folder is
    # reported in a second rather than after torch and the model have loaded.
    preflight(settings)
    from assistant.api.ratelimit import storage_for
    from assistant.api.server import run

    note = use_shared_state(settings, workers)
    if note:
        print(note, file=sys.stderr)
    try:
        store = storage_for(settings.state_url)  # an unusable state_url fails here, not in every worker
    except Exception as exc:
        raise AssistantError(f"state_url {settings.state_url!r} cannot be used: {exc}") from exc
    if settings.state_url.strip() and not store.check():
        print(
            f"warning: {settings.state_url} does not answer; each process counts alone until it does", file=sys.stderr
        )
    services = None
    if workers == 1:
        from assistant.api.services import Services

        try:
            services = Services.load(settings)
        except ModelError as exc:
            if "assistant model install" in str(exc):
                raise
            raise ModelError(f"{exc}; {MODEL_FIX}") from exc
    host = args.host or settings.host
    port = args.port or settings.port
    extra = f", {workers} workers (each loads the model)" if workers > 1 else ""
    print(f"serving on http://{host}:{port}{extra}", file=sys.stderr)
    run(settings, host, port, workers=workers, services=services)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.answer.service import Answerer
    from assistant.runtime import load_runtime

    runtime = load_runtime(settings_from_args(args))
    reply = Answerer(runtime.plan, runtime.searcher, runtime.settings).answer(args.question, None)
    if args.json:
        data = {
            "session_id": reply.session_id,
            "answer": reply.answer,
            "answer_type": reply.answer_type,
            "confidence": reply.confidence,
            "coverage": reply.coverage,
            "citations": [c.to_dict() for c in reply.citations],
            "handoff": reply.handoff,
            "suggestions": reply.suggestions,
            "detail": reply.detail,
            "choices": reply.choices,
        }
        print_json(data)
        return 0
    print(reply.answer)
    if reply.detail:
        print("\n" + reply.detail)
    for c in reply.citations[:5]:
        print(f"  出典: [{c.id}] {c.name}（{'・'.join(c.departments)}） L{c.source['line_start']}: {c.excerpt[:80]}")
    return 0


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--department", help="所管課, e.g. DX推進課")
    parser.add_argument("--policy", help="基本施策 or 個別施策 code, e.g. H3-3")
    parser.add_argument("--tag", help="重点プロジェクト, e.g. 新市役所創造")
    parser.add_argument("--year", help="fiscal year: 2027, 2027年度 or 令和9年度")


def register(sub: argparse._SubParsersAction, add_paths: AddPaths) -> None:
    """Add the stage commands to the top-level parser."""
    index = sub.add_parser("index", help="build or check the search index").add_subparsers(dest="action", required=True)
    build = index.add_parser("build", help="build the index (atomic; re-embeds only changed chunks)")
    build.set_defaults(func=cmd_index_build)
    status = index.add_parser("status", help="load the index and print its manifest (fails if stale)")
    status.set_defaults(func=cmd_index_status)

    search = sub.add_parser("search", help="hybrid search over the plan")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=10)
    search.add_argument("--retriever", choices=["lexical", "dense", "hybrid"], default="hybrid")
    search.add_argument("--json", action="store_true")
    add_filter_args(search)
    search.set_defaults(func=cmd_search)

    ask = sub.add_parser("ask", help="answer one question as the chat would")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="serve the API, pages and widget with uvicorn")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default: settings.workers, 1); each loads the model, ~0.7 GB more apiece; "
        "with more than one, rate limits and sessions go to state_url (default sqlite:///data/state.sqlite3)",
    )
    serve.set_defaults(func=cmd_serve)

    for p in (build, status, search, ask, serve):
        add_paths(p, "corpus_dir", "index_dir", "model_dir")

    from assistant.evaluation.runner import add_eval_parser  # argparse only; the evaluator loads on use

    add_eval_parser(sub, add_paths)
