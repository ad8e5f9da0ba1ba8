"""The Assistant: the one object the Python API, the CLI and the web app all call.

question (+ history) -> standalone query -> hybrid retrieval -> relevance decision ->
cited answer (extractive, or an LLM's answer verified against the passages).
The index is brought in step with the corpus folder on first use. Documents added with a
`scope` (a browser session) are visible only to questions asked in that scope.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .config import Settings, load_settings
from .errors import CorpusError, IndexBusyError
from .indexing_folders import first_missing as _first_missing, remove_empty as _remove_empty
from .query import clean_history as _clean_history, clean_question, keeps_terms as _keeps_terms
from .schema import Answer, IngestReport

log = logging.getLogger("assistant")


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
        self._unit_vectors = None  # evidence.UnitVectors, made with the embedder
        self._vocabulary = None  # the embedding model's whole words (see _common_words)
        self.last_report: IngestReport | None = None

    # -- indexing ----------------------------------------------------------------------------

    def index(self, rebuild: bool = False, progress=None) -> IngestReport:
        """Bring the index in step with the corpus folder; `rebuild` re-embeds everything.

        A call that fails creates no folder: the corpus and the embedding model are checked before
        the index folder is made, and a folder this call made and left empty is removed again.
        """
        from .corpus import list_files
        from .embedding import load_embedder
        from .indexing import writer_lock

        corpus, index_dir = Path(self.settings.corpus_dir), Path(self.settings.index_dir)
        if not corpus.is_dir():
            raise CorpusError(f"The corpus folder {corpus} does not exist: create it and put .txt, .md, .html, .pdf or .docx files in it.")
        made = _first_missing(index_dir)  # the top folder this call would create, if any
        if made is not None and not list_files(corpus):
            raise CorpusError(f"No documents to answer from in {corpus}: add .txt, .md, .html, .pdf or .docx files.")
        load_embedder(self.settings.embed_model, self.settings.cache_dir)  # a model that can't load fails here
        try:
            with self._lock, writer_lock(index_dir):
                indexer = self._open_indexer()
                report = IngestReport(rebuilt=indexer.open(rebuild=rebuild))
                if report.rebuilt:
                    log.warning("Rebuilding the index in %s: %s.", index_dir, report.rebuilt)
                indexer.sync_folder(corpus, "", progress, report)
                for name, why in report.skipped:
                    log.warning("Skipped %s: %s", name, why)
                self.last_report = report
                self._refresh()
        except IndexBusyError:
            raise  # the folder is another process's
        except BaseException:
            if made is not None and self._indexer is None:
                _remove_empty(index_dir, made)
            raise
        return report

    def add_documents(self, paths, scope: str | None = None, progress=None) -> IngestReport:
        """Copy files into the corpus (or the scope's upload folder) and index them; unchanged ones are skipped."""
        from .corpus import SUPPORTED
        from .indexing import writer_lock

        from .config import packaged_corpus_dir

        folder = self._folder(scope)
        if not scope and folder.resolve() == packaged_corpus_dir().resolve():
            raise CorpusError("The default corpus is the guide inside the package: make a corpus/ folder "
                              "or set ASSISTANT_CORPUS_DIR to add documents.")
        self._ensure_ready()
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
        """Yields pieces of the answer text as they come, then the final Answer (whose text wins).

        With an LLM, the extractive Answer comes first with `final=False`, shown while the LLM
        writes; then the LLM's pieces; then the final Answer (verified, or the fallback with a notice).
        """
        from .answering import extractive_answer
        from .refusals import nearest_topics, refusal
        from .relevance import decide

        text = clean_question(question, self.settings.max_question_chars)
        llm = self._load_llm(llm)
        ev, retriever = self._evidence(text, history, scope)
        decision = decide(ev)
        topics = nearest_topics(ev, retriever.topics(scope))  # what a refusal names, the LLM's too
        section_passages = lambda section: [  # noqa: E731
            p for p in retriever.visible(scope) if p.section == section or p.section.startswith(section + " > ")
        ]
        body, citations = extractive_answer(ev, decision, section_passages) if decision.answerable else ("", [])
        if body:
            answer = Answer(body, citations, True, ev.query.text, text, topics=topics)
        else:
            answer = Answer(refusal(ev.query, topics, decision.missing), [], False, ev.query.text, text, topics=topics)
        if llm is None or not decision.answerable:  # no LLM gets a chance to invent what the evidence lacks
            yield from _pieces(answer.text)
            yield answer
            return
        from .generation import generate_answer

        yield dataclasses.replace(answer, final=False)  # shown at once, while the LLM reads and writes
        hits = self._condensed_hits(llm, text, history, scope) or ev.hits
        passages = [(h.passage, h.dense if h.dense is not None else h.score) for h in hits]
        unknown = tuple(t.word for t in ev.terms if not t.known and t.own)  # what no document says
        yield from generate_answer(llm, text, passages, answer, history=_clean_history(history),
                                   timeout=self.settings.llm_timeout, unknown=unknown)

    def retrieve(self, question: str, history: list[dict] | None = None, scope: str | None = None) -> list:
        """The ranked passages (retrieval.Hit) the answer to `question` is drawn from."""
        text = clean_question(question, self.settings.max_question_chars)
        return self._evidence(text, history, scope, with_units=False)[0].hits

    def evidence(self, question: str, history: list[dict] | None = None, scope: str | None = None):
        """The evidence (evidence.Evidence) the answer to `question` is decided and written from."""
        return self._evidence(clean_question(question, self.settings.max_question_chars), history, scope)[0]

    # -- internals ---------------------------------------------------------------------------

    def _condensed_hits(self, llm, text: str, history, scope) -> list | None:
        """Passages for the LLM's own standalone rewrite of a follow-up, when it keeps the user's words."""
        from .generation import condense_question
        from .query import build_query, is_follow_up

        history = _clean_history(history)
        if not history or not is_follow_up(text):
            return None
        condensed = condense_question(llm, text, history, timeout=self.settings.llm_timeout)
        if not condensed or not _keeps_terms(text, condensed) or condensed == build_query(text, history).text:
            return None  # keep the rewrite made without an LLM
        query = build_query(condensed)
        query.question = text
        return self._evidence(text, None, scope, with_units=False, query=query)[0].hits

    def _evidence(self, text: str, history, scope, with_units: bool = True, query=None):
        """Retrieval for the question and for each of its parts, then the evidence in what was found."""
        from .evidence import UnitVectors, gather
        from .query import as_english, build_query, split_parts
        from .relevance import scope_filter

        self._ensure_ready()
        retriever = self._retriever
        query = query or build_query(text, _clean_history(history))
        accept = scope_filter(query.text)  # a question about ML roles is answered from passages about them
        parts = split_parts(query.text)
        previous = [as_english(query.context)] if query.previous and query.rewritten else []  # a follow-up's context
        vectors = self._embed_questions([as_english(t) for t in (query.text, *parts)] + previous)
        before_vector = vectors.pop() if previous else None
        hits = retriever.search(query, self.settings.top_k, scope, vectors[0], accept)
        for part, vector in zip(parts, vectors[1:]):  # each part of the question finds its own passages
            seen = {h.passage.id for h in hits}
            hits[3:3] = [h for h in retriever.search(build_query(part), 2, scope, vector, accept) if h.passage.id not in seen]
        hits[3:3] = retriever.naming(query, hits, scope, vectors[0], accept)
        hits[3:3] = retriever.voiced(query, hits, scope, vectors[0], accept)
        before, hits[3:3] = retriever.continued(query, hits, scope, vectors[0], accept, before_vector)  # the chat's document
        hits = retriever.referred(query, hits, scope, vectors[0], accept, others=bool(parts))  # "according to the hiring report"
        if not with_units:
            return _Found(hits), retriever
        if self._unit_vectors is None:
            self._unit_vectors = UnitVectors(self._embedder)
        return gather(query, hits, retriever.terms, self._unit_vectors, vectors[0], parts, vectors[1:], self._common_words(),
                      before), retriever

    def _common_words(self) -> frozenset[str]:
        """Whole words of the embedding model's vocabulary: a capitalised one is no name the documents lack."""
        if self._vocabulary is None:
            from .embedding import resolve_model, vocabulary_words

            self._vocabulary = getattr(self._embedder, "words", None) or vocabulary_words(resolve_model(self.settings.embed_model))
        return self._vocabulary

    def _embed_questions(self, texts: list[str]) -> list[list[float]]:
        return [self._embedder.embed_query(texts[0])] if len(texts) == 1 else self._embedder.embed_batch(texts)

    def _ensure_ready(self):
        if self._retriever is not None:
            self._check_fresh()
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
        """The LLM backend for `spec` (default: the configured one), loaded once; None for extractive.

        "llama-cpp" and the name it stands for ("llama-cpp:qwen") share one loaded model.
        """
        from .llms import canonical_spec, load_llm

        spec = canonical_spec(spec or self.settings.llm or "extractive")
        if spec == "extractive":
            return None
        with self.__dict__.setdefault("_llm_lock", threading.Lock()):  # one load per spec
            if spec not in self._llms:
                self._llms[spec] = load_llm(spec, timeout=self.settings.llm_timeout,
                                            base_url=self.settings.llm_base_url,
                                            model_cache_dir=getattr(self.settings, "model_cache_dir", None))
        return self._llms[spec]

    def backends(self) -> list[str]:
        """The answerers this deployment offers: extractive, the configured one, and the bundled
        local model ("llama-cpp": Qwen2.5-Coder-1.5B with the local-llm extra, else SmolLM2) when
        installed. Endpoints and keys stay the operator's."""
        from .llms import canonical_spec, local_models

        offered = ["extractive", self.backend_name]
        if local_models() and canonical_spec("llama-cpp") != canonical_spec(self.backend_name):
            offered.append("llama-cpp")
        return list(dict.fromkeys(offered))

    def _refresh(self):
        """The next retriever snapshot: only documents added or removed since the last one are read."""
        from .retrieval import Retriever

        self._retriever = Retriever.open(self._indexer.store, self._embedder, self._indexer, self._retriever)

    def _check_fresh(self):
        """Before a question: one stat of the manifest; when another process switched it, catch up.

        With an embedded index the Chroma client is opened afresh too, as its vector segment
        doesn't see other processes' writes (a `chroma run` server does). A writer busy in this
        process holds the lock: the question is answered from the snapshot it has.
        """
        indexer = self._indexer
        if indexer is None or not indexer.changed_on_disk() or not self._lock.acquire(blocking=False):
            return
        try:
            before = indexer.active_refs()
            if indexer.reload():
                if indexer.active_refs() - before:
                    indexer.store.reopen()
                self._refresh()
        finally:
            self._lock.release()

    def _folder(self, scope: str | None) -> Path:
        if not scope:
            return Path(self.settings.corpus_dir)
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", scope)[:64]
        return Path(self.settings.data_dir) / "uploads" / safe

    def _indexer_sources(self, scope: str | None) -> set[str]:
        return {d["source"] for d in self._indexer.documents() if d["scope"] == (scope or "")}


class _Found:
    """Retrieval alone, for `Assistant.retrieve`: the hits without their evidence."""

    def __init__(self, hits):
        self.hits = hits


def _pieces(text: str, words: int = 4) -> Iterator[str]:
    parts = re.findall(r"\S+\s*", text)
    for i in range(0, len(parts), words):
        yield "".join(parts[i : i + words])


_default: Assistant | None = None
_default_lock = threading.Lock()


def ask(question: str, history: list[dict] | None = None) -> Answer:
    """Answer from the default documents, with one Assistant kept for the process.

    The documents are those ASSISTANT_* settings name, else `corpus/` in the working directory,
    else the guide shipped in the package, indexed in the per-user data folder (see config.py).
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.ask(question, history)
