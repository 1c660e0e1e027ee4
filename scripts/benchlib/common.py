"""Statistics, /proc readings, cache-missing questions, progress lines and tables for the benchmarks.

The machines this runs on are small and shared, so every figure comes with the means to judge it: a
:class:`CpuMeter` says how many cores *other* processes took during a measurement (from ``/proc/stat``
minus our own processes' ``/proc/<pid>/stat``), and :func:`across_rounds` reports the spread of a figure
over repeated rounds next to its median.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "data" / "eval" / "dev_tuning.jsonl"
CLK_TCK = os.sysconf("SC_CLK_TCK")
_STARTED = time.monotonic()

# Ways people wrap a question; each combination makes a new text, so no cache (embedding or answer)
# has seen it, while the question itself (and so the work to answer it) stays realistic.
JA_PREFIXES = [
    "",
    "すみません、",
    "あの、",
    "質問です。",
    "ちょっと伺いますが、",
    "恐れ入りますが、",
    "市民です。",
    "確認ですが、",
]
JA_SUFFIXES = [
    "",
    " 教えてください。",
    " よろしくお願いします。",
    "（確認です）",
    " 知りたいです。",
    " わかりますか？",
    " お願いします。",
    " 詳しく。",
]
EN_PREFIXES = [
    "",
    "Hi, ",
    "Quick question: ",
    "Excuse me, ",
    "Hello. ",
    "Please help: ",
    "One more: ",
    "Citizen here. ",
]
EN_SUFFIXES = ["", " Thanks.", " Please.", " (just checking)", " Thank you!", " Any idea?", " Cheers.", " In detail."]


def log(message: str) -> None:
    """A progress line on stderr, stamped with seconds since the script started."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def dev_questions() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def fresh_questions(seed: int = 7) -> Iterator[str]:
    """Distinct question texts: the dev set as written, then each wrapping of it (64 variants × 144)."""
    items = dev_questions()
    rng = random.Random(seed)
    variants = [(p, s) for s in range(len(JA_SUFFIXES)) for p in range(len(JA_PREFIXES))]
    seen: set[str] = set()
    for p, s in variants:
        order = items[:]
        rng.shuffle(order)  # mix kinds and languages within every stretch of the stream
        for item in order:
            en = item.get("lang") == "en"
            prefix = (EN_PREFIXES if en else JA_PREFIXES)[p]
            suffix = (EN_SUFFIXES if en else JA_SUFFIXES)[s]
            text = f"{prefix}{item['question']}{suffix}"
            if text not in seen:
                seen.add(text)
                yield text


def summarize(values_ms: list[float]) -> dict:
    """n, p50/p95/p99, mean, min, max and IQR of latencies (ms), rounded for reading."""
    if not values_ms:
        return {"n": 0}
    a = np.asarray(values_ms, dtype=float)
    q25, p50, q75, p95, p99 = np.percentile(a, [25, 50, 75, 95, 99])
    out = {"n": len(a), "p50": p50, "p95": p95, "p99": p99, "mean": a.mean(), "min": a.min(), "max": a.max()}
    out["iqr"] = q75 - q25
    return {k: (v if k == "n" else round(float(v), 3)) for k, v in out.items()}


def across_rounds(values: list[float]) -> dict:
    """Median of one figure over rounds, with its spread ((max − min) / median) as the noise measure."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "rounds": []}
    med = statistics.median(values)
    spread = (max(values) - min(values)) / med if med else 0.0
    return {"median": round(med, 3), "spread": round(spread, 3), "rounds": [round(v, 3) for v in values]}


def proc_status(pid: int | str = "self") -> dict:
    """VmRSS, VmHWM (peak RSS), RssAnon/RssFile and Pss of a process in MB, from /proc/<pid>/status and smaps_rollup."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    try:  # PSS: resident pages with shared ones divided among their sharers (what a process really costs)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "Pss":
                out["Pss"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def _proc_jiffies(pid: int | str, children: bool = False) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # After ")": state is field 3, utime 14, stime 15, cutime 16, cstime 17 (1-based, man proc).
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if children else 0)


def _machine_jiffies() -> tuple[int, int]:
    # cpu  user nice system idle iowait irq softirq steal ...: busy time of this VM's processes, and steal
    # (time the hypervisor gave this VM's CPUs to other guests).
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values[:7]) - values[3] - values[4], values[7]


class CpuMeter:
    """Cores used by other processes of this machine, and stolen by the hypervisor, during a measurement.

    ``pids`` may grow inside the block (a server started in it): a process counts from its own start.
    ``cpu_s`` is the CPU time each of ours used (``"self"`` includes waited-for children), which, unlike
    wall time, hardly depends on what else the machine is doing.
    """

    def __init__(self, pids: list[int] | None = None) -> None:
        self.pids = pids if pids is not None else []

    def _own(self) -> dict:
        return {"self": _proc_jiffies("self", children=True)} | {p: _proc_jiffies(p) for p in self.pids}

    def __enter__(self) -> CpuMeter:
        self.t0, self.own0, (self.busy0, self.steal0) = time.monotonic(), self._own(), _machine_jiffies()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = max(1e-6, time.monotonic() - self.t0)
        busy, steal = _machine_jiffies()
        self.cpu_s = {k: (v - self.own0.get(k, 0)) / CLK_TCK for k, v in self._own().items()}
        own = sum(self.cpu_s.values())
        self.own_cores = own / self.wall
        self.foreign_cores = max(0.0, (busy - self.busy0) / CLK_TCK / self.wall - self.own_cores)
        self.steal_cores = (steal - self.steal0) / CLK_TCK / self.wall

    def to_dict(self) -> dict:
        return {k: round(getattr(self, k), 2) for k in ("own_cores", "foreign_cores", "steal_cores")}


def machine() -> dict:
    """What the numbers were measured on."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_1m_at_start": float(Path("/proc/loadavg").read_text().split()[0]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def table(headers: list[str], rows: list[list]) -> str:
    """A plain aligned table (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row, raw in zip(cells, rows, strict=True):
        parts = []
        for c, v, w in zip(row, raw, widths, strict=True):
            parts.append(c.rjust(w) if isinstance(v, int | float) else c.ljust(w))
        lines.append("  ".join(parts))
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1 else f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def write_json(path: Path | str, data: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
