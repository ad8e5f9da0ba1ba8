"""Corpus term statistics: which word stems the documents use, how rare each is, and near-spellings.

Counted over the live passages; retrieval, the evidence step and the answerer read it to weigh a
question's words by rarity and to correct a misspelt word to one the documents use. A snapshot is
never changed: `changed` returns a new one with some passages' counts added or taken away, so an
upload touches only its own passages' words (and a question in flight keeps the snapshot it began with).
Leaves out: ranking (retrieval.py) and any decision about relevance (relevance.py).
"""

from __future__ import annotations

import difflib
import math

from .lexicon import ENTITIES, SYNONYMS
from .names import alias_words
from .text import stem, tokens

_CUTOFF = 0.8  # how close a near-spelling must be (difflib ratio); the screen in `spelling` assumes 0.8
_GONE = 1 << 20  # the length given to a word no live passage has: no term passes its screen
_COLUMNS = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789+#")}
_OTHER = len(_COLUMNS)  # any other character shares one row: the bound stays an upper bound


def passage_terms(text: str) -> tuple[set[str], set[str]]:
    """The stems a passage counts once for (df) and its words a misspelling may stand for (longer than 3).

    >>> sorted(passage_terms("Salaries in Bangalore, salary bands")[1])
    ['bands', 'bangalore', 'salaries', 'salary']
    """
    words = tokens(text)
    return {stem(t) for t in words}, {t for t in words if len(t) > 3}


class TermIndex:
    """Stems of the corpus with their rarity, to weigh and match question terms."""

    dictionary: frozenset[str] = frozenset()  # words spelt right whether or not a document has them (from_counts)

    def __init__(self, texts: list[str] | None = None):
        df: dict[str, int] = {}
        words: dict[str, int] = {}
        for text in texts or []:
            stems, spellings = passage_terms(text)
            for s in stems:
                df[s] = df.get(s, 0) + 1
            for w in spellings:
                words[w] = words.get(w, 0) + 1
        self._set(df, len(texts or []), words)

    @classmethod
    def from_counts(cls, df: dict[str, int], passages: int, words: dict[str, int],
                    dictionary: frozenset[str] = frozenset()) -> "TermIndex":
        """From document frequencies of stems and of spelling words over `passages` passages (kept, not copied).

        `dictionary` holds words of the language (the embedding model's whole words): a question word
        among them is spelt right even when no document uses it, so it is never read as a near-spelling.
        """
        index = cls.__new__(cls)
        index.dictionary = dictionary
        index._set(df, passages, words)
        return index

    def _set(self, df: dict[str, int], passages: int, words: dict[str, int]):
        self.df = df
        self.passages = passages
        self.n = max(1, passages)
        self._words = words
        self._spellings = list(words)  # the screen's columns
        self._column_of = {w: i for i, w in enumerate(self._spellings)}
        self._counts = _letter_counts(self._spellings, capacity=len(self._spellings))
        self._filled = [len(self._spellings)]  # columns of _counts written, shared by the snapshots that share it
        self._spelled: dict[str, str | None] = {}
        import numpy as np

        self._lengths = np.array([len(w) for w in self._spellings], dtype=np.int32)

    def changed(self, added: list[tuple[set[str], set[str]]], removed: list[tuple[set[str], set[str]]]) -> "TermIndex":
        """A new snapshot with the passages of `added` counted and those of `removed` (passage_terms) taken away."""
        import numpy as np

        df, words = dict(self.df), dict(self._words)
        for sign, group in ((1, added), (-1, removed)):
            for stems, spellings in group:
                for s in stems:
                    df[s] = df.get(s, 0) + sign
                for w in spellings:
                    words[w] = words.get(w, 0) + sign
        for table in (df, words):
            for key in [k for k, v in table.items() if v <= 0]:
                del table[key]
        new = TermIndex.__new__(TermIndex)
        new.dictionary = self.dictionary
        new.df, new.passages, new._words = df, self.passages + len(added) - len(removed), words
        new._spelled = {}
        new.n = max(1, new.passages)
        if sum(1 for w in words if w not in self._column_of) + len(self._spellings) > 2 * max(len(words), 1000):
            new._set(df, new.passages, words)  # mostly dead columns: lay the screen out afresh
            return new
        fresh = [w for w in words if w not in self._column_of]
        new._spellings = self._spellings + fresh
        new._column_of = dict(self._column_of)
        new._column_of.update((w, len(self._spellings) + i) for i, w in enumerate(fresh))
        new._counts, new._filled = self._counts, self._filled
        if fresh and (len(new._spellings) > self._counts.shape[1] or self._filled[0] != len(self._spellings)):
            # out of room, or another snapshot wrote past ours: a new array (old snapshots keep theirs)
            new._counts = _letter_counts(new._spellings, capacity=2 * len(new._spellings), into=self._counts, done=len(self._spellings))
            new._filled = [len(new._spellings)]
        elif fresh:  # spare columns no snapshot reads yet
            _letter_counts(fresh, into=new._counts, at=len(self._spellings))
            new._filled[0] = len(new._spellings)
        # a word no live passage has any more keeps its column, with a length no bound can reach
        new._lengths = np.array([len(w) if w in words else _GONE for w in new._spellings], dtype=np.int32)
        return new

    def weight(self, term_stem: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term_stem, 0))) + 0.5

    def known(self, term: str, spelling: bool = True) -> str | None:
        """The corpus stem this term stands for (itself, a synonym, another name of a place or employer,
        or, with `spelling`, a near-spelling), or None.

        >>> terms = TermIndex(["Most roles sit in Thiruvananthapuram's Technopark.", "An extra round."])
        >>> terms.known("trivandrum"), terms.known("netra"), terms.known("netra", spelling=False)
        ('thiruvananthapuram', 'extra', None)
        """
        s = stem(term)
        if s in self.df:
            return s
        for alt in (*SYNONYMS.get(term, "").split(), *alias_words(term)):
            if stem(alt) in self.df:
                return stem(alt)
        if not spelling:
            return None
        close = self.spelling(term)
        return stem(close) if close else None

    def spelling(self, term: str) -> str | None:
        """The corpus word a misspelt term stands for ("bangalor" -> "bangalore"), or None.

        A word of the dictionary is no misspelling: "negative" over documents that lack it is not
        "native", nor "according" "coding". Among equally close words the one more passages use is
        taken ("senoir" is "senior", not "sensor": a typo is likelier of a common word).

        difflib keeps a word only if its `quick_ratio` (shared letters, counted with repeats) reaches
        the cutoff; that bound is computed here for every corpus word at once with numpy, and difflib
        then sees only the words that pass (~1 ms instead of ~300 ms over a 37k-word vocabulary).
        Which words pass, not their order, decides the answer (ties go to the more used, then the greater word).
        """
        if len(term) <= 4 or term in ENTITIES or stem(term) in self.df or not self._words or term in self.dictionary:
            return None
        if term not in self._spelled:  # the snapshot never changes: a word asked again costs nothing
            if len(self._spelled) > 50_000:
                self._spelled.clear()
            self._spelled[term] = self._closest(term)
        return self._spelled[term]

    def _closest(self, term: str) -> str | None:
        import numpy as np

        want: dict[int, int] = {}
        for ch in term:
            row = _COLUMNS.get(ch, _OTHER)
            want[row] = want.get(row, 0) + 1
        columns = len(self._spellings)
        shared = np.zeros(columns, dtype=np.uint16)
        for row, n in want.items():  # letters the term lacks share nothing: only its own rows count
            np.add(shared, np.minimum(self._counts[row, :columns], n), out=shared)
        # difflib's quick_ratio 2 * shared / (len(word) + len(term)) >= 0.8, in exact integers:
        # 5 * shared >= 2 * (len(word) + len(term)) (the float test agrees: the ratios are far from 0.8 or on it)
        passing = np.flatnonzero(5 * shared.astype(np.int32) - 2 * self._lengths >= 2 * len(term))
        # get_close_matches(term, candidates, n=1) is the candidate of greatest (ratio, word) with a
        # ratio >= the cutoff; a ratio never exceeds its quick_ratio, so candidates are tried best
        # bound first and the rest skipped once no bound can reach the best ratio found.
        bounds = 2.0 * shared[passing] / (self._lengths[passing] + len(term))  # quick_ratio, difflib's arithmetic
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(term)
        best = None
        for i in np.argsort(-bounds, kind="stable"):
            if best is not None and bounds[i] < best[0]:
                break
            word = self._spellings[passing[i]]
            matcher.set_seq1(word)
            if matcher.real_quick_ratio() >= _CUTOFF and matcher.ratio() >= _CUTOFF:
                best = max(best or (0.0, 0, ""), (matcher.ratio(), self._words.get(word, 0), word))
        return best[2] if best else None


def _letter_counts(words: list[str], capacity: int = 0, into=None, done: int = 0, at: int | None = None):
    """Letter counts per word, one column each (uint16, rows by _COLUMNS); extends `into` when given.

    With `capacity`, a new array of that many columns holding `into`'s first `done` columns and
    `words[done:]` after them; without, `words` are written into `into` from column `at`.
    """
    import numpy as np

    if at is None:
        counts = np.zeros((_OTHER + 1, max(capacity, len(words))), dtype=np.uint16)
        if into is not None and done:
            counts[:, :done] = into[:, :done]
        words, at = words[done:], done
    else:
        counts = into
    if words:
        text = "".join(words)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        table = np.full(128, _OTHER, dtype=np.int64)
        for ch, row in _COLUMNS.items():
            table[ord(ch)] = row
        rows = np.where(codes < 128, table[np.minimum(codes, 127)], _OTHER)
        cols = at + np.repeat(np.arange(len(words)), [len(w) for w in words])
        np.add.at(counts, (rows, cols), 1)
    return counts
