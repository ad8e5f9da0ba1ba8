"""Read one PDF page as a person reads it: visible text only, as lines in reading order, tables whole.

Works on pdfplumber pages. Text no reader sees is dropped (white fill, render modes 3/7 that paint
no ink, glyphs under 2 pt, anything off the page); tables are found from their ruling lines and
kept as rows of cells; a vertical gutter with text on both sides makes two columns, read left then
right, with full-width lines (titles, wide tables) breaking the flow. Each line keeps its font size
and whether it is bold, for the document layout to find headings.
Leaves out: what needs every page (running headers, heading levels, paragraphs: pdf_layout.py) and
the child process (pdf.py).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from .document import clean

_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)


@dataclass
class Line:
    """One line of a page (or a table standing where it stands), with what the layout needs to know of it."""

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


def page_lines(pdf, numbers: Iterable[int] | None = None) -> list[tuple[int, float, list[Line]]]:
    """(page number, height, lines) of the pages of a pdfplumber PDF (all, or those of the 0-based
    `numbers`, in their order), each page's parsed objects dropped after use."""
    _patch_invisible_text()
    out = []
    for i in range(len(pdf.pages)) if numbers is None else numbers:
        page = pdf.pages[i]
        out.append((i + 1, float(page.height), _page_lines(page, i + 1)))
        page.close()
    return out


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


def _visible_page(page):
    """The page with its visible characters only, their records built here rather than by pdfplumber.

    pdfplumber has pdfminer make an object of every glyph, then turns each into a dict of some 25
    attributes, each passed through its PDF-object resolver: most of a text page's time. Here the
    layout device writes the 16 values the words and tables use (the same values, by the same
    arithmetic as pdfminer's LTChar: test_pdf_page) straight into a record, and only for visible
    glyphs; drawings (ruling lines, rects: a few per page) still go through pdfminer and pdfplumber.
    The derived page holds these objects as pdfplumber's own `dedupe_chars` fills one.
    """
    from pdfminer.layout import LTAnno, LTContainer
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfplumber.page import FilteredPage

    glyphs: list[dict] = []
    device = _device_class()(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    device.start(page, glyphs)
    PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    objects: dict[str, list[dict]] = {}

    def walk(items):
        for obj in items:
            if isinstance(obj, LTContainer):  # a form XObject (LTFigure): its contents count, not itself
                walk(obj)
            elif not isinstance(obj, LTAnno):  # (pdfplumber leaves out the spaces a layout analysis inserts)
                record = page.process_object(obj)
                objects.setdefault(record["object_type"], []).append(record)

    walk(device.get_result())
    objects["char"] = glyphs
    visible = FilteredPage(page, lambda obj: True)
    visible._objects = objects
    return visible


@functools.lru_cache(maxsize=1)
def _device_class():
    """pdfplumber's layout device, writing each visible glyph as a record instead of an LTChar."""
    from pdfminer.pdffont import PDFUnicodeNotDefined
    from pdfminer.utils import apply_matrix_rect
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    class GlyphRecords(PDFPageAggregatorWithMarkedContent):
        def start(self, page, glyphs: list):
            self.glyphs, self.number = glyphs, page.page_number
            self.width, self.height = float(page.width), float(page.height)
            (self.mb_x0, self.mb_top), self.doctop = page.mediabox[:2], page.initial_doctop
            self.white: dict = {}  # a page has a handful of colours and thousands of glyphs

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
            try:  # from here to `size`: pdfminer's render_char and LTChar, step for step
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = self.handle_undefined_char(font, cid)
            adv = font.char_width(cid) * fontsize * scaling
            if font.is_vertical():
                vx, vy = font.char_disp(cid)
                vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
                vy = (1000 - vy) * fontsize * 0.001
                box = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
            else:
                descent = font.get_descent() * fontsize
                box = (0, descent + rise, adv, descent + rise + fontsize)
            a, b, c, d, _, _ = matrix
            upright = a * d * scaling > 0 and b * c <= 0
            x0, y0, x1, y1 = apply_matrix_rect(matrix, box)
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            width, height = x1 - x0, y1 - y0
            size = width if font.is_vertical() else height
            color = graphicstate.ncolor
            key = color if isinstance(color, (tuple, int, float)) else repr(color)
            if key not in self.white:
                self.white[key] = _white(color)
            left, right = x0 + self.mb_x0, x1 + self.mb_x0
            top, bottom = self.height - y1 + self.mb_top, self.height - y0 + self.mb_top
            if size >= 2 and not self.white[key] and -1 <= left and right <= self.width + 1 and -1 <= top and bottom <= self.height + 1:
                fontname = font.fontname
                self.glyphs.append({
                    "object_type": "char", "page_number": self.number, "text": text,
                    "fontname": fontname if isinstance(fontname, str) else _fontname(fontname),
                    "size": size, "upright": upright, "x0": left, "x1": right, "y0": y0, "y1": y1,
                    "top": top, "bottom": bottom, "doctop": self.doctop + top, "width": width, "height": height,
                    "non_stroking_color": color if isinstance(color, tuple) else (color,),
                })
            return adv

    return GlyphRecords


def _fontname(name) -> str:
    from pdfplumber.utils.pdfinternals import decode_text

    return decode_text(name) if isinstance(name, bytes) else str(name)


def _page_lines(page, number: int) -> list[Line]:
    width = float(page.width)
    page = _visible_page(page)
    tables = []
    if page.edges:  # ruled tables only: a page without ruling lines has none to find
        for found in page.find_tables():
            rows = [[clean((c or "").translate(_LIGATURES)) for c in row] for row in _cells(found, page.chars)]
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
        lines.append(Line("", x0, x1, top, bottom, 0, False, number, column, rows))
    return _reading_order(lines)


def _cells(table, chars: list[dict]) -> list[list[str | None]]:
    """The text of each cell, as pdfplumber's `Table.extract()` gives it, from the glyphs inside the
    table: `extract()` tests every glyph of the page against every row, a tenth of a page's time."""
    from pdfplumber.utils import extract_text

    def inside(char, box) -> bool:  # the glyph's middle in the box, as pdfplumber decides
        x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        return box[0] <= x < box[2] and box[1] <= y < box[3]

    box = table.bbox  # (pdfplumber works each bbox out anew on every access)
    chars = [c for c in chars if inside(c, box)]
    out = []
    for row in table.rows:
        box = row.bbox
        row_chars = [c for c in chars if inside(c, box)]
        cells = []
        for cell in row.cells:
            found = [c for c in row_chars if inside(c, cell)] if cell is not None else None
            cells.append(None if found is None else extract_text(found) if found else "")
        out.append(cells)
    return out


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
    xs = range(int(width * 0.3), int(width * 0.7), 2)
    # Per band: the candidate x's its spans cross, its leftmost span end and rightmost span start,
    # so each x is judged in one pass over the bands rather than over every word.
    crossed = {band: _crossed(row, xs) for band, row in rows.items()}
    first_end = {band: min(b for _, b in row) for band, row in rows.items()}
    last_start = {band: max(a for a, _ in row) for band, row in rows.items()}
    best, best_score = None, None
    for i, x in enumerate(xs):
        crossing = {band for band, hit in crossed.items() if hit[i]}
        right = {band for band, a in last_start.items() if a >= x}
        left = [band for band, b in first_end.items() if band not in crossing and b <= x]
        both = sum(1 for band in left if any(b in right for b in range(band - 3, band + 4)))  # columns' lines need not align
        cross = len(crossing)
        if both < 5 or cross > 0.15 * both:
            continue
        score = both - 4 * cross
        if best_score is None or score > best_score:
            best, best_score = x, score
    return None if best is None else float(best)


def _crossed(row: list[tuple[float, float]], xs: range) -> bytearray:
    """Which of the evenly spaced `xs` fall strictly inside a span of `row` widened by 2 on each side."""
    hit = bytearray(len(xs))
    start, step = xs.start, xs.step
    for a, b in row:
        lo = max(0, int((a - 2 - start) // step) + 1)  # first x > a - 2
        hi = min(len(xs), -int(-(b + 2 - start) // step))  # first x >= b + 2
        for i in range(lo, hi):
            hit[i] = 1
    return hit


def _group_lines(words: list[dict], gutter: float | None, page: int) -> list[Line]:
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


def _make_line(words: list[dict], page: int, column: int) -> Line:
    words = sorted(words, key=lambda w: w["x0"])
    chars = sum(len(w["text"]) for w in words)
    size = Counter({round(w["size"] * 2) / 2: 0 for w in words})
    for w in words:
        size[round(w["size"] * 2) / 2] += len(w["text"])
    bold = sum(len(w["text"]) for w in words if _BOLD.search(w.get("fontname", ""))) >= 0.9 * chars
    return Line(
        " ".join(w["text"] for w in words), words[0]["x0"], max(w["x1"] for w in words),
        min(w["top"] for w in words), max(w["bottom"] for w in words), size.most_common(1)[0][0], bold, page, column, None, words,
    )


def _merge_spanning(lines: list[Line]) -> list[Line]:
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


def _reading_order(lines: list[Line]) -> list[Line]:
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
