"""Lay out PDF pages as a person reads them: columns in order, headings, paragraphs, tables.

Works on pdfplumber pages (characters with position, font name and size). Per page: text no reader
sees is dropped (white fill, render modes 3/7 that paint no ink, glyphs under 2 pt, anything off
the page); tables are found from their ruling lines and rendered one line per row; a vertical
gutter with text on both sides makes two columns, read left then right, with full-width lines
(titles, wide tables) breaking the flow; running headers and footers (the same line in the top or
bottom margin of several pages, page numbers) are left out. Headings: lines set larger than the
body text (level by size, largest first) and short lines wholly in bold at body size; a heading
wrapped over two lines is one heading.
Leaves out: the child process and outline headings (pdf.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .document import Document, TextBuilder, clean, is_header_row

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_BULLET = re.compile(r"^([•▪◦●‣∙·\-–*]|\d{1,2}[.)])\s+")
_CAPTION = re.compile(r"^(table|exhibit)\s+\d+\b", re.I)
_PAGE_NUMBER = re.compile(r"^\W*\d+\W*$|\bpage\s+\d+\b|\b\d+\s*(/|of)\s*\d+\s*$", re.I)
_MARGIN = 0.07  # share of the page height at the top and bottom where running headers live


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    column: int = 0  # 0 full width, 1 left, 2 right
    table: list[list[str]] | None = None  # a table standing where this line stands
    words: list[dict] = field(default_factory=list)


def _patch_invisible_text():
    """Let pdfminer mark text drawn in an invisible render mode (3, 7) as white, so it is dropped."""
    from pdfminer.pdfdevice import PDFTextDevice

    if getattr(PDFTextDevice.render_string, "_marks_invisible", False):
        return
    original = PDFTextDevice.render_string

    def render_string(self, textstate, seq, ncs, graphicstate):
        if textstate.render in (3, 7):
            graphicstate = graphicstate.copy()
            graphicstate.ncolor = (1.0, 1.0, 1.0)
        return original(self, textstate, seq, ncs, graphicstate)

    render_string._marks_invisible = True
    PDFTextDevice.render_string = render_string


def _white(color) -> bool:
    values = color if isinstance(color, (tuple, list)) else (color,)
    if not values or not all(isinstance(v, (int, float)) for v in values):
        return False
    return all(v >= 0.95 for v in values) if len(values) in (1, 3) else all(v <= 0.05 for v in values)


# Typeset ligatures (Chromium and TeX write "ﬁ", "ﬀ" as one glyph): read as their letters, as a reader does.
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"})


def _page_lines(page, number: int) -> list[_Line]:
    width, height = float(page.width), float(page.height)

    def visible(obj) -> bool:
        if obj.get("object_type") != "char":
            return True
        return (
            obj.get("size", 0) >= 2
            and not _white(obj.get("non_stroking_color"))
            and -1 <= obj["x0"] and obj["x1"] <= width + 1 and -1 <= obj["top"] and obj["bottom"] <= height + 1
        )

    page = page.filter(visible)
    tables = []
    for found in page.find_tables():
        rows = [[clean((c or "").translate(_LIGATURES)) for c in row] for row in found.extract()]
        if rows and max(len(r) for r in rows) >= 2:
            tables.append((found.bbox, rows))
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)

    def in_table(w) -> bool:
        return any(x0 - 1 <= w["x0"] and w["x1"] <= x1 + 1 and top - 1 <= w["top"] and w["bottom"] <= bottom + 1 for (x0, top, x1, bottom), _ in tables)

    words = [{**w, "text": w["text"].translate(_LIGATURES)} for w in words if not in_table(w)]
    gutter = _gutter(words, width, [bbox for bbox, _ in tables])
    lines = _group_lines(words, gutter, number)
    for (x0, top, x1, bottom), rows in tables:
        column = 0 if gutter is None or (x0 < gutter < x1) else (1 if x1 <= gutter else 2)
        lines.append(_Line("", x0, x1, top, bottom, 0, False, number, column, rows))
    return _reading_order(lines)


def _gutter(words: list[dict], width: float, boxes: list[tuple] = ()) -> float | None:
    """The x of an empty vertical band with columns of text on both sides, or None for one column.

    Looked at line by line: at least five lines must have text (or a table) on both sides of the
    band, and few lines may cross it (a title or a wide table may), as on a two-column page; on a
    one-column page nearly every line crosses any x in the middle of the page.
    """
    if len(words) < 40:
        return None
    rows: dict[int, list[tuple[float, float]]] = {}
    for w in words:
        rows.setdefault(round(w["top"] / 4), []).append((w["x0"], w["x1"]))
    for x0, top, x1, bottom in boxes:  # a table stands beside the lines it is level with
        for band in range(round(top / 4), round(bottom / 4) + 1):
            rows.setdefault(band, []).append((x0, x1))
    best, best_score = None, None
    for x in range(int(width * 0.3), int(width * 0.7), 2):
        crossing = {band for band, row in rows.items() if any(a - 2 < x < b + 2 for a, b in row)}
        right = {band for band, row in rows.items() if any(a >= x for a, _ in row)}
        left = {band for band, row in rows.items() if band not in crossing and any(b <= x for _, b in row)}
        both = sum(1 for band in left if any(b in right for b in range(band - 3, band + 4)))  # columns' lines need not align
        cross = len(crossing)
        if both < 5 or cross > 0.15 * both:
            continue
        score = both - 4 * cross
        if best_score is None or score > best_score:
            best, best_score = x, score
    return None if best is None else float(best)


def _group_lines(words: list[dict], gutter: float | None, page: int) -> list[_Line]:
    """Words into lines: same column, tops within a fraction of the font size."""
    def column(w) -> int:
        if gutter is None:
            return 0
        return 1 if w["x1"] <= gutter else 2 if w["x0"] >= gutter else 0

    by_column: dict[int, list[dict]] = {}
    for w in words:
        by_column.setdefault(column(w), []).append(w)
    lines = []
    for col, ws in by_column.items():
        ws.sort(key=lambda w: (round(w["top"]), w["x0"]))
        current: list[dict] = []
        for w in ws:
            if current and abs(w["top"] - current[0]["top"]) > max(2.0, 0.4 * current[0]["size"]):
                lines.append(_make_line(current, page, col))
                current = []
            current.append(w)
        if current:
            lines.append(_make_line(current, page, col))
    if gutter is not None:  # a line crossing the gutter spans the page; merge the halves of such a line
        lines = _merge_spanning(lines)
    return lines


def _make_line(words: list[dict], page: int, column: int) -> _Line:
    words = sorted(words, key=lambda w: w["x0"])
    chars = sum(len(w["text"]) for w in words)
    size = Counter({round(w["size"] * 2) / 2: 0 for w in words})
    for w in words:
        size[round(w["size"] * 2) / 2] += len(w["text"])
    bold = sum(len(w["text"]) for w in words if _BOLD.search(w.get("fontname", ""))) >= 0.9 * chars
    return _Line(
        " ".join(w["text"] for w in words), words[0]["x0"], max(w["x1"] for w in words),
        min(w["top"] for w in words), max(w["bottom"] for w in words), size.most_common(1)[0][0], bold, page, column, None, words,
    )


def _merge_spanning(lines: list[_Line]) -> list[_Line]:
    spanning = [l for l in lines if l.column == 0]
    rest = [l for l in lines if l.column != 0]
    for left in [l for l in rest if l.column == 1]:  # a wide line whose word gap fell on the gutter
        right = next((r for r in rest if r.column == 2 and r.size == left.size and abs(r.top - left.top) <= 0.4 * left.size
                      and r.x0 - left.x1 <= 0.6 * left.size), None)
        if right is not None:
            rest = [l for l in rest if l is not left and l is not right]
            spanning.append(_make_line(left.words + right.words, left.page, 0))
    for line in spanning:  # a full-width line's words that fell on one side of the gutter belong to it
        joined = [l for l in rest if abs(l.top - line.top) <= 0.4 * max(line.size, 1) and l.size == line.size]
        if joined:
            words = line.words + [w for l in joined for w in l.words]
            rest = [l for l in rest if l not in joined]
            line.__dict__.update(_make_line(words, line.page, 0).__dict__)
    return spanning + rest


def _reading_order(lines: list[_Line]) -> list[_Line]:
    """Top to bottom; between full-width lines, the left column, then the right one."""
    lines.sort(key=lambda l: l.top)
    out, left, right = [], [], []
    for line in lines:
        if line.column == 0:
            out += left + right + [line]
            left, right = [], []
        else:
            (left if line.column == 1 else right).append(line)
    return out + left + right


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def page_lines(pdf) -> list[tuple[float, list[_Line]]]:
    """(height, lines) of every page of a pdfplumber PDF, each page's parsed objects dropped after use."""
    _patch_invisible_text()
    out = []
    for n, page in enumerate(pdf.pages, 1):
        out.append((float(page.height), _page_lines(page, n)))
        page.close()
    return out


def layout(per_page: list[tuple[float, list[_Line]]]) -> Document:
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


def _heading_level(line: _Line, body: float, levels: dict, bold_level: int) -> int | None:
    text = line.text
    if not text or len(text) > 150 or not re.search(r"[A-Za-z]", text):
        return None
    if line.size in levels:
        return levels[line.size]
    if line.bold and line.size >= body * 0.95 and len(text) <= 120 and text[-1] not in ".,;:":
        return bold_level
    return None


def _write(out: TextBuilder, lines: list[_Line], body: float, levels: dict, bold_level: int, pages: int):
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
    para: list[_Line] = []
    heading: list[_Line] = []
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


def _line_spacing(lines: list[_Line]):
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


def _short(line: _Line, nxt: _Line, right: dict) -> bool:
    """Whether `line` was broken on purpose: the first word of the next line would have fitted after it."""
    first = nxt.words[0] if nxt.words else None
    if first is None:
        return False
    room = right[(line.page, line.column)] - line.x1
    return room > (first["x1"] - first["x0"]) + 0.5 * line.size


def _join(lines: list[_Line]) -> str:
    return _join_at(lines)[0]


def _join_at(lines: list[_Line]) -> tuple[str, list[int]]:
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
