"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank.

A third ranking comes from the corpus's own bands (bands.py): "8 years of experience" or "20 LPA"
finds the line whose range covers it, not just similar words. A Retriever is a snapshot of the
live passages, assembled from segments (segments.py) and never changed: `open` gives the next
snapshot after an index change, reusing what didn't change, so an upload costs its own passages
and not a rebuild of the whole keyword side, term statistics and band table.
Leaves out: deciding whether the passages answer at all (relevance.py) and writing the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from .bands import Band, BandTable, find_bands
from .keywords import KeywordIndex, searchable
from .query import Query, content_terms
from .references import referred_document
from .text import tokens
from .voices import voices_of
from .schema import Passage
from .segments import Segment, SegmentError, analyse
from .terms import TermIndex

__all__ = ["Band", "Hit", "Retriever", "find_bands", "searchable"]

RRF_K = 60


@dataclass
class Hit:
    passage: Passage
    score: float  # fused score
    dense: float | None  # cosine similarity, when the dense search returned it
    lexical: float | None  # BM25 score, when the lexical search returned it
    band: bool = False  # holds a band covering the years or amount asked about
    bands: tuple = ()  # every band the passage states (parsed once, when the document was indexed)


class Retriever:
    """Ranks the live passages for a query.

    `Retriever(store, embedder, passages)` builds one from a list of passages (in document order);
    `Retriever.open(store, embedder, source, previous)` assembles one from the segments a
    source (indexing.Indexer) names, reusing `previous`'s segments and statistics.
    """

    def __init__(self, store, embedder, passages: list[Passage] | None = None):
        segment = analyse([("", list(passages or []))], as_given=True)
        self._assemble(store, embedder, {segment.name: segment}, {"": ("", "")}, None)

    @classmethod
    def open(cls, store, embedder, source, previous: "Retriever | None" = None) -> "Retriever":
        """The passages `source` lists as live, from its segments (or, for refs no readable segment holds, the store)."""
        live = source.live()
        have = previous._segments if previous is not None else {}
        known = previous.passages if previous is not None else None
        segments: dict[str, Segment] = {}
        for name, refs in source.segment_refs().items():
            if not refs & live.keys():
                continue
            try:
                segments[name] = have[name] if name in have else source.load_segment(name, known)
            except SegmentError:
                pass  # its refs come from below
        covered = {ref for seg in segments.values() for ref in seg.refs}
        for name, seg in have.items():  # a segment merged away whose file is gone: what we hold is still right
            if name not in segments and (set(seg.refs) & live.keys()) - covered:
                segments[name] = seg
                covered |= set(seg.refs)
        missing = live.keys() - covered
        if missing:
            seg = source.rebuild_segment(missing)
            segments[seg.name] = seg
        self = cls.__new__(cls)
        self._assemble(store, embedder, segments, live, previous)
        return self

    def _assemble(self, store, embedder, segments: dict[str, Segment], live: dict[str, tuple[str, str]], previous):
        import numpy as np

        self.store, self.embedder = store, embedder
        where: dict[str, tuple[Segment, int, int]] = {}
        for seg in segments.values():
            for i, ref in enumerate(seg.refs):
                if ref in live and ref not in where:
                    where[ref] = (seg, seg.bounds[i], seg.bounds[i + 1])
        order = sorted(where, key=lambda ref: (*live[ref], ref))  # document order: scope, file, then text
        self.passages = {p.id: p for ref in order for p in _slice(where[ref])}
        self._position = {pid: i for i, pid in enumerate(self.passages)}
        masks = {name: np.zeros(len(seg.passages), dtype=bool) for name, seg in segments.items()}
        for seg, lo, hi in where.values():
            masks[seg.name][lo:hi] = True
        used = {name: seg for name, seg in segments.items() if masks[name].any()}
        self._segments, self._where = used, where
        self.keywords = KeywordIndex([(seg.postings, seg.ids, masks[name]) for name, seg in used.items()])
        if previous is None:
            df: dict[str, int] = {}
            words: dict[str, int] = {}
            for name, seg in used.items():
                for total, rows in ((df, seg.stems), (words, seg.words)):
                    for key, n in rows.counts(masks[name]).items():
                        total[key] = total.get(key, 0) + n
            # the model's words are spelt right even where no document has them (a test's stand-in has none)
            self.terms = TermIndex.from_counts(df, len(self.passages), words, getattr(embedder, "words", frozenset()))
        else:
            added = [t for ref in where.keys() - previous._where.keys() for t in _term_sets(where[ref])]
            removed = [t for ref in previous._where.keys() - where.keys() for t in _term_sets(previous._where[ref])]
            self.terms = previous.terms.changed(added, removed) if added or removed else previous.terms
        by_passage: dict[str, tuple[Band, ...]] = {}
        for seg in used.values():
            for band in seg.bands:
                if band.passage_id in self._position:
                    by_passage[band.passage_id] = by_passage.get(band.passage_id, ()) + (band,)
        self._bands_of = by_passage
        self.bands = [b for pid in self.passages if pid in by_passage for b in by_passage[pid]]
        self._band_table = BandTable(self.bands)
        self._topics: dict[str, list[str]] = {}
        self._visible: dict[str, list[Passage]] = {}
        self._titles: dict[str, dict[str, str]] = {}
        self._people: dict[str, set[str]] = {}

    @property
    def refs(self) -> set[str]:
        """The document versions this snapshot searches."""
        return set(self._where)

    def visible(self, scope: str | None) -> list[Passage]:
        """The passages a question in `scope` can see, in document order."""
        key = scope or ""
        if key not in self._visible:
            self._visible[key] = [p for p in self.passages.values() if p.scope in ("", key)]
        return list(self._visible[key])

    def topics(self, scope: str | None) -> list[str]:
        """Top-level sections in document order: what the documents visible in `scope` cover (cached)."""
        key = scope or ""
        if key not in self._topics:
            seen: dict[str, None] = {}
            for p in self.visible(scope):
                seen.setdefault(p.section.split(" > ")[0] if p.section else (p.title or p.source), None)
            self._topics[key] = list(seen)
        return self._topics[key]

    def search(self, query: Query, k: int = 5, scope: str | None = None, embedding: list[float] | None = None,
               accept=None, source: str | None = None, exhaustive: bool = False) -> list[Hit]:
        """The top-k passages visible in `scope` (shared ones plus that scope's) and `accept`ed, best
        first; with `source`, of that document only (searched in full, not filtered from the top)."""
        if not self.passages:
            return []
        depth = max(4 * k, 20)

        def visible(pid: str) -> bool:
            p = self.passages.get(pid)
            return p is not None and p.scope in ("", scope or "") and (accept is None or accept(p)) and (source is None or p.source == source)

        embedding = embedding if embedding is not None else self.embedder.embed_query(query.text)
        dense = [(pid, s) for pid, s in self.store.query(embedding, depth, source) if visible(pid)]
        lexical = [(pid, s) for pid, s in self._lexical(query, depth if source is None and not exhaustive else len(self.passages)) if visible(pid)]
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (pid, _) in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        banded = {pid for pid in self._band_table.covering(query) if visible(pid)}
        for rank, pid in enumerate(sorted(banded, key=lambda p: -fused.get(p, 0.0))):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        dense_of, lexical_of = dict(dense), dict(lexical)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:k]
        return [Hit(self.passages[pid], fused[pid], dense_of.get(pid), lexical_of.get(pid), pid in banded,
                    self._bands_of.get(pid, ())) for pid in ranked]

    def voiced(self, query: Query, hits: list[Hit], scope: str | None = None, embedding=None, accept=None) -> list[Hit]:
        """Passages said or written by a person the question names ("what did priya say…") that no hit
        has from them: a thread's reply names its author only in its heading (voices.py)."""
        key = scope or ""
        if key not in self._people:
            self._people[key] = set().union(*(voices_of(p) for p in self.visible(scope))) if self.passages else set()
        asked = set(tokens(query.focus or query.text)) & self._people[key]
        if not asked or any(voices_of(h.passage) & asked for h in hits):
            return []

        def by_them(p):
            return (accept is None or accept(p)) and bool(voices_of(p) & asked)

        seen = {h.passage.id for h in hits}
        return [h for h in self.search(query, 2, scope, embedding, by_them, exhaustive=True) if h.passage.id not in seen]

    def referred(self, query: Query, hits: list[Hit], scope: str | None = None, embedding=None, accept=None,
                 others: bool = False) -> list[Hit]:
        """The passages of the document the question names ("according to the hiring report"), its best
        ones added (references.py), then, with `others` (a question of several parts, which may ask
        beyond that document), the other hits; `hits` unchanged when it names none."""
        key = scope or ""
        if key not in self._titles:
            self._titles[key] = {p.source: p.title for p in self.visible(scope)}
        source = referred_document(query.focus or query.text, self._titles[key])
        if source is None:
            return hits
        own = self.search(query, 3, scope, embedding, accept, source=source)
        if not own:  # nothing of it is about what is asked (a role filter left none): as if unnamed
            return hits
        seen = {h.passage.id for h in own}
        rest = [h for h in hits if h.passage.id not in seen]
        return own + [h for h in rest if h.passage.source == source] + ([h for h in rest if h.passage.source != source] if others else [])

    def continued(self, query: Query, hits: list[Hit], scope: str | None = None, embedding=None, accept=None,
                  previous_embedding=None) -> tuple[str | None, list[Hit]]:
        """For a follow-up, the document of the passage that best matches the previous question and its
        answer, and its best passages for `query` when no top hit is from it; (None, []) for a question
        of its own.

        "And in Pune?" after a question answered by a survey's table asks that table. A question of
        its own asked later in a chat is not pulled towards the conversation's document.
        """
        if not query.previous or not query.rewritten:
            return None, []
        before = self.search(Query(text=query.context, question=query.context), 1, scope, previous_embedding, accept)
        source = before[0].passage.source if before else None
        if source is None or any(h.passage.source == source for h in hits[:3]):
            return source, []
        from .names import find_names, mentions

        named = [name for kind, name, _ in find_names(query.text) if kind in ("place", "employer", "tool", "ordinal")]

        def there(p) -> bool:  # its passages naming what the follow-up names ("and in Pune?": the Pune row)
            return (accept is None or accept(p)) and all(mentions(name, p.context) for name in named)

        seen = {h.passage.id for h in hits}
        found = self.search(query, 2, scope, embedding, there, source=source) if named else []
        return source, [h for h in found or self.search(query, 2, scope, embedding, accept, source=source) if h.passage.id not in seen]

    def naming(self, query: Query, hits: list[Hit], scope: str | None = None, embedding=None, accept=None) -> list[Hit]:
        """Passages naming a place, an employer or a numbered step `query` asks about that no hit names.

        "Median pay in Chennai for 3-5 years?" over a survey: the Chennai row must be among the
        passages even when every other word of the question matches many passages better.
        """
        from .names import find_names, mentions

        extra: list[Hit] = []
        for kind, name, _ in find_names(query.text):
            if kind not in ("place", "employer", "tool", "ordinal") or any(mentions(name, h.passage.context) for h in hits + extra):
                continue
            def names_it(p, name=name):
                return (accept is None or accept(p)) and mentions(name, p.context)
            seen = {h.passage.id for h in hits + extra}
            extra += [h for h in self.search(query, 2, scope, embedding, names_it) if h.passage.id not in seen]
        return extra

    def _lexical(self, query: Query, depth: int) -> list[tuple[str, float]]:
        fixes = [self.terms.spelling(t) for t in content_terms(query.text)]
        text = " ".join([query.expanded, *filter(None, fixes)])
        return self.keywords.search(text, min(depth, len(self.passages)), self._position.__getitem__)


def _slice(located: tuple[Segment, int, int]) -> list[Passage]:
    seg, lo, hi = located
    return seg.passages[lo:hi]


def _term_sets(located: tuple[Segment, int, int]):
    seg, lo, hi = located
    return seg.term_sets(lo, hi)
