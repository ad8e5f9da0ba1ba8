"""Read an LLM's reply: cut it at a stop sequence, tidy its citation markers, spot a decline.

    streamed pieces -> until_stop (nothing of a stop sequence shown) -> cite_sources ("[faq.md]"
    -> "[2]" when one passage sent is from faq.md) -> tidy_markers ("[Passage 2]" -> "[2]") ->
    carry_markers (a line's one marker lent to its uncited sentences) -> expand_names ("Deel,
    Remote [1]." -> the sentence of [1] naming both) -> without_declines (the fixed "not
    answered" phrase and its rewordings taken out)

Checking what the reply claims is grounding.py's; building the prompt is prompting.py's.
Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .claims import claim_problem
from .figures import extract_figures, unsupported_figures
from .grounding import markers, split_sentences, strip_markers, verify
from .relations import relations
from .schema import Passage
from .wording import FUNCTION, LIST_PREFIX, TOKEN, content_stems

__all__ = ["STOP", "carry_markers", "cite_sources", "expand_names", "is_decline", "requote", "tidy_markers", "unframe", "until_stop",
           "without_declines"]

# Where a reply has gone past its answer: the model starts another passage or turn of its own.
STOP = ("</passages>", "<passage", "\nQuestion:", "### user", "<|im_end|>", "<|endoftext|>")
# The fixed phrase, and the ways a small model rephrases it ("The passages do not mention ...").
_DECLINE = re.compile(
    r"^\W*(the |these )?(passages?|documents?|context|sources?|text)\s+(provided\s+)?"
    r"(do|does|did)\s*(not|n['’]t)\s+(answer|cover|say|mention|contain|provide|include|specify|state)",
    re.I)
# "... are not mentioned in the passages.", "... is not stated in the provided passages."
_DECLINE_AFTER = re.compile(
    r"\b(?:is|are|was|were)\s+not\s+(?:mentioned|stated|given|provided|specified|listed|covered|found)\s+"
    r"(?:in|by)\s+(?:any of\s+)?(?:the\s+)?(?:provided\s+|given\s+)?(?:passages?|documents?|context|sources?|text)\W*$",
    re.I)
# "According to passage [2], ..." / "The passage in [1] states that ...": a frame around the claim.
# The passage may be named by a bare number too: "The passage in passage 1 states that ...".
_NAMED = r"(?:(?:(?:passages?|sources?)\s+)?(?P<{0}>\d{{1,3}})\s*)?(?P<{1}>(?:\[\d{{1,3}}\])*)"
_FRAME = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s)|(?<=\n))\s*(?:according to (?:the )?(?:passages?|sources?)\s*" + _NAMED.format("n1", "m1")
    + r"\s*,\s*|the (?:passages?|sources?)(?: in)?\s*" + _NAMED.format("n2", "m2")
    + r"\s*(?:states?|says?|mentions?|notes?|shows?)(?: that)?\s+)",
    re.I)
_STRAY = [  # marker spellings small models use, rewritten to [n] before verification
    (re.compile(r"\[\s*(?:passage|source|doc(?:ument)?)\s*(\d{1,3})\s*\]", re.I), r"[\1]"),
    (re.compile(r"【\s*(\d{1,3})\s*】"), r"[\1]"),
    (re.compile(r"\[\^(\d{1,3})\]"), r"[\1]"),
    (re.compile(r"\[(\d{1,2})\s*[-–]\s*(\d{1,2})\]"),
     lambda m: "".join(f"[{n}]" for n in range(int(m[1]), int(m[2]) + 1)) if int(m[1]) <= int(m[2]) <= int(m[1]) + 5 else ""),
    (re.compile(r"\[\s*(?:n|\d*[^\d\],\s][^\]]{0,20})?\s*\]"), ""),  # "[n]", "[]", "[source]"
]


def until_stop(pieces: Iterator[str], stop: tuple[str, ...]) -> Iterator[str]:
    """The pieces up to the first stop sequence; the source is closed there.

    A tail that could be the start of a stop sequence is held back until it is decided, so
    no part of a stop sequence is ever shown:

    >>> list(until_stop(iter(["Pay is high [1].", "\\nQues", "tion: more"]), ("\\nQuestion:",)))
    ['Pay is high [1].']
    """
    buffer = ""
    try:
        for piece in pieces:
            buffer += piece
            cuts = [buffer.find(s) for s in stop if s in buffer]
            if cuts:
                if buffer[: min(cuts)]:
                    yield buffer[: min(cuts)]
                return
            hold = max((k for s in stop for k in range(1, len(s)) if buffer.endswith(s[:k])),
                       default=0)
            if len(buffer) > hold:
                yield buffer[: len(buffer) - hold]
                buffer = buffer[len(buffer) - hold:]
        if buffer:
            yield buffer
    finally:
        getattr(pieces, "close", lambda: None)()  # stops a local model or closes the connection


# A marker that names a document instead of a number: "[campus-faq.md]", "[Source: survey.html]".
_NAMED_SOURCE = re.compile(r"[\[(]\s*(?:(?:source|document|file|from)\s*:?\s*)?[`'\"“]?([\w .-]{3,120}?)[`'\"”]?\s*[\])]", re.I)


def cite_sources(text: str, sources: list[str]) -> str:
    """Rewrite a marker that names a passage's document to the markers of the passages sent from
    that document; other markers are left to tidy_markers.

    Sent passage n comes from sources[n-1]; the name may lack its extension. With several
    passages of that document the sentence cites them all, and each of its clauses must still
    be backed by one statement of one of them (anchoring.py):

    >>> cite_sources("Tier 1 median is 18.5 LPA [campus-faq.md]. Pay [Source: survey].", ["survey.html", "campus-faq.md"])
    'Tier 1 median is 18.5 LPA [2]. Pay [1].'
    >>> cite_sources("Pay is 9 LPA [survey.html].", ["survey.html", "faq.md", "survey.html"])
    'Pay is 9 LPA [1][3].'
    """
    names: dict[str, set[int]] = {}
    for n, source in enumerate(sources, start=1):
        base = source.rsplit("/", 1)[-1].lower()
        for name in {base, base.rsplit(".", 1)[0]}:
            names.setdefault(name, set()).add(n)

    def repl(m: re.Match) -> str:
        found = names.get(m[1].strip().lower(), set())
        return "".join(f"[{n}]" for n in sorted(found)) if found else m[0]

    return _NAMED_SOURCE.sub(repl, text) if names else text


def tidy_markers(text: str) -> str:
    """Rewrite the marker spellings small models use to [n]; drop markers with no number.

    >>> tidy_markers("Python is king [Passage 2]. Docker [1-2] matters [n].")
    'Python is king [2]. Docker [1][2] matters .'
    """
    for pattern, replacement in _STRAY:
        text = pattern.sub(replacement, text)
    return text


def unframe(text: str) -> str:
    """Take "According to passage [2], ..." or "The passage [1] states that ..." off a claim,
    its markers moved to the sentence's end, so the claim is checked and shown as a claim.

    >>> unframe("The passage in [1] states that Kubernetes was asked for in 72% of postings.")
    'Kubernetes was asked for in 72% of postings [1].'
    >>> unframe("The passage in passage 1 states that ML engineers command a premium [1].")
    'ML engineers command a premium [1].'
    """
    out, at = [], 0
    for m in _FRAME.finditer(text):
        tags = "".join(f"[{n}]" for n in (m["n1"], m["n2"]) if n) + (m["m1"] or "") + (m["m2"] or "")
        rest = text[m.end():]
        end = re.search(r"[.!?](?=\s|$)|\n|$", rest)
        claim = rest[: end.start()]
        out.append(text[at:m.start()] + (m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip())]))
        out.append(claim[:1].upper() + claim[1:] + (f" {tags}" if tags and not markers(claim) else ""))
        at = m.end() + end.start()
    out.append(text[at:])
    return "".join(out)


def carry_markers(text: str) -> str:
    """Give a sentence with no marker the markers of the next cited sentence on its line.

    Small models often cite once at the end of a two-sentence answer; the borrowed marker is
    then checked like any other, so a sentence its passage doesn't support is still dropped:

    >>> carry_markers("Take the AWS exam. Plan six weeks for it [1].\\nNo source here.")
    'Take the AWS exam [1]. Plan six weeks for it [1].\\nNo source here.'
    """
    lines = []
    for line in text.split("\n"):
        units = [s for _, s in split_sentences(line)]
        if not units or all(markers(u) for u in units) or not any(markers(u) for u in units):
            lines.append(line)
            continue
        prefix = line[: len(line) - len(line.lstrip())]
        out = []
        for i, unit in enumerate(units):
            if not markers(unit):
                later = next((markers(u) for u in units[i + 1:] if markers(u)), None)
                if later:
                    tags = "".join(f"[{n}]" for n in later)
                    body = unit.rstrip()
                    end = len(body.rstrip(".!?;:"))
                    unit = f"{body[:end]} {tags}{body[end:]}"
            out.append(unit)
        lines.append(prefix + " ".join(out))
    return "\n".join(lines)


def expand_names(text: str, passages: list[Passage]) -> str:
    """Replace a bare list of names ("Deel, Remote, Multiplier [1].") by the one sentence of the
    passages it cites that names them all, quoted with its marker; else leave it (the verifier
    drops it: names alone state nothing).

    Asked "which EOR providers?", the small model often answers with the names alone; the
    sentence that holds them says what they are, in the passage's words:

    >>> p = [Passage("p", "The second route is an EOR such as Deel or Remote. Fees are paid by the company.", "r.pdf")]
    >>> expand_names("Deel, Remote [1].", p)
    'The second route is an EOR such as Deel or Remote [1].'
    """
    out = []
    for line in text.split("\n"):
        units = []
        for _, sentence in split_sentences(line):
            cited = [n for n in markers(sentence) if 1 <= n <= len(passages)]
            plain = strip_markers(sentence)
            if cited and claim_problem(plain, []) == "not a claim: names without a statement":
                sentence = _naming_sentence(plain, cited, passages) or sentence
            units.append(sentence)
        out.append(" ".join(units) if units else line)
    return "\n".join(out)


def _naming_sentence(plain: str, cited: list[int], passages: list[Passage]) -> str | None:
    """The one statement of the cited passages that names every name of `plain`, with its marker."""
    names = {w.lower() for w in TOKEN.findall(plain) if w.lower() not in FUNCTION}
    if not names:
        return None
    found = []
    for n in dict.fromkeys(cited):
        for _, statement in split_sentences(passages[n - 1].text):
            statement = LIST_PREFIX.sub("", statement).strip()
            words = {w.lower() for w in TOKEN.findall(statement)}
            if names <= words and not statement.endswith("?") and claim_problem(statement, []) is None:
                found.append((n, statement))
    if len(found) != 1:
        return None
    n, statement = found[0]
    body = statement.rstrip()
    end = len(body.rstrip(".!?;:"))
    return f"{body[:end]} [{n}]{body[end:] or '.'}"


def requote(text: str, passages: list[Passage], question: str) -> str:
    """Replace a sentence the verifier would drop, whose words its cited passage lacks are the
    question's own, by the cells of the one table row of that passage holding its figures and
    names, when one of them is under a column the question asks for.

    The small model often wraps a cell's value in the question's words ("The whole thing takes
    in total 5–6 hours [1]" for "how long does the whole thing take in total?"): the words are
    the question's, the fact is the row's. The row's first cell and those cells are then quoted
    as the passage writes them, and verified like any sentence. Not prose: there the question's
    words may be the very claim ("46% of respondents were women [1]" over "Product companies
    accounted for 46% of respondents"):

    >>> p = [Passage("p", "Company type: GCC | Rounds: 4–5 rounds | Typical total duration: 5–6 hours", "h.md")]
    >>> requote("The whole thing takes in total 5–6 hours [1].", p, "How long does the whole thing take in total?")
    'Company type: GCC | Typical total duration: 5–6 hours [1].'
    >>> requote("The whole thing takes 5–6 hours [1].", p, "How long is it?")  # 'whole thing' is no one's
    'The whole thing takes 5–6 hours [1].'
    """
    asked = content_stems(question)
    out = []
    for line in text.split("\n"):
        units = []
        for _, sentence in split_sentences(line):
            cited = [n for n in markers(sentence) if 1 <= n <= len(passages)]
            if cited and verify(sentence, passages, question)[2]["kept"] == 0:
                sentence = _statement_for(sentence, cited, passages, question, asked) or sentence
            units.append(sentence)
        out.append(" ".join(units) if units else line)
    return "\n".join(out)


def _statement_for(sentence: str, cited: list[int], passages: list[Passage], question: str,
                   asked: set[str]) -> str | None:
    plain = strip_markers(sentence)
    tokens = TOKEN.findall(plain)
    names = {w.lower() for i, w in enumerate(tokens) if any(c.isupper() for c in w[i == 0:])}
    figures = extract_figures(plain)
    if not figures and not names:
        return None  # nothing of the passage's to look for
    if not names and claim_problem(sentence, []):
        return None  # a bare figure ("9.3% [1]"): which cell it is was the model's guess
    found = []
    for n in dict.fromkeys(cited):
        for _, statement in split_sentences(passages[n - 1].text):
            statement = LIST_PREFIX.sub("", statement).strip()
            words = {w.lower() for w in TOKEN.findall(statement)}
            if names <= words and not unsupported_figures(plain, [statement]) \
                    and content_stems(plain) - content_stems(statement) <= asked:
                found.append((n, statement))
    if len(found) != 1:
        return None
    n, statement = found[0]
    if " | " not in statement:
        return None  # prose: the question's words may be the claim ("46% of respondents were women")
    if _compares(plain, statement):
        return None  # "the shortest notice period" for "which ... the shortest?": the choice is the claim
    # a table row: its first cell and the cells holding the sentence's facts, one of them under a
    # column the question asks for ("Typical total duration" for "how long ... in total?")
    first, *cells = statement.split(" | ")
    own = {w.lower() for w in TOKEN.findall(first)}
    held = [c for c in cells if (extract_figures(c) and not unsupported_figures(c, [plain]))
            or names & ({w.lower() for w in TOKEN.findall(c)} - own)]
    if not any(content_stems(c.partition(": ")[0]) & asked for c in held):
        return None
    statement = " | ".join([first, *held])
    body = statement.rstrip()
    end = len(body.rstrip(".!?;:"))
    quoted = f"{body[:end]} [{n}]{body[end:] or '.'}"
    return quoted if verify(quoted, passages, question)[2]["kept"] else None


# English words ending in "-est" that are no superlative; any other ("shortest", "cheapest") is one
_NOT_SUPERLATIVE = frozenset("interest interests request suggest invest contest protest digest harvest "
                             "forest honest modest manifest arrest".split())


def _compares(sentence: str, statement: str) -> bool:
    """Whether `sentence` ranks or compares things ("the shortest", "the most", "higher than") in
    words `statement` lacks: quoting the one row it cites would keep the pick and lose the reason.

    >>> _compares("Product companies have the shortest notice period, 60 days.", "Product company: 60 days")
    True
    >>> _compares("The suggested interest is 8%.", "Interest: 8%"), _compares("GCCs take 5-6 hours.", "GCC: 5-6 hours")
    (False, False)
    """
    said = {w.lower() for w in TOKEN.findall(statement)}
    words = {w.lower() for w in TOKEN.findall(sentence)} - said
    superlative = any(len(w) > 5 and w.endswith("est") and w not in _NOT_SUPERLATIVE for w in words)
    return superlative or bool(relations(" ".join(words)) - {"not"})


def is_decline(sentence: str) -> bool:
    """Whether a sentence says the passages don't answer (the fixed phrase or a rewording).

    >>> is_decline("The passages do not mention Swiggy."), is_decline("Startups that do this are not mentioned in the passages.")
    (True, True)
    >>> is_decline("Relocation is not mentioned in the offer letter, so ask for it.")
    False
    """
    plain = strip_markers(sentence)
    return bool(_DECLINE.search(plain) or _DECLINE_AFTER.search(plain))


def without_declines(text: str) -> tuple[str, bool]:
    """The text without sentences that decline to answer, and whether there were any."""
    kept_lines, declined = [], False
    units = split_sentences(text)
    for line_no in sorted({n for n, _ in units}):
        parts = []
        for n, sentence in units:
            if n != line_no:
                continue
            if is_decline(sentence):
                declined = True
            else:
                parts.append(sentence)
        if parts:
            kept_lines.append(" ".join(parts))
    return "\n".join(kept_lines), declined
