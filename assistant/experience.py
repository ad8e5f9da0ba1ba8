"""Years of experience and career levels: what a question asks about and what a line or heading states.

    "pay with 4 yrs exp" -> 4; "mid-level pay" -> 4 (the middle of 3-5 years);
    "Most fresher offers fall between 8 and 14 LPA" speaks of freshers, not of 6-8 years;
    "3.3 Five to eight years (5-8 years)" heads lines about 5-8 years;
    "3–5 years: 18.6 LPA" is the cell of a table row that covers 4 years.
General knowledge of the field (names.LEVEL_YEARS), never one document's wording.
Leaves out: ranges stated inside passages (bands.py) and scoring lines with them (evidence.py).
"""

from __future__ import annotations

import re

from .figures import extract_figures, numerals, upper
from .names import LEVEL_YEARS
from .query import Query


def asked_years(query: Query) -> float | None:
    """The years of experience asked: stated ("4 yrs"), else read from a level ("mid-level" -> 4)."""
    if query.years is not None:
        return query.years
    for word in re.findall(r"[a-z]+(?:-level)?", (query.focus or query.text).lower()):
        if word in LEVEL_YEARS:
            low, high = LEVEL_YEARS[word]
            return (low + high) / 2
    return None


_LEVEL_WORDS = re.compile(r"\b(interns?|internships?|trainees?|freshers?|entry-level|juniors?|mid-level|seniors?)\b", re.I)


def other_level(text: str, years: float) -> bool:
    """Does `text` speak of career levels, none of which covers `years` of experience?

    >>> other_level("Most fresher offers fall between 8 and 14 LPA.", 6.5), other_level("Senior and junior pay", 1)
    (True, False)
    """
    levels = [LEVEL_YEARS[_level_key(m)] for m in _LEVEL_WORDS.findall(text)]
    return bool(levels) and not any(low - 1 <= years <= high + 1 for low, high in levels)


def stated_years(text: str, years: float) -> int:
    """1 when `text` states a span of years covering `years`, -1 when it states only others, else 0.

    >>> stated_years("Kochi's median at three to five years was 14.5 LPA.", 7), stated_years("10+ years: 62 LPA", 12)
    (-1, 1)
    """
    spans = [(f.low, upper(f)) for f in extract_figures(numerals(text)) if f.kind == "years"]
    if not spans:
        return 0
    return 1 if any(low <= years <= high for low, high in spans) else -1


def level_band(heading: str, years: float) -> int:
    """1 when a heading states years of experience or a level covering `years`, -1 when it states others, else 0.

    >>> level_band("3.3 Five to eight years (5-8 years)", 6.5), level_band("Freshers", 6.5), level_band("Pay", 6.5)
    (1, -1, 0)
    """
    spans = [(f.low, f.high) for f in extract_figures(heading) if f.kind == "years"]
    spans += [LEVEL_YEARS[w] for w in (_level_key(m) for m in _LEVEL_WORDS.findall(heading))]
    if not spans:
        return 0
    return 1 if any(low <= years <= high for low, high in spans) else -1


def _level_key(word: str) -> str:
    word = word.lower()
    return word if word in LEVEL_YEARS else word.rstrip("s")


def covering_cell(row: str, query: Query) -> str:
    """The cell of a table row ("3–5 years: 18.6 LPA") whose range covers the years or amount asked, or ""."""
    years = asked_years(query)
    for cell in row.split(" | "):
        for fig in extract_figures(cell):
            high = upper(fig)
            if fig.kind == "years" and years is not None and fig.low <= years <= high:
                return cell
            if fig.kind == "money" and any(fig.low <= m.low <= high for m in query.money) and fig.high > fig.low:
                return cell
    return ""


def states_range(cell: str) -> bool:
    return any(f.kind == "years" for f in extract_figures(cell))
