"""Jinja2 set-up for the HTML pages: one autoescaping environment over ``web/templates`` plus small filters.

Highlighted excerpts are never marked safe: :func:`highlight_pieces` splits an excerpt into
``(text, marked)`` pieces and the template wraps the marked ones in ``<mark>``, escaping every piece.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates

from assistant.corpus.wareki import format_fiscal_year, format_span

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "web" / "templates"
STATIC_DIR = ROOT / "web" / "static"
WIDGET_JS = STATIC_DIR / "widget.js"


def highlight_pieces(text: str, highlights: Iterable[Sequence[int]] | None) -> list[tuple[str, bool]]:
    """``("abcdef", [(1, 3)])`` → ``[("a", False), ("bc", True), ("def", False)]``.

    Ranges are clipped to the text, sorted and merged, so overlapping or out-of-range offsets are harmless.
    """
    spans: list[list[int]] = []
    for pair in highlights or ():
        if len(pair) != 2:
            continue
        start, end = max(0, int(pair[0])), min(len(text), int(pair[1]))
        if start >= end:
            continue
        spans.append([start, end])
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in merged:
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < len(text) or not pieces:
        pieces.append((text[cursor:], False))
    return pieces


def source_label(source: dict | None) -> str:
    """``{"file": "x.txt", "line_start": 54, "line_end": 56}`` → ``x.txt 54～56行目``."""
    if not source:
        return ""
    start, end = source.get("line_start"), source.get("line_end")
    lines = f"{start}行目" if start == end or end is None else f"{start}～{end}行目"
    return f"{source.get('file', '')} {lines}".strip()


def path_label(path: dict | None) -> str:
    """A citation path dict → ``H1 … > H1-1 … > 取組方針1 …`` (the approach may be missing for policies)."""
    if not path:
        return ""
    parts = []
    for key in ("basic_policy", "policy"):
        node = path.get(key) or {}
        if node:
            parts.append(f"{node.get('code', '')} {node.get('title', '')}".strip())
    approach = path.get("approach") or {}
    if approach:
        parts.append(f"取組方針{approach.get('number', '')} {approach.get('title', '')}".strip())
    return " > ".join(parts)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fiscal_year"] = format_fiscal_year
    env.filters["span"] = format_span
    env.filters["source_label"] = source_label
    env.filters["path_label"] = path_label
    env.globals["highlight_pieces"] = highlight_pieces
    return env


templates = Jinja2Templates(env=_environment())
