"""The records that flow through the assistant: passages in, cited answers out.

Plain dataclasses with no behaviour beyond small conveniences, so every layer
(indexing, retrieval, answering, the UI) can share them without importing each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A small, citable piece of a source document.

    `start`/`end` are character offsets into the document's extracted text, so
    `document_text[start:end] == text` always holds.
    """

    id: str
    text: str
    source: str  # file name relative to the corpus folder, e.g. "ml-engineer-jobs-india.txt"
    section: str = ""  # heading breadcrumb, e.g. "Where are the ML Jobs? > Bangalore"
    start: int = 0
    end: int = 0
    page: int | None = None  # 1-based page for PDFs
    doc_hash: str = ""
    scope: str = ""  # "" for the shared corpus, else the private upload scope (a browser session)
    title: str = ""  # the document's title, when it has one
    speakers: str = ""  # in a transcript, who speaks in it as the document introduced them: "PRIYA (Head of ML, a fintech)"

    @property
    def heading(self) -> str:
        """The innermost heading of the breadcrumb ("Bangalore")."""
        return self.section.rsplit(" > ", 1)[-1] if self.section else ""

    @property
    def context(self) -> str:
        """Title, breadcrumb, speakers and text: everything that names what the passage is about."""
        return " ".join((self.title, self.section, self.speakers, self.text))


@dataclass
class Citation:
    """One cited passage; `[number]` in `Answer.text` refers to it."""

    number: int
    source: str
    section: str
    text: str
    score: float
    page: int | None = None
    start: int = 0
    end: int = 0
    quotes: list[str] = field(default_factory=list)  # the sentences of `text` the answer used
    passage_id: str = ""


@dataclass
class Answer:
    """A cited answer. `citations[n-1]` is what `[n]` in `text` points at."""

    text: str
    citations: list[Citation]
    answered: bool
    query: str
    question: str = ""
    backend: str = "extractive"
    notice: str = ""  # a short note for the user, e.g. that an LLM failed and the extractive answer is shown
    verification: dict[str, Any] | None = None
    topics: list[str] = field(default_factory=list)  # what the documents cover, offered with a refusal
    final: bool = True  # False on the extractive answer shown at once while an LLM writes its own

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """What an indexing run did, file by file."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    passages_embedded: int = 0
    rebuilt: str = ""  # why the whole collection was rebuilt, if it was

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
            f"{len(self.skipped)} skipped",
            f"{self.passages_embedded} passages embedded",
        ]
        return ", ".join(parts)
