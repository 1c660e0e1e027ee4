"""All configuration in one pydantic-settings class (environment variables ``ASSISTANT_*`` or ``.env``).

Paths are relative to the working directory unless absolute, so the README commands, run from the
repository root, find ``corpus/``, ``index/`` and ``models/`` without any configuration.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Handoff(BaseModel):
    """Who to contact when the plan has no answer."""

    name: str = "長崎市コールセンター「あじさいコール」"
    phone: str = "095-822-8888"
    hours: str = "8:00～20:00（年中無休）"
    # What the operator says instead of a self-referral on /callcenter: the plan's scope and where the
    # city's FAQ and department directory are (a call outside the plan goes there, not back to the center).
    scope: str = "実施計画（第H章）"
    directory_label: str = "市ホームページの「よくある質問」と組織・担当課の案内"
    directory_url: str = "https://www.city.nagasaki.lg.jp/"


class Widget(BaseModel):
    """What the citizen widget links to besides the plan."""

    # How questions are handled (what is logged, masked and for how long): the about page by default, the
    # city's own privacy page in production.
    privacy_url: str = "/about#privacy"


class Settings(BaseSettings):
    """Runtime settings. Every field can be set as ``ASSISTANT_<FIELD>`` (nested: ``ASSISTANT_HANDOFF__PHONE``)."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", env_file=".env", env_nested_delimiter="__", extra="ignore"
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index/current")
    # The embedding model: a catalogue profile (assistant/embedding/catalogue.py) installed under models_dir,
    # or any local sentence-transformers folder as model_dir (which then wins over the profile).
    model: str = "embeddinggemma-300m"  # chosen by scripts/compare_models.py (see docs/performance.md)
    models_dir: Path = Path("models")
    model_dir: Path | None = None  # filled from model/models_dir when not given: always a Path after validation
    # "auto": the ONNX graphs `assistant model install` exported (no torch in the server), else
    # sentence-transformers; "onnx" or "sentence-transformers" force one.
    encoder_backend: str = "auto"
    # Sudachi: dictionary package and split mode(s) used for the lexical index.
    sudachi_dict: str = "core"
    sudachi_modes: str = "AC"
    # FAISS index factory; "auto" picks exact search for small corpora and HNSW beyond ann_threshold.
    faiss_factory: str = "auto"
    ann_threshold: int = 20_000
    chunk_chars: int = 700
    encode_batch_size: int = 32
    torch_threads: int = 2
    # Query expansion (assistant/retrieval/synonyms.py): everyday words → the plan's words, for BM25 and
    # for the embedding of English questions.
    # Another thesaurus in the same JSON shape can replace it; ASSISTANT_SYNONYMS=false turns it off.
    synonyms: bool = True
    synonyms_path: Path = Path(__file__).parent / "retrieval" / "synonyms.json"

    # Model-dependent values below (fusion and thresholds) are replaced by the selected model's stored
    # calibration (assistant/embedding/calibration.py, `assistant model calibrate`) unless set explicitly.
    # Hybrid fusion (see assistant/retrieval/fusion.py); defaults chosen by `assistant eval`.
    fusion: str = "weighted"
    rrf_k: int = 60
    dense_weight: float = 0.7
    # Weight of the dense ranking for questions with no kana or kanji (English): BM25 over Japanese
    # tokens has almost nothing to match there.
    dense_weight_foreign: float = 0.9
    # Does the plan cover a question? The coverage model (assistant/answer/coverage.py: weights over several
    # signals, fitted per embedding model by `assistant model calibrate` and stored with its calibration).
    coverage: dict | None = None
    # Without a fitted coverage model (a model folder never calibrated), one rule decides: the plan is taken
    # not to cover a question when the best hit's dense similarity is below not_found_threshold (English:
    # not_found_threshold_en, cross-lingual scores run lower), or when no question word is a strong BM25
    # match (< weak_lexical) and similarity is below threshold + lexical_margin. Between the threshold and
    # low_confidence_margin above it, the answer is given but marked uncertain.
    not_found_threshold: float = 0.805
    not_found_threshold_en: float = 0.75
    weak_lexical: float = 2.0
    lexical_margin: float = 0.03
    low_confidence_margin: float = 0.03
    # A lookup answer also shows up to two runner-up rows whose fused score is at least this share of
    # the best row's (the plan often has two rows a citizen's wording fits about equally).
    related_ratio: float = 0.9
    # A lookup / who / when answer from search offers the close rows as choices, instead of committing to
    # the first, when the runner-up's fused score is at least this share of the best's. Read off the tuning
    # questions with scripts/choice_margin.py, as the lowest ratio where at least half of the answers it turns
    # into choices had a wrong first row (EmbeddingGemma: 0.95, 2 of 4; lower ratios turn more right
    # answers into questions). A choice still shows the first row first, with its line.
    choice_ratio: float = 0.95
    # A question with no policy cue is answered with a policy's めざす姿 when a 施策 is this much more
    # similar (dense) than the best project row (「市の職員さんをどがん人に育てたいと？」 → H3-2); a
    # 基本施策 gives way to one of its 個別施策 within child_policy_margin (the parent embeds its children's
    # text, so it scores high on anything they say; the child is the more specific answer). Both margins
    # were read off the dev set's policy and lookup questions (see the #4 closing note).
    policy_over_project_margin: float = 0.015
    child_policy_margin: float = 0.01

    handoff: Handoff = Field(default_factory=Handoff)
    widget: Widget = Field(default_factory=Widget)

    # Web service
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"])
    frame_ancestors: str = "'self'"
    max_message_chars: int = 500
    max_body_bytes: int = 16_384
    # Per client address, over /api/ and the /search pages together (moving window; shared through state_url).
    rate_limit: str = "60/minute"
    # Encoding bound (assistant/api/services.py): this many questions encode at once; up to max_queued_encodes
    # more wait, each at most request_timeout_s, for a slot; the rest are shed at once with 503 + Retry-After. Read
    # off scripts/overload.py (docs/performance.md, "Overload"): past this, latency grows and throughput does not.
    max_concurrent_encodes: int = 4
    max_queued_encodes: int = 8
    request_timeout_s: float = 5.0  # (was 20: a flood's every request waited 20 s in a worker thread)
    request_deadline_s: float = 30.0  # an /api/ request unanswered by then gets 503 + Retry-After (0: off)
    # Public deployment (docs/deployment.md). Addresses (or CIDR ranges, comma-separated; "*" for any) of the
    # reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty: nobody's, the client is
    # whoever opened the connection (uvicorn's own default would trust 127.0.0.1).
    forwarded_allow_ips: str = ""
    # Host header values served (a port is ignored); anything else gets 400 before reaching a route.
    allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1", "localhost"])
    # An idle keep-alive connection is closed after keep_alive_timeout_s; a request (head and body) must have
    # fully arrived request_read_timeout_s after its connection became ready for it, or the connection closes.
    keep_alive_timeout_s: int = 5
    request_read_timeout_s: float = 10.0
    # Worker processes of `assistant serve` (--workers wins); each loads the model (docs/deployment.md, "Workers").
    workers: int = 1
    # Where state shared by workers lives (rate-limit counters, sessions): "" keeps it in the process (one
    # worker), "sqlite:///path/state.sqlite3" shares it between the workers of one host, "redis://host:6379/0"
    # between hosts behind a load balancer.
    state_url: str = ""
    session_ttl_s: int = 1800
    max_sessions: int = 10_000
    cache_size: int = 2048  # query embeddings kept (LRU)
    answer_cache_size: int = 1024  # replies kept per (question, previous rows) (LRU); 0 turns it off
    feedback_db: Path = Path("data/feedback.sqlite3")
    log_retention_days: int = 180
    admin_token: str | None = None

    @model_validator(mode="after")
    def _follow_the_model(self) -> Settings:
        """Resolve the model folder, then take the model's calibrated values for fields not set explicitly."""
        from assistant.embedding.calibration import calibration_for
        from assistant.embedding.catalogue import get_profile, profile_of_folder

        if self.model_dir is None:
            self.model_dir = self.models_dir / get_profile(self.model).folder
        profile = profile_of_folder(self.model_dir)
        for key, value in calibration_for(self.model_dir, profile.name if profile else None).items():
            if key not in self.model_fields_set:
                setattr(self, key, value)
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own ``Settings`` instead)."""
    return Settings()
