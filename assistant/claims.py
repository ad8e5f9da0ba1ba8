"""Does a generated sentence state something, and what are its clauses?

`claim_problem` is the verifier's first meaning check: a question, a copied heading, or a bare
list of names with markers ("Hyderabad & Pune [1].") states nothing that a passage could back.
`clauses` cuts a sentence into the parts that `agreement.py` checks one by one. Whether a claim
is *true* of its passage is left to `agreement.py`. Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re

from .figures import extract_figures
from .wording import FUNCTION, LIST_PREFIX, MARKER, TOKEN, key, plain_word

# Clause boundaries inside one sentence; a clause of names alone joins the next one.
_CLAUSE = re.compile(r"\s*(?:;|,?\s+(?:and|but|while|whereas|and also)\s+|,\s+(?=which\b))\s*", re.I)


def claim_problem(sentence: str, headings: list[str]) -> str | None:
    """Why `sentence` (markers removed) states nothing, or None when it makes a claim.

    >>> claim_problem("Hyderabad & Pune.", [])
    'not a claim: names without a statement'
    >>> claim_problem("Salary Expectations for ML Engineers", ["Salary Expectations for ML Engineers"])
    'not a claim: a heading'
    >>> claim_problem("Bangalore offers the most aggressive compensation.", []) is None
    True
    """
    plain = LIST_PREFIX.sub("", MARKER.sub("", sentence)).strip()
    if plain.rstrip().endswith("?"):
        return "not a claim: a question"
    own = key(plain)
    if any(own == key(h) for heading in headings for h in re.split(r"\s+>\s+", heading) if h):
        return "not a claim: a heading"
    words = [w for w in TOKEN.findall(plain) if w.lower() not in FUNCTION]
    if not any(plain_word(w) for w in words) and not extract_figures(plain):
        return "not a claim: names without a statement"
    return None


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence; one that only lists names joins the clause after it.

    >>> clauses("Python remains king, but C++ and Rust are increasingly requested.")
    ['Python remains king', 'C++ and Rust are increasingly requested.']
    """
    plain = LIST_PREFIX.sub("", MARKER.sub(" ", sentence)).strip()
    parts = [p for p in _CLAUSE.split(plain) if p and p.strip()]
    out: list[str] = []
    pending = ""
    for part in parts:
        text = f"{pending} and {part}" if pending else part
        if not any(plain_word(w) for w in TOKEN.findall(part) if w.lower() not in FUNCTION):
            pending = text
            continue
        out.append(text)
        pending = ""
    if pending:
        out.append(pending)
    return out
