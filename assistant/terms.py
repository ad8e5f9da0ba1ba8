"""Corpus term statistics: which word stems the documents use, how rare each is, and near-spellings.

Built from the live passages; retrieval, the evidence step and the answerer read it to weigh a
question's words by rarity and to correct a misspelt word to one the documents use.
Leaves out: ranking (retrieval.py) and any decision about relevance (relevance.py).
"""

from __future__ import annotations

import difflib
import math

from .lexicon import ENTITIES, SYNONYMS
from .text import stem, tokens

_CUTOFF = 0.8  # how close a near-spelling must be (difflib ratio)


class TermIndex:
    """Stems of the corpus with their rarity, to weigh and match question terms."""

    def __init__(self, texts: list[str]):
        self.df: dict[str, int] = {}
        for text in texts:
            for s in {stem(t) for t in tokens(text)}:
                self.df[s] = self.df.get(s, 0) + 1
        self.n = max(1, len(texts))
        self._spellings = sorted({t for text in texts for t in tokens(text) if len(t) > 3})
        self._screen()

    def weight(self, term_stem: str) -> float:
        return math.log(1 + self.n / (1 + self.df.get(term_stem, 0))) + 0.5

    def known(self, term: str) -> str | None:
        """The corpus stem this term stands for (itself, a synonym or a near-spelling), or None."""
        s = stem(term)
        if s in self.df:
            return s
        for alt in SYNONYMS.get(term, "").split():
            if stem(alt) in self.df:
                return stem(alt)
        close = self.spelling(term)
        return stem(close) if close else None

    def _screen(self):
        """Letter counts of every corpus word, so `spelling` can screen the vocabulary at once."""
        import numpy as np

        self._columns = {c: i for i, c in enumerate("abcdefghijklmnopqrstuvwxyz0123456789+#")}
        other = len(self._columns)  # any other character shares one column: the bound stays an upper bound
        counts = np.zeros((other + 1, len(self._spellings)), dtype=np.uint16)  # one row per letter
        for col, word in enumerate(self._spellings):
            for ch in word:
                counts[self._columns.get(ch, other), col] += 1
        self._counts = counts
        self._lengths = np.array([len(w) for w in self._spellings], dtype=np.float64)

    def spelling(self, term: str) -> str | None:
        """The corpus word a misspelt term stands for ("bangalor" -> "bangalore"), or None.

        difflib keeps a word only if its `quick_ratio` (shared letters, counted with repeats) reaches
        the cutoff; that bound is computed here for every corpus word at once with numpy, and difflib
        then sees only the words that pass (~1 ms instead of ~300 ms over a 37k-word vocabulary).
        """
        if len(term) <= 4 or term in ENTITIES or stem(term) in self.df or not self._spellings:
            return None
        import numpy as np

        want: dict[int, int] = {}
        for ch in term:
            row = self._columns.get(ch, len(self._columns))
            want[row] = want.get(row, 0) + 1
        shared = np.zeros(len(self._spellings), dtype=np.int64)
        for row, n in want.items():  # letters the term lacks share nothing: only its own rows count
            shared += np.minimum(self._counts[row], n)
        bound = 2.0 * shared / (self._lengths + len(term))  # difflib's quick_ratio, same arithmetic
        candidates = [self._spellings[i] for i in np.flatnonzero(bound >= _CUTOFF)]
        close = difflib.get_close_matches(term, candidates, n=1, cutoff=_CUTOFF)
        return close[0] if close else None


