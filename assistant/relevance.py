"""Decide whether the retrieved passages answer the question, or the documents don't cover it.

Three signals, calibrated on questions of our own (tests/data/calibration.jsonl, see
benchmarks/calibrate.py):
- named things: a city, company or country the question asks about that the top passages don't
  mention makes it uncovered, however close the rest ("salary in Chennai");
- unknown topic words: a word no document uses, that is neither filler nor a known synonym
  ("ESOPs", "notice period") means the documents don't hold what is asked;
- coverage: how much of the question's topic (content terms weighted by rarity) the top passages
  hold, counting synonyms, word stems and near-spellings.
Dense similarity alone is no guide here: every on-topic question scores about the same.
Leaves out: ranking (retrieval.py) and wording the refusal (answering.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import ENTITIES, SYNONYMS
from .query import Query, content_terms
from .terms import TermIndex
from .text import stem, tokens
from .schema import Passage  # noqa: F401  (the scope_filter doctest builds passages)

# Calibrated with benchmarks/calibrate.py on tests/data/calibration.jsonl; see the README.
MIN_COVERAGE = 0.4
MIN_DENSE = 0.30


@dataclass
class Decision:
    answerable: bool
    coverage: float
    dense: float
    missing: list[str] = field(default_factory=list)  # topic words no passage holds
    reason: str = ""


def term_stems(text: str, terms: TermIndex) -> list[tuple[str, str | None]]:
    """(question term, matching corpus stem or None) for each content term."""
    return [(t, terms.known(t)) for t in dict.fromkeys(content_terms(text))]


def decide(query: Query, hits, terms: TermIndex, top_dense: float) -> Decision:
    """Is the question covered by the top passages?

    Not covered when it names a thing (city, company, country) the top passages don't mention,
    or uses a topic word no document uses at all ("ESOPs", "notice period", "PhD"); otherwise
    covered when enough of its topic, weighted by rarity, is in the top passages.
    """
    pairs = term_stems(query.text, terms)
    if not hits or top_dense < MIN_DENSE:
        return Decision(False, 0.0, top_dense, [t for t, _ in pairs], "nothing close enough was retrieved")
    top_text = " ".join(_context(h.passage) for h in hits[:3])
    top_stems = {stem(t) for t in tokens(top_text)}
    entities = [t for t, s in pairs if t in ENTITIES and (s is None or s not in top_stems)] + _abbreviated_entities(query.text)
    if entities:
        return Decision(False, 0.0, top_dense, entities, "asks about " + ", ".join(entities))
    unknown = [t for t, s in pairs if s is None]
    if unknown:
        return Decision(False, 0.0, top_dense, unknown, "uses words no document uses: " + ", ".join(unknown))
    if not pairs:  # nothing but filler words: covered only when it is a heading's words ("Where are the ML jobs?")
        asked = set(tokens(query.text))
        ok = any(h.band for h in hits) or any(
            len(set(tokens(h.passage.heading))) >= 2 and set(tokens(h.passage.heading)) <= asked for h in hits[:3]
        )
        return Decision(ok, 1.0 if ok else 0.0, top_dense, [], "no topic words")
    in_top = {t: bool(_alternatives(t, s) & top_stems) for t, s in pairs}  # its own word or a synonym
    total = sum(terms.weight(s) for _, s in pairs)
    covered = sum(terms.weight(s) for t, s in pairs if in_top[t])
    coverage = covered / total
    missing = [t for t, _ in pairs if not in_top[t]]
    # A company or city is the qualifier, not the topic: "notice period at Swiggy" is not covered by
    # a passage that only mentions Swiggy.
    topic = [(t, s) for t, s in pairs if t not in ENTITIES]
    topic_total = sum(terms.weight(s) for _, s in topic)
    topic_coverage = sum(terms.weight(s) for t, s in topic if in_top[t]) / topic_total if topic else 1.0
    if any(h.band for h in hits[:1]):
        coverage = topic_coverage = max(coverage, MIN_COVERAGE)  # the years or amount asked about lies in a stated band
    ok = coverage >= MIN_COVERAGE and topic_coverage >= MIN_COVERAGE
    return Decision(ok, coverage, top_dense, missing, "" if ok else "too little of the question is in the top passages")


# A question that names a role or field is answered only from passages about it: with other
# documents in the corpus, "notice period for ML jobs" must not be answered from a banking note.
_FIELDS = {
    r"\b(ml|machine[- ]learning|ai|mlops|ai/ml)\b": r"\b(ml|machine[- ]learning|ai|mlops)\b",
    r"\bdata scien(ce|tists?)\b": r"\bdata scien",
    r"\bdevops\b": r"\bdevops\b",
    r"\b(backend|back-end) (developers?|engineers?|devs?)\b": r"\bback-?end\b",
}
_ROLE = re.compile(r"\b([a-z][\w+#.-]*)[ -](manager|engineer|developer|analyst|scientist|designer|architect|consultant|tester|researcher)s?\b", re.I)
_NOT_A_QUALIFIER = {
    "a", "an", "the", "my", "your", "as", "for", "of", "to", "and", "or", "senior", "junior", "lead", "mid", "mid-level",
    "entry", "entry-level", "fresher", "good", "great", "top", "best", "new", "experienced", "average", "typical",
    "machine", "other", "any", "which", "what", "some", "every", "each", "backend", "back-end",
}
_NEGATION = re.compile(r"\b(not|no|outside|except|excluding|excludes?|excluded|beyond|out of scope)\b", re.I)


def scope_filter(text: str):
    """A predicate on passages for the roles and fields `text` names, or None when it names none.

    >>> keep = scope_filter("notice period for ML jobs")
    >>> keep(Passage("x", "It does not cover machine learning roles.", "bank.md")), keep(Passage("y", "ML teams", "g.txt"))
    (False, True)
    """
    wanted = [passage_re for question_re, passage_re in _FIELDS.items() if re.search(question_re, text, re.I)]
    for m in _ROLE.finditer(text):
        if m.group(1).lower() not in _NOT_A_QUALIFIER:
            wanted.append(r"\b" + re.escape(m.group(1)) + r"[ -]" + m.group(2) + r"s?\b")
    if not wanted:
        return None
    pattern = re.compile("|".join(f"(?:{w})" for w in wanted), re.I)

    def about(passage) -> bool:
        # The title and headings count; a sentence that names the field only to exclude it doesn't.
        if pattern.search(passage.title) or pattern.search(passage.section):
            return True
        return any(pattern.search(sentence) and not _NEGATION.search(sentence) for sentence in re.split(r"(?<=[.!?:])\s+|\n", passage.text))

    return about


def _alternatives(term: str, known: str) -> set[str]:
    return {known, stem(term)} | {stem(w) for w in SYNONYMS.get(term, "").split()}


def _abbreviated_entities(text: str) -> list[str]:
    """Country abbreviations that are also common words ("US" vs "us"): upper case only."""
    return re.findall(r"\b(?:US|USA|UK|UAE|U\.S\.)\b", text)


def _context(passage) -> str:
    return " ".join((passage.title, passage.section, passage.text))
