"""A chat assistant over career documents: every answer cited to the passage it comes from.

    >>> from assistant import ask
    >>> answer = ask("How much do mid-level ML engineers earn?")  # doctest: +SKIP
    >>> answer.text, answer.citations[0].section                   # doctest: +SKIP

Importing the package is cheap: models, Chroma and Gradio load on first use.
"""

from .assistant import Assistant, ask
from .errors import (
    AssistantError,
    CorpusError,
    DocumentError,
    IndexBusyError,
    LLMError,
    MissingExtraError,
    QuestionError,
)
from .schema import Answer, Citation, IngestReport, Passage

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "CorpusError",
    "DocumentError",
    "IndexBusyError",
    "IngestReport",
    "LLMError",
    "MissingExtraError",
    "Passage",
    "QuestionError",
    "ask",
    "build_app",
]


def build_app(assistant=None, **options):
    """The Gradio chat app for `assistant` (see assistant.ui); imports Gradio only when called."""
    from .ui import build_app as _build_app

    return _build_app(assistant if assistant is not None else Assistant(), **options)
