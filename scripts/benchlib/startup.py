"""Where a cold start goes: the server's start-up steps timed one by one in a fresh interpreter.

Run as a script (``python scripts/benchlib/startup.py``), it prints one JSON object of seconds per step,
in the order ``assistant serve`` takes them: the web stack, torch, sentence-transformers, the model,
plan + Sudachi + index + searcher (``load_runtime``), and the answerer. Settings come from the
environment as for the server (``ASSISTANT_INDEX_DIR`` and so on).
"""

from __future__ import annotations

import json
import time

_t = time.perf_counter()
steps: dict[str, float] = {}


def lap(name: str) -> None:
    global _t
    now = time.perf_counter()
    steps[name] = round(now - _t, 3)
    _t = now


def main() -> None:
    import assistant.cli  # what `python -m assistant` imports first
    from assistant.settings import Settings

    settings = Settings()
    lap("cli + settings")
    import uvicorn  # noqa: F401

    import assistant.api.app  # noqa: F401

    lap("web stack (fastapi, uvicorn, app)")
    import torch  # noqa: F401

    lap("import torch")
    import sentence_transformers  # noqa: F401

    lap("import sentence_transformers (+ transformers, sklearn, scipy)")
    from assistant.runtime import load_runtime, make_encoder

    encoder = make_encoder(settings)
    lap("load model (weights, tokenizer.json, fingerprint)")
    runtime = load_runtime(settings, encoder=encoder)
    lap("plan + Sudachi + index + searcher")
    from assistant.answer.service import Answerer

    Answerer(runtime.plan, runtime.searcher, settings)
    lap("answerer")
    encoder.encode_queries(["コールセンターの担当課は？"])
    lap("first query (not part of start-up)")
    print(json.dumps(steps, ensure_ascii=False))


if __name__ == "__main__":
    main()
