"""Read office files into the document model: Word documents and spreadsheets (.docx, .csv, .xlsx).

DOCX: paragraphs and tables in body order; "Title" and "Heading N" styles are headings (a Title
above Heading 1s makes them level 2), a paragraph that is wholly bold is a heading one level below
the last, list styles become "- " items, and a table's first row is its header when it reads like
one (every cell filled, none a figure). CSV and XLSX: each sheet is a table (a workbook with more
than one sheet gets a heading per sheet); openpyxl reads the stored cell values, never formulas.
Sheets are capped at MAX_CELLS so a crafted file can't exhaust memory.
Leaves out: the other formats (corpus.py, html_reader.py, pdf.py).
"""

from __future__ import annotations

import csv
import io
import re

from .document import Document, TextBuilder, clean

MAX_CELLS = 200_000  # cells read from one spreadsheet, over all sheets


def read_docx(data: bytes) -> Document:
    try:
        import docx
    except ImportError as exc:
        raise ValueError("reading .docx needs python-docx: pip install 'ml-jobs-assistant[docx]'") from exc
    from docx.table import Table as DocxTable

    document = docx.Document(io.BytesIO(data))
    blocks = list(document.iter_inner_content())
    styles = [_style(b) for b in blocks if not isinstance(b, DocxTable)]
    shift = 1 if "title" in styles and any(s.startswith("heading ") for s in styles) else 0
    out, last, styled = TextBuilder(), "", 0  # styled: level of the last heading set by a style
    for block in blocks:
        if isinstance(block, DocxTable):
            out.table(_docx_rows(block))
            last = "table"
            continue
        line = clean(block.text)
        if not line:
            continue
        style = _style(block)
        level = re.match(r"heading (\d)", style)
        if style == "title" or level:
            styled = int(level.group(1)) + shift if level else 1
            out.heading(styled, line)
            last = "heading"
        elif "list" in style:
            out.line("- " + line, blank_before=last != "item")
            last = "item"
        elif _all_bold(block) and len(line) <= 120 and line[-1] not in ".:;,":
            out.heading(min(max(styled, 1) + 1, 6), line)  # a bold line standing alone names what follows
            last = "heading"
        else:
            out.line(line)
            last = "para"
    text, headings, tables, pages = out.result()
    title = clean(document.core_properties.title or "")
    return Document("", text, "", "docx", headings, pages, tables, title)


def _style(paragraph) -> str:
    return (paragraph.style.name or "").lower() if paragraph.style is not None else ""


def _all_bold(paragraph) -> bool:
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)


def _docx_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append(cells)
    return rows


def read_csv(text: str) -> Document:
    """A CSV file as one table (header: the first row, when it reads like one).

    >>> read_csv("City,Junior\\nPune,9 LPA\\n").text
    'City: Pune | Junior: 9 LPA\\n\\n'
    """
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for n, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        rows.append(row)
        if sum(len(r) for r in rows) > MAX_CELLS:
            raise ValueError(f"the sheet has more than {MAX_CELLS:,} cells; split it into smaller files")
    out = TextBuilder()
    if not _write_sheet(out, _trim_columns(rows), first=True) and rows:
        raise ValueError("no rows with text were found")
    text, headings, tables, pages = out.result()
    return Document("", text, "", "csv", headings, pages, tables)


def read_xlsx(data: bytes) -> Document:
    try:
        import openpyxl
    except ImportError as exc:
        raise ValueError("reading .xlsx needs openpyxl: pip install openpyxl") from exc
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out, cells = TextBuilder(), 0
    try:
        sheets = [s for s in book.worksheets if getattr(s, "sheet_state", "visible") == "visible"]
        for sheet in sheets:
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells += len(row)
                if cells > MAX_CELLS:
                    raise ValueError(f"the workbook has more than {MAX_CELLS:,} cells; split it into smaller files")
                rows.append([_cell(v) for v in row])
            rows = _trim_columns(rows)
            if not any(any(r) for r in rows):
                continue
            _write_sheet(out, rows, first=not out.text, name=sheet.title if len(sheets) > 1 else "")
    finally:
        book.close()
    text, headings, tables, pages = out.result()
    return Document("", text, "", "xlsx", headings, pages, tables)


def _write_sheet(out: TextBuilder, rows: list[list[str]], first: bool, name: str = "") -> bool:
    """A sheet as a person reads it: the lines of one cell above its table (a note, the workbook's
    title) before it, the sheet's name as a heading, the table, then the one-cell lines below it.
    On the first sheet, a title-like line above the table (short, no full stop) is the document's title.

    >>> out = TextBuilder()
    >>> _write_sheet(out, [["Pay Survey 2026", ""], ["City", "Junior"], ["Pune", "9 LPA"], ["Source: a poll.", ""]], True, "Pay")
    True
    >>> out.text, [(h.level, out.text[h.start:h.end]) for h in out.headings]
    ('Pay Survey 2026\\nPay\\nCity: Pune | Junior: 9 LPA\\n\\nSource: a poll.', [(1, 'Pay Survey 2026'), (2, 'Pay')])
    """
    def single(row):
        return sum(1 for c in row if c.strip()) == 1

    rows = [r for r in rows if any(c.strip() for c in r)]
    top = 0
    while top < len(rows) and single(rows[top]):
        top += 1
    bottom = len(rows)
    while bottom > top and single(rows[bottom - 1]):
        bottom -= 1
    titled = False
    for row in rows[:top]:
        line = clean(next(c for c in row if c.strip()))
        if first and not titled and len(line) <= 100 and line[-1] not in ".:;,!?":
            out.heading(1, line)
            titled = True
        else:
            out.line(line)
    if name:
        out.heading(2, name)
    table = out.table(rows[top:bottom]) if bottom > top else None
    for row in rows[bottom:]:
        out.line(clean(next(c for c in row if c.strip())))
    return table is not None or top > 0


def _cell(value) -> str:
    """A spreadsheet value as a person reads it: 12.0 -> '12', 0.125 -> '0.125', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _trim_columns(rows: list[list[str]]) -> list[list[str]]:
    """Drop columns that are empty in every row (spreadsheets often carry a formatted margin)."""
    width = max((len(r) for r in rows), default=0)
    keep = [i for i in range(width) if any(i < len(r) and r[i].strip() for r in rows)]
    return [[r[i] if i < len(r) else "" for i in keep] for r in rows]
