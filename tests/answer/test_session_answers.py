"""Follow-ups on the real answerer: the server's own id continues a conversation, any other id does not,
and two answerers on one SQLite state file (two workers of one host) share the conversation."""

from __future__ import annotations

import pytest

from assistant.answer.service import Answerer

FIRST, FOLLOW_UP, ITS_START = "ネーミングライツって何？", "それはいつから？", "令和4年度（2022年度）"


@pytest.fixture(scope="module")
def two_workers(runtime, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('state') / 'state.sqlite3'}"
    settings = runtime.settings.model_copy(update={"state_url": url})
    return [Answerer(runtime.plan, runtime.searcher, settings) for _ in range(2)]


def test_only_the_issued_id_continues_the_conversation(two_workers):
    worker_a, worker_b = two_workers
    first = worker_a.answer(FIRST)
    assert first.project_ids and not first.session_reset

    followed = worker_b.answer(FOLLOW_UP, first.session_id)  # the follow-up lands on the other worker
    assert not followed.session_reset and followed.session_id == first.session_id
    assert followed.answer_type == "when" and followed.answer.startswith(ITS_START)

    altered = first.session_id[:-1] + ("A" if first.session_id[-1] != "A" else "B")
    for guess in ["aaaaaaaa", altered]:
        stolen = worker_b.answer(FOLLOW_UP, guess)
        assert stolen.session_reset and stolen.session_id not in {guess, first.session_id}
        assert not stolen.answer.startswith(ITS_START)
        assert stolen.project_ids != first.project_ids
