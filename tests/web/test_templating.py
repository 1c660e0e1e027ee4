"""Unit tests of the template helpers (no server): highlight splitting and labels."""

from __future__ import annotations

from assistant.api.templating import highlight_pieces, path_label, source_label, templates


def test_highlight_pieces_split_merge_and_clip():
    assert highlight_pieces("abcdef", [(1, 3)]) == [("a", False), ("bc", True), ("def", False)]
    assert highlight_pieces("abcdef", [(2, 4), (1, 3), (5, 99), (-3, 0), (4, 4)]) == [
        ("a", False),
        ("bcd", True),
        ("e", False),
        ("f", True),
    ]
    assert highlight_pieces("", []) == [("", False)]
    assert highlight_pieces("abc", None) == [("abc", False)]


def test_marked_pieces_are_escaped_by_the_template():
    env = templates.env
    html = env.from_string(
        "{% for t, m in highlight_pieces(x, h) %}{% if m %}<mark>{{ t }}</mark>{% else %}{{ t }}{% endif %}{% endfor %}"
    ).render(x="<b>自治会</b>の活動", h=[[3, 6]])
    assert html == "&lt;b&gt;<mark>自治会</mark>&lt;/b&gt;の活動"


def test_labels():
    assert source_label({"file": "a.txt", "line_start": 54, "line_end": 54}) == "a.txt 54行目"
    assert source_label({"file": "a.txt", "line_start": 5, "line_end": 7}) == "a.txt 5～7行目"
    path = {
        "basic_policy": {"code": "H1", "title": "T1"},
        "policy": {"code": "H1-1", "title": "T2"},
        "approach": None,
    }
    assert path_label(path) == "H1 T1 > H1-1 T2"
    assert templates.env.autoescape is True
