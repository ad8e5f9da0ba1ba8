"""The document model every reader produces: text plus headings, tables and page starts.

A reader turns a file into one `Document`: `text` is what a person reads, in reading order, one
block per line (a paragraph, a list item "- ...", a heading, a table row), blank lines between
paragraphs. Structure is kept as offsets into that text, so a passage cut from it can always be
checked against it (`text[start:end]`). Tables are rendered into the text as one line per row
with the header repeated in each cell, so a row read alone still says what its figures are:

    City: Chennai | 0–2 years: 8.7 LPA | 3–5 years: 16.9 LPA

`TextBuilder` is how readers write a document. Leaves out: reading any file format (corpus.py,
html_reader.py, office.py, pdf.py) and cutting passages (chunking.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Heading:
    level: int
    start: int  # offsets of the heading text in Document.text
    end: int


@dataclass(frozen=True)
class Table:
    """A table rendered into the text: its caption line (if any), then one line per body row at `rows`."""

    start: int
    end: int
    rows: tuple[tuple[int, int], ...]
    header: tuple[str, ...] = ()
    caption: str = ""


@dataclass
class Document:
    source: str  # path relative to the corpus folder, with forward slashes
    text: str
    hash: str  # sha256 of the file's bytes
    kind: str
    headings: list[Heading] | None = None  # None: detect from the plain text
    page_starts: list[int] = field(default_factory=list)  # PDF: offset where page i+1 starts
    tables: list[Table] = field(default_factory=list)
    title: str = ""  # from the file's metadata, used when the text has no title heading

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, for PDFs; None otherwise."""
        if not self.page_starts:
            return None
        page = 1
        for i, start in enumerate(self.page_starts):
            if offset >= start:
                page = i + 1
        return page


def clean(text: str) -> str:
    """One line of a cell or paragraph: white space collapsed, control characters gone."""
    return _SPACE.sub(" ", CONTROL.sub("", text)).strip()


def row_line(cells: list[str], header: list[str] | tuple[str, ...] = ()) -> str:
    """A table row as one line, each cell under its header.

    >>> row_line(["Chennai", "8.7 LPA", ""], ["City", "0–2 years", "3–5 years"])
    'City: Chennai | 0–2 years: 8.7 LPA'
    >>> row_line(["Pune", "9.4 LPA"])
    'Pune | 9.4 LPA'

    A cell that spans columns holds None in the columns after its first, and stands under all their headers:

    >>> row_line(["IT services", "15,000 in every city", None, "Not offered"], ["Company", "Pune", "Delhi", "Remote"])
    'Company: IT services | Pune / Delhi: 15,000 in every city | Remote: Not offered'
    """
    parts: list[list] = []  # [header names, cell]
    for i, cell in enumerate(cells):
        name = clean(header[i]) if i < len(header) else ""
        if cell is None:  # the column is spanned by the cell before it
            if parts and name and name not in parts[-1][0]:
                parts[-1][0].append(name)
            continue
        cell = clean(cell)
        parts.append([[name] if name else [], cell])
    return " | ".join(f"{_joined(names)}: {cell}" if names and names != [cell] else cell for names, cell in parts if cell)


def _joined(names: list[str]) -> str:
    """Headers of spanned columns, their shared group written once: "Pay Pune / Delhi"."""
    first = names[0].split()
    out = [names[0]]
    for name in names[1:]:
        words = name.split()
        n = 0
        while n < min(len(first), len(words)) - 1 and words[n] == first[n]:
            n += 1
        out.append(" ".join(words[n:]))
    return " / ".join(out)


def row_cells(line: str) -> list[tuple[str, str]] | None:
    """The (header, value) cells of a table-row line, or None when the line is not one.

    >>> row_cells("City: Chennai | 0–2 years: 8.7 LPA")
    [('City', 'Chennai'), ('0–2 years', '8.7 LPA')]
    >>> row_cells("Juniors earn 8 LPA: a good start.") is None
    True
    """
    parts = line.strip().split(" | ")
    if len(parts) < 2:
        return None
    cells = []
    for part in parts:
        name, sep, value = part.partition(": ")
        if not sep or not name or len(name) > 80 or not value.strip():
            return None
        cells.append((name.strip(), value.strip()))
    return cells


def is_header_row(first: list[str], rest: list[list[str]]) -> bool:
    """Whether a table's first row names its columns: every cell filled, none a figure.

    >>> is_header_row(["City", "0–2 years"], [["Pune", "9.4 LPA"]])
    True
    >>> is_header_row(["Pune", "9.4 LPA"], [["Chennai", "8.7 LPA"]])
    False
    """
    cells = [clean(c) for c in first]
    if not rest or len(cells) < 2 or not all(cells):
        return False
    figure = re.compile(r"^[-+−–(]?[₹$€£]?\s?\d[\d,.]*\s*(%|[a-zA-Z]{0,4})?\)?$")
    return not any(figure.match(c) for c in cells) and len(set(cells)) == len(cells)


class TextBuilder:
    """Writes a Document's text block by block, recording headings, tables and page starts."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.headings: list[Heading] = []
        self.tables: list[Table] = []
        self.page_starts: list[int] = []
        self.level = 0  # level of the last heading written
        self._after_heading = False

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def _emit(self, s: str):
        self.parts.append(s)
        self.length += len(s)

    def _tail(self, n: int) -> str:
        out = ""
        for part in reversed(self.parts):
            out = part + out
            if len(out) >= n:
                break
        return out[-n:]

    def raw(self, text: str):
        """Text as it stands in the file (Markdown keeps its own lines)."""
        if text:
            self._emit(text)

    def newline(self):
        """End the current line, if one is open."""
        if self.parts and not self._tail(1) == "\n":
            self._emit("\n")

    def blank(self):
        """A paragraph break: the text so far ends with an empty line."""
        if self.length:
            self.newline()
            if self._tail(2) != "\n\n":
                self._emit("\n")

    def page(self):
        """The next block starts a new page."""
        self.blank()
        self.page_starts.append(self.length)

    def line(self, text: str, *, blank_before: bool = True) -> tuple[int, int] | None:
        """A paragraph or list item ("- ...") on its own line; returns its offsets."""
        text = clean(text)
        if not text:
            return None
        if blank_before and not self._after_heading:
            self.blank()
        else:
            self.newline()  # a heading's first paragraph follows on the next line, as it reads
        start = self.length
        self._emit(text)
        self._after_heading = False
        return start, self.length

    def heading(self, level: int, text: str) -> Heading | None:
        span = self.line(text)
        if span is None:
            return None
        heading = Heading(level, *span)
        self.headings.append(heading)
        self.level = level
        self._after_heading = True
        return heading

    def table(self, rows: list[list[str]], header: list[str] | None = None, caption: str = "") -> Table | None:
        """Rows rendered one per line under `header` (if None, the first row when it looks like one).

        A caption is written as the line above the rows (`Table.start` is then the caption's start)
        and joins the breadcrumb of the table's passages; without one, the nearest heading names it.
        """
        rows = [[c if c is None else clean(c) for c in row] for row in rows]  # None: spanned by the cell before
        rows = [row for row in rows if any(row)]
        if header is None and rows and is_header_row(rows[0], rows[1:]):
            header, rows = rows[0], rows[1:]
        header = [clean(h) for h in header or []]
        if not rows:
            if header:  # a header alone is just a line of text
                self.line(" | ".join(h for h in header if h))
            return None
        if self._after_heading:
            self.newline()
        else:
            self.blank()
        self._after_heading = False
        start, spans = self.length, []
        if clean(caption):
            self._emit(clean(caption))
        for row in rows:
            line = row_line(row, header)
            if not line:
                continue
            self.newline()
            spans.append((self.length, self.length + len(line)))
            self._emit(line)
        if not spans:
            return None
        table = Table(start, self.length, tuple(spans), tuple(header), clean(caption))
        self.tables.append(table)
        self.blank()
        return table

    def result(self) -> tuple[str, list[Heading], list[Table], list[int]]:
        text = self.text
        if text and not text.endswith("\n"):
            text += "\n"
        return text, self.headings, self.tables, self.page_starts
