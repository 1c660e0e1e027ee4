"""Search with the real dictionary, the real converted model and real FAISS."""

from __future__ import annotations

import pytest

from assistant.retrieval.types import Filters

# Everyday wording, several sharing no content word with their target row.
PARAPHRASES = [
    ("飲食店の営業許可の手続きを早くしてほしい", "保健所許認可システムサービス利用"),
    ("職員がノートPCを持ち帰って家で仕事できるようにする取組み", "ICT活用業務効率化推進事業"),
    ("役所の電話で怒鳴る人から職員を守る対策", "録音装置等設置業務"),
    ("市の施設に会社の名前をつける制度", "ネーミングライツ事業"),
    ("スマホの使い方を近所で教えてもらえる場所", "スマホサロンの推進事業"),
    ("議会の様子を手話つきで見たい", "本会議中継手話通訳事業"),
    ("古い写真をネットで誰でも見られるようにする", "広報写真のデジタル化"),
    ("市との契約を紙じゃなく電子でしたい", "契約事務のデジタル化（電子契約システム）"),
    ("税金を払わないまま亡くなった人の土地の税金の回収", "相続財産清算人を活用した固定資産税等の徴収"),
    ("市長が地域に来て直接話を聞いてくれる機会", "市民と市長の対話事業"),
    ("NPOを立ち上げたばかりの団体への補助", "市民活動支援補助金"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "name"), PARAPHRASES)
def test_paraphrases_find_their_project(runtime, question, name):
    hits = runtime.searcher.search(question, k=5).hits
    assert name in [h.name for h in hits], [h.name for h in hits]


@pytest.mark.slow
def test_excerpts_are_verbatim_with_valid_highlights(runtime):
    for question, _ in PARAPHRASES:
        for hit in runtime.searcher.search(question, k=5).hits:
            assert runtime.plan.contains_verbatim(hit.excerpt)
            for start, end in hit.highlights:
                assert 0 <= start < end <= len(hit.excerpt)


@pytest.mark.slow
def test_department_filter_returns_exactly_its_projects(runtime):
    expected = {p.id for p in runtime.plan.projects if "DX推進課" in p.departments}
    hits = runtime.searcher.search("事業", k=50, filters=Filters(department="DX推進課")).hits
    assert {h.id for h in hits} == expected and len(expected) == 10


@pytest.mark.slow
def test_policy_and_year_filters(runtime):
    hits = runtime.searcher.search("デジタル", k=100, filters=Filters(policy="H3-3", kinds=("project",))).hits
    assert {h.id for h in hits} == {p.id for p in runtime.plan.projects if p.policy_code == "H3-3"}
    hits = runtime.searcher.search("システム", k=100, filters=Filters(year=2027)).hits
    assert hits and all(runtime.plan.project(h.id).covers_year(2027) for h in hits)
    assert {h.id for h in hits} == {p.id for p in runtime.plan.projects if p.covers_year(2027)}


@pytest.mark.slow
def test_policy_nodes_are_found_for_goal_questions(runtime):
    hits = runtime.searcher.search("職員が常に市民視点で考え、変化を恐れない組織のめざす姿", k=3).hits
    assert "H3-2" in [h.id for h in hits]
