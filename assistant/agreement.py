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
from .names import find_names, mentions

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
    "per e.g i.e etc like including".split())
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
_DIRECTED = frozenset({"more", "less", "overtake", "most", "least", "not"})
# A claim with one of these words, against a cited sentence that has its opposite and not it, says
# the opposite of the passage ("includes" vs "excludes", "rare" vs "most common").
_OPPOSITES = [
    ("include includes included including", "exclude excludes excluded excluding"),
    ("rare rarely scarce few", "common plentiful abundant many"),
    ("widen widens widening widened", "narrow narrows narrowing narrowed"),
    ("easy easier easiest", "hard harder hardest difficult"),
    ("required mandatory essential critical", "optional unnecessary"),
    ("cheap cheaper cheapest", "expensive costlier"),
    ("before", "after"),
    ("first", "last"),
]
_OPPOSITE = {w: frozenset(b.split()) for a, b in _OPPOSITES for w in a.split()} | {
    w: frozenset(a.split()) for a, b in _OPPOSITES for w in b.split()}
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORDS.update({w: str(i) for i, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth".split()) if i})
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
    heading: str = ""  # the passage's section and title, which hold figures too ("Months 3-4")


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
    known_words = {w for u in units for w in u.words} | {
        _sing(w.lower()) for p in passages for w in _TOKEN.findall(f"{getattr(p, 'section', '')} {getattr(p, 'title', '')}")}
    capitalised = known | _name_keys(" ".join(question.split()[1:]))
    whole = " ".join(f"{u.text} {' '.join(u.context)}" for u in units) + " " + " ".join(
        f"{getattr(p, 'section', '')} {getattr(p, 'title', '')}" for p in passages)
    for at, clause in enumerate(_clauses(sentence)):
        names = _names(clause, capitalised, starts_sentence=at == 0)
        lv, relations = levels(clause), _relations(clause)
        missing = sorted(n for n in names if not _known(n, known | known_words, whole))
        missing += sorted({key for kind, key, _ in find_names(clause)
                           if kind != "year" and not mentions(key, whole)} - set(missing))
        missing += [w for w in _number_words(clause) if w not in known_words
                    and _NUMBER_WORDS[w] not in re.findall(r"\d+", whole)]
        if missing:
            return f"names {', '.join(missing)}, which the cited passage does not"
        missing_levels = lv - {x for u in units for x in u.levels}
        if missing_levels:
            return f"speaks of {', '.join(sorted(missing_levels))} level, which the cited passage does not"
        together = [u for u in units if _holds(u, names, lv)]
        figures = extract_figures(clause)
        if figures and (names or lv):
            for fig in figures:
                if not any(figure_supported(fig, f"{u.text} {u.heading}") for u in together):
                    who = ", ".join(sorted(names | lv))
                    return f"puts {fig.raw} with {who}, which no cited sentence does"
        for fig in figures:
            wrong = _misattached(fig, clause, units)
            if wrong:
                return wrong
        opposite = _contradicted(clause, [u for u in together if u.words] or units)
        if opposite:
            return opposite
        for relation in sorted(relations):
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
                key = _superlative(clause, relation)
                fitting = [u for u in fitting if key is None or key in {
                    s for s in _stems(f"{u.text} {u.heading}") if s}]
                if not fitting:
                    return f"says 'the {relation} {key}…', which no cited sentence says of the same thing"
            if relation in _DIRECTED and not _same_direction(clause, fitting, relation):
                return f"reverses '{relation}' between what it compares"
    return None


def _units(passage) -> list[_Unit]:
    """The sentences (and list or table lines) of a passage, each with its headings' names."""
    context_text = " ".join([getattr(passage, "section", "") or "", getattr(passage, "title", "") or ""])
    context = frozenset(_name_keys(context_text))
    units = []
    for line in (ln for ln in passage.text.splitlines() if ln.strip()):
        for sentence in _row_cells(line) or re.split(r"(?<=[.!?])\s+(?=[A-Z0-9₹\"“(])", line):
            words = tuple(_sing(w.lower()) for w in _TOKEN.findall(sentence))
            units.append(_Unit(words, frozenset(_name_keys(sentence, skip_first=True)), context,
                               levels(sentence) | levels(context_text), _relations(sentence),
                               sentence, context_text))
    return units


def _row_cells(line: str) -> list[str]:
    """A table row written "City: Chennai | 0–2 years: 8.7 LPA | ..." as one unit per cell, each
    with the row's first cell, so a figure is bound to its own column's header."""
    cells = [c.strip() for c in line.strip().lstrip("-• ").split(" | ")]
    if len(cells) < 2 or not all(": " in c for c in cells):
        return []
    return [f"{cells[0]} | {cell}" for cell in cells[1:]]


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


def _name_keys(text: str, skip_first: bool = False) -> set[str]:
    """Name keys of capitalised words; with `skip_first`, a sentence's or cell's first word
    counts only when it is an acronym or CamelCase ("Serving starts" names nothing)."""
    keys = set()
    text = _without_figures(text)
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if not _is_name(word):
            continue
        before = text[: m.start()].rstrip()
        if skip_first and not _inner_capital(word) and (not before or before.endswith((".", ":", "|", "!", "?"))):
            continue
        keys.update(_split_key(word))
    return keys


def _split_key(word: str) -> set[str]:
    """"AI/ML" -> {"ai/ml", "ai", "ml"}; "Mid-Level" -> {"mid-level", "mid", "level"}; plurals
    are made singular ("MNCs" -> "mnc")."""
    low = word.lower()[:-2] if word.endswith(("'s", "’s")) else word.lower()
    return {_sing(k) for k in (low, *(p for p in re.split(r"[/&-]", low) if p))}


def _sing(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _is_name(word: str) -> bool:
    return any(c.isupper() for c in word) or "+" in word or "#" in word


def _inner_capital(word: str) -> bool:
    return any(c.isupper() for c in word[1:]) or (len(word) > 1 and word.isupper())


def _plain_word(word: str) -> bool:
    """A lower-case content word: the mark of a statement rather than a list of names."""
    low = word.lower()
    return word[0].islower() and low not in _CONNECTORS and low not in _FUNCTION and len(low) > 1


_YEARS = re.compile(r"\b(\d{1,2})\s*(?:[–-]\s*\d{1,2}|\+)\s*(?:years?|yrs?)\b", re.I)


def levels(text: str) -> frozenset[str]:
    """Career levels a text names, by word or by experience band ("0–2 years" is junior)."""
    found = {_LEVELS[w] for w in (t.lower() for t in _TOKEN.findall(text)) if w in _LEVELS}
    for m in _YEARS.finditer(text):
        low = int(m.group(1))
        found.add("junior" if low <= 2 else "mid" if low <= 5 else "senior")
    return frozenset(found)


def _relations(text: str) -> frozenset[str]:
    text = re.sub(r"\b(or|and)\s+(more|less|fewer|above|below)\b", " ", text, flags=re.I)  # "ten or more"
    words = [w.lower() for w in _TOKEN.findall(text)]
    found = {name for name, vocab in _RELATIONS.items() if any(w in vocab for w in words)}
    if re.search(r"\b(?!oth|rath|whe)\w+er\s+than\b", text, re.I) and "less" not in found:
        found.add("more")  # "faster than", "costlier than"
    if "n't" in text or "n’t" in text:
        found.add("not")
    return frozenset(found)


def _known(name: str, known: set[str], whole: str) -> bool:
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
    return [w for w in (t.lower() for t in _TOKEN.findall(text)) if w in _NUMBER_WORDS and w != "one"]


def _contradicted(clause: str, units: list[_Unit]) -> str | None:
    """The clause uses a word whose opposite the closest cited sentence uses instead."""
    words = {w.lower() for w in _TOKEN.findall(clause)}
    best = max(units, key=lambda u: len(words & set(u.words)), default=None)
    if best is None:
        return None
    for word in sorted(words):
        opposite = _OPPOSITE.get(word)
        if opposite and opposite & set(best.words) and not words & _OPPOSITE.get(next(iter(opposite)), frozenset()) & set(best.words):
            return f"says '{word}' where the cited passage says '{sorted(opposite & set(best.words))[0]}'"
    return None


def _holds(unit: _Unit, names: set[str], wanted: frozenset[str]) -> bool:
    """Whether the unit (with its headings) names all of `names` and the levels `wanted`."""
    return names <= unit.names | unit.context | set(unit.words) and wanted <= unit.levels


def _same_direction(clause: str, units: list[_Unit], relation: str) -> bool:
    """Whether the clause compares the way the cited sentences do.

    For "more", "less", "overtaken" and "not", the content words (5-letter stems) next to the
    relation must not swap sides, judged at the occurrence (in any cited sentence) that shares
    the most of them. For "the most" and "the least" order is free ("X is the most common" = "the
    most common is X"), but a thing a sentence ranks after the top ("..., followed by ML
    engineers") must not be given the top.
    """
    if relation in ("most", "least"):
        top, _ = _ranked(clause)
        return not any(top & (tail - u_top) for u_top, tail in (_ranked(u.text) for u in units))
    sides = _sides(clause, relation)
    if not sides:
        return True
    left, right = sides[0]
    if not (left | right):
        return True  # "the premium is 20-30%": the clause compares nothing it names
    best, best_shared = None, 0
    for unit in units:
        for u_left, u_right in _sides(unit.text, relation):
            shared = (left | right) & (u_left | u_right)
            if len(shared) > best_shared:
                best, best_shared = (u_left, u_right, shared), len(shared)
    if best is None:  # the passage relates other things: a negation must be of the same thing
        return relation != "not"
    u_left, u_right, shared = best
    return not (left & shared & (u_right - u_left)) and not (right & shared & (u_left - u_right))


def _superlative(clause: str, relation: str) -> str | None:
    """The stem of the word a clause's "most"/"least" qualifies ("most common" -> "commo"); None
    for a bare "the most" ("pays the most") or a one-word superlative ("the highest")."""
    words = [w.lower() for w in _TOKEN.findall(_without_figures(clause))]
    for i, word in enumerate(words):
        if word in ("most", "least") and word in _RELATIONS[relation]:
            after = next((w for w in words[i + 1:i + 4] if w not in _FUNCTION), "")
            return after[:5] or None
    return None


def _stems(text: str) -> list[str]:
    return [w[:5] if w not in _FUNCTION and w not in _UNITS else ""
            for w in (t.lower() for t in _TOKEN.findall(_without_figures(text)))]


def _ranked(text: str) -> tuple[set[str], set[str]]:
    """Stems before and after "followed by" (all before, none after, when there is none)."""
    lowered = text.lower()
    at = lowered.find("followed by")
    if at < 0:
        return {s for s in _stems(text) if s}, set()
    return {s for s in _stems(text[:at]) if s}, {s for s in _stems(text[at + 11:]) if s}


_WINDOW = 4  # content words on each side of a relation word that say what it relates


def _sides(text: str, relation: str) -> list[tuple[set[str], set[str]]]:
    """For each word of `relation` in `text`: the content stems just before and just after it
    (a passive "by" swaps them)."""
    words = [w.lower() for w in _TOKEN.findall(_without_figures(text))]
    vocab = _RELATIONS[relation] | (_RELATIONS["most"] if relation == "more" else
                                    _RELATIONS["least"] if relation == "less" else frozenset())
    stems = _stems(text)
    spots = [i for i, w in enumerate(words) if w in vocab] or [i for i, w in enumerate(words) if w == "than"]
    out = []
    for at in spots:
        before = [s for s in stems[:at] if s][-_WINDOW:]
        after = [s for s in stems[at + 1:] if s][:_WINDOW]
        left, right = set(before), set(after)
        if at + 1 < len(words) and words[at + 1] == "by":
            left, right = right, left
        out.append((left, right))
    return out


_MARGIN = 3  # words by which the closest part must beat the next before a figure is judged misplaced
_PART = re.compile(r"\s*(?:;|,?\s+(?:against|versus|vs\.?|compared with|while|whereas|but)\s+)\s*", re.I)


def _misattached(fig, clause: str, units: list[_Unit]) -> str | None:
    """A figure the cited sentence gives to another thing: "stayed ... 32%" against "switched
    ... 32%, against 9% for those who stayed". The part of a cited sentence that shares the most
    words with the clause must hold the figure, when that part holds figures at all."""
    own = next((p for p in _PART.split(clause) if fig.raw in p), clause)
    words = {s for s in _stems(own) if s}
    parts = [p for u in units for p in _PART.split(u.text) if p and extract_figures(p)]
    if len(parts) < 2:
        return None
    overlap = lambda p: len(words & {s for s in _stems(p) if s})  # noqa: E731
    scored = sorted(parts, key=overlap, reverse=True)
    best = scored[0]
    if overlap(best) < overlap(scored[1]) + _MARGIN:
        return None  # no part stands out clearly: nothing to say
    if figure_supported(fig, best) or not any(figure_supported(fig, p) for p in parts):
        return None
    return f"puts {fig.raw} with what the cited passage gives another figure"


def _key(text: str) -> str:
    return " ".join(w.lower() for w in _TOKEN.findall(text))
