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
Leaves out: ranking (retrieval.py), deciding (relevance.py), wording (answering.py).
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from .asked import asked_names
from .figures import extract_figures
from .lexicon import ANSWER_KINDS, STOPWORDS, SYNONYMS
from .names import LEVEL_YEARS, find_names, mentions
from .query import Query, content_terms
from .text import sentence_spans, stem, tokens

_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")
_SALARY = re.compile(r"\b(salar|pay|paid|earn|make|ctc|lpa|lakh|crore|package|compensat|income|stipend|kitn|how much|range|band|wage)", re.I)
_WANTS_PLACE = re.compile(r"\b(which|what) (city|cities|location|place|state)|\bwhere\b|\bkahan\b|\bkis shahar", re.I)
_WANTS_EMPLOYER = re.compile(r"\b(which|what|kaunsi|kaun si|name some|list)\s+(\w+\s+)?(compan(y|ies)|employers?|firms?|startups?|organi[sz]ations?|recruiters?)\b"
                             r"|\bwho (hires?|recruits?|is hiring)\b", re.I)
# A name inside a line: a capitalised word after a lower-case word or a list mark ("at Kiranakart", "**TCS**").
_PROPER = re.compile(r"(?:(?<=[a-z,;:] )|(?<=\*\*)|(?<=^- ))[A-Z][\w&.-]*[a-zA-Z]")
UNIT_POOL = 6  # passages whose units are scored (the answer quotes from these)


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
        stems = {stem(word)} | ({known} if known else set()) | {stem(w) for w in SYNONYMS.get(word, "").split()}
        if word in ANSWER_KINDS:  # "cities" is held by any line naming a place
            stems.add(_KIND_MARK + ANSWER_KINDS[word])
        weight = terms.weight(known or stem(word))
        is_own = own is None or word in own
        out.append(Term(word, frozenset(stems), weight * (1.0 if is_own else 0.4), known is not None, is_own))
    return out


def gather(query: Query, hits: list, terms, unit_vectors: UnitVectors | None, question_vector=None,
           parts: list[str] | None = None, part_vectors=None, common_words=frozenset()) -> Evidence:
    """The evidence for `query` in `hits` (best first); `common_words` are no names when capitalised."""
    # the names the user asks about: an earlier question appended for context adds none
    asked = asked_names(query.focus or query.text, terms, hits[:UNIT_POOL], common_words)
    whole = Facet(query.text, question_terms(query.text, terms, query.focus or query.text), asked, question_vector)
    facets = [whole]
    for n, part in enumerate(parts or []):
        vector = part_vectors[n] if part_vectors else None
        facets.append(Facet(part, question_terms(part, terms), find_names(part), vector))
    names = whole.names
    ev = Evidence(query, hits, facets, [], names, salary=bool(_SALARY.search(query.focus or query.text)) or bool(query.money))
    ev.units = _units(ev, unit_vectors)
    ev.missing_names = _missing_names(ev)
    ev.signals = _signals(ev, terms)
    return ev


_KIND_MARK = "\x00kind:"  # a pseudo-stem: "this text names a place / an employer"


def _stems(text: str, kinds: bool = False) -> set[str]:
    """Word stems of `text`; with `kinds`, also a mark for each kind of named thing it holds."""
    out = {stem(t) for t in tokens(text)}
    if kinds:
        out |= {_KIND_MARK + kind for kind, _, _ in find_names(text, fuzzy=False) if kind in ("place", "employer")}
    return out


def passage_context(passage) -> str:
    return " ".join((passage.title, passage.section, passage.text))


def _units(ev: Evidence, unit_vectors: UnitVectors | None) -> list[Unit]:
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
    wants_place = bool(_WANTS_PLACE.search(query.focus or query.text))
    wants_employer = bool(_WANTS_EMPLOYER.search(query.focus or query.text))
    years = asked_years(query)  # stated, or read from a level: "senior" is 6-10 years
    kinds = any(m.startswith(_KIND_MARK) for f in ev.facets for term in f.terms for m in term.stems)
    # A part is found by its own words: a word every part shares ("fresher" in "salary and skills
    # for a fresher") counts a third as much within the parts.
    shared = set.intersection(*({t.word for t in f.terms} for f in ev.facets[1:])) if len(ev.facets) > 1 else set()
    part_weights = [[t.weight * (0.33 if f and t.word in shared else 1.0) for t in facet.terms] for f, facet in enumerate(ev.facets)]
    units, heading_band = [], {}
    for i, (rank, hit, start, end) in enumerate(spans):
        p = hit.passage
        context = passage_context(p)
        text = p.text[start:end]
        unit_stems = _stems(text, kinds)
        head_stems = _stems(p.section + " " + p.title, kinds)
        asks_figure = years is not None or bool(query.money)
        if " | " in text:  # a table row: each cell states its own band
            cell = covering_cell(text, query)
            band = 1 if cell else (-1 if asks_figure and any(_states_range(c) for c in text.split(" | ")) else 0)
        else:
            covering = {(b.start, b.end) for b in hit.bands
                        if b.covers(query) or (years is not None and b.years and b.years[0] <= years <= b.years[1])}
            all_bands = {(b.start, b.end) for b in hit.bands}
            band = 1 if (start, end) in covering else (-1 if asks_figure and (start, end) in all_bands else 0)
            if band == 0 and years is not None:
                # A line without a range of its own speaks for its heading ("5-8 years", "Freshers");
                # "fresher offers fall between 8 and 14 LPA" does not answer for 5-8 years.
                band = -1 if _other_level(text, years) else heading_band.setdefault(p.id, _level_band(p.heading, years))
        money = any(f.kind == "money" for f in extract_figures(text))
        asks = text.rstrip().endswith("?")
        names_place = wants_place and any(kind == "place" for kind, _, _ in find_names(p.section + " " + text, fuzzy=False))
        names_employer = wants_employer and _names_employer(text)
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
            if asks:
                score -= 0.2  # a line that asks a question ("Is there a relocation allowance?") answers none
            facet_scores.append(score)
            if f == 0:
                matched, overlap0 = frozenset(held), overlap
                # the title counts here: "MLOps" in a document's title names it for every line
                bonus0 = NAME_BONUS * names_held / len(named) if named else 0.0
                # the line's passage counts here: "Hyderabad has moved furthest towards the office.
                # Several large GCCs in HITEC City now ask for four days a week."
                named0 = sum(1 for name in named if mentions(name, context)) / len(named) if named else 0.0
        units.append(Unit(hit, rank, start, end, sims[0][i], overlap0, matched, band, money, names_employer, tuple(facet_scores),
                          facet_scores[0], named0, bonus0))
    return units


def _names_employer(text: str) -> bool:
    """Does a line name an employer: one of the general list, or a name it writes inside a sentence?

    >>> _names_employer("Hiring is led by Kiranakart and Flipkart."), _names_employer("Kolkata is the lowest-paying city.")
    (True, False)
    """
    if any(kind == "employer" for kind, _, _ in find_names(text, fuzzy=False)):
        return True
    places = {w for kind, _, written in find_names(text, fuzzy=False) if kind == "place" for w in written.split()}
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


def _name_binding(units: list[Unit]) -> float:
    """How well the lines of passages naming everything asked about answer, against the best line of all.

    "Security deposit in Mumbai" over a list of deposits in other cities and a note that names
    Mumbai: the line naming Mumbai answers far worse than the best deposit line, so the documents
    say this of other cities, not of Mumbai. Scores are taken without the bonus for naming.
    """
    if not units:
        return 1.0
    topic = [u.score - u.name_bonus for u in units]
    best = max(topic)
    bound = [t for t, u in zip(topic, units) if u.named >= 1.0]
    return (max(bound) / best if bound else 0.0) if best > 0 else 1.0


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


def _other_level(text: str, years: float) -> bool:
    """Does `text` speak of career levels, none of which covers `years` of experience?

    >>> _other_level("Most fresher offers fall between 8 and 14 LPA.", 6.5), _other_level("Senior and junior pay", 1)
    (True, False)
    """
    levels = [LEVEL_YEARS[_level_key(m)] for m in _LEVEL_WORDS.findall(text)]
    return bool(levels) and not any(low - 1 <= years <= high + 1 for low, high in levels)


def _level_band(heading: str, years: float) -> int:
    """1 when a heading states years of experience or a level covering `years`, -1 when it states others, else 0.

    >>> _level_band("3.3 Five to eight years (5-8 years)", 6.5), _level_band("Freshers", 6.5), _level_band("Pay", 6.5)
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
            high = math.inf if fig.raw.rstrip().endswith("+") else fig.high
            if fig.kind == "years" and years is not None and fig.low <= years <= high:
                return cell
            if fig.kind == "money" and any(fig.low <= m.low <= high for m in query.money) and fig.high > fig.low:
                return cell
    return ""


def _states_range(cell: str) -> bool:
    return any(f.kind == "years" for f in extract_figures(cell))


def _missing_names(ev: Evidence) -> list[str]:
    """Named things asked about that the top passages don't hold (as the user wrote them).

    Each must be named by some top passage; and a question of one part naming several ("Mandala
    Mobility in Pune") needs one passage naming them together, else the ones it lacks are missing.
    """
    top = [passage_context(h.passage) for h in ev.hits[:UNIT_POOL]]
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
        context = passage_context(answering.hit.passage)
        missing += [w for n, w in present if _is_year(n) and not mentions(n, context)]
    present = [(n, w) for n, w in present if not _is_year(n)]
    if len(ev.facets) == 1 and len({n for n, _ in present}) >= 2:
        best = max(top, key=lambda text: sum(mentions(n, text) for n, _ in present))
        missing += [written for name, written in present if not mentions(name, best)]
    return list(dict.fromkeys(missing))


def _is_year(name: str) -> bool:
    return re.fullmatch(r"\d{4}(?:-\d\d)?", name) is not None


def _signals(ev: Evidence, terms) -> dict[str, float]:
    """Numbers the decision reads, each in [0, 1] or close to it."""
    hits, facet = ev.hits, ev.facets[0]
    dense = [h.dense for h in hits if h.dense is not None]
    kinds = any(m.startswith(_KIND_MARK) for term in facet.terms for m in term.stems)
    top_text_stems = set()
    for h in hits[:3]:
        top_text_stems |= _stems(passage_context(h.passage), kinds)
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
        "name_binding": _name_binding(units) if named else 1.0,
        # "which companies in Kolkata…?": no line about it (from a passage naming what is asked) names one
        "employer_missing": 1.0 if _WANTS_EMPLOYER.search(ev.query.focus or ev.query.text) and units and not any(
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


def _answer_type(ev: Evidence, units: list[Unit]) -> tuple[float, float]:
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
        held = any(noun in {stem(w) for w in tokens(passage_context(u.hit.passage))} for u in with_figures)
        count_missing = 0.0 if held else 1.0
    return figure_missing, count_missing


def unit_spans(text: str, heading: str = "") -> list[tuple[int, int]]:
    """List lines, table rows and sentences of a passage as (start, end); its heading line is not one."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and stripped.lstrip("#").strip() != heading:
            if _LIST_MARK.match(line) or " | " in line:
                spans.append((pos + len(line) - len(line.lstrip()), pos + len(line.rstrip())))
            else:
                spans.extend(sentence_spans(text, pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _with_heading(passage, text: str) -> str:
    heading = passage.heading
    return f"{heading}: {text}" if heading and heading not in text else text


def _normalised(a):
    import numpy as np

    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(norm == 0, 1.0, norm)
