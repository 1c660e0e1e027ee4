"""Per-kind recall and precision of the masking rules on the labelled sample, optionally against presidio.

    .venv/bin/python scripts/pii_report.py                  # the rules (assistant/logstore/pii.py)
    .venv/bin/python scripts/pii_report.py --presidio PY    # also presidio-analyzer + GiNZA, run by PY

presidio and GiNZA are not project dependencies (ja-ginza pins sudachipy<0.7, the project runs 0.7; see
docs/privacy.md), so PY is the python of a separate virtual environment holding them; it runs
scripts/pii_presidio_spans.py on the sample's texts. Also printed: the misses and false positives, the
latency per string, and, for the plan's own text, how many lines the rules would change (must be 0).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.logstore.pii import ADDRESS, CARD, EMAIL, MY_NUMBER, NAME, PHONE, POSTAL_CODE, find_pii  # noqa: E402
from assistant.logstore.pii_sample import load_sample, score, table  # noqa: E402

KIND_OF = {PHONE: "phone", EMAIL: "email", CARD: "card", MY_NUMBER: "my_number", POSTAL_CODE: "postal",
           ADDRESS: "address", NAME: "name"}  # fmt: skip


def rules(text: str) -> list[tuple[int, int, str]]:
    return [(start, end, KIND_OF[label]) for start, end, label in find_pii(text)]


def plan_lines() -> list[str]:
    lines = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


def report(name: str, detect, examples, per_string_ms: float) -> None:
    scores = score(examples, detect)
    print(f"\n== {name}  ({per_string_ms:.3f} ms per string)")
    print(table(scores))
    for part in ("tuning", "holdout"):
        subset = [e for e in examples if e.part == part]
        print(f"-- {part} part ({len(subset)} strings)")
        print(table(score(subset, detect)))
    for kind, s in scores.items():
        for miss in s.missed:
            print(f"  missed {kind}: {miss}")
        for fp in s.false_positives:
            print(f"  false positive {kind}: {fp}")


def timed_rules(examples, rounds: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for example in examples:
            find_pii(example.text)
    return (time.perf_counter() - started) * 1000 / (rounds * len(examples))


def presidio_spans(python: str, texts: list[str]) -> tuple[list[list], dict]:
    script = ROOT / "scripts" / "pii_presidio_spans.py"
    done = subprocess.run([python, str(script)], input=json.dumps(texts), capture_output=True, text=True, check=True)
    out = json.loads(done.stdout)
    return out["spans"], out["stats"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presidio", metavar="PY", help="python of a venv with presidio-analyzer and ja-ginza")
    args = parser.parse_args()
    examples = load_sample()
    negatives = sum(1 for e in examples if not e.gold)
    print(f"sample: {len(examples)} strings, {negatives} hard negatives, {sum(len(e.gold) for e in examples)} spans")
    report("rules (assistant/logstore/pii.py)", rules, examples, timed_rules(examples))
    lines = plan_lines()
    changed = [line for line in lines if find_pii(line)]
    print(f"\nplan text: {len(lines)} lines, {len(changed)} changed by the rules")
    for line in changed:
        print(f"  changed: {line!r}")
    if args.presidio:
        spans, stats = presidio_spans(args.presidio, [e.text for e in examples])
        by_text = {e.text: [tuple(s) for s in found] for e, found in zip(examples, spans, strict=True)}
        report("presidio-analyzer + ja_ginza", lambda text: by_text[text], examples, stats["ms_per_string"])
        print(f"  load {stats['load_s']:.1f} s, peak RSS {stats['rss_mb']:.0f} MB")
        # The other way to combine them: the rules, plus presidio's names (its addresses only add noise).
        combined = {t: sorted({s for s in by_text[t] if s[2] == "name"} | set(rules(t))) for t in by_text}
        report("rules + presidio names", lambda text: combined[text], examples, stats["ms_per_string"])
        plan = presidio_spans(args.presidio, lines)[0]
        print(f"\nplan text: {sum(1 for found in plan if found)} of {len(lines)} lines changed by presidio")
    print(f"\nrules latency median over strings: {statistics.median([timed_rules([e], 5) for e in examples]):.3f} ms")


if __name__ == "__main__":
    main()
