"""The chat widget's script with its configuration filled in from the settings.

The widget is one self-contained script (``<script src="https://HOST/widget.js" defer>``) that can sit on
any city page, so it cannot read our templates. What it needs from the settings (the hand-off contact, the
privacy page, the starter questions) is written into the script where ``/*NPA_CONFIG*/null`` stands, as
JSON with ``<`` escaped, so no setting can end the script or inject markup.
"""

from __future__ import annotations

import json
from functools import lru_cache

from assistant.api.templating import WIDGET_JS
from assistant.settings import Settings

PLACEHOLDER = "/*NPA_CONFIG*/null"

# First questions offered to a citizen, in a citizen's words (not a staff query), each one the plan answers.
STARTERS = {
    "ja": [
        "市のコールセンターはどこの課がやってるの？",
        "市長と直接話せる機会はある？",
        "スマホの使い方を教えてもらえる所はある？",
        "市役所に行かんでも手続きできるごとなると？",
    ],
    "en": [
        "Which office runs the city call center?",
        "Can I talk with the mayor directly?",
        "Where can I find the city's open data?",
    ],
}


def widget_config(settings: Settings) -> dict:
    handoff = settings.handoff
    return {
        "handoff": {"name": handoff.name, "phone": handoff.phone, "hours": handoff.hours},
        "privacy_url": settings.widget.privacy_url,
        "starters": STARTERS,
    }


@lru_cache(maxsize=4)
def _render(config_json: str, mtime_ns: int) -> bytes:
    source = WIDGET_JS.read_text(encoding="utf-8")
    if PLACEHOLDER not in source:
        raise RuntimeError(f"{WIDGET_JS} has no {PLACEHOLDER} for its configuration")
    return source.replace(PLACEHOLDER, config_json, 1).encode()


def widget_script(settings: Settings) -> bytes:
    """The widget's source with the configuration in place (cached until the file or settings change)."""
    config = json.dumps(widget_config(settings), ensure_ascii=False).replace("<", "\\u003c")
    return _render(config, WIDGET_JS.stat().st_mtime_ns)
