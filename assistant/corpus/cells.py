"""Cleaning of table cells: HTML fragments out, bullet structure kept as lines.

Every line produced here is a verbatim substring of the cell it came from (only tags are cut away and
surrounding white space stripped), so any line can be cited as an excerpt of the plan without rewriting.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"<[^>]*>")
# A new line starts at a bullet (○ ・ ※) or at an inline schedule label such as "令和5年度以降：" when it
# follows white space: the extraction flattened the document's line breaks into single spaces.
_LINE_BREAK = re.compile(
    r"\s+(?=[○・※]|(?:令和|平成)(?:元|\d+)(?:[～〜~]\s*(?:令和|平成)?\d+)?年度(?:以降|～|〜)?\s*[：:])"
)


def strip_tags(cell: str) -> list[str]:
    """Text between HTML tags, in order, without empty pieces (each piece verbatim)."""
    return [piece for piece in _TAG.split(cell) if piece.strip()]


def cell_lines(cell: str) -> list[str]:
    """Split a cell into clean lines: tags removed, one line per paragraph, list item or bullet."""
    lines: list[str] = []
    for segment in strip_tags(cell):
        for part in _LINE_BREAK.split(segment):
            part = part.strip()
            if part:
                lines.append(part)
    return lines


def plain_text(cell: str) -> str:
    """The cell's text without tags, pieces joined by one space (for names and headings)."""
    return " ".join(piece.strip() for piece in strip_tags(cell)).strip()
