"""Who says a line, and whether the question asks about that person.

In a transcript a line is said by the speaker of its turn ("PRIYA: About 600 applications…"), who
is introduced once ("PRIYA (Head of ML, a fintech)"); in a forum thread or comments a line is
written by the author its section names ("Reply by priya_k", "Original post by rahul_m"). A
question that names the person ("how many applications did priya send?") or describes a speaker
("what red flag did the fintech panelist mention?") is answered by that person's lines first.
The patterns are those of transcripts and threads in general, never one document's wording.
Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re

from .lexicon import STOPWORDS
from .text import stem, tokens

# A turn of a transcript: "PRIYA:" or, where the speaker is introduced, "PRIYA (Head of ML, a fintech):".
TURN = re.compile(r"^[ \t]*([A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,2})[ \t]*(\(([^()\n]{3,100})\))?[ \t]*:", re.M)
_AUTHOR = re.compile(r"\b(?:(?:reply|post|comment|answer|message|response)(?:ed)?|posted|written|asked|answered)\s+by\s+@?([\w.-]+)\s*$", re.I)
_INTRODUCED = re.compile(r"([A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,2}) \(([^()]+)\)")


def voice(passage, start: int) -> tuple[str, str]:
    """(name, description) of who says the passage's text at `start`: the turn in force there, else
    the author its section names; ("", "") when neither is known.

    >>> from types import SimpleNamespace as P
    >>> p = P(text="PRIYA: We get 600.\\nARJUN: Same here.", section="Part 2", speakers="PRIYA (Head of ML, a fintech); ARJUN (Director, a GCC)")
    >>> voice(p, 25), voice(P(text="I sent 23 applications.", section="Thread > Reply by priya_k", speakers=""), 0)
    (('ARJUN', 'Director, a GCC'), ('priya_k', ''))
    """
    turns = [m for m in TURN.finditer(passage.text) if m.start() <= start]
    if turns:
        name = turns[-1].group(1)
        described = dict(_INTRODUCED.findall(passage.speakers or ""))
        return name, described.get(name, "")
    last = passage.section.rsplit(" > ", 1)[-1] if passage.section else ""
    m = _AUTHOR.search(last)
    return (m.group(1), "") if m else ("", "")


def asks_about(question: str, name: str, description: str, others: str = "") -> bool:
    """Does the question name this person, or describe them by a word no other speaker's description has?

    >>> asks_about("how many applications did priya send?", "priya_k", "")
    True
    >>> asks_about("what red flag did the fintech panelist mention?", "PRIYA", "Head of ML, a fintech", "Director, a retail GCC")
    True
    >>> asks_about("what red flag did the fintech panelist mention?", "ARJUN", "Director, a retail GCC", "Head of ML, a fintech")
    False
    """
    if not name:
        return False
    asked = {stem(w) for w in tokens(question) if len(w) >= 3 and w not in STOPWORDS}
    names = {stem(w) for w in re.split(r"[\W_]+", name.lower()) if len(w) >= 3}
    if asked & names:
        return True
    shared = {stem(w) for w in tokens(others)}
    own = {stem(w) for w in tokens(description) if len(w) >= 4 and w not in STOPWORDS} - shared
    return bool(asked & own)


def said_by_asked(question: str, passage, start: int) -> bool:
    """Is the line at `start` of `passage` said or written by the person `question` names or describes?"""
    name, described = voice(passage, start)
    if not name:
        return False
    others = "; ".join(d for n, d in _INTRODUCED.findall(passage.speakers or "") if n != name)
    return asks_about(question, name, described, others)


def voices_of(passage) -> set[str]:
    """The name words of everyone who says or writes something in `passage` ("priya_k" -> {"priya"}).

    >>> from types import SimpleNamespace as P
    >>> sorted(voices_of(P(text="PRIYA: Yes.\\nARJUN DAS: No.", section="Part 2", speakers="")))
    ['arjun', 'das', 'priya']
    """
    names = [m.group(1) for m in TURN.finditer(passage.text)]
    last = passage.section.rsplit(" > ", 1)[-1] if passage.section else ""
    author = _AUTHOR.search(last)
    names += [author.group(1)] if author else []
    return {w for n in names for w in re.split(r"[\W_]+", n.lower()) if len(w) >= 3 and w not in STOPWORDS}
