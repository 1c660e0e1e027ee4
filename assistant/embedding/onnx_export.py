"""Export a sentence-transformers folder to ONNX graphs, so serving needs neither torch nor sentence-transformers.

One graph holds the whole encoder: transformer, pooling, any Dense layers and the final normalisation, with
inputs ``input_ids`` / ``attention_mask`` (dynamic batch and sequence axes) and output ``sentence_embedding``.
Two files are written into ``<model>/onnx/``:

* ``model.onnx``: fp32, for documents (index builds);
* ``model_int8.onnx``: dynamic int8 with per-channel weights (the feed-forward down projections kept fp32,
  see :func:`ffn_down_projections`), for queries. Dynamic quantization makes a
  vector depend on the other texts of its batch, so queries are embedded one at a time, and documents stay
  fp32 (int8 queries against fp32 documents lost nothing on a held-out set; per-tensor int8 drifted more).

``optimum``'s exporter requires transformers < 4.58, so this uses ``torch.onnx.export`` (the legacy
TorchScript exporter, opset 17). Gemma-style models build their attention masks with vmap-based code the
exporter cannot trace: their wrapper passes the layers a ready ``{"full_attention", "sliding_attention"}``
dict of bidirectional additive masks, and the model is loaded with eager attention.

Every export is checked against sentence-transformers on sample texts (cosine) before it is kept.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.embedding.token_ids import sentencepiece_record
from assistant.errors import ModelError

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
EXPORT_INFO = "export.json"
EXPORT_VERSION = 4  # 2: FFN down projections fp32 in int8; 3: SentencePiece where it agrees; 4: int8 pre-optimized
# Minimum cosine between sentence-transformers and the exported graph on the check texts: a guard against a
# broken export, not a quality claim (int8 drifts to ~0.96 on EmbeddingGemma; its retrieval effect is measured
# by `assistant eval`, see docs/performance.md).
MIN_COSINE_FP32 = 0.9999
MIN_COSINE_INT8 = 0.9
CHECK_TEXTS = (
    "市役所の窓口はオンラインで手続きできますか",
    "自治会の活動を支援する事業",
    "Which office runs the city's call center?",
    "令和7年度から電子申請を拡大し、行政手続きのデジタル化を進めます。",
)

Progress = Callable[[str, int, int], None]


def exported(model_dir: Path) -> bool:
    """True when ``model_dir`` holds both graphs and their export record."""
    folder = Path(model_dir) / ONNX_DIR
    return all((folder / name).is_file() for name in (FP32_FILE, INT8_FILE, EXPORT_INFO))


def _gemma_masks(attention_mask, sliding_window: int, dtype):
    """Bidirectional additive masks (batch, 1, seq, seq): padding keys masked, and for sliding layers also keys
    at distance ≥ ``sliding_window`` (what transformers builds for ``use_bidirectional_attention``)."""
    import torch

    seq = attention_mask.shape[1]
    keys = attention_mask[:, None, None, :].to(torch.bool).expand(-1, 1, seq, -1)
    positions = torch.arange(seq, device=attention_mask.device)
    near = (positions[:, None] - positions[None, :]).abs() < sliding_window
    low = torch.finfo(dtype).min
    zero = torch.zeros((), dtype=dtype)
    full = torch.where(keys, zero, low)
    sliding = torch.where(keys & near[None, None], zero, low)
    return {"full_attention": full, "sliding_attention": sliding}


def _graph_module(st_model):
    """A torch module ``(input_ids, attention_mask) -> normalised sentence embedding`` of the whole model."""
    import torch

    transformer = st_model[0].auto_model
    rest = torch.nn.ModuleList(list(st_model)[1:])
    config = transformer.config
    gemma = getattr(config, "use_bidirectional_attention", False) and hasattr(config, "sliding_window")

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer, self.rest = transformer, rest

        def forward(self, input_ids, attention_mask):
            mask = _gemma_masks(attention_mask, config.sliding_window, torch.float32) if gemma else attention_mask
            hidden = self.transformer(input_ids=input_ids, attention_mask=mask).last_hidden_state
            features = {"token_embeddings": hidden, "attention_mask": attention_mask}
            for module in self.rest:
                features = module(features)
            return torch.nn.functional.normalize(features["sentence_embedding"], p=2, dim=1)

    return Graph().eval()


def _load_st(model_dir: Path):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    kwargs = {"model_kwargs": {"attn_implementation": "eager"}}
    try:
        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True, **kwargs)
    except Exception as exc:  # many library error types; one line for the user
        raise ModelError(f"cannot load {model_dir} for the ONNX export: {exc}") from exc


def _export_fp32(st_model, target: Path) -> None:
    import torch

    graph = _graph_module(st_model)
    sample = st_model.tokenizer(list(CHECK_TEXTS[:2]), padding=True, return_tensors="pt")
    # The tracer warns about Python-side shape checks; the graph is checked against sentence-transformers below.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            (sample["input_ids"], sample["attention_mask"]),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "sentence_embedding": {0: "batch"},
            },
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )


def ffn_down_projections(source: Path, intermediate_size: int) -> list[str]:
    """MatMul nodes whose weight reads ``intermediate_size`` features: the feed-forward down projections.

    Their input is the expanded activation (GELU, or GELU × up-projection), whose outliers a per-tensor dynamic
    int8 scale clips. Measured on EmbeddingGemma (lowest cosine to fp32 over check queries): every MatMul in
    int8 0.898; the Dense head kept fp32 0.898; first and last two layers kept 0.928; attention kept 0.905;
    the down projections kept 0.960 (median 0.986), for 356 MB instead of 296 MB.
    """
    import onnx

    model = onnx.load(str(source), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul" and len(node.input) > 1
        and len(shape := shapes.get(node.input[1], ())) == 2 and shape[0] == intermediate_size
    ]  # fmt: skip


def _quantize(source: Path, target: Path, intermediate_size: int | None) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = ffn_down_projections(source, intermediate_size) if intermediate_size else []
    root = logging.getLogger()
    level, root.level = root.level, logging.ERROR  # its advice to pre-process suits CNNs, not this graph
    try:
        quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=keep)
    finally:
        root.setLevel(level)


def _preoptimize(path: Path) -> None:
    """Store the graph as ONNX Runtime optimizes it, so a server does not redo that work at every start.

    Session creation for the int8 EmbeddingGemma graph took 7.1 s with ORT's default optimizations and 3.5 s
    for the stored result loaded with none (same vectors, same speed; measured side by side on a loaded
    machine). The portable EXTENDED level is stored: the ALL level adds layouts tied to this CPU.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.log_severity_level = 3
    optimized = path.with_name(path.stem + ".optimized.onnx")
    options.optimized_model_filepath = str(optimized)
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    optimized.replace(path)


def _check(st_model, folder: Path, prompts: dict[str, str | None], tokenizer: dict | None) -> dict[str, float]:
    """Lowest cosine between sentence-transformers and each graph on the check texts (one text per run)."""
    from assistant.embedding.onnx_encoder import OnnxGraph

    query_prompt = prompts.get("query") or ""
    texts = [query_prompt + t for t in CHECK_TEXTS]
    reference = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=1)
    lowest = {}
    for name in (FP32_FILE, INT8_FILE):
        graph = OnnxGraph(
            folder.parent, name, 2, int(st_model.max_seq_length), tokenizer, preoptimized=name == INT8_FILE
        )
        vectors = np.vstack([graph.run([t]) for t in texts])
        lowest[name] = float(np.min(np.sum(vectors * reference, axis=1)))
    return lowest


def _dimension(st_model) -> int:
    get_dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    return int(get_dim())


def export_onnx(model_dir: Path, progress: Progress | None = None) -> Path:
    """Write ``<model_dir>/onnx/`` (fp32 and int8 graphs, checked) and return that folder."""
    model_dir = Path(model_dir)
    folder = model_dir / ONNX_DIR
    folder.mkdir(exist_ok=True)
    step = progress or (lambda stage, done, total: None)
    step("load", 0, 1)
    st_model = _load_st(model_dir)
    step("load", 1, 1)
    step("onnx-fp32", 0, 1)
    _export_fp32(st_model, folder / FP32_FILE)
    step("onnx-fp32", 1, 1)
    step("onnx-int8", 0, 1)
    _quantize(folder / FP32_FILE, folder / INT8_FILE, getattr(st_model[0].auto_model.config, "intermediate_size", None))
    _preoptimize(folder / INT8_FILE)
    step("onnx-int8", 1, 1)
    prompts = dict(getattr(st_model, "prompts", {}) or {})
    step("onnx-check", 0, 1)
    tokenizer = sentencepiece_record(model_dir, int(st_model.max_seq_length))
    lowest = _check(st_model, folder, prompts, tokenizer)
    step("onnx-check", 1, 1)
    if lowest[FP32_FILE] < MIN_COSINE_FP32 or lowest[INT8_FILE] < MIN_COSINE_INT8:
        raise ModelError(f"ONNX export of {model_dir} does not match sentence-transformers (cosine {lowest})")
    info = {
        "export_version": EXPORT_VERSION,
        "dim": _dimension(st_model),
        "max_seq_length": int(st_model.max_seq_length),
        "prompts": {"query": prompts.get("query"), "document": prompts.get("document", prompts.get("passage"))},
        "documents": FP32_FILE,
        "queries": INT8_FILE,
        "preoptimized": [INT8_FILE],
        "min_cosine": lowest,
        "tokenizer": tokenizer or {"kind": "tokenizer.json"},
    }
    (folder / EXPORT_INFO).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder
