"""The command line, run through its entry point as a user would."""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.cli import main


def test_help_is_fast_and_imports_nothing_heavy():
    code = "import sys; from assistant.cli import build_parser; build_parser(); print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("torch", "sentence_transformers", "faiss", "sudachipy", "fastapi", "pydantic"):
        assert f"'{heavy}'" not in out


def test_corpus_stats_json(capsys):
    assert main(["corpus", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["basic_policies"] == 3 and stats["policies"] == 7
    assert stats["approaches"] == 21 and stats["projects"] == 88
    assert stats["departments"] == 35
    assert stats["tags"] == {"新市役所創造": 33, "経済再生": 1, "少子化対策": 1}


def test_corpus_show_json(capsys):
    assert main(["corpus", "show", "H1-1/1/6", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == "コールセンター運営"
    assert record["departments"] == ["広報広聴課"]
    assert record["path"]["policy"] == {"code": "H1-1", "title": "市民に必要な情報を分かりやすく効果的に伝えます"}
    assert record["path"]["approach"] == {"number": 1, "title": "分かりやすい市政情報の発信"}
    assert record["source"]["line_start"] == record["source"]["line_end"] == 54
    for field in ("id", "summary", "tags", "year_mark", "schedule"):
        assert field in record


def test_corpus_show_schedule_shape(capsys):
    assert main(["corpus", "show", "H3-1/4/1", "--json"]) == 0
    schedule = json.loads(capsys.readouterr().out)["schedule"]
    assert schedule[-1]["start_fy"] == 2027 and schedule[-1]["end_fy"] is None
    assert set(schedule[0]) >= {"start_fy", "end_fy", "text"}


def test_wrong_id_is_one_line_error(capsys):
    assert main(["corpus", "show", "H9-9/9/9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and "Traceback" not in err


def test_malformed_corpus_is_one_line_error(tmp_path, capsys):
    (tmp_path / "x.txt").write_bytes(b"\xff\xff")
    assert main(["corpus", "stats", "--corpus", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and err.count("\n") == 1


def test_export_writes_every_record(tmp_path):
    out = tmp_path / "plan.jsonl"
    assert main(["corpus", "export", "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kinds = [r["kind"] for r in rows]
    assert kinds.count("basic_policy") == 3 and kinds.count("policy") == 7 and kinds.count("project") == 88


def test_model_list_shows_profiles_licences_and_the_selected_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_MODEL", "e5-small")
    monkeypatch.delenv("ASSISTANT_MODEL_DIR", raising=False)
    gemma = tmp_path / "embeddinggemma-300m"
    (gemma / "onnx").mkdir(parents=True)
    (gemma / "model.safetensors").write_bytes(b"\0" * 3_000_000)
    for name in ("model.onnx", "model_int8.onnx", "export.json"):
        (gemma / "onnx" / name).write_text("{}", encoding="utf-8")
    (gemma / "provenance.json").write_text(json.dumps({"profile": "embeddinggemma-300m"}), encoding="utf-8")
    assert main(["model", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"embeddinggemma-300m", "e5-small"}
    assert rows["embeddinggemma-300m"]["installed"] and rows["embeddinggemma-300m"]["backend"] == "onnx"
    assert rows["embeddinggemma-300m"]["size_mb"] == 3.0
    assert rows["embeddinggemma-300m"]["licence"] == "Gemma Terms of Use"
    assert not rows["e5-small"]["installed"] and rows["e5-small"]["licence"] == "MIT"
    assert [name for name, r in rows.items() if r["selected"]] == ["e5-small"]


def test_model_list_shows_a_custom_folder_as_selected(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_MODEL_DIR", str(tmp_path / "city-model"))
    assert main(["model", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    selected = [line for line in out if line.startswith("*")]
    assert len(selected) == 1 and "(custom)" in selected[0] and str(tmp_path / "city-model") in selected[0]


def test_unknown_model_is_a_one_line_error(capsys):
    assert main(["model", "install", "bert"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: unknown model 'bert'; known: embeddinggemma-300m, e5-small"]
