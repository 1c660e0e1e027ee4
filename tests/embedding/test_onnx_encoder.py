"""The ONNX serving path of the default model: same vectors as sentence-transformers, and no torch in the server.

Runs on the real installed default model (``models/``, set up by ``scripts/setup.sh``) and its export.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding.onnx_export import exported
from tests.realstack import MODEL_DIR

pytestmark = pytest.mark.slow

QUESTIONS = [
    "コールセンターの担当課は？",
    "自治会の加入をすすめる取り組みはある？",
    "市役所の手続きをスマホでできるようにする事業",
    "Which department handles the staff training?",
    "ふるさと納税の使い道を選べると？",
]


@pytest.fixture(scope="module")
def encoders():
    if not exported(MODEL_DIR):
        pytest.fail(f"{MODEL_DIR} has no ONNX export: run `assistant model install --force`")
    from assistant.embedding.encoder import SentenceTransformerEncoder
    from assistant.embedding.onnx_encoder import OnnxEncoder

    return OnnxEncoder(MODEL_DIR), SentenceTransformerEncoder(MODEL_DIR)


@pytest.fixture(scope="module")
def lines(plan) -> list[str]:
    return [line for project in plan.projects[:40] for line in project.summary_lines[:1]]


def test_documents_match_sentence_transformers(encoders, lines) -> None:
    onnx, st = encoders
    a, b = onnx.encode_documents(lines), st.encode_documents(lines)
    assert a.shape == b.shape == (len(lines), st.dim)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.9999
    assert onnx.fingerprint == st.fingerprint  # an index built by either serves the other


def test_int8_queries_find_what_fp32_queries_find(encoders, lines) -> None:
    onnx, st = encoders
    documents = st.encode_documents(lines)
    quantized, exact = onnx.encode_queries(QUESTIONS), st.encode_queries(QUESTIONS)
    assert float(np.min(np.sum(quantized * exact, axis=1))) > 0.85
    same_top = np.argmax(quantized @ documents.T, axis=1) == np.argmax(exact @ documents.T, axis=1)
    assert same_top.mean() >= 0.8, same_top


def test_query_vector_does_not_depend_on_other_queries(encoders) -> None:
    onnx, _ = encoders
    alone = onnx.encode_queries(QUESTIONS[:1])
    together = onnx.encode_queries(QUESTIONS)[:1]
    assert np.array_equal(alone, together)  # queries run one at a time: dynamic int8 is batch-dependent


def test_server_pipeline_loads_without_torch(real_index_dir: Path) -> None:
    script = f"""
import json, sys
from assistant.api.services import Services
from assistant.settings import Settings
services = Services.load(Settings(corpus_dir={str(Path("corpus").resolve())!r}, model_dir={str(MODEL_DIR)!r},
                                  index_dir={str(real_index_dir)!r}))
reply = services.answer("コールセンターの担当課は？", None)
print(json.dumps({{"torch": "torch" in sys.modules, "st": "sentence_transformers" in sys.modules,
                  "backend": services.runtime.encoder.backend, "cited": len(reply.citations)}}))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"torch": False, "st": False, "backend": "onnx", "cited": seen["cited"]}
    assert seen["cited"] >= 1


def test_folder_without_export_runs_on_sentence_transformers(model_dir: Path) -> None:
    # ``model_dir`` (tests/embedding/conftest.py) is a fresh e5-small conversion with no onnx/ folder.
    from assistant.runtime import make_encoder
    from assistant.settings import Settings

    encoder = make_encoder(Settings(model_dir=model_dir))
    assert encoder.backend == "sentence-transformers"
    assert encoder.encode_queries(["テスト"]).shape == (1, 384)


def test_serving_tokenizer_gives_the_ids_of_tokenizer_json(plan) -> None:
    # SentencePiece is chosen at export only where it agrees on a few samples; hold it to every plan cell.
    from assistant.embedding.token_ids import JsonTokenizer, load_token_ids

    record = json.loads((MODEL_DIR / "onnx" / "export.json").read_text(encoding="utf-8"))
    serving = load_token_ids(MODEL_DIR, record["tokenizer"], record["max_seq_length"])
    reference = JsonTokenizer(MODEL_DIR, record["max_seq_length"])
    texts = [text for p in plan.projects for text in (p.name, *p.summary_lines, *p.departments)]
    texts += [record["prompts"]["query"] + q for q in QUESTIONS]
    assert serving.ids(texts) == reference.ids(texts)
    assert serving.pad_id == reference.pad_id


def test_without_a_sentencepiece_model_tokenizer_json_is_used(tmp_path: Path) -> None:
    from assistant.embedding.token_ids import sentencepiece_record

    assert sentencepiece_record(tmp_path, 512) is None  # no tokenizer.model: tokenizer.json is used
