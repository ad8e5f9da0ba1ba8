"""Does a generated sentence state something, and what are its clauses?

`claim_problem` is the verifier's first meaning check: a question, a copied heading, a bare
list of names with markers ("Hyderabad & Pune [1].") or a bare figure ("9.3% [1].") states
nothing that a passage could back.
`clauses` cuts a sentence into the parts that `agreement.py` checks one by one. Whether a claim
is *true* of its passage is left to `agreement.py`. Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re

from .figures import extract_figures
from .wording import FUNCTION, LIST_PREFIX, MARKER, TOKEN, key, plain_word, stems, without_figures

# Clause boundaries inside one sentence; a clause of names alone joins the next one.
_AND_CUT = re.compile(r"\s*,?\s+and\s+\s*", re.I)
_CLAUSE = re.compile(r"\s*(?:;|,?\s+(?:and|but|while|whereas|and also)\s+|,\s+(?=which\b))\s*", re.I)


def claim_problem(sentence: str, headings: list[str]) -> str | None:
    """Why `sentence` (markers removed) states nothing, or None when it makes a claim.

    >>> claim_problem("Hyderabad & Pune.", [])
    'not a claim: names without a statement'
    >>> claim_problem("Salary Expectations for ML Engineers", ["Salary Expectations for ML Engineers"])
    'not a claim: a heading'
    >>> claim_problem("9.3%", []), claim_problem("26.8 LPA", [])
    ('not a claim: a figure without a statement', 'not a claim: a figure without a statement')
    >>> claim_problem("Bangalore offers the most aggressive compensation.", []) is None
    True
    """
    plain = LIST_PREFIX.sub("", MARKER.sub("", sentence)).strip()
    if plain.rstrip().endswith("?"):
        return "not a claim: a question"
    own = key(plain)
    if any(own == key(h) for heading in headings for h in re.split(r"\s+>\s+", heading) if h):
        return "not a claim: a heading"
    words = [w for w in TOKEN.findall(without_figures(plain)) if w.lower() not in FUNCTION]
    if not any(plain_word(w) for w in words):
        if not extract_figures(plain):
            return "not a claim: names without a statement"
        if not TOKEN.findall(without_figures(plain)):  # "9.3%", "26.8 LPA": no word says what it measures
            return "not a claim: a figure without a statement"
    return None


def clauses(sentence: str, joined: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """The clauses of a sentence; one that only lists names joins the clause after it.

    An "and" whose neighbouring words a cited passage also writes around an "and" (`joined`,
    from `and_pairs`) joins what the passage joins ("building and maintaining pipelines"), so
    it does not cut the claim in two:

    >>> clauses("Python remains king, but C++ and Rust are increasingly requested.")
    ['Python remains king', 'C++ and Rust are increasingly requested.']
    >>> clauses("Most time goes to building and maintaining pipelines", and_pairs("building and maintaining"))
    ['Most time goes to building and maintaining pipelines']
    """
    plain = LIST_PREFIX.sub("", MARKER.sub(" ", sentence)).strip()
    parts, cuts, at = [], [], 0
    for m in _CLAUSE.finditer(plain):
        parts.append(plain[at:m.start()])
        cuts.append(m.group(0))
        at = m.end()
    parts.append(plain[at:])
    whole = [parts[0]]
    for cut, part in zip(cuts, parts[1:]):
        if _AND_CUT.fullmatch(cut) and (_edge(whole[-1], -1), _edge(part, 0)) in joined:
            whole[-1] = whole[-1] + cut + part
        else:
            whole.append(part)
    out: list[str] = []
    pending = ""
    for part in (p for p in whole if p and p.strip()):
        text = f"{pending} and {part}" if pending else part
        if not any(plain_word(w) for w in TOKEN.findall(part) if w.lower() not in FUNCTION):
            pending = text
            continue
        out.append(text)
        pending = ""
    if pending:
        out.append(pending)
    return out


def and_pairs(text: str) -> frozenset[tuple[str, str]]:
    """The (stem before, stem after) of each "and" in a text: what the text itself joins.

    >>> sorted(and_pairs("training and feature pipelines, and reviews"))
    [('pipel', 'revie'), ('train', 'featu')]
    """
    pairs = set()
    for m in re.finditer(r"\band\b", text, re.I):
        pairs.add((_edge(text[: m.start()], -1), _edge(text[m.end():], 0)))
    return frozenset(p for p in pairs if all(p))


def _edge(text: str, at: int) -> str:
    """The first (at=0) or last (at=-1) content stem of a text, "" when it has none."""
    found = [s for s in stems(text) if s]
    return found[at] if found else ""
