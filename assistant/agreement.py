"""Does a generated sentence say what its cited passage says?

`agreement_problem` runs after `grounding.verify`'s marker, figure and overlap checks and after
`claims.claim_problem`: each clause's named things and relations must be in one sentence of a
cited passage, as the clause uses them. Named things are capitalised names and acronyms
(cities, companies, tools) and career levels (junior, mid-level, senior); relations are those of
`relations.py`. So "Pune has the most openings [2]" needs a sentence of [2] that names Pune *and*
says "most" (or "highest", ...); "TensorFlow has overtaken PyTorch" fails against "PyTorch has
overtaken TensorFlow"; "Seniors earn ₹8,00,000 [1]" fails when the figure stands beside "Junior"
in [1].

A passage's heading breadcrumb and its document's title count as part of every one of its
sentences: a passage under "Hyderabad & Pune" is about Pune. Paraphrase beyond the word lists is
not understood, so an unusual wording of a true claim may be dropped; the caller then falls back
to the extractive answer, which quotes. Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .claims import and_pairs, claim_problem, clauses
from .binding import misattached, replaced_subject, swapped
from .figures import extract_figures, figure_supported
from .names import find_names, mentions
from .relations import DIRECTED, contradicted, dropped_negation, relations, same_direction, superlative
from .wording import (FUNCTION, LEVEL_WORDS, TOKEN, UNITS, content_stems, inner_capital, is_name, kinds,
                      levels, name_keys, sing, split_key, stems, unsigned, without_figures)

__all__ = ["agreement_problem", "claim_problem", "levels"]

# The subject of every document here, which a title may supply ("... to ML Engineer"); any other
# role a claim speaks of must be in the cited sentence or its section.
_FIELD_ROLES = frozenset({"ml-engineer", "machine-learning-engineer"})
SUPPORT = 0.5  # share of a clause's content words one cited sentence (with its headings) must hold
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORDS.update({w: str(i) for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()) if i})


@dataclass(frozen=True)
class _Unit:
    """One sentence or line of a cited passage, with the names its headings add."""

    words: tuple[str, ...]  # lower-cased tokens in order
    names: frozenset[str]  # lower-cased name keys in the sentence itself
    context: frozenset[str]  # name keys of the passage's headings and title
    levels: frozenset[str]
    relations: frozenset[str]
    text: str
    heading: str = ""  # the passage's section and title, which hold figures too ("Months 3-4")
    section: str = ""  # the section alone: what the sentence is about, which a title is not
    row: str = ""  # for a table cell, its whole row: the row's names belong to each cell


def agreement_problem(sentence: str, passages: list, question: str = "") -> str | None:
    """Why `sentence` disagrees with the passages it cites, or None when each clause agrees.

    `passages` are the cited `Passage` records (text, section, title). A sentence's first word
    is capitalised anyway, so it counts as a name only when it is an acronym or CamelCase, or
    when the passages or the question write it capitalised mid-sentence: "Pay is ..." is not
    taken for a name, and so neither is "Microsoft ..." at the start of a sentence when nothing
    else names Microsoft (the overlap check still sees it).

    >>> from assistant.schema import Passage
    >>> p = [Passage("p", "Bangalore offers the most aggressive compensation.", "g.txt", "Jobs > Bangalore"),
    ...      Passage("q", "ML teams are clustered here.", "g.txt", "Jobs > Hyderabad & Pune")]
    >>> agreement_problem("Bangalore pays the most.", p) is None
    True
    >>> agreement_problem("Pune has the most ML openings.", p)
    "says 'most' of ml, pune, which no cited sentence does"
    >>> agreement_problem("Chennai pays well.", p, "What do ML engineers in Chennai earn?")
    'names chennai, which the cited passage does not'
    >>> agreement_problem("Teams are clustered in Pune.", p[1:]) is None
    True
    """
    units = [u for p in passages for u in _units(p)]
    known = set().union(*(u.names | u.context for u in units)) if units else set()
    known_words = {w for u in units for w in u.words} | {
        sing(w.lower()) for p in passages for w in TOKEN.findall(f"{getattr(p, 'section', '')} {getattr(p, 'title', '')}")}
    capitalised = known | name_keys(" ".join(question.split()[1:]))
    whole = " ".join(f"{u.text} {' '.join(u.context)}" for u in units) + " " + " ".join(
        f"{getattr(p, 'section', '')} {getattr(p, 'title', '')}" for p in passages)
    wrong = replaced_subject(sentence, [u.text for u in units])
    if wrong:
        return wrong
    joined = frozenset().union(*(and_pairs(f"{u.text} {u.heading}") for u in units))
    for at, clause in enumerate(clauses(sentence, joined)):
        names = clause_names(clause, capitalised, starts_sentence=at == 0)
        lv, stated = levels(clause), relations(clause)
        missing = sorted(n for n in names if not known_name(n, known | known_words, whole))
        missing += sorted({key for kind, key, _ in find_names(clause, fuzzy=False)
                           if kind != "year" and key not in _FIELD_ROLES and not mentions(key, whole)} - set(missing))
        missing += [w for w in _number_words(clause) if w not in known_words
                    and _NUMBER_WORDS[w] not in re.findall(r"\d+", whole)]
        if missing:
            return f"names {', '.join(missing)}, which the cited passage does not"
        missing_levels = lv - {x for u in units for x in u.levels}
        if missing_levels:
            return f"speaks of {', '.join(sorted(missing_levels))} level, which the cited passage does not"
        together = [u for u in units if _holds(u, names, lv)]
        about = _about(clause)
        if about:
            together = [u for u in together if _speaks_of(u, about)]
            if not together:
                return f"says it of {', '.join(sorted(about))}, which no cited sentence speaks of"
        thin = _thin(clause, together or units)
        if thin:
            return thin
        figures = extract_figures(clause)
        if figures and (names or lv or about):
            for fig in figures:
                if not any(figure_supported(fig, f"{u.text} {u.heading}") for u in together):
                    who = ", ".join(sorted(names | lv | about))
                    return f"puts {fig.raw} with {who}, which no cited sentence does"
        for fig in figures if lv or about else ():
            if not _in_own_part(fig, together, lv, about):
                return f"puts {fig.raw} with {', '.join(sorted(lv | about))}, where the cited sentence gives it to another part"
        for fig in figures:
            wrong = misattached(fig, clause, [u.text for u in units])
            if wrong:
                return wrong
        wrong = swapped(clause, [u.text for u in units]) if len(figures) > 1 else None
        if wrong:
            return wrong
        denied = dropped_negation(clause, [u.text for u in together or units])
        if denied:
            return denied
        opposite = contradicted(clause, [u.words for u in ([u for u in together if u.words] or units)])
        if opposite:
            return opposite
        for relation in sorted(stated):
            # a superlative supports the comparative ("the highest" -> "more than")
            wider = {"more": "most", "less": "least"}.get(relation, relation)
            fitting = [u for u in together if relation in u.relations or wider in u.relations]
            if not fitting:
                who = f" of {', '.join(sorted(names | lv))}" if names or lv else ""
                return f"says '{relation}'{who}, which no cited sentence does"
            if relation in ("most", "least"):
                # what is the most: "most common" needs "common" in the cited sentence (or its
                # heading), so the hottest sub-skill is not the most common LLM; "the highest
                # density of opportunities" may still be the most jobs
                key = superlative(clause, relation)
                fitting = [u for u in fitting if key is None or key in {
                    s for s in stems(f"{u.text} {u.heading}") if s}]
                if not fitting:
                    return f"says 'the {relation} {key}…', which no cited sentence says of the same thing"
            if relation in DIRECTED and not same_direction(clause, [u.text for u in fitting], relation):
                return f"reverses '{relation}' between what it compares"
    return None


def _units(passage) -> list[_Unit]:
    """The sentences (and list or table lines) of a passage, each with its headings' names."""
    context_text = " ".join([getattr(passage, "section", "") or "", getattr(passage, "title", "") or ""])
    context = frozenset(name_keys(context_text))
    units = []
    for line in (unsigned(ln) for ln in passage.text.splitlines() if ln.strip()):
        cells = row_cells(line)
        for at, sentence in enumerate(cells or re.split(r"(?<=[.!?])\s+(?=[A-Z0-9₹\"“(])", line)):
            row = row_of(line, at) if cells else ""
            words = tuple(sing(w.lower()) for w in TOKEN.findall(row or sentence))
            units.append(_Unit(words, frozenset(name_keys(row or sentence, skip_first=True)), context,
                               levels(row or sentence) | levels(context_text), relations(sentence),
                               sentence, context_text, getattr(passage, "section", "") or "", row))
    return units


def row_cells(line: str) -> list[str]:
    """A table row written "City: Chennai | 0–2 years: 8.7 LPA | ..." as one unit per cell, each
    with the row's first cell, so a figure is bound to its own column's header."""
    cells = [c.strip() for c in line.strip().lstrip("-• ").split(" | ")]
    if len(cells) < 2 or not all(": " in c for c in cells):
        return []
    return [f"{cells[0]} | {cell}" for cell in cells[1:]]


def row_of(line: str, at: int) -> str:
    """What cell `at` (after the first) of a table row is said with: the row's first cell, the
    cell, and the other cells' values without their headers ("Startup: 15 days" does not make
    the "IT services: 60 days" cell speak of startups)."""
    cells = [c.strip() for c in line.strip().lstrip("-• ").split(" | ")]
    own = cells[at + 1]
    others = [c.split(": ", 1)[1] for i, c in enumerate(cells[1:]) if i != at]
    return " | ".join([cells[0], own, *others])


def clause_names(clause: str, known: set[str], starts_sentence: bool = True) -> set[str]:
    """Name keys of a clause: capitalised words and acronyms, "C++"; for a capitalised first
    word, see `agreement_problem`."""
    found = set()
    clause = without_figures(clause)
    tokens = list(TOKEN.finditer(clause))
    for i, m in enumerate(tokens):
        word = m.group(0)
        if not is_name(word) or LEVEL_WORDS.get(word.lower()):
            continue
        first = (i == 0 and starts_sentence) or clause[: m.start()].rstrip().endswith((":", "(", "\"", "“"))
        if first and not (inner_capital(word) or word.lower() in known):
            continue
        found.update(split_key(word))
    return {k for k in found if k not in FUNCTION and k not in UNITS}




def known_name(name: str, known: set[str], whole: str) -> bool:
    """Whether a name key is in the passages: as written, singular or plural, or as the
    initials of words there ("ml" for "Machine Learning")."""
    single = name[:-1] if name.endswith("s") and len(name) > 3 else name
    if name in known or single in known or single + "s" in known:
        return True
    if name.isalpha() and 2 <= len(name) <= 5:
        words = re.findall(r"[A-Za-z]+", whole)
        initials = "".join(w[0].lower() for w in words)
        return single in initials and any(
            "".join(w[0].lower() for w in words[i:i + len(single)]) == single and
            all(w[0].isupper() for w in words[i:i + len(single)]) for i in range(len(words)))
    return False


def _number_words(text: str) -> list[str]:
    return [w for w in (t.lower() for t in TOKEN.findall(text)) if w in _NUMBER_WORDS and w != "one"]


def _holds(unit: _Unit, names: set[str], wanted: frozenset[str]) -> bool:
    """Whether the unit (with its headings) names all of `names` and the levels `wanted`."""
    return names <= unit.names | unit.context | set(unit.words) and wanted <= unit.levels


def _about(clause: str) -> frozenset[str]:
    """The roles and kinds of employer a clause speaks of, the field's own role aside."""
    roles = {key for kind, key, _ in find_names(clause, fuzzy=False) if kind == "role"}
    return frozenset((roles - _FIELD_ROLES) | kinds(clause))


def _speaks_of(unit: _Unit, about: frozenset[str]) -> bool:
    """Whether the unit's own text or section names every role and kind in `about`."""
    text = f"{unit.row or unit.text} {unit.section}"
    found = kinds(text)
    return all(a in found or mentions(a, text) for a in about)


def _thin(clause: str, units: list[_Unit]) -> str | None:
    """The clause's content words are spread over the passage rather than said by one sentence
    of it: "basic data science courses are enough to land the high-paying roles" against "...
    candidates who have taken basic data science courses. To land the high-paying roles, you
    must demonstrate engineering rigor"."""
    own = content_stems(clause)
    if len(own) < 3:
        return None
    best = max((len(own & content_stems(f"{u.row or u.text} {u.heading}")) for u in units), default=0)
    if best < SUPPORT * len(own) or (best == SUPPORT * len(own) and best < len(own)):
        return f"no cited sentence says this: its words are spread over the passage ({best} of {len(own)} in one sentence)"
    return None


_PARTS = re.compile(r"\s*(?:;|,?\s+(?:against|versus|vs\.?|compared with|while|whereas|but)\s+)\s*", re.I)


def _in_own_part(fig, units: list[_Unit], lv: frozenset[str], about: frozenset[str]) -> bool:
    """Whether a part of a cited sentence (cut at "against", "while", ";", ...) holds the figure
    and does not give it to another level, role or kind of employer than the clause's: "...
    data scientists saw a median hike of 18%, while backend engineers saw 12%" does not give
    18% to backend engineers. A part that names no level or role speaks of its sentence's."""
    for unit in units:
        if unit.row:
            return True  # a table cell is bound by its own header
        for part in _PARTS.split(unit.text):
            if not figure_supported(fig, part):
                continue
            own_levels, own_about = levels(part), _about(part)
            if (not own_levels or not lv or lv & own_levels) and (not own_about or not about or about & own_about):
                return True
    return not units
