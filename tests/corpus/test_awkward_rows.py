"""Rows the extraction mangled: HTML cells, sub-names, shared department suffixes, schedules."""

from __future__ import annotations

from tests.conftest import project_named


def test_koho_senryaku_html_list_becomes_lines(plan):
    p = project_named(plan, "広報戦略推進事業")
    assert p.departments == ("広報広聴課",)
    assert p.tags == ("新市役所創造",)
    assert p.summary_lines[0].startswith("○市民に市の施策や情報を分かりやすく伝える")
    assert "・令和2年度：プロモーション用広報ツールの制作" in p.summary_lines
    assert len(p.summary_lines) == 7
    spans = {(e.label, e.start_fy, e.end_fy) for e in p.schedule}
    assert ("令和元年度", 2019, 2019) in spans
    assert ("令和3年度", 2021, 2021) in spans  # （令和3年度まで）
    assert ("令和7年度～", 2025, None) in spans


def test_kaso_name_cell_wrapped_in_p_and_abbreviated_departments(plan):
    p = project_named(plan, "過疎地域活性化事業")
    assert p.departments == (
        "香焼地域センター",
        "伊王島地域センター",
        "高島地域センター",
        "野母崎地域センター",
        "三和地域センター",
        "外海地域センター",
    )
    assert p.department_text == "【香焼、伊王島、高島、野母崎、三和、外海地域センター】"
    assert "・香焼チューリップまつり" in p.summary_lines
    assert p.schedule == ()


def test_chiiki_kasseika_mixed_separators(plan):
    p = project_named(plan, "地域活性化事業")
    assert p.departments == (
        "中央総合事務所総務課",
        "東総合事務所地域福祉課",
        "南総合事務所地域福祉課",
        "北総合事務所地域福祉課",
    )
    assert p.tags == ("経済再生",)
    assert p.summary_lines[1] == "・【中央】V・ファーレン長崎協働事業、長崎ヴェルカ協働事業（経済再生プロジェクト該当）"


def test_machizukuri_sub_names(plan):
    pr = project_named(plan, "まちづくり活動推進事業 (市民主体のまちづくり活動PR事業)")
    assert (pr.base_name, pr.sub_name) == ("まちづくり活動推進事業", "市民主体のまちづくり活動PR事業")
    assert pr.departments == ("自治振興課", "市民協働推進室", "地域コミュニティ推進室")
    digital = project_named(plan, "まちづくり活動推進事業 （自治会デジタル化支援事業）")
    assert digital.sub_name == "自治会デジタル化支援事業"
    assert digital.id == "H2-1/2/4"
    plain = [p for p in plan.projects if p.name == "まちづくり活動推進事業"]
    assert [p.approach_key for p in plain] == ["H2-1/1", "H2-1/2"]
    assert all(p.sub_name is None for p in plain)


def test_zencho_mishukin_schedule(plan):
    p = project_named(plan, "全庁における未収金対策")
    assert p.departments == ("特別滞納整理室",)
    assert [(e.start_fy, e.end_fy) for e in p.schedule] == [(2025, 2025), (2026, 2026), (2027, 2027)]
    assert p.schedule[2].text == "・令和9年度 債権管理台帳システム運用開始"
    assert "・全庁的な債権管理の技術向上に向けた取り組み (統一的基準の整備、職員研修の実施)" in p.summary_lines


def test_shiyoryo_schedule_ignores_calendar_history(plan):
    p = project_named(plan, "使用料・手数料の見直し")
    assert [(e.label, e.start_fy, e.end_fy) for e in p.schedule] == [
        ("令和6年度", 2024, 2024),
        ("令和7年度", 2025, 2025),
        ("令和8年度", 2026, 2026),
        ("令和9年度～", 2027, None),
    ]
    assert p.covers_year(2030) and not p.covers_year(2023)
    assert p.tags == ("新市役所創造",)


def test_ranges_and_era_change(plan):
    chosha = project_named(plan, "市庁舎跡地再整備等事業")
    assert [(e.start_fy, e.end_fy) for e in chosha.schedule] == [(2022, 2022), (2023, 2025), (2025, 2027), (2027, None)]
    kokyo = project_named(plan, "公共施設マネジメント推進事業")
    assert (kokyo.schedule[0].start_fy, kokyo.schedule[0].end_fy) == (2017, 2022)  # 平成29～令和4年度
    hokenjo = project_named(plan, "保健所許認可システムサービス利用")
    assert (hokenjo.schedule[-1].start_fy, hokenjo.schedule[-1].end_fy) == (2026, 2031)  # 令和8～令和13年度
    hyojun = project_named(plan, "情報システム標準化・共通化事業")
    assert ("令和7年度末", 2025, 2025) in {(e.label, e.start_fy, e.end_fy) for e in hyojun.schedule}


def test_naming_rights_inline_schedule_split_into_lines(plan):
    p = project_named(plan, "ネーミングライツ事業")
    assert p.summary_lines[1:] == (
        "令和4年度：ネーミングライツ制度導入",
        "令和5年度以降：継続的なネーミングライツパートナーの募集",
    )
    assert p.schedule[1].end_fy is None


def test_year_marks(plan):
    marks = {p.name: p.year_mark for p in plan.projects if p.year_mark}
    assert marks["人口減少対策シンポジウム 開催費負担金"] == "↔"
    assert marks["職場改善支援事業の実施"] == "検討中"
    assert marks["録音装置等設置業務"] == "←→"
    assert marks["官民連携推進プラットフォームの設置"] == "→"
    assert len(marks) == 7
