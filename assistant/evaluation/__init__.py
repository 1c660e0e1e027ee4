"""Evaluation of the assistant on the hand-written question set (``tests/data/eval/dev_tuning.jsonl``).

- :mod:`~assistant.evaluation.dataset` reads and validates the JSON Lines file into :class:`EvalItem`.
- :mod:`~assistant.evaluation.metrics` holds pure functions: gold matching, recall@k, MRR, list recall.
- :mod:`~assistant.evaluation.runner` runs the retriever (and, once answering exists, an answerer) over
  the items and returns one report dict; it also provides the ``assistant eval`` command handler.
- :mod:`~assistant.evaluation.answers` scores replies of an answerer (must-mention, not-found F1, …).
- :mod:`~assistant.evaluation.report` renders a report as plain-text tables.

Nothing here is keyed to a question's text: every item is scored by the same rules.
"""
