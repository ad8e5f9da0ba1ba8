"""Lay out a PDF's pages as one document: headings, paragraphs, list items, tables, page starts.

Works on the pages' lines in reading order (pdf_page.py: visible text, columns, tables). What needs
every page is decided here: running headers and footers (the same line in the top or bottom margin
of several pages, page numbers) are left out; headings are lines set larger than the body text
(level by size, largest first) and short lines wholly in bold at body size, and a heading wrapped
over two lines is one heading; a paragraph or a table that runs on across a column or a page stays
one. Leaves out: reading a page (pdf_page.py), the child process and outline headings (pdf.py).
"""

from __future__ import annotations

import re
from collections import Counter

from .document import Document, TextBuilder, is_header_row
from .pdf_page import Line

_BULLET = re.compile(r"^([•▪◦●‣∙·\-–*]|\d{1,2}[.)])\s+")
_CAPTION = re.compile(r"^(table|exhibit)\s+\d+\b", re.I)
_PAGE_NUMBER = re.compile(r"^\W*\d+\W*$|\bpage\s+\d+\b|\b\d+\s*(/|of)\s*\d+\s*$", re.I)
_MARGIN = 0.07  # share of the page height at the top and bottom where running headers live


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def layout(per_page: list[tuple[float, list[Line]]]) -> Document:
    """The pages' text in reading order, with headings, tables and page starts."""
    repeated = Counter()
    for height, lines in per_page:
        repeated.update({_key(l.text) for l in lines if l.table is None and (l.bottom < height * _MARGIN or l.top > height * (1 - _MARGIN))})
    sizes = Counter()
    for _, lines in per_page:
        for line in lines:
            if line.table is None:
                sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    heading_sizes = sorted({s for s in sizes if s >= body * 1.12}, reverse=True)
    levels = {s: i + 1 for i, s in enumerate(heading_sizes)}
    bold_level = len(heading_sizes) + 1
    kept = []
    for height, lines in per_page:
        for line in lines:
            margin = line.bottom < height * _MARGIN or line.top > height * (1 - _MARGIN)
            if line.table is None and margin and (_PAGE_NUMBER.search(line.text) or (len(per_page) > 1 and repeated[_key(line.text)] > 1)):
                continue  # a running header or footer, or a page number
            kept.append(line)
    out = TextBuilder()
    _write(out, kept, body, levels, bold_level, len(per_page))
    text, headings, tables, starts = out.result()
    return Document("", text, "", "pdf", headings, starts, tables)


def _table(out: TextBuilder, rows: list[list[str]], caption: str, carry: dict, first: bool):
    """Write a table; one that starts a page with the width of the last one continues it, under its header."""
    width = max(len(r) for r in rows)
    header = None
    if is_header_row(rows[0], rows[1:] or [rows[0]]):
        header, rows = rows[0], rows[1:]  # (a header alone at a page's foot is written as a line)
    elif first and carry.get("width") == width:
        header = carry["header"]
    out.table(rows, header or [], caption)
    carry.update(header=header or [], width=width)


def _heading_level(line: Line, body: float, levels: dict, bold_level: int) -> int | None:
    text = line.text
    if not text or len(text) > 150 or not re.search(r"[A-Za-z]", text):
        return None
    if line.size in levels:
        return levels[line.size]
    if line.bold and line.size >= body * 0.95 and len(text) <= 120 and text[-1] not in ".,;:":
        return bold_level
    return None


def _write(out: TextBuilder, lines: list[Line], body: float, levels: dict, bold_level: int, pages: int):
    """Lines of every page into headings, list items, paragraphs and tables, and the page starts.

    A paragraph that runs on at the top of the next column or page (no sentence end before the
    break) stays one paragraph; its page start then falls inside it.
    """
    carry: dict = {}  # the header of the last table, for its continuation on the next page
    page = 0
    right: dict[tuple[int, int], float] = {}  # the right margin of each column, from its longest line
    for line in lines:
        if line.table is None:
            key = (line.page, line.column)
            right[key] = max(right.get(key, 0.0), line.x1)
    spacing = _line_spacing(lines)
    para: list[Line] = []
    heading: list[Line] = []
    last = ""  # what was written last: "item" keeps a list's items together

    def flush():
        nonlocal para, heading, last
        if heading:
            level = _heading_level(heading[0], body, levels, bold_level)
            out.heading(level, _join(heading))
            heading, last = [], "heading"
        if para:
            text, offsets = _join_at(para)
            m = _BULLET.match(text)
            shift = 2 - m.end() if m else 0
            span = out.line("- " + text[m.end():] if m else text, blank_before=not (m and last == "item"))
            for before, line, offset in zip(para, para[1:], offsets[1:]):
                if span and line.page != before.page:
                    out.page_starts += [span[0] + offset + shift] * (line.page - before.page)
            para, last = [], "item" if m else "para"

    def turn(to: int, running_on: bool):
        """Reach page `to`: a page break, unless a paragraph runs on across it."""
        nonlocal page
        if to > page and not running_on:
            flush()
            while page < to:
                out.page()
                page += 1
        page = max(page, to)  # a paragraph running on records this page's start when it is written

    for line in lines:
        first_on_page = line.page > page
        runs_on = (
            first_on_page and bool(para) and line.table is None and not heading and line.size == para[-1].size
            and not re.search(r"[.!?:]$", para[-1].text) and not _BULLET.match(line.text)
            and _heading_level(line, body, levels, bold_level) is None
        )
        turn(line.page, runs_on)
        if runs_on:
            para.append(line)  # the paragraph runs on at the top of the next page
            continue
        if line.table is not None:
            caption = ""
            if para and _CAPTION.match(_join(para)):
                caption, para = _join(para), []
            flush()
            _table(out, line.table, caption, carry, first=first_on_page)
            last = "table"
            continue
        level = _heading_level(line, body, levels, bold_level)
        if level is not None:
            prev = heading[-1] if heading else None
            if prev and prev.size == line.size and prev.bold == line.bold and line.top - prev.bottom < line.size * 0.9 and line.column == prev.column:
                heading.append(line)  # a heading wrapped over two lines
                continue
            flush()
            heading = [line]
            continue
        if heading:
            flush()
        prev = para[-1] if para else None
        starts_item = bool(_BULLET.match(line.text))
        if prev is not None and line.column != prev.column and line.page == prev.page and prev.column == 1:
            if not starts_item and line.size == prev.size and not re.search(r"[.!?:]$", prev.text):
                para.append(line)  # a paragraph running on at the top of the next column
                continue
        if prev is not None and (
            starts_item
            or line.page != prev.page
            or line.column != prev.column
            or line.top - prev.bottom > max(0.55 * max(line.size, 1), 1.4 * spacing(line.size))
            or line.size != prev.size
            or _short(prev, line, right)  # the last line of a paragraph stops short of the margin
        ):
            flush()
        para.append(line)
    flush()
    while page < pages:  # pages with no text still have a start
        out.page()
        page += 1


def _line_spacing(lines: list[Line]):
    """The usual gap between two lines of one paragraph, as a function of the font size: the median
    of the gaps under one line height for that size, else the document's usual ratio to the size. A
    paragraph break is a gap well over it (line height runs from 1.0 to 1.8 times the type size, so
    no fixed share of the size tells lines from paragraphs)."""
    gaps: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.table is None and b.table is None and a.page == b.page and a.column == b.column and a.size == b.size:
            gap = b.top - a.bottom
            if 0 <= gap < 1.2 * a.size:
                gaps.setdefault(a.size, []).append(gap)
    usual = {size: sorted(g)[len(g) // 2] for size, g in gaps.items() if len(g) >= 3}
    ratios = sorted(gap / size for size, gap in usual.items() if size)
    ratio = ratios[len(ratios) // 2] if ratios else 0.0
    return lambda size: usual.get(size, ratio * size)


def _short(line: Line, nxt: Line, right: dict) -> bool:
    """Whether `line` was broken on purpose: the first word of the next line would have fitted after it."""
    first = nxt.words[0] if nxt.words else None
    if first is None:
        return False
    room = right[(line.page, line.column)] - line.x1
    return room > (first["x1"] - first["x0"]) + 0.5 * line.size


def _join(lines: list[Line]) -> str:
    return _join_at(lines)[0]


def _join_at(lines: list[Line]) -> tuple[str, list[int]]:
    """Lines of one paragraph as one line, and where each line starts in it; a word broken with a
    hyphen at the line end is rejoined."""
    text, offsets = "", []
    for line in lines:
        if text.endswith("-") and line.text[:1].islower():
            offsets.append(len(text))
            text += line.text
        else:
            offsets.append(len(text) + 1 if text else 0)
            text = f"{text} {line.text}" if text else line.text
    return text, offsets
