"""Is each figure of a claim bound to the thing its cited sentence binds it to?

`grounding.verify` already drops a figure no cited passage holds, and `agreement.py` a figure
set beside the wrong name or level. This module catches a figure the passage does hold but
gives to something else, in the two ways that string logic can see without guessing:

- `misattached`: the part of a cited sentence that matches the claim best holds other figures,
  not this one ("stayed ... 32%" against "switched ... 32%, against 9% for those who stayed");
- `swapped`: the word the claim puts after a figure is the word the cited sentence puts after
  another figure, and never after this one ("of the 19 switchers, 31 moved" against "of the 31
  switchers, 19 moved").

- `replaced_subject`: the claim repeats what one part of a cited sentence says but of another
  subject: one taken from elsewhere in the passage ("those who stayed ... reported a median
  hike of 32%"), or one the part never names ("working professionals can aim for 25 to 30
  hours" against "students and people between jobs can aim for 25 to 30 hours").

It reads words and figures only; the names and levels are `agreement.py`'s. Pure string logic.
"""

from __future__ import annotations

import re

from .figures import extract_figures, figure_supported
from .wording import FUNCTION, LEVEL_WORDS, TOKEN, UNITS, sing, stems, without_figures

_MARGIN = 3  # words by which the closest part must beat the next before a figure is judged misplaced
_CELL_MARGIN = 2  # the same for the cells of one table row, which share their first cell
# "but" parts only when a new subject follows it: "..., but more slowly, at 15% to 20% a year"
# goes on with the same one.
BUT_TURNS = (r"but(?=\s+(?:[A-Z]|(?:the|a|an|its|their|this|these|those|it|they|we|you|he|she|most|many|some"
             r"|few)\b))")
_PART = re.compile(r"\s*(?:;|,?\s+(?:[Aa]gainst|versus|vs\.?|compared with|[Ww]hile|[Ww]hereas|" + BUT_TURNS
                   + r")\s+)\s*")
_AND = re.compile(r",\s+and\s+", re.I)
_COMMA = re.compile(r",\s+(?:and\s+)?", re.I)
_STOP = re.compile(r"[,;:.()|—–]\s")  # where the words that a figure describes end


def misattached(fig, clause: str, texts: list[str]) -> str | None:
    """A figure the cited sentences (`texts`) give to another thing: the part of a cited sentence
    that shares the most words with the clause must hold the figure, when that part holds
    figures at all."""
    own = next((p for p in _parts(clause, commas=True) if fig.raw in p), clause)
    words = {s for s in stems(own) if s}
    parts = [p for t in texts for p in _parts(t) if p and extract_figures(p)]
    if len(parts) < 2 or not any(figure_supported(fig, p) for p in parts):
        return None
    overlap = lambda p: len(words & {s for s in stems(p) if s})  # noqa: E731
    margin = _MARGIN
    if all(" | " in p for p in parts):
        # Table cells ("Company: X | Notes: Offer: 36 LPA fixed"): the row is the one whose first
        # cell matches best; within it the cells share that first cell, so only their own header
        # and value tell them apart, and two words of them are already a clear lead.
        row = lambda p: overlap(p.split(" | ", 1)[0])  # noqa: E731
        by_row = sorted({row(p) for p in parts}, reverse=True)
        if len(by_row) > 1 and by_row[0] >= by_row[1] + _CELL_MARGIN:
            parts = [p for p in parts if row(p) == by_row[0]]  # one row stands out: its cells only
        overlap = lambda p: len(words & {s for s in stems(p.rsplit(" | ", 1)[-1]) if s})  # noqa: E731
        margin = _CELL_MARGIN
    scored = sorted(parts, key=overlap, reverse=True)
    best = scored[0]
    if len(scored) > 1 and overlap(best) < overlap(scored[1]) + margin:
        return None  # no part stands out clearly: nothing to say
    if figure_supported(fig, best):
        return None
    return f"puts {fig.raw} with what the cited passage gives another figure"


def swapped(clause: str, texts: list[str]) -> str | None:
    """A figure of the clause followed by the word that follows another figure in a cited
    sentence, where the cited sentence follows this figure with a different word.

    >>> swapped("Of the 19 switchers, 31 moved internally", ["Of the 31 switchers I mentored, 19 moved"])
    'puts 19 where the cited passage puts 31'
    >>> swapped("19 of the 31 switchers moved internally", ["Of the 31 switchers I mentored, 19 moved"]) is None
    True
    """
    for fig, word in _followed(clause):
        if word is None:
            continue
        for text in texts:
            pairs = _followed(text)
            own = [w for f, w in pairs if _same(fig, f)]
            if not own or None in own or word in own:
                continue  # the passage follows this figure with the same word, or with none
            others = [g for g, _ in _followed(clause) if g is not fig]
            other = next((f for f, w in pairs if w == word and not _same(fig, f)
                          and any(_same(g, f) for g in others)), None)
            if other is not None:
                return f"puts {fig.raw} where the cited passage puts {other.raw}"
    return None


def _followed(text: str) -> list[tuple[object, str | None]]:
    """Each figure of `text` with the stem of the content word right after it, None when another
    figure or a punctuation break comes first."""
    figures = extract_figures(text)
    out = []
    for i, fig in enumerate(figures):
        end = figures[i + 1].start if i + 1 < len(figures) else len(text)
        after = text[fig.end:end]
        stop = _STOP.search(after + " ")
        after = after[: stop.start()] if stop else after
        word = next((s for s in stems(after) if s), None) if TOKEN.search(after) else None
        out.append((fig, word))
    return out


def _same(a, b) -> bool:
    return figure_supported(a, b.raw) and figure_supported(b, a.raw)


def replaced_subject(clause: str, texts: list[str]) -> str | None:
    """The clause ends with three or more words of a part of a cited sentence, all that follow
    its subject, but its subject (at most five words) differs from that part's: wholly, or by
    words a contrasted part of the same sentence uses; unless the clause's figure is that
    contrasted part's, when the clause restates it.

    >>> replaced_subject("Working professionals can aim for 25 to 30 hours a week",
    ...                  ["Students and people between jobs can aim for 25 to 30 hours a week."])
    'gives what the cited sentence says of stude, peopl, betwe, job to worki, profe'
    >>> replaced_subject("Students can aim for 25 to 30 hours a week",
    ...                  ["Students and people between jobs can aim for 25 to 30 hours a week."]) is None
    True
    >>> cited = ["Those who switched reported a median hike of 32%, against 9% for those who stayed."]
    >>> replaced_subject("Those who stayed reported a median hike of 32%", cited)
    'gives what the cited sentence says of switc to staye'
    >>> replaced_subject("Those who stayed reported a median hike of 9%", cited) is None
    True
    >>> replaced_subject("The CGPA cut-off for GCCs is 7.0", ["Global capability centres (GCCs): 7.0."]) is None
    True
    """
    own = _sequence(clause)
    best = None
    for text in texts:
        if " | " in text:
            continue  # a table row: its cells are bound by agreement.py
        parts = [p for p in _parts(text) if p.strip()]
        for i, part in enumerate(parts):
            seq = _sequence(part)
            run, at_claim, at_part = _longest_run(own, seq)
            if best is None or run > best[0]:
                best = (run, at_claim, at_part, seq, parts[:i] + parts[i + 1:])
    if best is None:
        return None
    run, at_claim, at_part, seq, others = best
    claim_subject, part_subject = set(own[:at_claim]), set(seq[:at_part])
    if run < 3 or at_claim + run < len(own) or not 0 < len(claim_subject) <= 5 or not 0 < len(part_subject) <= 5:
        return None
    extra, missing = claim_subject - part_subject, part_subject - claim_subject
    if not extra or not missing or extra & set(seq):
        return None  # the same subject, or words of the part put first ("the most common X are ...")
    initials = "".join(w[0] for w in seq[:at_part] if w in missing)
    if len(initials) > 1 and any(w.startswith(initials) for w in own):
        return None  # the claim names the part's subject by its initials ("GCCs", "global capability centres")
    figures = extract_figures(clause)
    lenders = [p for p in others if extra <= set(_sequence(p))]  # contrasted parts with the new subject
    if any(figure_supported(f, p) for f in figures for p in lenders):
        return None  # the figure is that part's too: the clause restates the other part
    if claim_subject & part_subject and not lenders:
        return None  # partly reworded ("engineers who switched" for "respondents who switched")
    return (f"gives what the cited sentence says of {', '.join(sorted(missing, key=seq.index))} "
            f"to {', '.join(sorted(extra, key=own.index))}")


def _parts(text: str, commas: bool = False) -> list[str]:
    """The parts of a cited sentence that make one statement each: cut at "against", "while",
    ";", ..., and at ", and" when both sides carry a figure of their own ("X was requested in 18%
    of postings, and Y in 34%"); a list ("A, B, and C are ...") stays whole. With `commas` (for a
    claim), at any comma so: "BFSI had 24.1% of postings, up 27.4%" (in a cited sentence a comma
    also ends an opening phrase: "Of the 31 switchers, 19 moved")."""
    out = []
    for part in _PART.split(text):
        pieces = (_COMMA if commas else _AND).split(part)
        if len(pieces) > 1 and all(extract_figures(p) for p in pieces):
            out.extend(pieces)
        else:
            out.append(part)
    return out


def _sequence(text: str) -> list[str]:
    """The content stems of a text in order, levels read as their level, money words left out;
    each figure stands in its place as one word of its value ("in 18% of postings" -> "#18",
    "posti"), so a run of shared words can pass through the figure it binds."""
    found = [(f.start, f"#{f.low:g}-{f.high:g}") for f in extract_figures(text)]
    for m in TOKEN.finditer(without_figures(text)):
        w = m.group(0).lower()
        if w not in FUNCTION and w not in UNITS:
            found.append((m.start(), LEVEL_WORDS.get(w, sing(w))[:5]))
    return [word for _, word in sorted(found)]


def _longest_run(a: list[str], b: list[str]) -> tuple[int, int, int]:
    """(length, start in a, start in b) of the longest run of stems a and b share."""
    best = (0, 0, 0)
    for i in range(len(a)):
        for j in range(len(b)):
            k = 0
            while i + k < len(a) and j + k < len(b) and a[i + k] == b[j + k]:
                k += 1
            if k > best[0]:
                best = (k, i, j)
    return best
