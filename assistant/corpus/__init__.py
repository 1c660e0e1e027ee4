"""The plan corpus: parsing the plan text into typed records (the first stage of the pipeline)."""

from assistant.corpus.loader import load_plan
from assistant.errors import CorpusError

__all__ = ["CorpusError", "load_plan"]
