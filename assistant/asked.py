"""The named things a question asks about, read three ways that hold for any document.

- from general lists (names.py): places, employers, job titles, years, numbered steps;
- from the passages themselves: a word the top passages write as a name, capitalised inside a
  sentence and never in lower case ("Mandala Mobility"), even when the user types it in lower case;
- from the question alone: capitalised words inside it that no document and no common word knows
  ("Dhruva Payments"): names the documents don't hold.
Leaves out: whether the passages hold them (evidence.py) and what a missing one means (relevance.py).
"""

from __future__ import annotations

import re

from .lexicon import STOPWORDS, SYNONYMS
from .names import find_names, mentions


def asked_names(question: str, terms, hits, common_words=frozenset()) -> list[tuple[str, str, str]]:
    """(kind, canonical, as written) for every named thing `question` asks about, general lists first."""
    # A near-spelling of a name that is itself a common word is that word ("linked" is not LinkedIn).
    asked = [n for n in find_names(question) if not (n[2].lower() in common_words and not mentions(n[1], n[2]))]
    for extra in (unknown_names(question, terms, common_words), corpus_names(question, hits, common_words)):
        asked += [n for n in extra if not any(n[1] in a[1] or a[1] in n[1] for a in asked)]
    return asked


def unknown_names(question: str, terms, common_words=frozenset()) -> list[tuple[str, str, str]]:
    """Capitalised words inside a question that no document uses and that are no common word:
    names the documents don't know ("Dhruva Payments", "Orbitstack"), grouped when adjacent.

    >>> class T: known = staticmethod(lambda w, spelling=True: "pune" if w == "pune" else None)
    >>> unknown_names("What does Dhruva Payments pay in Pune?", T(), frozenset({"what", "does", "pay", "in"}))
    [('name', 'dhruva payments', 'Dhruva Payments')]
    """
    found, run = [], []
    words = list(re.finditer(r"[A-Za-z][\w&.+-]*[\w+]|[A-Z]", question))
    for i, m in enumerate(words):
        word = m.group(0)
        at_start = i == 0 or question[: m.start()].rstrip()[-1:] in ".?!:"
        lower = word.lower()
        capital = word[0].isupper() and not at_start and lower not in STOPWORDS and len(word) > 1
        # A capitalised word is read as written: "Netra" is a name, not a misspelt "extra".
        unknown = terms.known(lower, spelling=False) is None and lower not in common_words and lower not in SYNONYMS
        if capital and (unknown or run):
            run.append((word, unknown))
            continue
        _close_run(run, found)
        run = []
    _close_run(run, found)
    return found


def corpus_names(question: str, hits, common_words=frozenset()) -> list[tuple[str, str, str]]:
    """Words of the question (any case) that the top passages write as names: capitalised inside a
    sentence ("at Mandala Mobility", "in Chennai") and never in lower case.

    >>> from types import SimpleNamespace as NS
    >>> hit = NS(passage=NS(text="Openings at Mandala Mobility in Chennai. Python is king.", title="", section=""))
    >>> corpus_names("how many openings does mandala mobility have in pune", [hit])
    [('name', 'mandala', 'mandala'), ('name', 'mobility', 'mobility')]
    """
    text = " ".join(h.passage.text for h in hits)
    proper = {m.group(1).lower() for m in re.finditer(r"(?<=[a-z0-9,;:|(] )([A-Z][\w&+-]*[a-z][\w&+-]*)", text)}
    proper -= set(re.findall(r"(?<![\w&+-])([a-z][\w&+-]*)", text))  # written in lower case too: a plain word
    found = []
    for m in re.finditer(r"[\w&+-]+", question):
        word = m.group(0).lower()
        typed_as_name = m.group(0)[0].isupper() and m.start() > 0
        if word in proper and word not in STOPWORDS and len(word) > 2 and (typed_as_name or word not in common_words):
            found.append(("name", word, m.group(0)))
    return found


def _close_run(run, found):
    if run and any(unknown for _, unknown in run):
        written = " ".join(w for w, _ in run)
        found.append(("name", written.lower(), written))
