"""Assemble the pipeline from settings: plan → tokenizer → encoder → index → searcher.

One place decides how the parts are built, so the CLI, the evaluator and the web service run exactly
the same stack. Loading is done once per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.corpus import load_plan
from assistant.corpus.plan import Plan
from assistant.embedding.encoder import Encoder
from assistant.errors import ModelError
from assistant.index.store import LoadedIndex, load_index
from assistant.index.tokenizer import SudachiTokenizer
from assistant.retrieval.search import HybridSearcher
from assistant.retrieval.synonyms import Thesaurus
from assistant.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    plan: Plan
    tokenizer: SudachiTokenizer
    encoder: Encoder
    index: LoadedIndex
    searcher: HybridSearcher


def make_tokenizer(settings: Settings) -> SudachiTokenizer:
    return SudachiTokenizer(settings.sudachi_dict, settings.sudachi_modes)


def make_encoder(settings: Settings) -> Encoder:
    """The encoder for the configured model: its ONNX export when there is one (no torch), else
    sentence-transformers (a folder nobody exported, or ``encoder_backend=sentence-transformers``)."""
    from assistant.embedding.onnx_export import exported

    backend = settings.encoder_backend
    if backend not in ("auto", "onnx", "sentence-transformers"):
        raise ModelError(f"unknown encoder_backend {backend!r} (use auto, onnx or sentence-transformers)")
    if backend == "onnx" or (backend == "auto" and exported(settings.model_dir)):
        from assistant.embedding.onnx_encoder import OnnxEncoder

        return OnnxEncoder(settings.model_dir, settings.torch_threads, settings.encode_batch_size)
    from assistant.embedding.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(settings.model_dir, settings.torch_threads, settings.encode_batch_size)


def make_searcher(settings: Settings, plan, index, encoder, tokenizer) -> HybridSearcher:
    """The searcher over a loaded index, with the fusion and thesaurus the settings (and the model's
    calibration) give; shared with scripts/scale_bench.py, which searches synthetic indexes."""
    return HybridSearcher(
        plan,
        index,
        encoder,
        tokenizer,
        fusion=settings.fusion,
        rrf_k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        dense_weight_foreign=settings.dense_weight_foreign,
        cache_size=settings.cache_size,
        thesaurus=Thesaurus.load(settings.synonyms_path) if settings.synonyms else None,
    )


def load_runtime(settings: Settings, *, encoder: Encoder | None = None) -> Runtime:
    plan = load_plan(settings.corpus_dir)
    tokenizer = make_tokenizer(settings)
    encoder = encoder or make_encoder(settings)
    index = load_index(
        settings.index_dir,
        tokenizer,
        tokenizer_description=tokenizer.description,
        corpus_hash=plan.content_hash,
        model_fingerprint=encoder.fingerprint,
        model_dim=encoder.dim,
    )
    searcher = make_searcher(settings, plan, index, encoder, tokenizer)
    return Runtime(settings, plan, tokenizer, encoder, index, searcher)
