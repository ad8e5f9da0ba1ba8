"""Plain-text helpers every step shares: word tokens, stems, sentence spans.

Pure functions over strings, so ingest (chunking) and question time (retrieval, evidence,
answering) cut text the same way without importing each other.
Leaves out: any word list of the field (lexicon.py) and corpus statistics (terms.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"[a-z0-9]+(?:\+\+|#)?|₹")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "mr", "mrs", "dr", "rs", "no", "approx", "inc", "ltd", "st", "jr", "sr"}
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“(\[]?[A-Z0-9₹])")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens. "C++ and AI/ML in 2026" -> ['c++', 'and', 'ai', 'ml', 'in', '2026']"""
    return _TOKEN.findall(text.lower())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The English (Snowball) stem of a lower-case word: "salaries" -> "salari"."""
    return _stemmer().stemWord(word)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of text[start:end], trimmed of surrounding white space.

    >>> t = "Build projects, e.g. an API. Deploy it!"
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Build projects, e.g. an API.', 'Deploy it!']
    """
    end = len(text) if end is None else end
    spans, cursor = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        word = re.search(r"([\w.]+)[.!?]$", text[cursor : m.start() + 1])
        if word and (word.group(1).lower().rstrip(".") in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        spans.append(trim(text, cursor, m.end()))
        cursor = m.end()
    spans.append(trim(text, cursor, end))
    return [(s, e) for s, e in spans if e > s]


def name_like(line: str) -> bool:
    """A heading that is a name or a pair of names: "Bangalore", "Hyderabad & Pune"."""
    words = line.split()
    return len(words) <= 4 and all(w[0].isupper() or w in {"&", "and", "/"} for w in words)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
