"""The project's error types: each carries a one-line message meant for the person running it."""


class AssistantError(Exception):
    """Base class: the CLI prints these as one line (no traceback) and exits non-zero."""

    def __str__(self) -> str:
        # One line even when a wrapped library message has several (the CLI promises exactly one).
        return " ".join(line.strip() for line in super().__str__().splitlines() if line.strip())


class CorpusError(AssistantError):
    """A corpus that cannot be read or parsed."""


class NotFoundError(AssistantError):
    """An id or code that the plan does not have."""


class IndexStateError(AssistantError):
    """A missing, stale or corrupt index, or a model that does not match it."""


class ModelError(AssistantError):
    """A missing or unusable embedding model folder."""


class ServiceBusy(AssistantError):
    """Too many questions are being encoded at once; the client should retry shortly."""
