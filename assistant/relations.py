"""Relations a sentence states, and whether a cited sentence states them the same way round.

Relations are superlatives ("the most", "the highest"), comparisons ("more than", "a premium
over"), "overtaken", "only", "all", trends ("increasingly") and negation, plus pairs of
opposite words ("includes" / "excludes"). `agreement.py` asks these questions of each clause
against the cited sentences that hold its names; this module knows words, not passages. The
word lists are English, not any document's wording. Pure string logic, no heavy imports.

    >>> sorted(relations("PyTorch has largely overtaken TensorFlow"))
    ['overtake']
    >>> sorted(relations("faster than a backend engineer, but not always"))
    ['all', 'more', 'not']
"""

from __future__ import annotations

import re

from .wording import FUNCTION, TOKEN, content_stems, stems, without_figures

# Relation classes. Directed ones compare two things, so the order of the names around them counts.
RELATIONS: dict[str, frozenset[str]] = {
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
_QUANTIFIER = re.compile(r"(^\W*|\b(?:in|for|at|on|with|from|by|to|across|among)\s+)most\b(?=\s+(?!of\b)[a-z])"
                         r"|()\bmost(?=\s+of\b)", re.I)
_MAJORITY = re.compile(r"\b(?:mostly|majority|more than half)\b", re.I)  # and a quantifying "most"
DIRECTED = frozenset({"more", "less", "overtake", "most", "least", "not"})
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
# Values of which a thing has one: a role is remote, hybrid or on-site, not two of them.
_EXCLUSIVE = [frozenset({"remote"}), frozenset({"hybrid"}), frozenset({"on-site", "onsite", "in-office"})]
for _group in _EXCLUSIVE:
    for _word in _group:
        _OPPOSITE[_word] = frozenset().union(*(g for g in _EXCLUSIVE if g is not _group))
# Words that deny what follows them; "rarely" too: "product companies rarely look at them".
DENY = RELATIONS["not"] | frozenset("rarely seldom hardly nobody nothing".split())
_CUTS = re.compile(r"[,;:]\s+|\s+(?:but|while|whereas)\s+")  # parts of a sentence a negation governs
_WINDOW = 4  # content words on each side of a relation word that say what it relates


def relations(text: str) -> frozenset[str]:
    """The relation classes a text states."""
    text = re.sub(r"\b(or|and)\s+(more|less|fewer|above|below)\b", " ", text, flags=re.I)  # "ten or more"
    majority = bool(_QUANTIFIER.search(text) or _MAJORITY.search(text))
    text = _QUANTIFIER.sub(lambda m: m.group(1) or " ", text)  # "in most companies", "most of the engineers": not "the most"
    words = [w.lower() for w in TOKEN.findall(text)]
    found = {name for name, vocab in RELATIONS.items() if any(w in vocab for w in words)}
    if majority:
        found.add("majority")
    if re.search(r"\b(?!oth|rath|whe)\w+er\s+than\b", text, re.I) and "less" not in found:
        found.add("more")  # "faster than", "costlier than"
    if "n't" in text or "n’t" in text:
        found.add("not")
    return frozenset(found)


def contradicted(clause: str, candidates: list[tuple[str, ...]]) -> str | None:
    """The clause uses a word whose opposite the closest cited sentence (its words) uses instead."""
    words = {w.lower() for w in TOKEN.findall(clause)}
    best = max(candidates, key=lambda ws: len(words & set(ws)), default=None)
    if best is None:
        return None
    best_words = set(best)
    for word in sorted(words):
        opposite = _OPPOSITE.get(word)
        if opposite and opposite & best_words and not words & _OPPOSITE.get(next(iter(opposite)), frozenset()) & best_words:
            return f"says '{word}' where the cited passage says '{sorted(opposite & best_words)[0]}'"
    return None


def dropped_negation(clause: str, texts: list[str]) -> str | None:
    """The part of a cited sentence closest to the clause denies what the clause asserts: it has
    a "not" (or "never", "rarely", ...) before words the clause repeats, and the clause has none.

    >>> dropped_negation("You need a job title to get MLOps experience",
    ...                  ["You do not need a job title to get MLOps experience."])
    "drops the cited sentence's 'not'"
    >>> dropped_negation("Companies want engineers who can deploy", ["Companies want engineers who can deploy, not just train."]) is None
    True
    """
    words = [w.lower() for w in TOKEN.findall(clause)]
    if any(w in DENY or w.endswith(("n't", "n’t")) for w in words):
        return None
    claim = content_stems(clause)
    if not claim or not texts:
        return None
    parts = [p for t in texts for p in _CUTS.split(t) if p.strip()]
    best = max(parts, key=lambda t: len(claim & content_stems(t)))
    if 2 * len(claim & content_stems(best)) < len(claim):
        return None  # no cited sentence is close enough to be the one the clause restates
    tokens = TOKEN.findall(without_figures(best))
    for i, word in enumerate(tokens):
        low = word.lower()
        if low in DENY or low.endswith(("n't", "n’t")):
            denied = [s for s in (next(iter(content_stems(t)), "") for t in tokens[i + 1:i + 8]) if s][:3]
            if denied and len(claim & set(denied)) >= min(2, len(denied)):
                return f"drops the cited sentence's '{low}'"
    return None


def same_direction(clause: str, texts: list[str], relation: str) -> bool:
    """Whether the clause compares the way the cited sentences `texts` do.

    For "more", "less", "overtaken" and "not", the content words (5-letter stems) next to the
    relation must not swap sides, judged at the occurrence (in any cited sentence) that shares
    the most of them. For "the most" and "the least" order is free ("X is the most common" = "the
    most common is X"), but a thing a sentence ranks after the top ("..., followed by ML
    engineers") must not be given the top.

    >>> same_direction("TensorFlow has overtaken PyTorch", ["PyTorch has overtaken TensorFlow"], "overtake")
    False
    """
    if relation in ("most", "least"):
        top, _ = _ranked(clause)
        return not any(top & (tail - u_top) for u_top, tail in (_ranked(t) for t in texts))
    sides = _sides(clause, relation)
    if not sides:
        return True
    left, right = sides[0]
    if not (left | right):
        return True  # "the premium is 20-30%": the clause compares nothing it names
    best, best_shared = None, 0
    for text in texts:
        for u_left, u_right in _sides(text, relation):
            shared = (left | right) & (u_left | u_right)
            if len(shared) > best_shared:
                best, best_shared = (u_left, u_right, shared), len(shared)
    if best is None:  # the passage relates other things: a negation must be of the same thing
        return relation != "not"
    u_left, u_right, shared = best
    return not (left & shared & (u_right - u_left)) and not (right & shared & (u_left - u_right))


def superlative(clause: str, relation: str) -> str | None:
    """The stem of the word a clause's "most"/"least" qualifies ("most common" -> "commo"); None
    for a bare "the most" ("pays the most") or a one-word superlative ("the highest")."""
    words = [w.lower() for w in TOKEN.findall(without_figures(clause))]
    for i, word in enumerate(words):
        if word in ("most", "least") and word in RELATIONS[relation]:
            after = next((w for w in words[i + 1:i + 4] if w not in FUNCTION), "")
            return after[:5] or None
    return None


def _ranked(text: str) -> tuple[set[str], set[str]]:
    """Stems before and after "followed by" (all before, none after, when there is none)."""
    lowered = text.lower()
    at = lowered.find("followed by")
    if at < 0:
        return {s for s in stems(text) if s}, set()
    return {s for s in stems(text[:at]) if s}, {s for s in stems(text[at + 11:]) if s}


def _sides(text: str, relation: str) -> list[tuple[set[str], set[str]]]:
    """For each word of `relation` in `text`: the content stems just before and just after it
    (a passive "by" swaps them)."""
    words = [w.lower() for w in TOKEN.findall(without_figures(text))]
    vocab = RELATIONS[relation] | (RELATIONS["most"] if relation == "more" else
                                   RELATIONS["least"] if relation == "less" else frozenset())
    stemmed = stems(text)
    spots = [i for i, w in enumerate(words) if w in vocab] or [i for i, w in enumerate(words) if w == "than"]
    out = []
    for at in spots:
        before = [s for s in stemmed[:at] if s][-_WINDOW:]
        after = [s for s in stemmed[at + 1:] if s][:_WINDOW]
        left, right = set(before), set(after)
        if at + 1 < len(words) and words[at + 1] == "by":
            left, right = right, left
        out.append((left, right))
    return out
