"""What the retrieved passages say about a question: signals per passage and per sentence.

    question + ranked passages -> question terms (weighted by rarity) and named things
        -> units (sentences, list lines, table rows), each with its meaning similarity to the
           question (MiniLM, with the passage's heading), the share of the question's terms it
           holds, and whether it states the years or amount asked about
        -> signals for the decision (relevance.py) and the choice of lines (answering.py)

Nothing here depends on how one document is worded: similarity comes from the embedding model,
overlap from the corpus's own term statistics, names from general lists (names.py). A question
with two parts ("Bangalore or Pune?", "salary and skills") gets one facet per part, so each part
can be found and cited on its own. Unit vectors are cached per passage, so a passage costs one
encoding however often it is retrieved.
Leaves out: ranking (retrieval.py), the per-question signals (signals.py), years and levels
(experience.py), deciding (relevance.py), wording (answering.py).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from .asked import asked_names
from .experience import asked_years, covering_cell, level_band, other_level, stated_years, states_range
from .figures import extract_figures
from .lexicon import ANSWER_KINDS, STOPWORDS, SYNONYMS
from .names import alias_words, find_names, mentions
from .query import Query, content_terms
from .signals import WANTS_EMPLOYER, KIND_MARK, UNIT_POOL, missing_names, signals, stems_of
from .text import sentence_spans, stem
from .voices import said_by_asked, voices_of

__all__ = ["Evidence", "Facet", "Term", "Unit", "UnitVectors", "gather", "unit_spans"]

_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")
_SALARY = re.compile(r"\b(salar|pay|paid|earn|make|ctc|lpa|lakh|crore|package|compensat|income|stipend|kitn|how much|range|band|wage)", re.I)
_WANTS_PLACE = re.compile(r"\b(which|what) (city|cities|location|place|state)|\bwhere\b|\bkahan\b|\bkis shahar", re.I)
# A name inside a line: a capitalised word after a lower-case word or a list mark ("at Kiranakart", "**TCS**").
_PROPER = re.compile(r"(?:(?<=[a-z,;:] )|(?<=\*\*)|(?<=^- ))[A-Z][\w&.-]*[a-zA-Z]")


@dataclass
class Term:
    """A content word of the question: its stems, its weight, where it was found."""

    word: str
    stems: frozenset[str]  # its own stem, a near-spelling's, a synonym's
    weight: float
    known: bool  # the corpus uses it (or a synonym or a near-spelling of it)
    own: bool = True  # typed by the user (False: carried over from an earlier question)


@dataclass
class Facet:
    """One part of the question (the whole question when it has one part)."""

    text: str
    terms: list[Term]
    names: list[tuple[str, str, str]]  # (kind, canonical, as written) it asks about
    vector: list[float] | None = None

    @property
    def total(self) -> float:
        return sum(t.weight for t in self.terms) or 1.0


@dataclass
class Unit:
    """A sentence, list line or table row of a retrieved passage, with what it holds of the question."""

    hit: object  # retrieval.Hit
    rank: int
    start: int  # offsets within the passage text
    end: int
    similarity: float  # cosine of the question and the unit (with its heading)
    overlap: float  # weighted share of the question's terms in the unit and its headings
    matched: frozenset[int]  # indexes of the question terms the unit itself holds
    band: int = 0  # 1: states a range covering the years or amount asked; -1: a range that doesn't
    money: bool = False
    employer: bool = False  # names an employer, when the question asks which ones
    facet_scores: tuple[float, ...] = ()  # score per facet (parts of the question)
    score: float = 0.0
    named: float = 0.0  # the share of the question's named things the unit's passage names
    name_bonus: float = 0.0  # what naming them (in the unit or its heading) added to its score

    @property
    def text(self) -> str:
        return self.hit.passage.text[self.start : self.end]

    @property
    def is_item(self) -> bool:
        return bool(_LIST_MARK.match(self.text)) or " | " in self.text


@dataclass
class Evidence:
    query: Query
    hits: list
    facets: list[Facet]  # facets[0] is the whole question
    units: list[Unit]
    names: list[tuple[str, str, str]]
    missing_names: list[str] = field(default_factory=list)  # named things no top passage mentions, as written
    signals: dict[str, float] = field(default_factory=dict)
    salary: bool = False

    @property
    def terms(self) -> list[Term]:
        return self.facets[0].terms


class UnitVectors:
    """Embeddings of passage units, computed on first use and kept (LRU) by passage id and span."""

    def __init__(self, embedder, size: int = 20000):
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, keyed_texts: list[tuple[tuple, str]]) -> list[list[float]]:
        with self._lock:
            missing = [(k, t) for k, t in keyed_texts if k not in self._cache]
        if missing:
            vectors = self.embedder.embed_batch([t for _, t in missing])
            with self._lock:
                for (k, _), v in zip(missing, vectors):
                    self._cache[k] = v
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for k, _ in keyed_texts:
                self._cache.move_to_end(k)
                out.append(self._cache[k])
            return out


def question_terms(text: str, terms, own_text: str | None = None) -> list[Term]:
    """Content terms of `text` with their corpus stems and rarity weights."""
    own = set(content_terms(own_text)) if own_text else None
    out = []
    for word in dict.fromkeys(content_terms(text)):
        known = terms.known(word)
        stems = {stem(word)} | ({known} if known else set()) | {stem(w) for w in (*SYNONYMS.get(word, "").split(), *alias_words(word))}
        if word in ANSWER_KINDS:  # "cities" is held by any line naming a place
            stems.add(KIND_MARK + ANSWER_KINDS[word])
        weight = terms.weight(known or stem(word))
        is_own = own is None or word in own
        out.append(Term(word, frozenset(stems), weight * (1.0 if is_own else 0.4), known is not None, is_own))
    return out


def gather(query: Query, hits: list, terms, unit_vectors: UnitVectors | None, question_vector=None,
           parts: list[str] | None = None, part_vectors=None, common_words=frozenset(), continuing: str | None = None) -> Evidence:
    """The evidence for `query` in `hits` (best first); `common_words` are no names when capitalised;
    `continuing` is the document the conversation was in (its lines are preferred a little)."""
    # the names the user asks about: an earlier question appended for context adds none
    asked = asked_names(query.focus or query.text, terms, hits[:UNIT_POOL], common_words)
    whole = Facet(query.text, question_terms(query.text, terms, query.focus or query.text), asked, question_vector)
    facets = [whole]
    for n, part in enumerate(parts or []):
        vector = part_vectors[n] if part_vectors else None
        facets.append(Facet(part, question_terms(part, terms), find_names(part), vector))
    names = whole.names
    ev = Evidence(query, hits, facets, [], names, salary=bool(_SALARY.search(query.focus or query.text)) or bool(query.money))
    ev.units = _units(ev, unit_vectors, continuing)
    ev.missing_names = missing_names(ev)
    ev.signals = signals(ev, terms)
    return ev



def _units(ev: Evidence, unit_vectors: UnitVectors | None, continuing: str | None = None) -> list[Unit]:
    query = ev.query
    pool = ev.hits[:UNIT_POOL]
    spans = []
    for rank, hit in enumerate(pool):
        p = hit.passage
        for start, end in unit_spans(p.text, p.heading):
            spans.append((rank, hit, start, end))
    if not spans:
        return []
    sims = [[0.0] * len(spans) for _ in ev.facets]
    if unit_vectors is not None and ev.facets[0].vector is not None:
        keyed = [((h.passage.id, s, e), _with_heading(h.passage, h.passage.text[s:e])) for _, h, s, e in spans]
        import numpy as np

        matrix = _normalised(np.asarray(unit_vectors.get(keyed), dtype=np.float32))
        for f, facet in enumerate(ev.facets):
            if facet.vector is not None:
                sims[f] = (matrix @ _normalised(np.asarray(facet.vector, dtype=np.float32))).tolist()
    question = query.focus or query.text
    wants_place = bool(_WANTS_PLACE.search(question))
    wants_employer = bool(WANTS_EMPLOYER.search(query.focus or query.text))
    years = asked_years(query)  # stated, or read from a level: "senior" is 6-10 years
    kinds = any(m.startswith(KIND_MARK) for f in ev.facets for term in f.terms for m in term.stems)
    # A part is found by its own words: a word every part shares ("fresher" in "salary and skills
    # for a fresher") counts a third as much within the parts.
    shared = set.intersection(*({t.word for t in f.terms} for f in ev.facets[1:])) if len(ev.facets) > 1 else set()
    part_weights = [[t.weight * (0.33 if f and t.word in shared else 1.0) for t in facet.terms] for f, facet in enumerate(ev.facets)]
    units, heading_band = [], {}
    for i, (rank, hit, start, end) in enumerate(spans):
        p = hit.passage
        text = p.text[start:end]
        unit_stems = stems_of(text, kinds)
        head_stems = stems_of(p.section + " " + p.title, kinds)
        asks_figure = years is not None or bool(query.money)
        if " | " in text:  # a table row: each cell states its own band
            cell = covering_cell(text, query)
            band = 1 if cell else (-1 if asks_figure and any(states_range(c) for c in text.split(" | ")) else 0)
        else:
            covering = {(b.start, b.end) for b in hit.bands
                        if b.covers(query) or (years is not None and b.years and b.years[0] <= years <= b.years[1])}
            all_bands = {(b.start, b.end) for b in hit.bands}
            band = 1 if (start, end) in covering else (-1 if asks_figure and (start, end) in all_bands else 0)
            if band == 0 and years is not None:
                # A sentence of a longer line states its own years ("at three to five years"); one
                # without a range speaks for its heading ("5-8 years", "Freshers"); "fresher offers
                # fall between 8 and 14 LPA" does not answer for 5-8 years.
                band = stated_years(text, years) or (
                    -1 if other_level(text, years) else heading_band.setdefault(p.id, level_band(p.heading, years)))
        money = any(f.kind == "money" for f in extract_figures(text))
        asks = text.rstrip().endswith("?")
        names_place = wants_place and any(kind == "place" for kind, _, _ in find_names(p.section + " " + text, fuzzy=False))
        names_employer = wants_employer and _names_employer(text)
        voiced = VOICE_BONUS if said_by_asked(question, p, start) else 0.0  # "what did priya say…"
        voice_words = voices_of(p) if voiced else set()
        facet_scores = []
        matched = frozenset()
        overlap0, named0, bonus0 = 0.0, 0.0, 0.0
        for f, facet in enumerate(ev.facets):
            held = [j for j, t in enumerate(facet.terms) if t.stems & unit_stems]
            in_head = [j for j, t in enumerate(facet.terms) if t.stems & head_stems and j not in held]
            weights = part_weights[f]
            overlap = (sum(weights[j] for j in held) + 0.5 * sum(weights[j] for j in in_head)) / (sum(weights) or 1.0)
            named = [name for kind, name, _ in facet.names if kind != "role"]  # a role narrows the passages instead
            names_held = sum(1 for name in named if mentions(name, text) or mentions(name, p.section))
            salary = ev.salary if f == 0 else bool(_SALARY.search(facet.text))  # a part that asks no pay gets no pay bonus
            score = _unit_score(sims[f][i], overlap, band if f == 0 or salary else min(band, 0), money and salary, rank, names_held, len(named))
            if names_place or names_employer:
                score += 0.15  # "which city…?" is answered by a line naming a place, "which companies…?" by names
            if p.source == continuing:
                score += CONTINUITY_BONUS
            if asks:
                score -= 0.2  # a line that asks a question ("Is there a relocation allowance?") answers none
            if voiced and any(facet.terms[j].word not in voice_words for j in held + in_head):
                # a line of theirs about what is asked (its heading counts), not their "Posted 4 September"
                score += voiced
            facet_scores.append(score)
            if f == 0:
                matched, overlap0 = frozenset(held), overlap
                bonus0 = NAME_BONUS * names_held / len(named) if named else 0.0
                # the line's passage counts here: "Hyderabad has moved furthest towards the office.
                # Several large GCCs in HITEC City now ask for four days a week."
                named0 = sum(1 for name in named if mentions(name, p.context)) / len(named) if named else 0.0
        units.append(Unit(hit, rank, start, end, sims[0][i], overlap0, matched, band, money, names_employer, tuple(facet_scores),
                          facet_scores[0], named0, bonus0))
    return units


def _names_employer(text: str) -> bool:
    """Does a line name an employer: one of the general list, or a name it writes inside a sentence?

    >>> _names_employer("Hiring is led by Kiranakart and Flipkart."), _names_employer("Kolkata is the lowest-paying city.")
    (True, False)
    """
    found = find_names(text, fuzzy=False)
    if any(kind == "employer" for kind, _, _ in found):
        return True
    places = {w for kind, _, written in found if kind == "place" for w in written.split()}
    return any(m.group(0) not in places and m.group(0).lower() not in STOPWORDS for m in _PROPER.finditer(text))


def _unit_score(similarity: float, overlap: float, band: int, salary_line: bool, rank: int, names_held: int, names: int) -> float:
    """How well a unit answers: meaning and words together, plus what the question pins down."""
    score = 0.7 * similarity + 0.3 * overlap + 0.08 / (1 + rank)  # mix chosen on the tuning half (benchmarks/quality.py)
    if band > 0:
        score += 0.35
    elif band < 0:
        score -= 0.15
    if salary_line:
        score += 0.12
    if names:
        score += NAME_BONUS * names_held / names
    return score


NAME_BONUS = 0.3
CONTINUITY_BONUS = 0.05  # a follow-up's line from the document the previous answer came from (a tie-breaker)
VOICE_BONUS = 0.3  # a line said or written by the person the question names or describes (voices.py)



def unit_spans(text: str, heading: str = "") -> list[tuple[int, int]]:
    """List lines, table rows and sentences of a passage as (start, end); its heading line is not one."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and stripped.lstrip("#").strip() != heading:
            if _LIST_MARK.match(line) or " | " in line:
                spans.append((pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())))
            else:
                spans.extend(_self_contained(text, sentence_spans(text, pos, pos + len(line))))
        pos += len(line) + 1
    return spans


# A sentence whose subject is the one before it: "That is a long way from the peak of 2022."
_REFERS_BACK = re.compile(r"(?:That|This|These|Those) (?:is|was|are|were|means|meant)\b")


def _self_contained(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A sentence of three words or fewer joins the next one: "Python. Nearly every job asks for it.";
    so does a sentence whose subject is the one before it ("That is…").

    A bare answer ("Python.", "No.", "Rarely.") says nothing alone, and the sentence after it
    means nothing without it.

    >>> t = "Python. Nearly every job asks for it. Learn SQL too."
    >>> [t[s:e] for s, e in _self_contained(t, sentence_spans(t))]
    ['Python. Nearly every job asks for it.', 'Learn SQL too.']
    >>> t = "Today 13% are remote. That is far below the 2022 peak."
    >>> [t[s:e] for s, e in _self_contained(t, sentence_spans(t))]
    ['Today 13% are remote. That is far below the 2022 peak.']
    """
    out: list[tuple[int, int]] = []
    for s, e in spans:
        previous = text[out[-1][0] : out[-1][1]] if out else ""
        if previous and (_REFERS_BACK.match(text, s) or (len(previous.split()) <= 3 and not previous.endswith(":"))):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _with_heading(passage, text: str) -> str:
    heading = passage.heading
    return f"{heading}: {text}" if heading and heading not in text else text


def _normalised(a):
    import numpy as np

    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(norm == 0, 1.0, norm)
