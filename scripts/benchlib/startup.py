"""Where a cold start goes: the server's start-up steps timed one by one in a fresh interpreter.

Run as a script (``python scripts/benchlib/startup.py``), it prints one JSON object of seconds per step,
in the order ``assistant serve`` takes them: settings, preflight, the web stack, the encoder and its query
model (ONNX Runtime for an exported model), plan + Sudachi + index + searcher (``load_runtime``), and the
answerer; and whether torch was imported on the way (it should not be, for an exported model). Settings come from the
environment as for the server (``ASSISTANT_INDEX_DIR`` and so on).
"""

from __future__ import annotations

import json
import sys
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
    from assistant.preflight import preflight
    from assistant.settings import Settings

    settings = Settings()
    lap("cli + settings")
    preflight(settings)
    lap("preflight (model sizes, index checksums)")
    import uvicorn  # noqa: F401

    import assistant.api.app  # noqa: F401

    lap("web stack (fastapi, uvicorn, app)")
    from assistant.runtime import load_runtime, make_encoder

    encoder = make_encoder(settings)
    lap(f"encoder object ({getattr(encoder, 'backend', '?')}: fingerprint, export record)")
    encoder.encode_queries(["準備"])
    lap("query model loaded + first query (ONNX session, tokenizer.json)")
    runtime = load_runtime(settings, encoder=encoder)
    lap("plan + Sudachi + index + searcher")
    from assistant.answer.service import Answerer

    Answerer(runtime.plan, runtime.searcher, settings)
    lap("answerer")
    steps["torch imported"] = "torch" in sys.modules
    print(json.dumps(steps, ensure_ascii=False))


if __name__ == "__main__":
    main()
