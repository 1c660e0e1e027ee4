"""Cell cleaning and department splitting on small inputs."""

from __future__ import annotations

from assistant.corpus.cells import cell_lines, plain_text
from assistant.corpus.departments import split_departments


def test_cell_lines_drop_tags_and_keep_bullets():
    cell = '<p>○目的を書く。</p> <ul style="list-style-type: none"> ・項目A ・項目B(補足) </ul>'
    assert cell_lines(cell) == ["○目的を書く。", "・項目A", "・項目B(補足)"]


def test_cell_lines_keep_middle_dots_inside_words():
    assert cell_lines("○東・南・北の事業 ・テレビ・新聞") == ["○東・南・北の事業", "・テレビ・新聞"]


def test_plain_text_joins_paragraphs():
    assert plain_text("<p>過疎地域活性化事業</p> <p>【香焼】</p>") == "過疎地域活性化事業 【香焼】"


def test_split_departments_forms():
    assert split_departments("【広報広聴課】") == ["広報広聴課"]
    assert split_departments("【自治振興課】・【市民協働推進室】") == ["自治振興課", "市民協働推進室"]
    assert split_departments("【収納課・特別滞納整理室】") == ["収納課", "特別滞納整理室"]
    assert split_departments("【人事課、職員研修所】") == ["人事課", "職員研修所"]
    assert split_departments("【伊王島・高島地域センター】") == ["伊王島地域センター", "高島地域センター"]
    assert split_departments("【人事課】・【人事課】") == ["人事課"]
    assert split_departments("no brackets") == []
