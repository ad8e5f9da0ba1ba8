"""The keyword side of retrieval: BM25 over passages held in segments that are added and dropped whole.

Scores are bm25s's Lucene BM25 (k1 1.5, b 0.75, idf log(1 + (N - df + 0.5) / (df + 0.5))) with
its tokenizer as llama-index's `BM25Retriever` set it up (lower case, `TOKEN_PATTERN`, bm25s's
English stopwords, Snowball stems), computed with the same float32/float64 steps, so a ranking is
the one a BM25Retriever rebuilt over the same passages gives, to the bit. What differs is when the
work is done: a segment keeps only term counts and passage lengths, and N, df and the average
length are taken at query time over the live passages, so adding a document is one new segment
and removing one is a mask, with nothing rebuilt. Neither bm25s nor llama-index is imported.

    >>> terms = bm25_terms("The Senior ML engineers' salaries")
    >>> terms
    ['senior', 'ml', 'engin', 'salari']
    >>> index = KeywordIndex([(Postings.build([terms, bm25_terms("junior salary")]), ["a", "b"], None)])
    >>> [(pid, round(score, 3)) for pid, score in index.search("senior salary", 2)]
    [('a', 0.305), ('b', 0.086)]

Leaves out: dense search and fusion (retrieval.py) and storing segments (segments.py).
"""

from __future__ import annotations

import bisect
import math
import re
from array import array

from .text import stem

K1, B = 1.5, 0.75
TOKEN_PATTERN = re.compile(r"(?u)\b\w+\b|c\+\+")
# bm25s's "en" list, which BM25Retriever(language="en") removes (tests check it still is).
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)


def bm25_terms(text: str) -> list[str]:
    """The stems BM25 counts in `text`, in order, repeats kept (as bm25s.tokenize gives them)."""
    return [stem(t) for t in TOKEN_PATTERN.findall(text.lower()) if t not in STOPWORDS]


def searchable(passage) -> str:
    """The text BM25 indexes: title, breadcrumb and text, and money figures read both ways
    ("15 lakh" and "15 LPA" find "₹15,00,000")."""
    from .figures import extract_figures
    from .indexing import embed_text

    readings = [f"{v / 1e5:g} lakh lpa" for fig in extract_figures(passage.text) if fig.kind == "money"
                for v in {fig.low, fig.high} if v < 1e12]
    return " ".join([passage.title, embed_text(passage), *readings])


class Postings:
    """Term counts of a fixed list of passages, by term: compressed sparse columns.

    `vocab[c]` is a stem; its passages are `docs[ptr[c]:ptr[c + 1]]` (ascending) with counts `tf`.
    """

    __slots__ = ("vocab", "col", "ptr", "docs", "tf", "lengths")

    def __init__(self, vocab: list[str], ptr, docs, tf, lengths):
        self.vocab, self.ptr, self.docs, self.tf, self.lengths = vocab, ptr, docs, tf, lengths
        self.col = {t: i for i, t in enumerate(vocab)}

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, documents) -> "Postings":
        """From each passage's terms (bm25_terms), an iterable read once: only ids are kept on the way."""
        import numpy as np

        vocab: dict[str, int] = {}
        cols, docs, tfs, lengths = array("q"), array("i"), array("f"), array("i")
        for d, terms in enumerate(documents):
            counts: dict[str, int] = {}
            for t in terms:
                counts[t] = counts.get(t, 0) + 1
            for t, n in counts.items():
                cols.append(vocab.setdefault(t, len(vocab)))
                docs.append(d)
                tfs.append(n)
            lengths.append(len(terms))
        as_array = lambda a, dtype: np.frombuffer(a, dtype=dtype) if len(a) else np.zeros(0, dtype=dtype)  # noqa: E731
        return cls._compress(list(vocab), as_array(cols, np.int64), as_array(docs, np.int32),
                             as_array(tfs, np.float32), as_array(lengths, np.int32).copy())

    @classmethod
    def _compress(cls, vocab, cols, docs, tf, lengths) -> "Postings":
        import numpy as np

        order = np.argsort(cols, kind="stable")  # entries come in passage order: each column stays ascending
        ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=len(vocab)), out=ptr[1:])
        return cls(vocab, ptr, docs[order].astype(np.int32), tf[order].astype(np.float32), lengths)

    @classmethod
    def merged(cls, parts: list[tuple["Postings", object]]) -> "Postings":
        """One Postings of the passages each part keeps (a boolean mask per part, None for all), in order."""
        import numpy as np

        vocab: dict[str, int] = {}
        cols, docs, tfs, lengths, offset = [], [], [], [], 0
        for postings, keep in parts:
            keep = np.ones(len(postings), dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
            new_doc = np.cumsum(keep) - 1 + offset
            remap = np.array([vocab.setdefault(t, len(vocab)) for t in postings.vocab], dtype=np.int64)
            col = np.repeat(remap, np.diff(postings.ptr))
            kept = keep[postings.docs]
            cols.append(col[kept])
            docs.append(new_doc[postings.docs[kept]])
            tfs.append(postings.tf[kept])
            lengths.append(postings.lengths[keep])
            offset += int(keep.sum())
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        used = np.zeros(len(vocab), dtype=bool)
        used[col] = True  # a term only removed passages had is dropped
        renumber = np.cumsum(used) - 1
        names = [t for t, u in zip(vocab, used) if u]
        cat = lambda xs, dtype: np.concatenate(xs) if xs else np.zeros(0, dtype=dtype)  # noqa: E731
        return cls._compress(names, renumber[col], cat(docs, np.int32), cat(tfs, np.float32), cat(lengths, np.int32))


class KeywordIndex:
    """BM25 search over parts (Postings, passage ids, live mask or None); one snapshot, never changed."""

    def __init__(self, parts: list[tuple[Postings, list[str], object]]):
        import numpy as np

        self.parts = []
        base = self.n = self.total = 0
        for postings, pids, live in parts:
            live = np.ones(len(postings), dtype=bool) if live is None else live
            self.parts.append((base, postings, pids, live))
            base += len(postings)
            self.n += int(live.sum())
            self.total += int(postings.lengths[live].sum())
        self.size = base
        self._bases = [part[0] for part in self.parts]

    def search(self, text: str, k: int, order=None) -> list[tuple[str, float]]:
        """(passage id, score) of the k best scores above 0; equal scores in `order` (pid -> sort key)."""
        import numpy as np

        terms = bm25_terms(text)
        if not terms or not self.n or k <= 0:
            return []
        avg = self.total / self.n  # what numpy's mean of the lengths gives: the sum is exact
        found: dict[str, tuple] = {}
        for term in dict.fromkeys(terms):
            slots, tfs, lengths = [], [], []
            for base, postings, _, live in self.parts:
                c = postings.col.get(term)
                if c is None:
                    continue
                lo, hi = postings.ptr[c], postings.ptr[c + 1]
                docs = postings.docs[lo:hi]
                alive = live[docs]
                docs = docs[alive]
                slots.append(docs + base)
                tfs.append(postings.tf[lo:hi][alive])
                lengths.append(postings.lengths[docs])
            if slots and sum(map(len, slots)):
                tf = np.concatenate(tfs).astype(np.float64)
                length = np.concatenate(lengths).astype(np.float64)
                df = len(tf)
                idf = float(np.float32(math.log(1 + (self.n - df + 0.5) / (df + 0.5))))  # bm25s keeps idf in float32
                tfc = tf / (K1 * ((1 - B) + B * length / avg) + tf)
                found[term] = (np.concatenate(slots), (idf * tfc).astype(np.float32))
        if not found:
            return []  # no word of the query is in a live passage: every score is 0
        scores = np.zeros(self.size, dtype=np.float32)
        for term in terms:  # a repeated query word counts again, summed in float32 in query order
            if term in found:
                slots, values = found[term]
                scores[slots] += values
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:  # every passage tied with the k-th best stays a candidate
            kth = np.partition(scores[positive], len(positive) - k)[len(positive) - k]
            positive = positive[scores[positive] >= kth]
        ranked = [(self._pid(slot), float(scores[slot])) for slot in positive]
        ranked.sort(key=(lambda r: (-r[1], order(r[0]))) if order else (lambda r: -r[1]))
        return ranked[:k]

    def _pid(self, slot: int) -> str:
        base, _, pids, _ = self.parts[bisect.bisect_right(self._bases, slot) - 1]
        return pids[slot - base]
