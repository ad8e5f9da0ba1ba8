"""Find the headings of plain text by their shape, as a reader does without any markup.

A heading is a short line that does not end a sentence (no final full stop, comma or semicolon),
comes after the end of a sentence, a blank line or another heading, and is followed by body text
(a longer line, a sentence, a list). Kinds: numbered or sequenced lines ("1. Learn to ship models",
"Step 3: ...", "Month 5: ...", "Months 3-4: ..."), questions ("Do I need a GPU at home?"), names
after a lead-in ending with ':' ("Bangalore", "Hyderabad & Pune") and other short lines.
Levels: the title (a heading among the first lines) is 1, others 2; a run of numbered steps,
questions or names that starts straight under a heading (no body text between) or after a lead-in
ending with ':' sits one level below it.
Leaves out: headings given by markup (the readers) and cutting passages (chunking.py).
"""

from __future__ import annotations

import re

from .document import Heading
from .text import name_like

LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•▪–]|\d{1,2}[.)])[ \t]+\S")
_NUMBERED = re.compile(r"^\d{1,2}[.)][ \t]+\S")
_SEQUENCE = re.compile(
    r"^(?:step|month|week|day|phase|part|chapter|section|stage|module|lesson|year|quarter|level|round|unit|session|q[1-4])s?"
    r"[ \t]*\d*(?:[ \t]*(?:-|–|to|&|and)[ \t]*\d+)?[ \t]*[:.)–—-][ \t]*\S",
    re.I,
)
_DOTTED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?[ \t]+\S")  # "3.1 Fresher", "2.4.1 Limits"
_NUMBER = re.compile(r"^(?:(?:part|chapter|section|module|unit)[ \t]+)?(\d{1,2}(?:\.\d{1,2})*)\b", re.I)
# A byline or dateline under a title ("Compiled by the editors, May 2026", "Issue 41 · Friday 11 September 2026") is not a heading.
_BYLINE = re.compile(
    r"^(?:(?:compiled|written|edited|prepared|published|updated|last updated|reviewed|posted)\b.*\b(?:by|on)\b|by\s+[A-Z])"
    r"|[,·|–—]\s*(?:[a-z]+,?\s+)?(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}$",
    re.I,
)
# A turn of a transcript ("MODERATOR: What does that mean to you?", "PRIYA (Head of ML): ..."): speech, not a heading.
_SPEAKER = re.compile(r"^[A-Z][A-Z.'’-]{2,}(?: [A-Z][A-Z.'’-]+){0,2}(?: \([^)]{1,80}\))?:\s")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]$")
_FUNCTION_WORDS = {
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to",
    "vs", "with", "your", "you", "how", "what", "why", "where", "which", "who", "when", "do", "does",
}


def lines_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of `text`, without the newline."""
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _kind(line: str, first: bool) -> str | None:
    """What sort of heading `line` could be, judged from the line alone."""
    if not line or not (line[0].isupper() or line[0].isdigit()):
        return None
    limit_words, limit_chars = (20, 160) if first or line.endswith("?") else (14, 100)  # a question may run longer
    body = re.sub(r"^\d{1,2}[.)]\s+", "", line)  # "1. Learn ..." is one phrase, not two sentences
    if len(line) > limit_chars or len(line.split()) > limit_words or re.search(r"[.!?]\s+\S", body):
        return None
    if _BYLINE.search(line) or _SPEAKER.match(line) and not line.isupper():  # speech is not all capitals
        return None
    if (_SEQUENCE.match(line) or _DOTTED.match(line)) and line[-1] not in ".,;":
        return "sequence"
    if _NUMBERED.match(line):
        return "sequence" if line[-1] not in ".,;:!?" and len(line.split()) <= 10 else None
    if LIST_ITEM.match(line):
        return None
    if line.endswith("?"):
        return "question"
    if line[-1] in ".,;:!" or not re.search(r"[A-Za-z]", line):
        return None
    return "name" if name_like(line) else "shape"


def _body_after(line: str, nxt: str) -> bool:
    """Whether `nxt` reads as the text a heading `line` introduces (not the rest of its sentence)."""
    if nxt[:1].islower():
        return False
    return (
        len(nxt) >= max(40, 1.2 * len(line))
        or bool(_SENTENCE_END.search(nxt))
        or bool(LIST_ITEM.match(nxt))
        or bool(_SEQUENCE.match(nxt))
        or nxt.endswith("?")
    )


def looks_like_heading(line: str) -> bool:
    """A short title-case line without closing punctuation: "Where are the ML Jobs?"."""
    if not line or len(line) > 100 or LIST_ITEM.match(line) or line[-1] in ".,;:!" or not line[0].isupper() and not line[0].isdigit():
        return False
    words = re.findall(r"[A-Za-z][\w'’/-]*", line)
    if not words or len(line.split()) > 12:
        return False
    content = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitalised / len(content) >= 0.7


def detect_headings(text: str, lines: list[tuple[int, int]] | None = None) -> list[Heading]:
    """Headings of plain text, found by shape (see the module docstring).

    >>> t = "Guide\\nIntro text here.\\nA plan\\nStep 1: Pick a lane\\nDecide what you want.\\nStep 2: Build\\nBuild it.\\n"
    >>> [(t[h.start:h.end], h.level) for h in detect_headings(t)]
    [('Guide', 1), ('A plan', 2), ('Step 1: Pick a lane', 3), ('Step 2: Build', 3)]
    """
    lines = lines_of(text) if lines is None else lines
    filled = [(s, e) for s, e in lines if text[s:e].strip()]
    found: list[tuple[int, int, str, int]] = []  # start, end, kind, index in `filled`
    accepted: set[int] = set()
    for n, (s, e) in enumerate(filled):
        raw = text[s:e]
        line = raw.strip()
        if n + 1 >= len(filled):
            break  # a heading is followed by something
        nxt = text[filled[n + 1][0] : filled[n + 1][1]].strip()
        kind = _kind(line, first=n < 3 and not found)  # the title may be longer
        if kind is None:
            continue
        prev = text[filled[n - 1][0] : filled[n - 1][1]].strip() if n else ""
        after_break = (
            n == 0 or (n - 1) in accepted or bool(_SENTENCE_END.search(prev)) or bool(LIST_ITEM.match(prev))
            or text.count("\n", filled[n - 1][1], s) >= 2  # a blank line before it
        )
        if not after_break:
            continue
        title = n < 3 and not found
        if kind in ("shape", "name") and not (title or _body_after(line, nxt) or looks_like_heading(line) and not looks_like_heading(nxt)):
            continue
        if kind == "sequence" and _NUMBERED.match(line) and (LIST_ITEM.match(nxt) and _NUMBERED.match(nxt) or _NUMBERED.match(prev) and (n - 1) not in accepted):
            continue  # an item of a numbered list, not a numbered heading
        if kind == "question" and nxt.endswith("?") and not _body_after(line, nxt):
            continue
        lead = s + len(raw) - len(raw.lstrip())
        found.append((lead, lead + len(line), kind, n))
        accepted.add(n)
    return _levels(text, filled, found)


def _levels(text: str, filled, found: list[tuple[int, int, str, int]]) -> list[Heading]:
    headings: list[Heading] = []
    run: tuple[str, int] | None = None  # (kind, level) of the run of steps, questions or names under way
    last_n = -2
    numbers: list[tuple[str, int]] = []  # (number, level) of the numbered headings so far: "3" of "Part 3"
    for start, end, kind, n in found:
        prev_line = text[filled[n - 1][0] : filled[n - 1][1]].strip() if n else ""
        number = _NUMBER.match(text[start:end]) if kind == "sequence" else None
        parent = number and "." in number[1] and next((lv for num, lv in reversed(numbers) if num == number[1].rsplit(".", 1)[0]), None)
        if parent:
            level = min(parent + 1, 6)  # "3.1" sits under "Part 3" or "3.", whatever came between
        elif not headings and n < 3:
            level, run = 1, None
        elif kind in ("sequence", "question", "name") and headings and (last_n == n - 1 or prev_line.endswith(":")):
            level = min(headings[-1].level + 1, 6)  # a run opening straight under a heading, or after a lead-in
            run = (kind, level) if last_n != n - 1 or not run or run[0] != kind else run
            level = run[1]
        elif run and kind == run[0]:
            level = run[1]  # a sibling in the run
        else:
            level = 2
            run = (kind, 2) if kind in ("sequence", "question") else None
        if number:
            numbers.append((number[1], level))
        headings.append(Heading(level, start, end))
        last_n = n
    return headings
