"""Read an HTML page into the document model: what a reader of the page sees, block by block.

h1-h6 are headings; a paragraph that is wholly bold ("<p><strong>Do I need a GPU?</strong></p>"),
a <summary> or a <dt> that asks a question is a heading one level below the last; list items become
"- ..." lines, and a glossary's term with its description one item ("- Stipend: the monthly amount");
tables become one line per row under their header (th cells or a thead), the caption above. The
<title> is the document's title when the page has no h1. Text hidden by inline markup
(display:none, white-on-white, a 1px font, the hidden attribute) is left out: a reader never sees
it, so an answer must not be drawn from it. Scripts, styles and forms' templates are skipped, and
so is the page's chrome: <nav>, and an <aside> or <footer> that is mostly links ("Elsewhere on
this site: Monsoon recipes, PNR status…" is the site's, not the document's).
Leaves out: the injection filter shared by every format (corpus.py).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from .document import Document, TextBuilder, clean

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_WHITE = {"#fff", "#ffffff", "white", "rgb(255,255,255)", "#fffffe", "transparent"}
_BLOCKS = {
    "p", "div", "section", "article", "br", "ul", "ol", "blockquote", "pre", "header", "footer", "main",
    "aside", "nav", "figure", "figcaption", "dl", "dd", "dt", "hr", "address", "details", "summary", "form",
}
_SKIP = {"script", "style", "template", "noscript", "head", "svg", "button", "select", "textarea"}
_BOLD = {"b", "strong"}
_CHROME = ("nav", "aside", "footer")
LINK_SHARE = 0.5  # an aside or footer whose text is at least this share link text is navigation


class _Chrome(HTMLParser):
    """First pass: which <nav>, <aside> and <footer> elements (by their order of opening) are navigation."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.seen = 0
        self.chrome: set[int] = set()
        self._open: list[list[int]] = []  # [ordinal, text chars, link chars, depth of <a>] of each open element
        self._links = 0

    def handle_starttag(self, tag, attrs):
        if tag in _CHROME:
            self._open.append([self.seen, 0, 0, tag])
            self.seen += 1
        elif tag == "a":
            self._links += 1

    def handle_endtag(self, tag):
        if tag == "a":
            self._links = max(0, self._links - 1)
        elif tag in _CHROME and self._open and self._open[-1][3] == tag:
            ordinal, chars, links, _ = self._open.pop()
            if tag == "nav" or (chars and links / chars >= LINK_SHARE):
                self.chrome.add(ordinal)
            if self._open:
                self._open[-1][1] += chars
                self._open[-1][2] += links

    def handle_data(self, data):
        if self._open:
            n = len(data.strip())
            self._open[-1][1] += n
            if self._links:
                self._open[-1][2] += n


def chrome(data: str) -> set[int]:
    """Ordinals, in order of opening, of the page's <nav>/<aside>/<footer> elements that are navigation.

    >>> sorted(chrome("<nav>Home</nav><aside><p>Note: figures are medians.</p></aside><aside><a>Recipes</a> <a>PNR</a></aside>"))
    [0, 2]
    """
    first = _Chrome()
    first.feed(data)
    first.close()
    return first.chrome


def hidden(attrs: list[tuple[str, str | None]]) -> bool:
    """Whether inline markup hides an element from a reader: text planted for a machine, not a person.

    >>> hidden([("style", "color:#fff; background:#ffffff")]), hidden([("style", "font-size: 1px")])
    (True, True)
    >>> hidden([("style", "color: #333")])
    False
    """
    names = {name for name, _ in attrs}
    if "hidden" in names or any(n == "aria-hidden" and v == "true" for n, v in attrs):
        return True
    style = " ".join(value or "" for name, value in attrs if name == "style").lower()
    rules = {}
    for declaration in style.split(";"):
        key, _, value = declaration.partition(":")
        rules[key.strip()] = re.sub(r"\s+|!important", "", value)
    if rules.get("display") == "none" or rules.get("visibility") in ("hidden", "collapse"):
        return True
    if re.fullmatch(r"0?\.0*|0", rules.get("opacity", "1")):
        return True
    size = re.fullmatch(r"(\d*\.?\d+)(px|pt|em|rem|%)?", rules.get("font-size", ""))
    if size and float(size.group(1)) <= {"em": 0.25, "rem": 0.25, "%": 25}.get(size.group(2), 3):
        return True
    color = rules.get("color", "")
    background = rules.get("background-color") or rules.get("background", "")
    if color and (color == background or (color in _WHITE and (not background or background in _WHITE))):
        return True  # white-on-white, or text the colour of its own background
    return False


class _Table:
    """Rows of cells laid out on the table's grid: a cell spanning rows (rowspan) is read again in
    each row it spans, one spanning columns (colspan) stands under every header it spans."""

    def __init__(self):
        self.rows: list[list[str | None]] = []
        self.header_rows: list[list[str]] = []
        self.caption = ""
        self.cell: list[str] | None = None
        self.row: list[tuple[str, int, int]] | None = None  # (text, colspan, rowspan) as written
        self.row_all_th = True
        self.in_head = False
        self.span = (1, 1)
        self._pending: dict[int, list] = {}  # column -> [text, rows left, from a header row]

    def end_cell(self):
        if self.cell is not None and self.row is not None:
            self.row.append((clean("".join(self.cell)), *self.span))
        self.cell = None

    def end_row(self):
        self.end_cell()
        if self.row is not None and any(text for text, _, _ in self.row):
            header = self.in_head or (self.row_all_th and not self.rows)
            (self.header_rows if header else self.rows).append(self._lay_out(self.row, header))
        self.row = None

    def _lay_out(self, cells: list[tuple[str, int, int]], header: bool) -> list:
        """One row on the grid. In a body row a cell spanning columns is written once and the columns
        after it hold None (row_line puts it under all their headers); a header cell spanning columns
        heads each of them ("3–5 years" over "Median" and "P90")."""
        out: list = []

        def take_pending():
            while len(out) in self._pending:
                slot = self._pending[len(out)]
                out.append("" if header and slot[2] else slot[0])
                slot[1] -= 1
                if slot[1] <= 0:
                    del self._pending[len(out) - 1]

        for text, colspan, rowspan in cells:
            take_pending()
            first = len(out)
            out.extend([text] * colspan if header else [text] + [None] * (colspan - 1))
            if rowspan > 1:
                for col in range(first, first + colspan):
                    self._pending[col] = [text if header or col == first else None, rowspan - 1, header]
        take_pending()
        return out


class _Reader(HTMLParser):
    def __init__(self, chrome: set[int] = frozenset()):
        super().__init__(convert_charrefs=True)
        self.out = TextBuilder()
        self._chrome, self._chrome_seen = chrome, 0
        self.title = ""
        self._in_title = False
        self._buf: list[str] = []
        self._bold_chars = 0
        self._bold = 0
        self._skip = 0
        self._heading: int | None = None
        self._item = False
        self._dt = False
        self._term: str | None = None  # a <dl> term waiting for its description
        self._last = ""  # kind of the last block written: "item", "para", "heading", "br"
        self._level = 0  # level of the last h1-h6: bold lines and <dt>s sit below it, as siblings
        self._tables: list[_Table] = []
        self._hidden_tag: str | None = None  # the element hiding what is inside it, and how deep we are in it
        self._hidden_depth = 0

    # -- blocks -----------------------------------------------------------------------------
    def _flush(self):
        if self._term is not None:  # a term with no description: an item of its own
            term, self._term = self._term, None
            self.out.line("- " + term, blank_before=self._last != "item")
            self._last = "item"
        text = clean("".join(self._buf))
        bold = self._bold_chars >= len(text.replace(" ", "")) > 0
        self._buf, self._bold_chars = [], 0
        if not text:
            return
        out = self.out
        if self._heading is not None:
            out.heading(self._heading, text)
            self._level = self._heading
            self._last = "heading"
        elif self._item:
            out.line("- " + text, blank_before=self._last != "item")
            self._last = "item"
        elif (self._dt or bold) and len(text) <= 120 and text[-1] not in ".:;," and not self._tables:
            out.heading(min(max(self._level, 1) + 1, 6), text)  # a bold line standing alone names what follows
            self._last = "heading"
        else:
            out.line(text, blank_before=self._last != "br")
            self._last = "para"

    def handle_starttag(self, tag, attrs):
        navigation = False
        if tag in _CHROME:  # counted before anything returns, as the first pass counts them
            navigation, self._chrome_seen = self._chrome_seen in self._chrome, self._chrome_seen + 1
        if self._hidden_tag is not None:
            if tag != self._hidden_tag:
                return
            if tag not in ("p", "li"):
                self._hidden_depth += 1
                return
            self._hidden_tag = None  # a new <p> or <li> ends the hidden one, as browsers do
        if tag not in _VOID and (navigation or hidden(attrs)):
            self._hidden_tag, self._hidden_depth = tag, 1
            return
        if tag == "title":
            self._in_title = True
        if tag in _SKIP:
            self._skip += 1
            return
        table = self._tables[-1] if self._tables else None
        if tag == "table":
            if table is None:
                self._flush()
            self._tables.append(_Table())
        elif table is not None:
            self._table_tag(table, tag, attrs)
        elif tag in _BOLD:
            self._bold += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag == "li":
            self._flush()
            self._item = True
        elif tag == "dd" and self._term is not None:  # "- Term: its description", one item
            self._buf, self._term = [self._term + ": "], None
            self._item = True
        elif tag in _BLOCKS:
            self._flush()
            self._dt = tag in ("dt", "summary")  # a term or an accordion's question heads what follows
            if tag == "br":
                self._last = "br" if self._last == "para" else self._last

    def _table_tag(self, table: _Table, tag: str, attrs):
        if tag == "caption":
            table.cell, table.row = [], None
        elif tag == "thead":
            table.in_head = True
        elif tag in ("tbody", "tfoot"):
            table.end_row()
            table.in_head = False
        elif tag == "tr":
            table.end_row()
            table.row, table.row_all_th = [], True
        elif tag in ("td", "th"):
            table.end_cell()
            if table.row is None:
                table.row, table.row_all_th = [], True
            table.row_all_th &= tag == "th"
            spans = dict(attrs)
            table.span = tuple(min(int(v), 20) if (v := (spans.get(k) or "1").strip()).isdigit() and int(v) > 0 else 1
                               for k in ("colspan", "rowspan"))
            table.cell = []
        elif tag in ("br", "p", "li", "div") and table.cell is not None:
            table.cell.append(" ")

    def handle_endtag(self, tag):
        if self._hidden_tag is not None:
            if tag == self._hidden_tag:
                self._hidden_depth -= 1
                if not self._hidden_depth:
                    self._hidden_tag = None
            return
        if tag == "title":
            self._in_title = False
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._tables:
            table = self._tables[-1]
            if tag == "table":
                table.end_row()
                self._tables.pop()
                if self._tables:  # a table inside a cell: its text joins the cell
                    outer = self._tables[-1]
                    if outer.cell is not None:
                        outer.cell.append(" " + " ".join(" ".join(c for c in r if c) for r in table.header_rows + table.rows))
                else:
                    self._write_table(table)
            elif tag == "caption" and table.cell is not None:
                table.caption, table.cell = clean("".join(table.cell)), None
            elif tag in ("td", "th"):
                table.end_cell()
            elif tag == "tr":
                table.end_row()
            elif tag == "thead":
                table.end_row()
                table.in_head = False
            return
        if tag in _BOLD:
            self._bold = max(0, self._bold - 1)
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self._flush()
            self._heading = None
        elif tag == "li":
            self._flush()
            self._item = False
        elif tag == "dt" and self._dt and not clean("".join(self._buf)).endswith("?"):
            # a glossary's term is read with its description; a question in a <dt> heads its answer
            self._term, self._buf, self._bold_chars = clean("".join(self._buf)) or None, [], 0
            self._dt = False
        elif tag == "dd" and self._item:
            self._flush()
            self._item = False
        elif tag in _BLOCKS:
            self._flush()
            self._dt = False

    def _write_table(self, table: _Table):
        header = None
        if table.header_rows:
            width = max(len(r) for r in table.header_rows)
            header = [clean(" ".join(r[i] for r in table.header_rows if i < len(r) and r[i])) for i in range(width)]
        self.out.table(table.rows, header, table.caption)
        self._last = "table"

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._skip or self._hidden_tag is not None:
            return
        if self._tables:
            table = self._tables[-1]
            if table.cell is not None:
                table.cell.append(data)
            return
        self._buf.append(data)
        if self._bold:
            self._bold_chars += len(data.replace(" ", "").replace("\n", ""))

    def close(self):
        super().close()
        while self._tables:
            self.handle_endtag("table")
        self._flush()


def read_html(data: str) -> Document:
    """The page's visible text in the document model (source and hash are filled in by the caller)."""
    reader = _Reader(chrome(data))
    reader.feed(data)
    reader.close()
    text, headings, tables, pages = reader.out.result()
    return Document("", text, "", "html", headings, pages, tables, clean(reader.title))
