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

from .figures import extract_figures, lpa_reading
from .lexicon import SLOTS, SYNONYMS
from .query import Query, content_terms
from .terms import TermIndex
from .text import name_like, sentence_spans, stem, tokens
from .retrieval import Hit
from .schema import Citation

MAX_UNITS = 4
MAX_OVERVIEW = 6
KEEP_RATIO = 0.72  # a line joins the answer when it scores this close to the best one
_SALARY_INTENT = re.compile(r"\b(salar|pay|paid|earn|make|ctc|lpa|lakh|package|compensat|income|kitn|how much|range|band)", re.I)
_SLOT_WORDS = frozenset(w for words in SLOTS.values() for w in words)
_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")


@dataclass
class _Unit:
    hit_rank: int
    hit: Hit
    start: int  # within the passage text
    end: int
    score: float
    band: int = 0  # 1: states a range covering the years or amount asked; -1: a range that doesn't
    matched: frozenset = frozenset()  # indexes of question terms this line holds in their own words
    in_heading: float = 0.0  # share of the question's weight found in the passage's headings

    @property
    def text(self) -> str:
        return self.hit.passage.text[self.start : self.end]


def extractive_answer(query: Query, hits: list[Hit], terms: TermIndex, section_passages=None) -> tuple[str, list[Citation]]:
    """Answer text with [n] markers and its citations, built only from passage text.

    `section_passages(section)` lists every visible passage of a section, so a question about a
    whole section ("What skills do employers want?") can list all of its items.
    """
    units, weights = _score_units(query, hits, terms)
    if not units:
        return "", []
    overview = _overview(units, hits, query, terms, section_passages)
    if overview:  # a whole section, in the order the document gives it
        return _compose(overview)
    chosen = _select(units, weights)
    # Passages in order of their best line, lines in reading order: [1] is the passage that answers best.
    best_of: dict[str, float] = {}
    for u in chosen:
        best_of[u.hit.passage.id] = max(best_of.get(u.hit.passage.id, 0.0), u.score)
    chosen.sort(key=lambda u: (-best_of[u.hit.passage.id], u.start))
    return _compose(chosen)


def _select(units: list[_Unit], weights: list[float]) -> list[_Unit]:
    """The best line, near-ties of it, and lines that add a part of the question not yet answered."""
    ranked = sorted(units, key=lambda u: -u.score)
    best = ranked[0]
    chosen, covered = [best], set(best.matched)
    total = sum(weights) or 1.0
    for u in ranked[1:]:
        if len(chosen) >= MAX_UNITS or u.hit_rank >= 4 or u.band < 0:
            continue  # a band that doesn't cover the years or amount asked is not the answer
        near_tie = u.score >= KEEP_RATIO * best.score and u.hit_rank < 3
        gain = sum(weights[i] for i in u.matched - covered)
        if near_tie or (gain >= 0.2 * total and u.score >= 0.45 * best.score):
            chosen.append(u)
            covered |= u.matched
    return chosen


def _overview(units, hits, query, terms, section_passages) -> list[_Unit] | None:
    """Every item of a section when the question is about the section as a whole, else None."""
    if query.years is not None or query.money or _SLOT_WORDS & set(tokens(query.focus or query.text)):
        return None  # the question pins one band, level or city: not the section as a whole
    best = max(units, key=lambda u: u.score)
    heading = set(tokens(best.hit.passage.heading))
    names_heading = len(heading) >= 2 and heading <= set(tokens(query.text))  # "where are the ML jobs?"
    if not best.hit.passage.section or (best.in_heading < 0.6 and not names_heading):
        return None
    section = best.hit.passage.section
    extra = [Hit(p, 0.0, None, None) for p in (section_passages(section) if section_passages else [])]
    known = {h.passage.id for h in hits}
    pool = hits + [h for h in extra if h.passage.id not in known]
    scored = _score_units(query, pool, terms)[0]
    items = [u for u in scored if u.hit.passage.section == section and _LIST_MARK.match(u.text)]
    if len(items) < 3:  # no list: the section's lead-in and the opening line of each sub-section
        firsts: dict[str, _Unit] = {}
        for u in sorted(scored, key=lambda u: (u.hit.passage.start, u.start)):
            if u.hit.passage.section.startswith(section + " > "):
                firsts.setdefault(u.hit.passage.section, u)
        if len(firsts) < 2:
            return None
        lead = [u for u in scored if u.hit.passage.section == section and u.text.rstrip().endswith(":")][:1]
        items = lead + list(firsts.values())
    items.sort(key=lambda u: (u.hit.passage.start, u.start))
    return items[:MAX_OVERVIEW]


def _compose(chosen: list[_Unit]) -> tuple[str, list[Citation]]:
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
    if lines and chosen[0].text.rstrip().endswith(":") and len(lines) > 1:  # a lead-in, then its items
        return lines[0] + "\n" + "\n".join(f"- {line}" for line in lines[1:]), citations
    lines = [line[:-1] + "." if line.endswith("]:") else line for line in lines]  # a lead-in with nothing after it
    as_list = sum(1 for u in chosen if _LIST_MARK.match(u.text)) >= 2
    return ("\n".join(f"- {line}" for line in lines) if as_list else " ".join(lines)), citations


def refusal(query: Query, topics: list[str], missing: list[str]) -> str:
    """The answer when the documents don't cover the question: say so, and what they do cover."""
    covered = f" What they do cover: {'; '.join(topics[:8])}." if topics else ""
    if not content_terms(query.text):  # "hi", "what is this about?": no topic to refuse
        return f"I answer questions from the documents, citing the passage each answer comes from.{covered}"
    names = [_as_written(query.question + " " + query.text, word) for word in missing[:3]]
    about = f" They say nothing about {_join(names)}." if names else ""
    return f"The documents don't cover this question, so I can't answer it from them.{about}{covered}"


def _as_written(text: str, word: str) -> str:
    m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, re.I)
    return f"“{m.group(0) if m else word}”"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _score_units(query: Query, hits: list[Hit], terms: TermIndex) -> tuple[list[_Unit], list[float]]:
    """Every line of the hits, scored: question terms it holds (by rarity), bands, salary figures, rank."""
    # Each question term counts once, matched by its own stem, a synonym's or its corrected spelling;
    # words carried over from an earlier question count less than the user's own.
    own = set(content_terms(query.focus or query.text))
    question_terms = []
    for t in dict.fromkeys(content_terms(query.text)):
        known = terms.known(t)
        direct = {stem(t), known} - {None}
        alternatives = direct | {stem(w) for w in SYNONYMS.get(t, "").split()}
        question_terms.append((alternatives, direct, terms.weight(known or stem(t)) * (1.0 if t in own else 0.4)))
    weights = [w for _, _, w in question_terms]
    total = sum(weights) or 1.0
    focus = query.focus or query.text
    salary = bool(_SALARY_INTENT.search(focus)) or bool(query.money)
    asked_slots = {stem(w) for w in tokens(focus) if w in _SLOT_WORDS}
    units = []
    for rank, hit in enumerate(hits):
        passage = hit.passage
        heading_stems = {stem(t) for t in tokens(passage.section + " " + passage.title)}
        found = hit.bands
        bands = {(b.start, b.end) for b in found if b.covers(query)}
        all_bands = {(b.start, b.end) for b in found}
        prior = 0.35 / (1 + rank) + (0.25 * hit.dense if hit.dense else 0.0)
        for start, end in _units(passage.text, passage.heading):
            unit_stems = {stem(t) for t in tokens(passage.text[start:end])}
            matched = [i for i, (alts, _, _) in enumerate(question_terms) if alts & unit_stems]
            direct = frozenset(i for i, (_, d, _) in enumerate(question_terms) if d & unit_stems)
            heading_only = sum(w for alts, _, w in question_terms if alts & heading_stems and not alts & unit_stems)
            in_heading = sum(w for alts, _, w in question_terms if alts & heading_stems)
            score = (sum(weights[i] for i in matched) + 0.5 * heading_only) / total + prior
            if (start, end) in bands:
                score += 0.6
            if salary and any(f.kind == "money" for f in extract_figures(passage.text[start:end])):
                score += 0.3
            if asked_slots and asked_slots & unit_stems:
                score += 0.3
            band = 1 if (start, end) in bands else (-1 if (start, end) in all_bands and (query.years is not None or query.money) else 0)
            units.append(_Unit(rank, hit, start, end, score, band, direct, in_heading / total))
    return units, weights


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
    if text[-1] in ".!?:":
        return f"{text[:-1]} [{number}]{text[-1]}"
    return f"{text} [{number}]"


def _first_start(unit: _Unit) -> int:
    return _units(unit.hit.passage.text, unit.hit.passage.heading)[0][0]
