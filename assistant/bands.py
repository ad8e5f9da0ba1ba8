"""The experience and pay bands passages state, and which of them cover a question's figures.

Lines such as "Mid-Level ML Engineer (3-5 years): ₹15,00,000 – ₹25,00,000 per annum" are parsed
once, when a document is indexed, so "8 years of experience" or "20 LPA" finds the line whose
range covers it, not just similar words. `BandTable` holds the bands of the live passages as
arrays, so covering is one comparison over all of them.
Leaves out: ranking (retrieval.py) and reading figures (figures.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .figures import extract_figures, numerals, upper
from .query import Query
from .schema import Passage
from .text import sentence_spans


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


def find_bands(passage: Passage) -> list[Band]:
    """Lines of `passage` stating a years range and/or a money range.

    >>> p = Passage("x", "- Junior (0-2 years): ₹8,00,000 – ₹12,00,000 per annum", "g.txt")
    >>> [(b.years, b.money) for b in find_bands(p)]
    [((0.0, 2.0), (800000.0, 1200000.0))]
    """
    bands = []
    for start, end in _lines(passage.text):
        years = money = None
        for fig in extract_figures(numerals(passage.text[start:end])):  # "three to five years" too
            high = upper(fig)
            if fig.kind == "years" and years is None:
                years = (fig.low, high)
            elif fig.kind == "money" and money is None and fig.high > fig.low:
                money = (fig.low, high)
        if years or money:
            bands.append(Band(passage.id, start, end, years, money))
    return bands


class BandTable:
    """The bands' ranges as arrays (NaN where a band states none: every comparison with it is false)."""

    def __init__(self, bands: list[Band]):
        import numpy as np

        self.bands = bands
        nan = float("nan")
        column = lambda get: np.array([get(b) for b in bands], dtype=np.float64)  # noqa: E731
        self.years_low = column(lambda b: b.years[0] if b.years else nan)
        self.years_high = column(lambda b: b.years[1] if b.years else nan)
        self.money_low = column(lambda b: b.money[0] if b.money else nan)
        self.money_high = column(lambda b: b.money[1] if b.money else nan)

    def covering(self, query: Query) -> list[str]:
        """Ids of passages holding a band that covers the query (Band.covers for every band at once)."""
        if not self.bands or (query.years is None and not query.money):
            return []
        import numpy as np

        hit = np.zeros(len(self.bands), dtype=bool)
        if query.years is not None:
            hit |= (self.years_low <= query.years) & (query.years <= self.years_high)
        for fig in query.money:
            hit |= (self.money_low <= fig.low) & (fig.low <= self.money_high)
        return [self.bands[i].passage_id for i in np.flatnonzero(hit)]


def _lines(text: str) -> list[tuple[int, int]]:
    """List lines, or sentences of running text."""
    if "\n" in text:
        spans, pos = [], 0
        for line in text.split("\n"):
            spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        return spans
    return sentence_spans(text)
