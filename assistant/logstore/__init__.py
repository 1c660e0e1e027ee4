"""Question log for the 広聴 side: what citizens ask that the plan does not answer.

* :func:`mask_pii` (``pii.py``) removes phone numbers, e-mail addresses, card numbers, 個人番号, postal
  codes, addresses and names from free text; everything stored goes through it first. ``pii_sample.py``
  scores it on the labelled sample in tests/data (scripts/pii_report.py, docs/privacy.md).
* :class:`QuestionLog` (``store.py``) keeps masked questions and 役に立った/役に立たなかった ratings in SQLite
  (WAL, thread-safe, failures logged and swallowed on the write path), purges by age, and builds the
  grouped 「answered not_found or rated unhelpful」 report as dicts or CSV.
* ``grouping.py`` normalises wording and clusters near-duplicate questions for that report.

The web app creates one ``QuestionLog(settings.feedback_db)`` at start-up and keeps it on
``app.state.question_log``; ``assistant/api/routes/admin.py`` serves the report.
"""

from assistant.logstore.grouping import normalise_question
from assistant.logstore.pii import mask_pii
from assistant.logstore.store import SCHEMA_VERSION, LogStoreError, QuestionLog

__all__ = ["SCHEMA_VERSION", "LogStoreError", "QuestionLog", "mask_pii", "normalise_question"]
