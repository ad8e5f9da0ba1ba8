"""Find, normalise and check the numeric figures in text: salaries, percentages, experience.

The guide writes pay as "₹15,00,000 – ₹25,00,000 per annum" while answers tend to say
"15–25 LPA". This module reads both notations (Indian and international digit grouping,
₹/Rs./INR, lakh/lac/L/LPA, crore/cr, k, %, years, ranges and open-ended "+") into a
`Figure` whose value is normalised (money in rupees), so a generated answer's figures can
be checked against the passages it cites (`figure_supported`, `unsupported_figures`), and
it reads the asker's experience out of a question (`experience_years`).

Left out on purpose: number words in general ("fifteen lakh"; only "one".."ten"/"a"
before "years" in `experience_years`), currencies other than the rupee ("$120k" is
skipped rather than read as rupees), pay periods (a figure does not know per-month from
per-annum), negative numbers and dates other than a bare calendar year. A digit glued to letters or to a hyphenated name ("Web3", "GPT-4",
"MiniLM-L6", "7B", "Q3") is a name, not a figure; bracketed citation markers ("[1]") and
list enumerators at the start of a line ("1. ") are not figures either.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

LAKH = 100_000
CRORE = 10_000_000
KINDS = ("money", "percent", "years", "year", "number")


@dataclass(frozen=True)
class Figure:
    """One figure found in text; `text[start:end] == raw`, money is in rupees."""

    kind: str  # one of KINDS
    low: float
    high: float  # == low for a single value, math.inf for a lone open-ended "60+"
    raw: str
    start: int
    end: int


# Unit suffix (lower-cased, spaces removed) -> (kind, multiplier to the normalised unit).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "%": ("percent", Decimal(1)),
    "percent": ("percent", Decimal(1)),
    "k": ("money", Decimal(1_000)),
    "l": ("money", Decimal(LAKH)),
    "lpa": ("money", Decimal(LAKH)),
    "lakh": ("money", Decimal(LAKH)),
    "lakhs": ("money", Decimal(LAKH)),
    "lac": ("money", Decimal(LAKH)),
    "lacs": ("money", Decimal(LAKH)),
    "cr": ("money", Decimal(CRORE)),
    "crore": ("money", Decimal(CRORE)),
    "crores": ("money", Decimal(CRORE)),
    "year": ("years", Decimal(1)),
    "years": ("years", Decimal(1)),
    "yr": ("years", Decimal(1)),
    "yrs": ("years", Decimal(1)),
    "yoe": ("years", Decimal(1)),
    "month": ("years", Decimal(1) / Decimal(12)),
    "months": ("years", Decimal(1) / Decimal(12)),
}

_SP = r"[^\S\n]*"  # spaces that never cross a line, so units don't attach across lines
_WORD_UNIT = (
    rf"(?i:lpa|lakhs?|lacs?|crores?|cr|per{_SP}cent|percent|years?|yrs?|yr|yoe|months?)\b"
)
# Indian grouping (15,00,000) must be tried before international (1,500,000).
_NUMBER = r"\d{1,3}(?:,\d{2})+,\d{3}(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _atom(tag: str) -> str:
    """Regex for one value: optional currency, number, optional '+', optional unit."""
    return (
        rf"(?P<cur{tag}>(?:₹|\b(?:Rs|RS|rs)\.?|\bINR){_SP})?"
        rf"(?P<num{tag}>{_NUMBER})(?!\d|[.,/:]\d)"  # no partial numbers like "1" of "1.2.3"
        rf"(?P<plus{tag}>\+)?"
        rf"(?:(?P<gl{tag}>[LkK])(?!\w)|{_SP}(?P<unit{tag}>%|{_WORD_UNIT}))?"  # "15L" glued only
        rf"(?P<post{tag}>\+)?"
        r"(?![\w+])"  # "3D", "7B", "2+2": a digit glued to letters is not a figure
    )


_FIGURE = re.compile(
    r"(?<![\w+$€£])(?<!\d[.,/:])(?<!\w-)"  # not in a word, number, name ("GPT-4") or "$120k"
    rf"(?P<a>{_atom('a')})"
    rf"(?:(?P<sep>{_SP}[–—−-]{_SP}|[^\S\n]+to[^\S\n]+)(?P<b>{_atom('b')}))?"
)
_CITATION = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_ENUMERATOR = re.compile(r"^[^\S\n]*(\d{1,2})[.)](?=[^\S\n])", re.MULTILINE)
_MASK = "\x00"  # neither a space nor a word character, so nothing attaches across it


class _Atom(NamedTuple):
    num: str
    unit: str | None
    cur: bool
    plus: bool

    @property
    def grouped(self) -> bool:
        return "," in self.num


def _read_atom(m: re.Match, tag: str) -> _Atom:
    unit = m.group(f"gl{tag}") or m.group(f"unit{tag}")
    key = re.sub(r"\s+", "", unit).lower() if unit else None
    plus = bool(m.group(f"plus{tag}") or m.group(f"post{tag}"))
    return _Atom(m.group(f"num{tag}"), key, bool(m.group(f"cur{tag}")), plus)


def _number(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def _classify(atom: _Atom) -> tuple[str, float]:
    """(kind, normalised value) of one atom."""
    if atom.unit:
        kind, mult = _UNITS[atom.unit]
        return kind, float(_number(atom.num) * mult)
    value = _number(atom.num)
    # Comma-grouped amounts of a lakh or more are how the guide writes rupees.
    if atom.cur or (atom.grouped and value >= LAKH):
        return "money", float(value)
    if not atom.plus and re.fullmatch(r"\d{4}", atom.num) and 1900 <= value <= 2100:
        return "year", float(value)
    return "number", float(value)


def _single(text: str, m: re.Match) -> Figure:
    atom = _read_atom(m, "a")
    kind, value = _classify(atom)
    start, end = m.span("a")
    return Figure(kind, value, math.inf if atom.plus else value, text[start:end], start, end)


def _range(text: str, m: re.Match) -> Figure | None:
    """The whole "A – B" match as one figure, or None when the two ends don't agree."""
    if m.group("b") is None:
        return None
    a, b = _read_atom(m, "a"), _read_atom(m, "b")
    if a.plus:
        return None
    if a.unit is None and not a.grouped and b.unit:  # "15-25 LPA": the unit covers both
        a = a._replace(unit=b.unit)
    kind_a, low = _classify(a)
    if kind_a == "money" and b.unit is None and not b.cur:  # "₹15,000 – 20,000"
        b = b._replace(unit=a.unit, cur=True)
    kind_b, high = _classify(b)
    if kind_a != kind_b or low > high:
        return None
    start, end = m.start("a"), m.end("b")
    return Figure(kind_a, low, high, text[start:end], start, end)


def _masked(text: str) -> str:
    """`text` with citation markers and list enumerators blanked, offsets unchanged."""
    chars = list(text)
    spans = [m.span() for m in _CITATION.finditer(text)]
    spans += [m.span(1) for m in _ENUMERATOR.finditer(text)]
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


def extract_figures(text: str) -> list[Figure]:
    """Every figure in `text`, in order, non-overlapping; a range is one figure.

    "Mid-Level (3-5 years): ₹15,00,000 – ₹25,00,000" ->
    [Figure("years", 3, 5, "3-5 years", ...), Figure("money", 1500000, 2500000, "₹15,00,000 – ₹25,00,000", ...)]
    """
    masked = _masked(text)
    figures: list[Figure] = []
    pos = 0
    while (m := _FIGURE.search(masked, pos)) is not None:
        fig = _range(text, m) or _single(text, m)
        figures.append(fig)
        pos = fig.end
    return figures


def upper(fig: Figure) -> float:
    """The top of a figure's range, with an open-ended one ("10+ years") running to infinity."""
    return math.inf if fig.raw.rstrip().endswith("+") else fig.high


def parse_money(text: str) -> list[Figure]:
    """The money figures of `text`: "15-25 LPA" -> [Figure("money", 1500000, 2500000, ...)]."""
    return [f for f in extract_figures(text) if f.kind == "money"]


def rupees_to_lpa(rupees: float) -> float:
    """Rupees to lakhs per annum: 1_500_000 -> 15.0, 150_000 -> 1.5."""
    # Decimal keeps 123456 -> 1.23456 exact instead of 1.2345600000000001.
    return float(Decimal(repr(rupees)) / LAKH)


def _trim(value: float) -> str:
    """15.0 -> "15", 1.5 -> "1.5" (enough decimals to keep whole rupees exact)."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


def lpa_reading(fig: Figure) -> str:
    """A money figure in LPA: 15–25 lakh -> "15–25 LPA", 8 lakh -> "8 LPA", 60 lakh+ -> "60+ LPA"."""
    if fig.kind != "money":
        raise ValueError(f"not a money figure: {fig.raw!r}")
    low = _trim(rupees_to_lpa(fig.low))
    if math.isinf(fig.high):
        return f"{low}+ LPA"
    if fig.high == fig.low:
        return f"{low} LPA"
    plus = "+" if "+" in fig.raw else ""  # "₹30,00,000 – ₹60,00,000+" -> "30–60+ LPA"
    return f"{low}–{_trim(rupees_to_lpa(fig.high))}{plus} LPA"


_SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_WORD_YEARS = re.compile(
    r"\b(an?|one|two|three|four|five|six|seven|eight|nine|ten)(?=\s+(?:years?|yrs?)\b)", re.I
)
_FRESHER = re.compile(
    r"\b(?:fresh(?:er|ers)|fresh\s+grad(?:uate)?s?|new\s+grad(?:uate)?s?|recent\s+grad(?:uate)?s?"
    r"|entry[\s-]level|no\s+(?:prior\s+|work\s+|professional\s+)?experience|zero\s+experience)\b",
    re.I,
)
_EXPERIENCE_AFTER = re.compile(r"[’']?\s*(?:of\s+)?(?:[a-z/-]+\s+){0,2}?(?:exp|experience|experienced)\b", re.I)
_FUTURE_BEFORE = re.compile(r"\b(?:in|after|within|next|over)\s+(?:the\s+next\s+)?$", re.I)


_NUMBER_WORD = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)"
_WORD_SPAN = re.compile(rf"\b({_NUMBER_WORD})(?:(\s*(?:-|–|to|or)\s*)({_NUMBER_WORD}))?(?=\s+(?:years?|yrs?)\b)", re.I)
_WORD_VALUES = {**_SMALL_NUMBERS, "zero": 0, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}


def numerals(text: str) -> str:
    """Spans of years written in words as figures: "three to five years" -> "3 to 5 years".

    >>> numerals("Kochi's median at three to five years"), numerals("after two years")
    ("Kochi's median at 3 to 5 years", 'after 2 years')
    """
    def digits(m: re.Match) -> str:
        first = str(_WORD_VALUES[m.group(1).lower()])
        return first + (m.group(2) + str(_WORD_VALUES[m.group(3).lower()]) if m.group(3) else "")

    return _WORD_SPAN.sub(digits, text)


def experience_years(question: str) -> float | None:
    """Years of experience the asker states: "8 years of experience" -> 8.0, "fresher" -> 0.0, none -> None."""
    text = _WORD_YEARS.sub(lambda m: str(_SMALL_NUMBERS[m.group(1).lower()]), question)
    spans = [f for f in extract_figures(text) if f.kind == "years"]
    for fig in spans:  # a figure followed by "of experience"/"exp" is the surest reading
        if _EXPERIENCE_AFTER.match(text, fig.end):
            return fig.low
    if _FRESHER.search(text):
        return 0.0
    # "in 2 years" is a horizon, not experience.
    stated = [f for f in spans if not _FUTURE_BEFORE.search(text[max(0, f.start - 24) : f.start])]
    return stated[0].low if stated else None


def _readings(kind: str, value: float) -> tuple[float, ...]:
    """How a plain number could write this value: money as rupees, lakhs or crores."""
    if kind == "money":
        return (value, value / LAKH, value / CRORE)
    return (value,)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _equal(kind_a: str, a: float, kind_b: str, b: float) -> bool:
    """Same value, with kinds agreeing or one of them a plain number."""
    if kind_a == kind_b:
        return _close(a, b)
    if "number" not in (kind_a, kind_b):
        return False
    return any(_close(x, y) for x in _readings(kind_a, a) for y in _readings(kind_b, b))


def _upper(fig: Figure) -> float:
    """The finite upper end of a figure ("60,00,000+" alone ends at 60,00,000)."""
    return fig.low if math.isinf(fig.high) else fig.high


def _supported_by(fig: Figure, figures: tuple[Figure, ...]) -> bool:
    """Whether `fig`'s ends are ends of the given figures (never a point inside a range)."""
    if fig.low == fig.high or math.isinf(fig.high):
        return any(
            _equal(fig.kind, fig.low, s.kind, end) for s in figures for end in (s.low, _upper(s))
        )
    # A range needs its low to open and its high to close a source range; "8–60 LPA" may
    # span the guide's junior and senior bands, but "12–15 LPA" (a high and a low) may not.
    return any(_equal(fig.kind, fig.low, s.kind, s.low) for s in figures) and any(
        _equal(fig.kind, fig.high, s.kind, _upper(s)) for s in figures
    )


@lru_cache(maxsize=512)
def _source_figures(text: str) -> tuple[Figure, ...]:
    # Sources are the same few passages checked again and again for each answer figure.
    return tuple(extract_figures(text))


def figure_supported(fig: Figure, sources: list[str] | str) -> bool:
    """True when `fig` (any notation) appears in one of `sources`: "15 LPA" in "₹15,00,000 – ₹25,00,000"."""
    if isinstance(sources, str):
        sources = [sources]
    # Pooled, so a range may open in one passage (junior band) and close in another.
    pooled = tuple(s for source in sources for s in _source_figures(source))
    return _supported_by(fig, pooled)


def unsupported_figures(text: str, sources: list[str]) -> list[Figure]:
    """The figures of `text` that no source supports: ("18 LPA", ["₹15,00,000 – ₹25,00,000"]) -> [18 LPA]."""
    return [fig for fig in extract_figures(text) if not figure_supported(fig, sources)]
