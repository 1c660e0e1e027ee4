"""Every catalogue model on every evaluation file, lexical / dense / hybrid, in one run: the table that decides
the default model.

    .venv/bin/python scripts/compare_models.py [--models embeddinggemma-300m,e5-small] [--json PATH]
        [--index-root index] [FILE ...]

Each model is served from ``<index-root>/<profile>/current`` (built there if missing) with its own stored
calibration, exactly as ``assistant eval`` would run it with ``ASSISTANT_MODEL=<profile>``. Files default to
the dev set (tuned on) and the held-out sets (never tuned on). Hybrid rows also score the answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval"
DEFAULT_FILES = [EVAL / "dev_tuning.jsonl", EVAL / "dev_check.jsonl", EVAL / "holdout.jsonl", EVAL / "holdout2.jsonl"]
COLUMNS = ["recall@1", "recall@5", "mrr@10", "list_recall@10", "en mrr", "must_mention", "oos F1"]


def runtime_for(model: str, index_root: Path):
    from assistant.corpus import load_plan
    from assistant.index.build import build_index
    from assistant.runtime import load_runtime, make_encoder, make_tokenizer
    from assistant.settings import Settings

    settings = Settings(model=model, index_dir=index_root / model / "current")
    if not (settings.index_dir / "manifest.json").is_file():
        print(f"building {settings.index_dir}", file=sys.stderr)
        build_index(
            load_plan(settings.corpus_dir), settings.index_dir, make_encoder(settings), make_tokenizer(settings)
        )
    return load_runtime(settings)


def row(report: dict) -> list:
    retrieval = report["retrieval"]
    answers = report.get("answers") or {}
    en = report["by_lang"].get("en", {}).get("mrr@10")
    f1 = (answers.get("out_of_scope") or {}).get("f1")
    return [*(retrieval[k] for k in COLUMNS[:4]), en, answers.get("must_mention"), f1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--models", default="embeddinggemma-300m,e5-small")
    parser.add_argument("--index-root", type=Path, default=ROOT / "index")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from assistant.answer.service import Answerer
    from assistant.evaluation.dataset import load_dataset
    from assistant.evaluation.report import table
    from assistant.evaluation.runner import evaluate

    rows, data = [], {}
    for model in args.models.split(","):
        runtime = runtime_for(model, args.index_root)
        for path in args.files:
            items = load_dataset(path)
            for retriever in ("lexical", "dense", "hybrid"):
                answerer = None
                if retriever == "hybrid":
                    answerer = Answerer(runtime.plan, runtime.searcher, runtime.settings)
                report = evaluate(runtime, items, retriever=retriever, answerer=answerer)
                values = row(report)
                rows.append([model, path.stem, retriever, *values])
                data.setdefault(model, {}).setdefault(path.stem, {})[retriever] = dict(
                    zip(COLUMNS, values, strict=True)
                )
                print(" ".join(str(v) for v in rows[-1]), file=sys.stderr)
    print(table(["model", "set", "retriever", *COLUMNS], rows))
    if args.json:
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
