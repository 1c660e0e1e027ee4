"""所管課 (responsible departments) from the bracketed text of a project's name cell.

Written forms seen in the plan: ``【A】``, ``【A】・【B】``, ``【A・B】``, ``【A、B】`` and the abbreviated
``【香焼、伊王島、高島、野母崎、三和、外海地域センター】`` where the members share the last member's suffix
(香焼 means 香焼地域センター). Abbreviated members are expanded so each department is a full name that a
call-center operator can read out.
"""

from __future__ import annotations

import re

# Endings that make a member a complete department name on its own.
DEPARTMENT_ENDINGS: tuple[str, ...] = ("課", "室", "所", "局", "部", "センター", "係", "班", "事務所")
# Where a shared suffix starts inside the last member of an abbreviated list.
SHARED_SUFFIX_HEADS: tuple[str, ...] = ("地域センター", "総合事務所", "支所", "行政センター")

_BRACKET = re.compile(r"【([^】]*)】")
_SEPARATOR = re.compile(r"[、・,，]")


def department_text(name_cell: str) -> str:
    """The bracketed department part of a name cell, from the first 【 to the last 】."""
    start, end = name_cell.find("【"), name_cell.rfind("】")
    if start < 0 or end < start:
        return ""
    return name_cell[start : end + 1]


def shared_suffix(member: str) -> str | None:
    """The suffix an abbreviated list shares, taken from its complete last member."""
    positions = [member.find(head) for head in SHARED_SUFFIX_HEADS if member.find(head) > 0]
    return member[min(positions) :] if positions else None


def split_departments(text: str) -> list[str]:
    """All departments named in ``text`` (one or more 【…】 groups), expanded and without duplicates."""
    found: list[str] = []
    for group in _BRACKET.findall(text):
        members = [m.strip() for m in _SEPARATOR.split(group) if m.strip()]
        if not members:
            continue
        suffix = shared_suffix(members[-1])
        for member in members:
            if suffix and not member.endswith(DEPARTMENT_ENDINGS):
                member += suffix
            if member not in found:
                found.append(member)
    return found
