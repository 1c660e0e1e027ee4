"""What gets indexed: one or more chunks per project row and one per 基本施策 / 個別施策 node.

A project chunk carries the row's name, departments and policy path titles (so 「DX推進課」 or
「未収金対策」 find it) and as many 事業概要 lines as fit in ``max_chars``; longer rows are split, each
chunk repeating the header and pointing to the same row. A policy chunk carries the code, title,
めざす姿 and 取組方針 titles, so questions about goals find the policy itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.corpus.models import BasicPolicy, Policy, Project
from assistant.corpus.plan import Plan


@dataclass(frozen=True, slots=True)
class Chunk:
    """A unit of retrieval. ``lines`` are the verbatim plan strings this chunk may cite."""

    chunk_id: str
    doc_id: str
    kind: str  # "project" | "policy"
    text: str
    lines: tuple[str, ...]
    scope: str = "row"  # "row": BM25 and dense; "line": one citable sentence, dense only
    keywords: str = ""  # BM25 only: the row's policy code (H3-1-2), which would only blur the embedding

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["lines"] = list(self.lines)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        return cls(
            data["chunk_id"],
            data["doc_id"],
            data["kind"],
            data["text"],
            tuple(data["lines"]),
            data.get("scope", "row"),
            data.get("keywords", ""),
        )


CHUNKS_FILE = "chunks.jsonl"


def write_chunks(folder: Path, chunks: list[Chunk]) -> None:
    text = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks)
    (folder / CHUNKS_FILE).write_text(text, encoding="utf-8")


def read_chunks(folder: Path) -> list[Chunk]:
    lines = (folder / CHUNKS_FILE).read_text(encoding="utf-8").splitlines()
    return [Chunk.from_dict(json.loads(line)) for line in lines]


def project_chunks(project: Project, max_chars: int, everyday: tuple[str, ...] = ()) -> list[Chunk]:
    """The row's searchable text in chunks of about ``max_chars``, each with the row's header. ``everyday``
    words (corpus/everyday.json) join the header, so BM25 and the row's embedding know what residents call
    it; they are never among ``lines``, so they are never quoted."""
    header = "\n".join(
        [
            project.name,
            "所管課：" + "、".join(project.departments),
            f"{project.path.policy_title} ／ {project.path.approach_title}",
        ]
        + (["重点プロジェクト：" + "、".join(project.tags)] if project.tags else [])
        + (["よく使われる言い方：" + "、".join(everyday)] if everyday else [])
    )
    groups: list[list[str]] = [[]]
    size = len(header)
    for line in project.summary_lines:
        if groups[-1] and size + len(line) + 1 > max_chars:
            groups.append([])
            size = len(header)
        groups[-1].append(line)
        size += len(line) + 1
    return [
        Chunk(
            chunk_id=f"{project.id}#{n}",
            doc_id=project.id,
            kind="project",
            text=header + "\n" + "\n".join(lines),
            lines=(project.name, *lines),
            keywords=f"{project.path.policy_code}-{project.path.approach_number}",
        )
        for n, lines in enumerate(groups)
    ]


def policy_chunk(node: BasicPolicy | Policy) -> Chunk:
    children = [p.title for p in node.policies] if isinstance(node, BasicPolicy) else [a.title for a in node.approaches]
    label = "個別施策" if isinstance(node, BasicPolicy) else "取組方針"
    goal_lines = [node.goal.target + node.goal.intent] if node.goal else []
    parts = [f"{node.code} {node.title}", *("めざす姿：" + g for g in goal_lines), f"{label}：" + "、".join(children)]
    text = "\n".join(parts)
    lines = [node.title] + ([node.goal.intent] if node.goal else []) + children
    return Chunk(chunk_id=f"policy:{node.code}#0", doc_id=node.code, kind="policy", text=text, lines=tuple(lines))


def project_line_chunks(project: Project) -> list[Chunk]:
    """One dense-only unit per 事業概要 sentence, prefixed with the 事業名 so the sentence keeps its topic."""
    return [
        Chunk(f"{project.id}~{n}", project.id, "project", f"{project.name}：{line}", (line,), "line")
        for n, line in enumerate(project.summary_lines)
    ]


def policy_line_chunks(node: BasicPolicy | Policy) -> list[Chunk]:
    """The めざす姿 of a policy node on its own (the sentence questions about goals paraphrase)."""
    if node.goal is None:
        return []
    return [
        Chunk(
            f"policy:{node.code}~0",
            node.code,
            "policy",
            f"{node.title}：{node.goal.target}{node.goal.intent}",
            (node.goal.intent,),
            "line",
        )
    ]


def build_chunks(plan: Plan, max_chars: int = 700) -> list[Chunk]:
    """All chunks of the plan in a stable order: row chunks (policies, then projects in plan order),
    then the line units in the same order."""
    nodes = [*plan.basic_policies, *plan.policies]
    chunks = [policy_chunk(node) for node in nodes]
    for project in plan.projects:
        chunks.extend(project_chunks(project, max_chars, plan.everyday.get(project.id, ())))
    for node in nodes:
        chunks.extend(policy_line_chunks(node))
    for project in plan.projects:
        chunks.extend(project_line_chunks(project))
    return chunks


def row_chunks(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks BM25 indexes, in index order."""
    return [c for c in chunks if c.scope == "row"]


def lexical_texts(chunks: list[Chunk]) -> list[str]:
    """What BM25 indexes for the row chunks: the text plus its keywords."""
    return [f"{c.text}\n{c.keywords}" if c.keywords else c.text for c in row_chunks(chunks)]
