"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank.

A third ranking comes from the corpus's own bands: lines such as
"Mid-Level ML Engineer (3-5 years): ₹15,00,000 – ₹25,00,000 per annum" are parsed once, so
"8 years of experience" or "20 LPA" finds the line whose range covers it, not just similar words.
Leaves out: deciding whether the passages answer at all (relevance.py) and writing the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .figures import extract_figures
from .indexing import embed_text
from .query import Query, content_terms
from .schema import Passage
from .terms import TermIndex
from .text import sentence_spans

RRF_K = 60


@dataclass(frozen=True)
class Band:
    """A line of a passage that states a range of experience and/or pay."""

    passage_id: str
    start: int  # offsets of the line within the passage text
    end: int
    years: tuple[float, float] | None
    money: tuple[float, float] | None

    def covers(self, query: Query) -> bool:
        hit = False
        if query.years is not None and self.years:
            hit = self.years[0] <= query.years <= self.years[1]
        for fig in query.money:
            if self.money:
                hit = hit or self.money[0] <= fig.low <= self.money[1]
        return hit


@dataclass
class Hit:
    passage: Passage
    score: float  # fused score
    dense: float | None  # cosine similarity, when the dense search returned it
    lexical: float | None  # BM25 score, when the lexical search returned it
    band: bool = False  # holds a band covering the years or amount asked about
    bands: tuple = ()  # every band the passage states (parsed once, when the retriever was built)


class Retriever:
    """Ranks the live passages for a query; built from the store's passages, refreshed on change."""

    def __init__(self, store, embedder, passages: list[Passage]):
        self.store = store
        self.embedder = embedder
        self.passages = {p.id: p for p in passages}
        self.bands = [band for p in passages for band in find_bands(p)]
        self._bands_of: dict[str, tuple[Band, ...]] = {}
        for band in self.bands:
            self._bands_of[band.passage_id] = self._bands_of.get(band.passage_id, ()) + (band,)
        self._band_table = _band_table(self.bands)
        self.terms = TermIndex([f"{p.title}\n{embed_text(p)}" for p in passages])
        self.bm25 = _bm25(passages)
        self._topics: dict[str, list[str]] = {}

    def visible(self, scope: str | None) -> list[Passage]:
        """The passages a question in `scope` can see, in document order."""
        return [p for p in self.passages.values() if p.scope in ("", scope or "")]

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
               accept=None) -> list[Hit]:
        """The top-k passages visible in `scope` (shared ones plus that scope's) and `accept`ed, best first."""
        if not self.passages:
            return []
        depth = max(4 * k, 20)

        def visible(pid: str) -> bool:
            p = self.passages.get(pid)
            return p is not None and p.scope in ("", scope or "") and (accept is None or accept(p))

        embedding = embedding if embedding is not None else self.embedder.embed_query(query.text)
        dense = [(pid, s) for pid, s in self.store.query(embedding, depth) if visible(pid)]
        lexical = [(pid, s) for pid, s in self._lexical(query, depth) if visible(pid)]
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (pid, _) in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        banded = {pid for pid in self._covering(query) if visible(pid)}
        for rank, pid in enumerate(sorted(banded, key=lambda p: -fused.get(p, 0.0))):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank)
        dense_of, lexical_of = dict(dense), dict(lexical)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:k]
        return [Hit(self.passages[pid], fused[pid], dense_of.get(pid), lexical_of.get(pid), pid in banded,
                    self._bands_of.get(pid, ())) for pid in ranked]

    def _covering(self, query: Query) -> list[str]:
        """Ids of passages holding a band that covers the query (Band.covers for every band at once)."""
        if not self.bands or (query.years is None and not query.money):
            return []
        import numpy as np

        years_low, years_high, money_low, money_high = self._band_table
        hit = np.zeros(len(self.bands), dtype=bool)
        if query.years is not None:
            hit |= (years_low <= query.years) & (query.years <= years_high)
        for fig in query.money:
            hit |= (money_low <= fig.low) & (fig.low <= money_high)
        return [self.bands[i].passage_id for i in np.flatnonzero(hit)]

    def _lexical(self, query: Query, depth: int) -> list[tuple[str, float]]:
        if self.bm25 is None:
            return []
        fixes = [self.terms.spelling(t) for t in content_terms(query.text)]
        text = " ".join([query.expanded, *filter(None, fixes)])
        return _bm25_top(self.bm25, text, min(depth, len(self.passages)))


def _band_table(bands: list[Band]):
    """The bands' ranges as arrays (NaN where a band states none: every comparison with it is false)."""
    import numpy as np

    nan = float("nan")
    column = lambda get: np.array([get(b) for b in bands], dtype=np.float64)  # noqa: E731
    return (column(lambda b: b.years[0] if b.years else nan), column(lambda b: b.years[1] if b.years else nan),
            column(lambda b: b.money[0] if b.money else nan), column(lambda b: b.money[1] if b.money else nan))


def find_bands(passage: Passage) -> list[Band]:
    """Lines of `passage` stating a years range and/or a money range.

    >>> p = Passage("x", "- Junior (0-2 years): ₹8,00,000 – ₹12,00,000 per annum", "g.txt")
    >>> [(b.years, b.money) for b in find_bands(p)]
    [((0.0, 2.0), (800000.0, 1200000.0))]
    """
    bands = []
    for start, end in _lines(passage.text):
        years = money = None
        for fig in extract_figures(passage.text[start:end]):
            high = math.inf if fig.raw.rstrip().endswith("+") else fig.high
            if fig.kind == "years" and years is None:
                years = (fig.low, high)
            elif fig.kind == "money" and money is None and fig.high > fig.low:
                money = (fig.low, high)
        if years or money:
            bands.append(Band(passage.id, start, end, years, money))
    return bands


def _lines(text: str) -> list[tuple[int, int]]:
    """List lines, or sentences of running text."""
    if "\n" in text:
        spans, pos = [], 0
        for line in text.split("\n"):
            spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans
    return sentence_spans(text)


def _bm25(passages: list[Passage]):
    if not passages:
        return None
    import logging

    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)  # its k > corpus notice is not ours
    nodes = [TextNode(id_=p.id, text=_searchable(p)) for p in passages]
    return BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(20, len(nodes)), token_pattern=r"(?u)\b\w+\b|c\+\+")


def _bm25_top(retriever, text: str, k: int) -> list[tuple[str, float]]:
    """(node id, score) of the k best BM25 scores above 0: what BM25Retriever.retrieve gives, filtered.

    The same tokenizing and scoring (bm25s), but the top k are picked among the passages that share
    a word with the query, not by numpy's argpartition over every score: with most scores 0, as in
    any big corpus, that partition is slow (26 ms of a 100k-passage query; this is ~1 ms).
    Equal scores stay in passage order (the partition left them in an arbitrary one).
    """
    import bm25s
    import numpy as np

    tokens = bm25s.tokenize(text, stemmer=retriever.stemmer if not retriever.skip_stemming else None,
                            token_pattern=retriever.token_pattern, show_progress=False)
    words = bm25s.tokenization.convert_tokenized_to_string_list(tokens)[0]
    if not retriever.bm25.get_tokens_ids(words):
        return []  # no word of the query is in the index: every score is 0
    scores = retriever.bm25.get_scores(words)
    positive = np.flatnonzero(scores > 0)
    best = positive[np.argsort(-scores[positive], kind="stable")][:k]
    return [(retriever.corpus[i]["node_id"], float(scores[i])) for i in best]


def _searchable(p: Passage) -> str:
    # Figures read both ways, so "15 lakh" and "15 LPA" find "₹15,00,000".
    readings = [f"{v / 1e5:g} lakh lpa" for fig in extract_figures(p.text) if fig.kind == "money" for v in {fig.low, fig.high} if v < 1e12]
    return " ".join([p.title, embed_text(p), *readings])
