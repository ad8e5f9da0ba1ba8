"""The default answerer: the sentences and list lines of the top passages that answer, each cited.

No LLM, so nothing is invented: every line is quoted from a passage, figures as written, with at
most the LPA reading of an Indian-notation amount added ("₹15,00,000 – ₹25,00,000 per annum
(15–25 LPA)"). Citations are numbered from 1 in order of first use; only cited passages are listed.
Also words the refusal when the documents don't cover the question.
Leaves out: retrieval, the relevance decision, and LLM answers (generation.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import name_like, sentence_spans
from .figures import extract_figures, lpa_reading
from .lexicon import SLOTS, SYNONYMS
from .query import Query, content_terms, tokens
from .relevance import TermIndex, stem
from .retrieval import Hit, find_bands
from .schema import Answer, Citation

MAX_UNITS = 4
KEEP_RATIO = 0.72  # a line joins the answer when it scores this close to the best one
_SALARY_INTENT = re.compile(r"\b(salar|pay|paid|earn|make|ctc|lpa|lakh|package|compensat|income|kitn|how much|range|band)", re.I)
_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")


@dataclass
class _Unit:
    hit_rank: int
    hit: Hit
    start: int  # within the passage text
    end: int
    score: float

    @property
    def text(self) -> str:
        return self.hit.passage.text[self.start : self.end]


def extractive_answer(query: Query, hits: list[Hit], terms: TermIndex) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations, built only from passage text."""
    units = _score_units(query, hits, terms)
    if not units:
        return "", []
    best = max(u.score for u in units)
    chosen = [u for u in units if u.score >= KEEP_RATIO * best and u.hit_rank < 3]
    chosen = sorted(chosen, key=lambda u: -u.score)[:MAX_UNITS]
    # Passages in order of their best line, lines in reading order: [1] is the passage that answers best.
    best_of = {}
    for u in chosen:
        best_of[u.hit.passage.id] = max(best_of.get(u.hit.passage.id, 0.0), u.score)
    chosen.sort(key=lambda u: (-best_of[u.hit.passage.id], u.start))
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    lines = []
    for unit in chosen:
        passage = unit.hit.passage
        if passage.id not in numbers:
            numbers[passage.id] = len(numbers) + 1
            citations.append(
                Citation(
                    number=numbers[passage.id], source=passage.source, section=passage.section, text=passage.text,
                    score=round(unit.hit.dense if unit.hit.dense is not None else unit.hit.score, 4),
                    page=passage.page, start=passage.start, end=passage.end, passage_id=passage.id,
                )
            )
        citations[numbers[passage.id] - 1].quotes.append(unit.text.strip())
        lines.append(_render(unit, numbers[passage.id]))
    as_list = sum(1 for u in chosen if _LIST_MARK.match(u.text)) >= 2
    return ("\n".join(f"- {line}" for line in lines) if as_list else " ".join(lines)), citations


def refusal(query: Query, topics: list[str], missing: list[str]) -> str:
    """The answer when the documents don't cover the question: say so, and what they do cover."""
    names = [_as_written(query.question + " " + query.text, word) for word in missing[:3]]
    about = f" They say nothing about {_join(names)}." if names else ""
    covered = f" What they do cover: {'; '.join(topics[:8])}." if topics else ""
    return f"The documents don't cover this question, so I can't answer it from them.{about}{covered}"


def _as_written(text: str, word: str) -> str:
    m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.I)
    return f"“{m.group(0) if m else word}”"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def topics_of(passages) -> list[str]:
    """Section headings in document order, as the topics the documents cover."""
    seen = {}
    for p in passages:
        name = p.section.split(" > ")[0] if p.section else (p.title or p.source)
        seen.setdefault(name, None)
    return list(seen)


def _score_units(query: Query, hits: list[Hit], terms: TermIndex) -> list[_Unit]:
    # Each question term counts once, matched by its own stem, a synonym's or its corrected spelling.
    question_terms = []
    for t in dict.fromkeys(content_terms(query.text)):
        alternatives = {stem(t)} | {stem(w) for w in SYNONYMS.get(t, "").split()}
        known = terms.known(t)
        if known:
            alternatives.add(known)
        question_terms.append((alternatives, terms.weight(known or stem(t))))
    total = sum(w for _, w in question_terms) or 1.0
    salary = bool(_SALARY_INTENT.search(query.text)) or bool(query.money)
    slot_words = {w for words in SLOTS.values() for w in words}
    asked_slots = {stem(w) for w in tokens(query.text) if w in slot_words}
    units = []
    for rank, hit in enumerate(hits):
        passage = hit.passage
        heading_stems = {stem(t) for t in tokens(passage.section + " " + passage.title)}
        bands = {(b.start, b.end) for b in find_bands(passage) if b.covers(query)}
        prior = 0.35 / (1 + rank) + (0.25 * hit.dense if hit.dense else 0.0)
        for start, end in _units(passage.text, passage.heading):
            unit_stems = {stem(t) for t in tokens(passage.text[start:end])}
            lexical = sum(w for alts, w in question_terms if alts & unit_stems)
            lexical += 0.5 * sum(w for alts, w in question_terms if alts & heading_stems and not alts & unit_stems)
            score = lexical / total + prior
            if (start, end) in bands:
                score += 0.6
            if salary and any(f.kind == "money" for f in extract_figures(passage.text[start:end])):
                score += 0.3
            if asked_slots and asked_slots & unit_stems:
                score += 0.3
            units.append(_Unit(rank, hit, start, end, score))
    return units


def _units(text: str, heading: str = "") -> list[tuple[int, int]]:
    """List lines and sentences of a passage, as (start, end) offsets; its heading line is not one."""
    spans = []
    pos = 0
    for line in text.split("\n"):
        if line.strip() and line.strip().lstrip("#").strip() != heading:
            if _LIST_MARK.match(line):
                spans.append((pos, pos + len(line.rstrip())))
            else:
                spans.extend(sentence_spans(text, pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _render(unit: _Unit, number: int) -> str:
    """The unit's text with its list mark dropped, LPA readings added, the heading when it names the subject."""
    text = _LIST_MARK.sub("", unit.text).strip()
    for fig in reversed([f for f in extract_figures(text) if f.kind == "money"]):
        if "LPA" in fig.raw.upper():
            continue
        end = fig.end
        tail = re.match(r"\s*per annum", text[end:])
        end += tail.end() if tail else 0
        text = f"{text[:end]} ({lpa_reading(fig)}){text[end:]}"
    heading = unit.hit.passage.heading
    if heading and name_like(heading) and not set(tokens(heading)) & set(tokens(text)) and unit.start == _first_start(unit):
        text = f"{heading}: {text}"  # "Bangalore: The undisputed leader..." names what the passage is about
    if text[-1] in ".!?":
        return f"{text[:-1]} [{number}]{text[-1]}"
    return f"{text} [{number}]"


def _first_start(unit: _Unit) -> int:
    return _units(unit.hit.passage.text, unit.hit.passage.heading)[0][0]
