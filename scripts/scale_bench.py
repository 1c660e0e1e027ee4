"""How search cost grows with the corpus: exact vs approximate FAISS indexes and BM25 at 1k–100k chunks.

    .venv/bin/python scripts/scale_bench.py [--quick] [--json docs/bench/scale.json]

**Synthetic corpus.** Chapter H has 88 projects and 192 事業概要 lines, far from 100k chunks, so rows are
made by recombining real parts of the parsed plan (``assistant.corpus.load_plan``): a project row's shape
(name, 所管課, 個別施策 ／ 取組方針, sometimes 重点プロジェクト, then 事業概要 lines, as
``assistant/index/documents.py`` writes it) filled with a name, departments, path and 1–4 lines each drawn
from a random real project.

**Vectors.** A *pool* of such rows (2,000 by default) is embedded with the real model (passage prompt,
exactly as ``assistant index build`` does; cached in ``build/`` keyed by texts and model). Embedding 100k
rows on two cores would take hours, so for a corpus of N rows the first rows are the pool itself and every
further vector is a *mixture*: the normalised sum of 2–3 random pool vectors with random weights plus
Gaussian noise (σ = ``--noise`` per dimension), whose text is the matching recombination of the pool rows'
parts (so BM25 sees rows that fit the vectors). The noise is chosen so that a mixture's similarity to its
nearest pool vector looks like a real row's to its nearest other real row (both are reported). **Queries are
real**: the 144 dev-set questions encoded with the real model (query prompt).

**Dimension.** ``--dim`` (default 768, EmbeddingGemma-300M's, the default model; e5-small's is 384) sets the
vectors' dimension. When it is the configured model's, the vectors are the model's own. When the model's is
smaller, the real pool and query vectors are carried into ``--dim`` dimensions by a fixed random isometry
(inner products, hence every similarity, unchanged); when larger, they are truncated and renormalised. The
mixtures' noise, drawn in all ``--dim`` dimensions, gets σ·√(model dim / dim) per dimension, so its length
stays what it is at the model's own dimension.

**Measured per size.** For each FAISS factory string, through ``assistant.index.dense.DenseIndex``: build
time, serialized size and RSS growth, single-query latency p50/p95 at k=10 and at k=200, the encoding
excluded, and recall@10 against exact search computed with numpy. HNSW is measured at several efSearch
values (``server`` marks DenseIndex's own, which the server runs; ``default`` marks efSearch=128, the
former default the plot keeps as a baseline). BM25 (``LexicalIndex`` with the real Sudachi tokenizer):
tokenize + index time and per-query ``scores()`` latency. With only 192 distinct 事業概要 lines the BM25
vocabulary is tiny and its postings dense, so BM25 query figures are pessimistic.

**The whole searcher** (``HybridSearcher.search`` with the query vector given, so the encoding is excluded;
fusion as configured in ``assistant/settings.py``) over the same rows at the main sizes, each row its own
document (the most documents BM25 can match), with its parts timed on the same index: BM25 ``scores()`` of the expanded query (Sudachi
included), FAISS with the searcher's candidate count, the per-document BM25 maximum, and ``dense_scores``
(FAISS plus its per-document combination). The index is what ``assistant index build`` makes for that many
chunks (``faiss_factory``/``ann_threshold``), over HNSW also searched at lower efSearch values; recall@10
is the overlap of its top 10 with the same searcher over exact search. ``per_doc_loop`` in the BM25 rows is the searcher's per-document step as it is now;
``per_doc_python_loop`` is the Python loop it replaced, kept for comparison.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchlib.common import ROOT, across_rounds, dev_questions, log, machine, proc_status, summarize, table, write_json

DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_DIM = 768  # EmbeddingGemma-300M's, the default model (multilingual-e5-small's is 384)
FORMER_EF_SEARCH = 128  # DenseIndex's efSearch before 1024; the plot's "default" baseline
SEARCHER_EF = (512, 256)  # efSearch values the whole searcher is also timed at over HNSW (after the server's)
CROSSOVER_SIZES = (2_000, 5_000, 20_000, 50_000)  # Flat and HNSW only: where do they cross?
POOL_CACHE = ROOT / "build" / "scale-pool"


# --- synthetic rows -----------------------------------------------------------------------------------


class RowMaker:
    """Plan-like rows recombined from the parsed plan's real parts."""

    def __init__(self, plan, seed: int = 11) -> None:
        self.projects = [p for p in plan.projects if p.summary_lines]
        self.rng = random.Random(seed)

    def parts(self) -> dict:
        pick = self.rng.choice
        head, dept, where = pick(self.projects), pick(self.projects), pick(self.projects)
        lines = [pick(pick(self.projects).summary_lines) for _ in range(self.rng.randint(1, 4))]
        return {
            "id": head.id,  # the real project the row takes its name from (the searcher's hit shows it)
            "name": head.name,
            "departments": list(dept.departments),
            "path": f"{where.path.policy_title} ／ {where.path.approach_title}",
            "tags": list(where.tags),
            "lines": lines,
        }

    @staticmethod
    def text(parts: dict) -> str:
        header = [parts["name"], "所管課：" + "、".join(parts["departments"]), parts["path"]]
        if parts["tags"]:
            header.append("重点プロジェクト：" + "、".join(parts["tags"]))
        return "\n".join(header + parts["lines"])


def pool_embeddings(texts: list[str], encoder) -> tuple[np.ndarray, float | None]:
    """Real embeddings of the pool rows, cached by (texts, model); returns (vectors, seconds or None)."""
    key = hashlib.sha256(("\n\x00".join(texts) + encoder.fingerprint).encode()).hexdigest()[:16]
    cache = POOL_CACHE.with_name(f"{POOL_CACHE.name}-{key}.npy")
    if cache.exists():
        return np.load(cache), None
    started, shown = time.perf_counter(), [0]

    def progress(done: int, total: int) -> None:
        if done - shown[0] >= 250 or done == total:
            shown[0] = done
            log(f"  pool {done}/{total}")

    vectors = encoder.encode_documents(texts, progress=progress)
    seconds = time.perf_counter() - started
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, seconds


def lift(vectors: np.ndarray, dim: int, seed: int = 17) -> np.ndarray:
    """``vectors`` in ``dim`` dimensions. More: by a fixed random isometry (orthonormal columns), so every
    inner product, hence every similarity, stays as it was. Fewer: the first ``dim`` components,
    renormalised (Matryoshka truncation, which EmbeddingGemma is trained for; other models lose more)."""
    if dim == vectors.shape[1]:
        return vectors
    if dim < vectors.shape[1]:
        head = vectors[:, :dim]
        return np.ascontiguousarray(head / np.linalg.norm(head, axis=1, keepdims=True), dtype=np.float32)
    basis, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, vectors.shape[1])))
    return np.ascontiguousarray(vectors @ basis.T.astype(np.float32), dtype=np.float32)


def corpus(n: int, pool: np.ndarray, pool_parts: list[dict], noise: float, seed: int = 5):
    """N vectors, texts and project ids: the pool first, then mixtures of 2–3 pool rows (vector and text
    alike; a mixture keeps its first row's project)."""
    rng = np.random.default_rng(seed)
    take = min(n, len(pool))
    vectors, texts = [pool[:take]], [RowMaker.text(p) for p in pool_parts[:take]]
    ids = [p["id"] for p in pool_parts[:take]]
    extra = n - take
    if extra > 0:
        picks = rng.integers(0, len(pool), size=(extra, 3))
        weights = rng.dirichlet([1.0, 1.0, 1.0], size=extra).astype(np.float32)
        weights[rng.random(extra) < 0.5, 2] = 0.0  # half the mixtures use two rows, half three
        mixed = np.einsum("nk,nkd->nd", weights, pool[picks]) + rng.normal(0, noise, (extra, pool.shape[1]))
        vectors.append((mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32))
        for (a, b, c), w in zip(picks, weights, strict=True):
            first, second = pool_parts[a], pool_parts[b]
            parts = dict(first, lines=first["lines"][:2] + second["lines"][:2])
            if w[2] > 0:
                parts["lines"] = parts["lines"] + pool_parts[c]["lines"][:1]
            texts.append(RowMaker.text(parts))
            ids.append(first["id"])
    return np.ascontiguousarray(np.concatenate(vectors)), texts, ids


def nearest_similarity(vectors: np.ndarray, against: np.ndarray, exclude_self: bool) -> float:
    """Median similarity of each vector to its nearest neighbour in ``against`` (realism check)."""
    sims = vectors @ against.T
    if exclude_self:
        np.fill_diagonal(sims, -1.0)
    return round(float(np.median(sims.max(axis=1))), 4)


# --- measurements -------------------------------------------------------------------------------------


def timed_queries(search, queries: np.ndarray, passes: int) -> dict:
    """Single-query latency (ms) over every query, ``passes`` times; the first pass warms up and is dropped."""
    rounds = []
    for _ in range(passes + 1):
        times = []
        for q in queries:
            t0 = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - t0) * 1000)
        rounds.append(summarize(times))
    rounds = rounds[1:]
    return {
        "p50_ms": across_rounds([r["p50"] for r in rounds])["median"],
        "p95_ms": across_rounds([r["p95"] for r in rounds])["median"],
        "p50_spread": across_rounds([r["p50"] for r in rounds])["spread"],
    }


def _build(factory: str, vectors: np.ndarray, ef_construction: int | None):
    from assistant.index.dense import DenseIndex

    if ef_construction is None:
        return DenseIndex(factory).index(vectors)  # exactly what `assistant index build` does
    import faiss

    # efConstruction cannot be put in a factory string; build as DenseIndex would, with it raised.
    dense = DenseIndex(factory)
    dense._index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
    dense._index.hnsw.efConstruction = ef_construction
    dense._index.add(vectors)
    dense._tune()
    return dense


def dense_cases(factory: str, vectors, queries, exact: np.ndarray, passes: int, knobs, ef_construction=None) -> list:
    """Build one index, then measure it at each knob: efSearch for HNSW, nprobe for IVF (None: as built).

    DenseIndex sets its own efSearch on HNSW and leaves IVF at FAISS's nprobe=1; the knobs show what else buys.
    """
    import faiss

    from assistant.index.dense import DenseIndex

    server_ef = DenseIndex().hnsw_ef_search

    anon0 = proc_status().get("RssAnon", 0)
    t0 = time.perf_counter()
    dense = _build(factory, vectors, ef_construction)
    base = {"index": factory, "build_s": round(time.perf_counter() - t0, 3), "ef_construction": ef_construction}
    base["index_mb"] = round(len(faiss.serialize_index(dense._index)) / 2**20, 1)
    base["rss_growth_mb"] = round(proc_status().get("RssAnon", 0) - anon0, 1)
    exact_top = np.argsort(-exact, axis=1)[:, :10]
    exact_mean10 = np.take_along_axis(exact, exact_top, axis=1).mean(axis=1)
    rows = []
    for knob in knobs:
        label = factory + (f" efC={ef_construction}" if ef_construction else "")
        if knob is not None and hasattr(dense._index, "hnsw"):
            dense.hnsw_ef_search = knob
            dense._tune()
            label += f" efSearch={knob}"
        elif knob is not None:
            dense._index.nprobe = knob
            label += f" nprobe={knob}"
        row = base | {"factory": label, "knob": knob}
        plain = factory in ("Flat", "HNSW32,Flat") and ef_construction is None
        row["default"] = plain and knob in (None, FORMER_EF_SEARCH)
        row["server"] = plain and (factory == "Flat" or knob == server_ef)  # what `assistant index build` makes
        for k in (10, 200):
            row[f"k{k}"] = timed_queries(lambda q, k=k: dense.search(q, k), queries, passes)
        for k in (10, 200):  # recall@10 of the top 10 when asking for k (the searcher asks for 400: searcher_case)
            scores, found = dense.search(queries, k)
            hits = [len(set(f) & set(e)) / 10 for f, e in zip(found[:, :10], exact_top, strict=True)]
            row[f"recall10_at_k{k}"] = round(float(np.mean(hits)), 4)
        # How much similarity the misses cost: mean top-10 similarity, exact minus found (k=200). A slot
        # FAISS leaves empty (id -1, IVF with too few lists probed) counts as the lowest similarity, -1.
        top = np.where(found[:, :10] >= 0, scores[:, :10], -1.0)
        row["sim_loss10"] = round(float(np.mean(exact_mean10 - top.mean(axis=1))), 5)
        row["missing10"] = round(float(np.mean(found[:, :10] < 0)), 4)
        rows.append(row)
    return rows


def bm25_case(texts: list[str], tokenizer, questions: list[str], passes: int) -> dict:
    from assistant.index.lexical import LexicalIndex

    anon0 = proc_status().get("RssAnon", 0)
    t0 = time.perf_counter()
    tokens = [tokenizer(t) for t in texts]
    tokenize_s = time.perf_counter() - t0
    by_text = dict(zip(texts, tokens, strict=True))
    t0 = time.perf_counter()
    lexical = LexicalIndex(by_text.__getitem__).index(texts)  # tokens from above: time bm25s alone
    index_s = time.perf_counter() - t0
    lexical.tokenizer = tokenizer
    by_text.clear()
    tokens.clear()
    gc.collect()
    row = {"tokenize_s": round(tokenize_s, 2), "index_s": round(index_s, 2)}
    row["rss_growth_mb"] = round(proc_status().get("RssAnon", 0) - anon0, 1)
    with tempfile.TemporaryDirectory() as tmp:
        lexical.save(Path(tmp))
        row["index_mb"] = round(sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 2**20, 1)
    all_scores = [lexical.scores(q) for q in questions]
    matched = [int((scores > 0).sum()) for scores in all_scores]
    doc_ids = [f"row{i}" for i in range(len(texts))]

    def per_doc(scores: np.ndarray) -> dict:
        # The Python loop lexical_doc_scores ran before it was vectorised: every chunk with a positive
        # score, best score per document (searcher_case times what it does now: row["per_doc_loop"]).
        docs: dict[str, float] = {}
        for pos in np.arange(len(scores))[scores > 0]:
            doc = doc_ids[pos]
            docs[doc] = max(docs.get(doc, 0.0), float(scores[pos]))
        return docs

    row["per_doc_python_loop"] = timed_queries(per_doc, all_scores, passes)
    row["query"] = timed_queries(lexical.scores, questions, passes)
    row["matched_docs_p50"] = int(np.median(matched))
    return row, lexical


# --- the whole searcher -------------------------------------------------------------------------------


class SyntheticPlan:
    """The part of ``Plan`` the searcher uses without filters: a synthetic row's hit takes the name, path
    and 事業概要 lines of the real project it was made from."""

    def __init__(self, plan, ids: list[str]) -> None:
        self._projects = {f"row{i}": plan.project(pid) for i, pid in enumerate(ids)}

    def project(self, doc_id: str):
        return self._projects.get(doc_id)


def make_searcher(plan, ids, texts, lexical, dense, tokenizer, settings):
    """A HybridSearcher over the synthetic rows, configured as ``assistant.runtime.load_runtime`` does."""
    from assistant.index.documents import Chunk
    from assistant.index.store import LoadedIndex
    from assistant.runtime import make_searcher

    synthetic = SyntheticPlan(plan, ids)
    names = [synthetic.project(f"row{i}").name for i in range(len(texts))]
    chunks = [Chunk(f"row{i}#0", f"row{i}", "project", t, (names[i],)) for i, t in enumerate(texts)]
    index = LoadedIndex(folder=Path("."), manifest=None, chunks=chunks, lexical=lexical, dense=dense)
    return make_searcher(settings, synthetic, index, None, tokenizer)


def searcher_case(corpus_rows, lexical, tokenizer, plan, settings, questions, queries, passes: int) -> list[dict]:
    """The whole search (query vector given) and its parts on one index, plus recall@10 against the same
    searcher over exact search; over HNSW also at lower efSearch values (``SEARCHER_EF``)."""
    from assistant.index.dense import DenseIndex, choose_factory

    vectors, texts, ids = corpus_rows
    factory = choose_factory(settings.faiss_factory, len(vectors), settings.ann_threshold)
    dense = DenseIndex(factory).index(vectors)
    searcher = make_searcher(plan, ids, texts, lexical, dense, tokenizer, settings)
    exact = make_searcher(plan, ids, texts, lexical, DenseIndex("Flat").index(vectors), tokenizer, settings)
    cases = list(zip(questions, queries, strict=True))
    truth = [[h.id for h in exact.search(q, vector=v).hits] for q, v in cases]
    lex_queries = [searcher.lexical_query(q) for q in questions]
    all_scores = [lexical.scores(q) for q in lex_queries]
    rows = []
    for ef in [dense.hnsw_ef_search, *SEARCHER_EF] if "HNSW" in factory else [None]:
        if ef is not None:
            dense.hnsw_ef_search = ef
            dense._tune()
        row = {"factory": factory, "ef_search": ef, "server": not rows, "dense_candidates": searcher.dense_candidates}
        row["search"] = timed_queries(lambda c: searcher.search(c[0], vector=c[1]), cases, passes)
        row["faiss"] = timed_queries(lambda v: dense.search(v, searcher.dense_candidates), queries, passes)
        row["dense_scores"] = timed_queries(lambda v: searcher.dense_scores(v, None), queries, passes)
        if not rows:  # the BM25 side does not depend on efSearch
            row["bm25"] = timed_queries(lexical.scores, lex_queries, passes)
            row["doc_scoring"] = timed_queries(lambda scores: searcher.best_per_doc(scores, None), all_scores, passes)
        found = [[h.id for h in searcher.search(q, vector=v).hits] for q, v in cases]
        hits = [len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)]
        rows.append(row | {"recall10": round(float(np.mean(hits)), 4)})
    return rows


def crossover(rows: list[dict]) -> dict:
    """Smallest measured size from which HNSW's k=200 p95 (at the server's efSearch) stays below Flat's."""
    flat = {r["n"]: r["k200"]["p95_ms"] for r in rows if r["factory"] == "Flat"}
    hnsw = {r["n"]: r["k200"]["p95_ms"] for r in rows if r["index"] == "HNSW32,Flat" and r["server"]}
    sizes = sorted(set(flat) & set(hnsw))
    faster = [n for n in sizes if all(hnsw[m] < flat[m] for m in sizes if m >= n)]
    return {"hnsw_faster_from": faster[0] if faster else None, "flat_p95_ms": flat, "hnsw_p95_ms": hnsw}


def prepare(args: argparse.Namespace) -> dict:
    """Model, tokenizer, plan, the embedded pool and the real queries, in ``args.dim`` dimensions."""
    from assistant.corpus import load_plan
    from assistant.runtime import make_encoder, make_tokenizer
    from assistant.settings import Settings

    settings = Settings()
    plan = load_plan(settings.corpus_dir)
    log("loading the model and tokenizer")
    encoder, tokenizer = make_encoder(settings), make_tokenizer(settings)
    maker = RowMaker(plan)
    pool_parts = [maker.parts() for _ in range(args.pool)]
    log(f"embedding a pool of {args.pool} recombined rows with the real model (cached after the first run)")
    pool, pool_seconds = pool_embeddings([RowMaker.text(p) for p in pool_parts], encoder)
    questions = [item["question"] for item in dev_questions()]
    queries = encoder.encode_queries(questions)
    model_dim = pool.shape[1]
    return {
        "settings": settings,
        "plan": plan,
        "tokenizer": tokenizer,
        "pool_parts": pool_parts,
        "pool": lift(pool, args.dim),
        "pool_seconds": pool_seconds,
        "questions": questions,
        "queries": lift(np.asarray(queries, dtype=np.float32), args.dim),
        "model_dim": model_dim,
        "noise": args.noise * (model_dim / args.dim) ** 0.5,  # same noise length in every dimension count
    }


def dense_plan(n: int, main_size: bool) -> list:
    """(factory, knobs, efConstruction) to measure at size ``n``; the knobs at the main sizes only."""
    from assistant.index.dense import DenseIndex

    efs = sorted({FORMER_EF_SEARCH, DenseIndex().hnsw_ef_search})
    if not (main_size and n >= 10_000):  # builds take minutes: the former and the server's efSearch
        return [("Flat", [None], None), ("HNSW32,Flat", efs, None)]
    nlist = 256 if n < 50_000 else 1024
    cases = [("Flat", [None], None), ("HNSW32,Flat", sorted({FORMER_EF_SEARCH, 256, 512, *efs}), None)]
    cases.append(("HNSW32,Flat", [128, 256, 512], 200))
    cases.append((f"IVF{nlist},Flat", [1, 16, 64], None))
    return cases


def realism(ctx: dict, vectors: np.ndarray) -> dict:
    pool, queries = ctx["pool"], ctx["queries"]
    sample = vectors[len(pool) : len(pool) + 2000]
    return {
        "real_row_to_nearest_real": nearest_similarity(pool, pool, exclude_self=True),
        "mixture_to_nearest_pool": nearest_similarity(sample, pool, exclude_self=False) if len(sample) else None,
        "query_to_best_row_real_pool": round(float(np.median((queries @ pool.T).max(axis=1))), 4),
        "query_to_best_row_synthetic": round(float(np.median((queries @ vectors.T).max(axis=1))), 4),
    }


def run(args: argparse.Namespace) -> dict:
    ctx = prepare(args)
    queries, questions = ctx["queries"], ctx["questions"]
    result = {"machine": machine(), "pool": args.pool, "pool_embed_s": ctx["pool_seconds"], "noise_sigma": args.noise}
    result |= {"queries": len(queries), "dim": args.dim, "model_dim": ctx["model_dim"]}
    result["noise_sigma_per_dim"] = round(ctx["noise"], 5)
    sizes = sorted(set(args.sizes) | (set() if args.quick else set(CROSSOVER_SIZES)))
    dense_rows, bm25_rows, searcher_rows = [], [], []
    for n in sizes:
        rows = corpus(n, ctx["pool"], ctx["pool_parts"], ctx["noise"])
        vectors, texts = rows[0], rows[1]
        if n == max(sizes):
            result["realism"] = realism(ctx, vectors)
        exact = queries @ vectors.T
        for factory, knobs, ef_construction in dense_plan(n, n in args.sizes):
            log(f"n={n}: {factory}" + (f" efConstruction={ef_construction}" if ef_construction else ""))
            for row in dense_cases(factory, vectors, queries, exact, args.passes, knobs, ef_construction):
                dense_rows.append({"n": n} | row)
                log(
                    f"  {row['factory']}: build {row['build_s']} s, k=200 p95 {row['k200']['p95_ms']} ms, "
                    f"recall@10 {row['recall10_at_k200']}"
                )
        del exact
        if n in args.sizes and not args.no_bm25:
            log(f"n={n}: BM25 (Sudachi tokenize + bm25s)")
            bm25_row, lexical = bm25_case(texts, ctx["tokenizer"], questions, args.passes)
            log(f"n={n}: the whole searcher and its parts")
            cases = searcher_case(
                rows, lexical, ctx["tokenizer"], ctx["plan"], ctx["settings"], questions, queries, args.passes
            )
            bm25_row["per_doc_loop"] = cases[0]["doc_scoring"]  # the searcher's per-document step, as it is now
            bm25_rows.append({"n": n} | bm25_row)
            searcher_rows += [{"n": n} | case for case in cases]
            for case in cases:
                log(f"  efSearch {case['ef_search']}: p50/p95 {_lat(case['search'])} ms, recall@10 {case['recall10']}")
        del vectors, texts, rows
        gc.collect()
    result |= {"dense": dense_rows, "bm25": bm25_rows, "searcher": searcher_rows, "crossover": crossover(dense_rows)}
    return result


def _lat(stats: dict) -> list:
    return [stats["p50_ms"], stats["p95_ms"]]


def _recalls(row: dict) -> list:
    return [row["recall10_at_k10"], row["recall10_at_k200"], row["sim_loss10"]]


DENSE_HEADS = ["chunks", "index", "build s", "MB", "k10 p50", "k10 p95", "k200 p50", "k200 p95"]
BM25_HEADS = ["chunks", "tokenize s", "bm25 index s", "MB on disk", "query p50", "query p95", "matched"]
SEARCHER_PARTS = [
    ("search", "whole search"),
    ("bm25", "BM25 scores()"),
    ("faiss", "FAISS"),
    ("doc_scoring", "per-document BM25 max"),
    ("dense_scores", "dense_scores (FAISS + per document)"),
]


def searcher_markdown(rows: list[dict]) -> str:
    """The whole-searcher table of docs/performance.md: p50 / p95 ms of the search and of each part (the
    BM25 side is timed once per size: "–" at the other efSearch values)."""
    heads = ["chunks", "index", *(label for _, label in SEARCHER_PARTS), "recall@10"]
    lines = ["| " + " | ".join(heads) + " |", "|" + " --- |" * len(heads)]
    for r in rows:
        index = r["factory"] + (f" efSearch={r['ef_search']}" if r.get("ef_search") else "")
        cells = [f"{r['n']:,}", f"`{index}`"]
        cells += [f"{r[key]['p50_ms']:.2f} / {r[key]['p95_ms']:.2f}" if key in r else "–" for key, _ in SEARCHER_PARTS]
        lines.append("| " + " | ".join([*cells, f"{r['recall10']:.3f}"]) + " |")
    return "\n".join(lines)


def report(result: dict) -> str:
    rows = [
        [r["n"], r["factory"], r["build_s"], r["index_mb"], *_lat(r["k10"]), *_lat(r["k200"]), *_recalls(r)]
        for r in result["dense"]
    ]
    out = [table([*DENSE_HEADS, "R@10 k10", "R@10 k200", "sim loss"], rows)]
    if result["bm25"]:
        rows = [
            [r["n"], r["tokenize_s"], r["index_s"], r["index_mb"], *_lat(r["query"]), r["matched_docs_p50"], *loops]
            for r in result["bm25"]
            for loops in [[*_lat(r["per_doc_loop"]), *_lat(r["per_doc_python_loop"])]]
        ]
        out.append(table([*BM25_HEADS, "per-doc p50", "per-doc p95", "former loop p50", "former loop p95"], rows))
    if result.get("searcher"):
        out.append(searcher_markdown(result["searcher"]))
    c = result["crossover"]
    out.append(
        f"HNSW32 faster than Flat (k=200 p95) from {c['hnsw_faster_from']} chunks; realism: {result.get('realism')}"
    )
    return "\n\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, small pool, no crossover sizes")
    parser.add_argument("--sizes", help="comma-separated corpus sizes (default 1000,10000,100000)")
    parser.add_argument("--pool", type=int, help="rows embedded with the real model (default 2000; quick 300)")
    parser.add_argument("--noise", type=float, default=0.015, help="per-dimension σ of the mixtures' noise")
    parser.add_argument(
        "--dim", type=int, default=DEFAULT_DIM, help=f"vector dimension (default {DEFAULT_DIM}; e5-small: 384)"
    )
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the queries per case")
    parser.add_argument("--no-bm25", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    default = [s for s in DEFAULT_SIZES if s <= 10_000] if args.quick else list(DEFAULT_SIZES)
    args.sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else default
    args.pool = args.pool or (300 if args.quick else 2000)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    result = run(args)
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    print(report(result))
    if args.json:
        write_json(args.json, result)
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
