"""Read Markdown into the document model: the text as written, with its structure marked.

ATX ("## Pay") and setext headings are headings; a line that is wholly bold and stands alone
("**Do I need a GPU?**") is a heading one level below the last, as it reads; a list item's
wrapped continuation lines join its line, so an item is one line; pipe tables become one line
per row under their header ("City: Pune | Junior: 9 LPA"). Fenced code is left as it is.
Leaves out: the other formats and the injection filter (corpus.py).
"""

from __future__ import annotations

import re

from .document import Document, Heading, TextBuilder

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_SETEXT = re.compile(r"^[ \t]*(=+|-+)[ \t]*$")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,2}[.)])[ \t]+\S")
_BOLD_LINE = re.compile(r"^[ \t]*(\*\*|__)(?P<text>[^*_\n].*?)\1[ \t]*$")
_BLOCK_START = re.compile(r"^[ \t]*(#|>|\||```|~~~|[-*+][ \t]|\d{1,2}[.)][ \t])")


def read_markdown(text: str) -> Document:
    """The document model of a Markdown text (source and hash are filled in by the caller).

    >>> d = read_markdown("# Pay\\n\\n| City | Junior |\\n|---|---|\\n| Pune | 9 LPA |\\n")
    >>> d.text, [d.text[h.start:h.end] for h in d.headings]
    ('# Pay\\n\\nCity: Pune | Junior: 9 LPA\\n\\n', ['Pay'])
    >>> read_markdown("- Python: NumPy,\\n  pandas and\\n  SQL.\\n- Git\\n").text
    '- Python: NumPy, pandas and SQL.\\n- Git\\n'
    """
    lines = text.split("\n")
    out = TextBuilder()
    fenced, marked = False, 0  # marked: level of the last # or setext heading
    i = 0
    while i < len(lines):
        line = lines[i]
        last = i == len(lines) - 1
        blank_before = i == 0 or not lines[i - 1].strip()
        if _FENCE.match(line):
            fenced = not fenced
        elif fenced:
            pass
        elif "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            rows, j = [], i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                rows.append(_pipe_cells(lines[j]))
                j += 1
            out.level = out.headings[-1].level if out.headings else 0
            out.table(rows, _pipe_cells(line))
            i = j
            continue
        elif m := _HEADING.match(line):
            marked = len(m.group(1))
            _heading(out, line, marked, m.start(2), m.end(2))
            i += 1
            continue
        elif line.strip() and not _ITEM.match(line) and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]) and blank_before:
            lead = len(line) - len(line.lstrip())
            marked = 1 if "=" in lines[i + 1] else 2
            _heading(out, line, marked, lead, len(line.rstrip()))
            out.raw(lines[i + 1] + "\n")
            i += 2
            continue
        elif (m := _BOLD_LINE.match(line)) and blank_before and len(m.group("text")) <= 120 and m.group("text")[-1] not in ".:;,":
            level = min(max(marked, 1) + 1, 6)  # below the last marked heading, beside other bold lines
            _heading(out, line, level, m.start("text"), m.end("text"))
            i += 1
            continue
        elif _ITEM.match(line):
            j = i + 1
            while j < len(lines) and lines[j].strip() and not _BLOCK_START.match(lines[j]):
                line = f"{line.rstrip()} {lines[j].strip()}"  # a wrapped item stays one line
                j += 1
            out.raw(line + ("\n" if j < len(lines) else ""))
            i = j
            continue
        out.raw(line + ("" if last else "\n"))
        i += 1
    text, headings, tables, _ = out.result()
    return Document("", text, "", "md", headings, [], tables)


def _heading(out: TextBuilder, line: str, level: int, start: int, end: int):
    at = out.length
    out.raw(line + "\n")
    out.headings.append(Heading(level, at + start, at + end))


def _pipe_cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)]
