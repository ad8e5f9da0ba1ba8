"""The few exception types a user of the assistant can act on.

Every message is written for the person who will read it: what went wrong and what to do.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error the assistant raises on purpose."""


class QuestionError(AssistantError, ValueError):
    """The question can't be answered as given (empty, too long)."""


class CorpusError(AssistantError):
    """The corpus folder is missing, empty, or holds nothing readable."""


class IndexBusyError(AssistantError):
    """Another process is writing the index right now."""


class DocumentError(AssistantError, ValueError):
    """A document can't be read or accepted (wrong type, too big, corrupt)."""


class LLMError(AssistantError):
    """An LLM backend failed (timeout, refused connection, bad response)."""


class MissingExtraError(AssistantError, ImportError):
    """An optional dependency is not installed; the message names the extra."""

    def __init__(self, package: str, extra: str, purpose: str = ""):
        what = f" for {purpose}" if purpose else ""
        super().__init__(
            f"'{package}' is needed{what} but is not installed. "
            f"Install it with: pip install 'ml-jobs-assistant[{extra}]'"
        )
        self.package = package
        self.extra = extra


def require(module: str, extra: str, purpose: str = ""):
    """Import `module` or raise MissingExtraError naming the extra that provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(module, extra, purpose) from exc
