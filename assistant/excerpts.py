"""What an LLM is sent of each passage: the rows, cells and sentences the question needs.

    passage + the extractive answer's quotes + the query -> the same passage, its text cut to
    - a table: the rows the extractive answer quotes and, when the question asks one span of
      years, each row's first cell plus the cells of those years;
    - prose after the first passage sent: the units (evidence.unit_spans: sentences, list lines,
      a sentence joined to the one it refers back to) the extractive answer quotes or that share
      the most of the question's words, in their order

Reading the prompt is most of a small local model's time (~50 tokens/s on 2 cores), and beside a
neighbouring row, cell or paragraph the 1.5B model reads the wrong figure. The answer is verified
against exactly the text sent, so a figure left out cannot count as cited; citations still quote
the whole passage (generation.py). Deciding which passages go, and fitting them to the context
window, are generation.py's and prompting.py's.
"""

from __future__ import annotations

import dataclasses
import re

from .evidence import unit_spans
from .experience import covering_cell, states_range
from .figures import extract_figures, numerals
from .names import LEVEL_YEARS
from .query import Query
from .schema import Answer, Passage
from .wording import content_stems

__all__ = ["excerpt"]

_LIST_MARK = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)])\s+")
_ROW = re.compile(r"^(?:[-*•]\s+)?[^|\n]+?: [^|\n]*(?: \| [^|\n]*)+$")  # "City: Pune | 0–2 years: 9.4 LPA | ..."
_FIELD = re.compile(r"\b(?:ML|AI|AI/ML|machine[- ]learning|artificial intelligence)\b", re.I)  # the field's name
PROSE_CHARS = 320  # prose up to this long goes whole: cutting it saves little and risks the answer
PROSE_UNITS = 2  # units of a longer prose passage sent beside those the extractive answer quotes


def excerpt(passage: Passage, fallback: Answer, query: Query, *, whole_prose: bool = False) -> Passage:
    """The passage as the model is sent it: `passage` itself, or a copy whose text is cut (see the
    module docstring). `whole_prose` keeps prose uncut (the first passage sent: the best evidence).

    >>> from assistant.query import build_query
    >>> text = ("Most loops in our sample had five rounds. The median time from the first recruiter call "
    ...         "to a written offer was 19 days, and the slowest took seven weeks. Candidates rated the "
    ...         "take-home as the hardest round by far. Recruiters usually call back within a week of "
    ...         "the final interview, and most offers are made by phone before the letter arrives.")
    >>> print(excerpt(Passage("p", text, "c.md"), Answer("No.", [], False, "q"), build_query("How many rounds?")).text)
    Most loops in our sample had five rounds. Candidates rated the take-home as the hardest round by far.
    """
    quotes = {_LIST_MARK.sub("", q).strip() for c in fallback.citations if c.passage_id == passage.id
              for q in c.quotes} if fallback.answered else set()
    lines = passage.text.split("\n")
    if any(_ROW.match(line.strip()) for line in lines):
        text = _table(lines, quotes, query)
    elif whole_prose or len(passage.text) <= PROSE_CHARS:
        return passage
    else:
        text = _prose(passage, quotes, query)
    return passage if text in (passage.text, passage.text.strip()) else dataclasses.replace(passage, text=text)


def _table(lines: list[str], quotes: set[str], query: Query) -> str:
    """A table cut to the rows quoted from it and, when one span of years is asked, each row to the
    cells of those years; its other lines (a caption, a note) as they are.

    Every cell of a row names its column ("City: Pune | 0–2 years: 9.4 LPA"), so a row, or a row's
    first cell with one more, still says what it says:

    >>> from assistant.query import build_query
    >>> rows = ["Median CTC (LPA):", "City: Pune | 0–2 years: 9.4 | 3–5 years: 18.6",
    ...         "City: Kochi | 0–2 years: 7.1 | 3–5 years: 14.5"]
    >>> print(_table(rows, {rows[2]}, build_query("Kochi pay, 3-5 yrs?")))
    Median CTC (LPA):
    City: Kochi | 3–5 years: 14.5
    >>> print(_table(rows, {rows[2]}, build_query("Kochi pay from 0-2 to 3-5 years?")))
    Median CTC (LPA):
    City: Kochi | 0–2 years: 7.1 | 3–5 years: 14.5
    """
    rows = [i for i, line in enumerate(lines) if _ROW.match(line.strip())]
    keep = {i for i in rows if _LIST_MARK.sub("", lines[i]).strip() in quotes}
    if len(keep) == len(rows):
        keep = set()  # every row quoted: nothing to leave out
    one_span = _one_span(query.focus or query.text)
    out = []
    for i, line in enumerate(lines):
        if i in rows and (not keep or i in keep):
            out.append(_cells_asked(line, query) if one_span else line)
        elif i not in rows and line.strip():
            out.append(line)
    return "\n".join(out)


def _prose(passage: Passage, quotes: set[str], query: Query) -> str:
    """The units of a prose passage the extractive answer quotes, and the PROSE_UNITS that share
    the most content words with the question (ties: the earlier), in the passage's order; the
    passage as it is when none shares any."""
    text = passage.text
    spans = unit_spans(text, passage.heading)
    asked = content_stems(_FIELD.sub(" ", query.expanded))  # "ML" is in every passage: it picks nothing
    shared = [len(content_stems(text[a:b]) & asked) for a, b in spans]
    best = sorted((k for k in range(len(spans)) if shared[k]), key=lambda k: -shared[k])[:PROSE_UNITS]
    keep = set(best) | {k for k, (a, b) in enumerate(spans) if _LIST_MARK.sub("", text[a:b]).strip() in quotes}
    if not best or len(keep) == len(spans):
        return text
    out, last_line = [], -1
    for k in sorted(keep):
        a, b = spans[k]
        line = text.count("\n", 0, a)
        piece = text[a:b].strip()
        if out and line == last_line:
            out[-1] += " " + piece
        else:
            out.append(piece)
        last_line = line
    return "\n".join(out)


def _cells_asked(row: str, query: Query) -> str:
    """A table row cut to its first cell, the cell covering the years asked and the cells that
    state no years: "City: Pune | 3–5 years: 18.6 LPA" for 4 years; the row as it is when no cell
    covers them."""
    mark = _LIST_MARK.match(row)
    body = row[mark.end():] if mark else row
    covering = covering_cell(body, query)
    if not covering:
        return row
    cells = body.split(" | ")
    kept = [c for k, c in enumerate(cells) if k == 0 or c == covering or not states_range(c)]
    return (mark.group(0) if mark else "") + " | ".join(kept)


def _one_span(text: str) -> bool:
    """Whether a question asks about one span of experience: one stated span of years or one
    career level, not two ("from 0-2 to 6-9 years", "juniors vs seniors").

    >>> _one_span("pay at 3-5 yrs in Pune?"), _one_span("junior vs senior pay"), _one_span("pay in Pune")
    (True, False, False)
    """
    yearly = re.search(r"\b(?:years?|yrs?)\b", text, re.I)  # "from 0-2 to 3-5 years": "0-2" is years too
    spans = {(f.low, f.high) for f in extract_figures(numerals(text))
             if f.kind == "years" or (yearly and f.kind == "number" and f.low < f.high <= 50)}
    spans |= {LEVEL_YEARS[w] for w in re.findall(r"[a-z]+(?:-level)?", text.lower()) if w in LEVEL_YEARS}
    return len(spans) == 1
