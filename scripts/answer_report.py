"""Answer quality on every question set, as one table and one picture (docs/answers.md, docs/img/answers.png).

Runs ``assistant eval`` on each set with the configured model and index, keeps the answer metrics
(must_mention, refusals of in-scope questions, wrong departments / years, recall@1) and writes them as JSON;
with ``--before FILE`` (an earlier run's JSON) it also draws before/after bars of must_mention per set.

    .venv/bin/python scripts/answer_report.py --json docs/bench/answers-embeddinggemma-300m.json \
        [--before docs/bench/answers-before-14.json --plot docs/img/answers.png] [--index DIR]

Sets: ``dev_tuning`` (tuned on), ``dev_check`` (its check part), ``holdout`` and ``holdout2`` (blind, older),
``holdout3`` and ``holdout4`` (blind, #13), ``holdout5`` (blind, written for #14 and never opened while tuning).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval"
SETS = ("dev_tuning", "dev_check", "holdout", "holdout2", "holdout3", "holdout4", "holdout5")


def run_set(name: str, index: Path | None) -> dict:
    command = [str(ROOT / ".venv/bin/assistant"), "eval", str(EVAL / f"{name}.jsonl"), "--json"]
    if index is not None:
        command += ["--index", str(index)]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    answers, retrieval = report["answers"], report["retrieval"]
    return {
        "n_in_scope": answers["n_in_scope"],
        "must_mention": answers["must_mention"],
        "refused_in_scope": answers["refused_in_scope"],
        "wrong_department": answers["wrong_department"],
        "n_who": answers["n_who"],
        "wrong_year": answers["wrong_year"],
        "n_when": answers["n_when"],
        "recall@1": retrieval["recall@1"],
        "recall@5": retrieval["recall@5"],
    }


def plot(before: dict, after: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in SETS if name in after]
    x = range(len(names))
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.bar([i - 0.2 for i in x], [before.get(n, {}).get("must_mention", 0) for n in names], 0.4, label="before #14")
    ax.bar([i + 0.2 for i in x], [after[n]["must_mention"] for n in names], 0.4, label="after #14")
    ax.axhline(0.9, color="grey", linestyle="--", linewidth=1, label="target 0.90")
    ax.set_xticks(list(x), names)
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel("must_mention")
    ax.set_title("Answers that show the plan's key phrase (answer + first 3 citations)")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, required=True, help="where to write this run's numbers")
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--before", type=Path, default=None, help="an earlier run's JSON, for the plot")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "answers.png")
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args()
    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores: one eval each
        results = dict(zip(args.sets, pool.map(lambda name: run_set(name, args.index), args.sets), strict=True))
    args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for name, row in results.items():
        print(f"{name:11s} must_mention {row['must_mention']:.3f}  refused {row['refused_in_scope']}/{row['n_in_scope']}"
              f"  wrong dept {row['wrong_department']}/{row['n_who']}  wrong year {row['wrong_year']}/{row['n_when']}"
              f"  R@1 {row['recall@1']:.3f}")  # fmt: skip
    if args.before is not None:
        plot(json.loads(args.before.read_text(encoding="utf-8")), results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    sys.exit(main())
