"""Does a generated sentence make a claim, and does it say what its cited passage says?

Two checks that `grounding.verify` runs after its marker, figure and overlap checks:

- `claim_problem`: a sentence must state something. A question, a copied heading, or a bare
  list of names with markers ("Hyderabad & Pune [1].") states nothing that can be checked.
- `agreement_problem`: each clause's named things and relations must be in one sentence of
  a cited passage, as the clause uses them. Named things are capitalised names and acronyms
  (cities, companies, tools) and career levels (junior, mid-level, senior); relations are
  superlatives ("the most", "the highest"), comparisons ("more than", "a premium over"),
  "overtaken", "only", "all", trends ("increasingly") and negation. So "Pune has the most
  openings [2]" needs a sentence of [2] that names Pune *and* says "most" (or "highest", ...);
  "TensorFlow has overtaken PyTorch" fails against "PyTorch has overtaken TensorFlow" (the
  order of the names around a relation that has a direction must match); "Seniors earn
  ₹8,00,000 [1]" fails when the figure stands beside "Junior" in [1].

A passage's heading breadcrumb and its document's title count as part of every one of its
sentences: a passage under "Hyderabad & Pune" is about Pune. The word lists are English and
the field's levels, not any document's wording. Paraphrase beyond them is not understood, so
an unusual wording of a true claim may be dropped; the caller then falls back to the
extractive answer, which quotes. Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import extract_figures, figure_supported

# Words with their inner punctuation: "C++", "AI/ML", "Mid-Level", "Node.js", "don't".
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[+#]+|(?:['’./&-][A-Za-z0-9]+)+)?")
_MARKER = re.compile(r"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
# Clause boundaries inside one sentence; a clause of names alone joins the next one.
_CLAUSE = re.compile(r"\s*(?:;|,?\s+(?:and|but|while|whereas|and also)\s+|,\s+(?=which\b))\s*", re.I)
_FUNCTION = frozenset(
    "a an and are as at be been being both but by can could did do does each either for from had "
    "has have he her here his how i if in into is it its may me might more most much must my no "
    "nor not of on once or other our out over own same she should so some such than that the "
    "their them then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your also however according "
    "per e.g i.e etc like including include includes".split())
_UNITS = frozenset("lpa lakh lakhs lac cr crore crores rs inr ctc p.a pa k".split())  # money words, not names
_CONNECTORS = frozenset("and or also both including like such as e.g etc plus well".split())

# Relation classes. Directed ones compare two things, so the order of the names around them counts.
_RELATIONS: dict[str, frozenset[str]] = {
    "most": frozenset("most highest largest biggest best greatest top leader leading maximum "
                      "hottest best-paying highest-paying top-paying undisputed".split()),
    "least": frozenset("least lowest fewest smallest worst minimum lowest-paying".split()),
    "more": frozenset("more higher greater larger bigger better above exceed exceeds exceeding "
                      "outpace outpaces premium ahead double twice triple".split()),
    "less": frozenset("less lower fewer smaller below behind cheaper half".split()),
    "overtake": frozenset("overtake overtaken overtook overtakes overtaking surpass surpassed "
                          "surpasses replace replaced replaces displaced".split()),
    "only": frozenset("only sole solely exclusively".split()),
    "all": frozenset("all every always".split()),
    "rising": frozenset("increasingly growing rising grows grew increase increased increases "
                        "increasing".split()),
    "falling": frozenset("declining falling decreasing shrinking decline declined fell".split()),
    "not": frozenset("not no never none neither nor without cannot can't don't doesn't isn't "
                     "aren't won't didn't".split()),
}
_DIRECTED = frozenset({"more", "less", "overtake"})
# Career levels, a fact of the field: each word names the level on its left.
_LEVELS = {
    "junior": "junior", "juniors": "junior", "entry": "junior", "entry-level": "junior",
    "fresher": "junior", "freshers": "junior", "graduate": "junior", "graduates": "junior",
    "mid": "mid", "mid-level": "mid", "mid-career": "mid", "intermediate": "mid",
    "senior": "senior", "seniors": "senior", "senior-level": "senior", "principal": "senior",
    "senior/lead": "senior",
}


@dataclass(frozen=True)
class _Unit:
    """One sentence or line of a cited passage, with the names its headings add."""

    words: tuple[str, ...]  # lower-cased tokens in order
    names: frozenset[str]  # lower-cased name keys in the sentence itself
    context: frozenset[str]  # name keys of the passage's headings and title
    levels: frozenset[str]
    relations: frozenset[str]
    text: str


def claim_problem(sentence: str, headings: list[str]) -> str | None:
    """Why `sentence` (markers removed) states nothing, or None when it makes a claim.

    >>> claim_problem("Hyderabad & Pune.", [])
    'not a claim: names without a statement'
    >>> claim_problem("Salary Expectations for ML Engineers", ["Salary Expectations for ML Engineers"])
    'not a claim: a heading'
    >>> claim_problem("Bangalore offers the most aggressive compensation.", []) is None
    True
    """
    plain = _LIST_PREFIX.sub("", _MARKER.sub("", sentence)).strip()
    if plain.rstrip().endswith("?"):
        return "not a claim: a question"
    key = _key(plain)
    if any(key == _key(h) for heading in headings for h in re.split(r"\s+>\s+", heading) if h):
        return "not a claim: a heading"
    words = [w for w in _TOKEN.findall(plain) if w.lower() not in _FUNCTION]
    if not any(_plain_word(w) for w in words) and not extract_figures(plain):
        return "not a claim: names without a statement"
    return None


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
    known_words = {w for u in units for w in u.words}
    capitalised = known | _name_keys(" ".join(question.split()[1:]))
    for at, clause in enumerate(_clauses(sentence)):
        names = _names(clause, capitalised, starts_sentence=at == 0)
        levels, relations = _levels(clause), _relations(clause)
        missing = sorted(n for n in names if n not in known and n not in known_words)
        if missing:
            return f"names {', '.join(missing)}, which the cited passage does not"
        missing_levels = levels - {lv for u in units for lv in u.levels}
        if missing_levels:
            return f"speaks of {', '.join(sorted(missing_levels))} level, which the cited passage does not"
        together = [u for u in units if _holds(u, names, levels)]
        figures = extract_figures(clause)
        if figures and (names or levels):
            for fig in figures:
                if not any(figure_supported(fig, u.text) for u in together):
                    who = ", ".join(sorted(names | levels))
                    return f"puts {fig.raw} with {who}, which no cited sentence does"
        for relation in sorted(relations):
            fitting = [u for u in together if relation in u.relations]
            if not fitting:
                who = f" of {', '.join(sorted(names | levels))}" if names or levels else ""
                return f"says '{relation}'{who}, which no cited sentence does"
            if relation in _DIRECTED and names and not any(
                    _same_direction(clause, u, relation, names) for u in fitting):
                return f"reverses '{relation}' between {', '.join(sorted(names))}"
    return None


def _units(passage) -> list[_Unit]:
    """The sentences (and list or table lines) of a passage, each with its headings' names."""
    context_text = " ".join([getattr(passage, "section", "") or "", getattr(passage, "title", "") or ""])
    context = frozenset(_name_keys(context_text))
    lines = [ln for ln in passage.text.splitlines() if ln.strip()]
    header = next((ln for ln in lines if ln.lstrip().startswith("|")), "")
    units = []
    for line in lines:
        # A table row is read with its header, so "Bangalore | 11.8 LPA" knows its column.
        if line.lstrip().startswith("|") and line is not header:
            line = header + " " + line
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9₹\"“(])", line):
            words = tuple(w.lower() for w in _TOKEN.findall(sentence))
            units.append(_Unit(words, frozenset(_name_keys(sentence)), context,
                               _levels(sentence) | _levels(context_text), _relations(sentence),
                               sentence))
    return units


def _clauses(sentence: str) -> list[str]:
    """The clauses of a sentence; one that only lists names joins the clause after it."""
    plain = _LIST_PREFIX.sub("", _MARKER.sub(" ", sentence)).strip()
    parts = [p for p in _CLAUSE.split(plain) if p and p.strip()]
    clauses: list[str] = []
    pending = ""
    for part in parts:
        text = f"{pending} and {part}" if pending else part
        if not any(_plain_word(w) for w in _TOKEN.findall(part) if w.lower() not in _FUNCTION):
            pending = text
            continue
        clauses.append(text)
        pending = ""
    if pending:
        clauses.append(pending)
    return clauses


def _names(clause: str, known: set[str], starts_sentence: bool = True) -> set[str]:
    """Name keys of a clause: capitalised words and acronyms, "C++"; for a capitalised first
    word, see `agreement_problem`."""
    found = set()
    clause = _without_figures(clause)
    tokens = list(_TOKEN.finditer(clause))
    for i, m in enumerate(tokens):
        word = m.group(0)
        if not _is_name(word) or _LEVELS.get(word.lower()):
            continue
        first = (i == 0 and starts_sentence) or clause[: m.start()].rstrip().endswith((":", "(", "\"", "“"))
        if first and not (_inner_capital(word) or word.lower() in known):
            continue
        found.update(_split_key(word))
    return {k for k in found if k not in _FUNCTION and k not in _UNITS}


def _without_figures(text: str) -> str:
    """The text with its figures ("8-12 LPA", "₹15,00,000") blanked, units and all."""
    for fig in reversed(extract_figures(text)):
        text = text[: fig.start] + " " * (fig.end - fig.start) + text[fig.end:]
    return text


def _name_keys(text: str) -> set[str]:
    keys = set()
    for m in _TOKEN.finditer(_without_figures(text)):
        if _is_name(m.group(0)):
            keys.update(_split_key(m.group(0)))
    return keys


def _split_key(word: str) -> set[str]:
    """"AI/ML" -> {"ai/ml", "ai", "ml"}; "Mid-Level" -> {"mid-level", "mid", "level"}."""
    low = word.lower().rstrip("'’s") if word.endswith(("'s", "’s")) else word.lower()
    return {low, *(p for p in re.split(r"[/&-]", low) if p)}


def _is_name(word: str) -> bool:
    return any(c.isupper() for c in word) or "+" in word or "#" in word


def _inner_capital(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) or (len(word) > 1 and word.isupper())


def _plain_word(word: str) -> bool:
    """A lower-case content word: the mark of a statement rather than a list of names."""
    low = word.lower()
    return word[0].islower() and low not in _CONNECTORS and low not in _FUNCTION and len(low) > 1


def _levels(text: str) -> frozenset[str]:
    return frozenset(_LEVELS[w] for w in (t.lower() for t in _TOKEN.findall(text)) if w in _LEVELS)


def _relations(text: str) -> frozenset[str]:
    words = [w.lower() for w in _TOKEN.findall(text)]
    found = {name for name, vocab in _RELATIONS.items() if any(w in vocab for w in words)}
    if re.search(r"\b(?!oth|rath|whe)\w+er\s+than\b", text, re.I) and "less" not in found:
        found.add("more")  # "faster than", "costlier than"
    if "n't" in text or "n’t" in text:
        found.add("not")
    return frozenset(found)


def _holds(unit: _Unit, names: set[str], levels: frozenset[str]) -> bool:
    """Whether the unit (with its headings) names all of `names` and `levels`."""
    return names <= unit.names | unit.context | set(unit.words) and levels <= unit.levels


def _same_direction(clause: str, unit: _Unit, relation: str, names: set[str]) -> bool:
    """Whether the names stand on the same sides of the relation word in both texts."""
    left, right = _sides(clause, relation, names)
    u_left, u_right = _sides(unit.text, relation, names)
    if not (u_left or u_right):
        return True  # the unit's names come from its heading: no order to compare
    return not (left & u_right - u_left) and not (right & u_left - u_right)


def _sides(text: str, relation: str, names: set[str]) -> tuple[set[str], set[str]]:
    """Names before and after the first word of `relation`; a passive "by" swaps them."""
    words = [w.lower() for w in _TOKEN.findall(text)]
    vocab = _RELATIONS[relation]
    at = next((i for i, w in enumerate(words) if w in vocab), None)
    if at is None:
        at = next((i for i, w in enumerate(words) if w == "than"), None)
    if at is None:
        return set(), set()
    keys = [(_split_key(w) & names) for w in words]
    left = set().union(*keys[:at]) if at else set()
    right = set().union(*keys[at + 1:]) if at + 1 < len(keys) else set()
    if at + 1 < len(words) and words[at + 1] == "by":
        left, right = right, left
    return left, right


def _key(text: str) -> str:
    return " ".join(w.lower() for w in _TOKEN.findall(text))
