"""Coverage outcomes of the selected model on every question set group, as JSON and a picture.

    .venv/bin/python scripts/coverage_report.py [--json docs/bench/coverage-<model>.json] [--plot]

Runs ``assistant eval --json`` (the real answering code) on the groups below and keeps, per group:
out-of-scope precision / recall / F1, in-scope questions refused, the confusion table (question group →
covered / partly / not_covered / nothing) and the reliability table (confidence → share correct).
``--plot`` draws ``docs/img/coverage.png`` from the saved ``docs/bench/coverage-*.json`` (one row per model).

Groups: ``tuning`` = dev_tuning + oos_tuning (what ``assistant model calibrate`` fits on); ``check`` = dev_check +
holdout + holdout2 + oos_check (never fitted on); ``holdout3`` and ``holdout4``, written blind for #13;
``holdout5``, written blind for #14.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "eval"
GROUPS = {
    "tuning": ("dev_tuning", "oos_tuning"),
    "check": ("dev_check", "holdout", "holdout2", "oos_check"),
    "holdout3": ("holdout3",),
    "holdout4": ("holdout4",),
    "holdout5": ("holdout5",),
}
ROWS = ("in_scope", "service", "near_miss", "nothing", "out_of_scope")
OUTCOMES = ("covered", "partly", "not_covered", "nothing")


def run_group(names: tuple[str, ...]) -> dict:
    files = [str(EVAL / f"{name}.jsonl") for name in names]
    cmd = [sys.executable, "-m", "assistant", "eval", *files, "--json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy(), check=False)
    if done.returncode:
        raise SystemExit(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "assistant eval failed")
    answers = json.loads(done.stdout)["answers"]
    return {
        "out_of_scope": {k: round(answers["out_of_scope"][k], 3) for k in ("precision", "recall", "f1")},
        "refused_in_scope": answers["refused_in_scope"],
        "n_in_scope": answers["n_in_scope"],
        "must_mention": answers["must_mention"],
        "coverage": answers["coverage"],
        "reliability": answers["reliability"],
    }


def plot(paths: list[Path], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    reports = [(p.stem.removeprefix("coverage-"), json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    colours = {"covered": "#27ae60", "partly": "#f39c12", "not_covered": "#2e86c1", "nothing": "#7f8c8d"}
    fig, axes = plt.subplots(len(reports), len(GROUPS), figsize=(3.6 * len(GROUPS), 2.6 * len(reports)), squeeze=False)
    for row, (model, report) in enumerate(reports):
        for col, group in enumerate(GROUPS):
            ax, table = axes[row][col], report[group]["coverage"]
            labels = [r for r in ROWS if r in table]
            left = [0.0] * len(labels)
            for outcome in OUTCOMES:
                shares = [table[r].get(outcome, 0) / max(1, sum(table[r].values())) for r in labels]
                ax.barh(labels, shares, left=left, color=colours[outcome], label=outcome)
                left = [a + b for a, b in zip(left, shares, strict=True)]
            oos = report[group]["out_of_scope"]
            ax.set_title(f"{model} · {group}\nOOS F1 {oos['f1']:.2f}, in-scope refused "
                         f"{report[group]['refused_in_scope']}/{report[group]['n_in_scope']}", fontsize=9)  # fmt: skip
            ax.set_xlim(0, 1)
            ax.invert_yaxis()
    axes[0][0].legend(loc="lower left", fontsize=7)
    fig.suptitle(
        "Coverage outcome per question group (share of questions; red on an out-of-scope row = answered wrongly)"
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument(
        "--plot", action="store_true", help="draw docs/img/coverage.png from docs/bench/coverage-*.json"
    )
    args = parser.parse_args(argv)
    if args.plot:
        plot(sorted((ROOT / "docs" / "bench").glob("coverage-*.json")), ROOT / "docs" / "img" / "coverage.png")
        return 0
    report = {}
    for group, names in GROUPS.items():
        report[group] = run_group(names)
        print(group, json.dumps(report[group], ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
