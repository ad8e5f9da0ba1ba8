"""The numbers the decision reads (relevance.py), from the evidence gathered for a question (evidence.py).

Per question: how much of its weighted terms the top passages hold, how similar its best passage and
best line are, whether a figure, a count or an employer it wants is stated, which named things no
top passage holds (missing_names) and whether the lines naming them answer as well as the best line
(name_binding). Each signal holds for any document: they read similarity, term statistics and general
lists of names, never one document's wording.
Leaves out: scoring lines (evidence.py) and turning signals into a decision (relevance.py).
"""

from __future__ import annotations

import math
import re

from .lexicon import STOPWORDS
from .names import find_names, mentions
from .text import stem, tokens

UNIT_POOL = 6  # passages whose units are scored (the answer quotes from these)
WANTS_EMPLOYER = re.compile(r"\b(which|what|kaunsi|kaun si|name some|list)\s+(\w+\s+)?(compan(y|ies)|employers?|firms?|startups?|organi[sz]ations?|recruiters?)\b"
                             r"|\bwho (hires?|recruits?|is hiring)\b", re.I)


KIND_MARK = "\x00kind:"  # a pseudo-stem: "this text names a place / an employer"


def stems_of(text: str, kinds: bool = False) -> set[str]:
    """Word stems of `text`; with `kinds`, also a mark for each kind of named thing it holds."""
    out = {stem(t) for t in tokens(text)}
    if kinds:
        out |= {KIND_MARK + kind for kind, _, _ in find_names(text, fuzzy=False) if kind in ("place", "employer")}
    return out


def name_binding(units: list) -> float:
    """How well the lines of passages naming everything asked about answer, against the best line of all.

    "Security deposit in Mumbai" over a list of deposits in other cities and a note that names
    Mumbai: the line naming Mumbai answers far worse than the best deposit line, so the documents
    say this of other cities, not of Mumbai. Scores are taken without the bonus for naming.
    """
    if not units:
        return 1.0
    units = [u for u in units if u.band >= 0] or units  # a line about other years answers no better than none
    topic = [u.score - u.name_bonus for u in units]
    best = max(topic)
    bound = [t for t, u in zip(topic, units) if u.named >= 1.0]
    return (max(bound) / best if bound else 0.0) if best > 0 else 1.0


def missing_names(ev) -> list[str]:
    """Named things asked about that the top passages don't hold (as the user wrote them).

    Each must be named by some top passage; and a question of one part naming several ("Mandala
    Mobility in Pune") needs one passage naming them together, else the ones it lacks are missing.
    """
    top = [h.passage.context for h in ev.hits[:UNIT_POOL]]
    # A role must be named by some top passage too ("AI product manager" over ML engineers' pay), but
    # roles narrow the passages rather than being named together with places and employers.
    missing = [written for kind, name, written in ev.names if kind == "role" and not any(mentions(name, t) for t in top)]
    asked = [(name, written) for kind, name, written in ev.names if kind != "role"]
    missing += [written for name, written in asked if not any(mentions(name, text) for text in top)]
    present = [(name, written) for name, written in asked if written not in missing]
    # A year is often only the documents' date, not a subject: it need not be named together with
    # the other names, but the best line must come from a passage stating it ("back in 2024").
    answering = max(ev.units, key=lambda u: u.score, default=None)
    if answering is not None:
        context = answering.hit.passage.context
        missing += [w for n, w in present if _is_year(n) and not mentions(n, context)]
    present = [(n, w) for n, w in present if not _is_year(n)]
    if len(ev.facets) == 1 and len({n for n, _ in present}) >= 2:
        best = max(top, key=lambda text: sum(mentions(n, text) for n, _ in present))
        missing += [written for name, written in present if not mentions(name, best)]
    return list(dict.fromkeys(missing))


def _is_year(name: str) -> bool:
    return re.fullmatch(r"\d{4}(?:-\d\d)?", name) is not None


def signals(ev, terms) -> dict[str, float]:
    """Numbers the decision reads, each in [0, 1] or close to it."""
    hits, facet = ev.hits, ev.facets[0]
    dense = [h.dense for h in hits if h.dense is not None]
    kinds = any(m.startswith(KIND_MARK) for term in facet.terms for m in term.stems)
    top_text_stems = set()
    for h in hits[:3]:
        top_text_stems |= stems_of(h.passage.context, kinds)
    covered = sum(t.weight for t in facet.terms if t.stems & top_text_stems)
    unknown = sum(t.weight for t in facet.terms if not t.known)
    missing = [t.weight for t in facet.terms if not t.stems & top_text_stems]
    best_weight = math.log(1 + terms.n) + 0.5
    units = ev.units
    best = max(units, key=lambda u: u.score) if units else None
    lexical_top = max(hits[:3], key=lambda h: h.lexical or 0.0) if hits else None
    figure_missing, count_missing = _answer_type(ev, units)
    named = [(n, w) for k, n, w in ev.names if k != "role"]
    names_held = (sum(1 for n, _ in named if best and (mentions(n, best.text) or mentions(n, best.hit.passage.section))) / len(named)) if named else 0.0
    # "notice period at Swiggy": the passage names Swiggy but holds nothing of what is asked about it
    qualifiers = [written for kind, _, written in ev.names if kind in ("place", "employer")]  # a tool is a topic
    name_words = {w for written in qualifiers for w in tokens(written)}
    topic = [t for t in facet.terms if t.word not in name_words]
    topic_missing = bool(qualifiers) and bool(topic) and sum(t.weight for t in topic) >= 0.5 * facet.total \
        and not any(t.stems & top_text_stems for t in topic)
    asked_words = set(tokens(ev.query.text))
    heading_match = any(len(set(tokens(h.passage.heading))) >= 2 and set(tokens(h.passage.heading)) <= asked_words for h in hits[:3])
    return {
        "heading_match": 1.0 if heading_match else 0.0,
        "topic_missing": 1.0 if topic_missing else 0.0,
        "no_overlap": 1.0 if facet.terms and not covered else 0.0,
        "figure_missing": figure_missing,
        "count_missing": count_missing,
        "names_held": names_held,
        "name_binding": name_binding(units) if named else 1.0,
        # "which companies in Kolkata…?": no line about it (from a passage naming what is asked) names one
        "employer_missing": 1.0 if WANTS_EMPLOYER.search(ev.query.focus or ev.query.text) and units and not any(
            u.employer for u in units if u.named >= 1.0 or not named) else 0.0,
        "dense": max(dense, default=0.0),
        "dense_margin": (max(dense) - sorted(dense)[len(dense) // 2]) if len(dense) > 1 else 0.0,
        "unit_similarity": max((u.similarity for u in units), default=0.0),
        "coverage": covered / facet.total if facet.terms else 1.0,
        "unit_overlap": max((u.overlap for u in units), default=0.0),
        "unknown": unknown / facet.total if facet.terms else 0.0,
        "missing_max": max(missing, default=0.0) / best_weight,
        "band": 1.0 if any(h.band for h in hits[:3]) else 0.0,
        "lexical": 1.0 if lexical_top is not None and (lexical_top.lexical or 0) > 0 else 0.0,
        "best_score": best.score if best else 0.0,
        "terms": float(len(facet.terms)),
    }


_WANTS_FIGURE = re.compile(r"\b(how (much|many|long|often|big|large)|what (percentage|percent|share|fraction|proportion|portion|number|amount)|kitn[aei]|how many|cost|price|fee|fees)\b|%", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(?:[a-z-]+\s+)?([a-z-]+)", re.I)
_NUMBER = re.compile(r"\d")


def _answer_type(ev, units: list) -> tuple[float, float]:
    """Does the question want a figure that no top line states, or a count of a thing no counted line names?

    "How much…", "what share…", "kitna…" want a figure; "how many hours…" wants a number of hours.
    """
    text = ev.query.focus or ev.query.text
    wants = bool(_WANTS_FIGURE.search(text)) or ev.salary
    top = sorted(units, key=lambda u: -u.score)[:4]
    with_figures = [u for u in top if _NUMBER.search(u.text)]
    figure_missing = 1.0 if wants and not with_figures else 0.0
    count_missing = 0.0
    m = _HOW_MANY.search(text)
    if m and m.group(1).lower() not in STOPWORDS:
        noun = stem(m.group(1).lower())
        held = any(noun in {stem(w) for w in tokens(u.hit.passage.context)} for u in with_figures)
        count_missing = 0.0 if held else 1.0
    return figure_missing, count_missing
