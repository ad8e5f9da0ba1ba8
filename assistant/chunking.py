"""Cut documents into small, section-aware passages that a citation can point at.

A passage is a paragraph, a few sentences, a list item (a short list stays whole with its lead-in
line) or table rows, at most `max_chars` long, carrying its heading breadcrumb and exact offsets:
`document.text[p.start:p.end] == p.text`. A small table stays whole in one passage; a larger one
becomes a passage per few rows, each row a line that repeats the header ("City: Chennai | 0–2
years: 8.7 LPA"), with the table's caption (if it has one) at the end of the breadcrumb.
Headings come from the markup when the reader found them (Markdown, HTML, PDF, DOCX) and are
found from the text's shape otherwise (headings.py). The title (the one level-1 heading, else
the file's own title) is kept apart from the breadcrumb.
Leaves out: reading files (corpus.py and the readers) and embedding (embedding.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Document, Heading
from .headings import LIST_ITEM as _LIST_ITEM, detect_headings, lines_of as _lines
from .schema import Passage
from .text import sentence_spans, trim as _trim
from .voices import TURN

TABLE_PASSAGE_CHARS = 250  # rows of a large table are packed into passages of about this size


@dataclass
class _Block:
    kind: str  # "para" | "item" | "row" (a table's caption or row)
    start: int
    end: int
    section: str
    heading_start: int | None = None  # the first block of a section starts at its heading line
    table: int = -1  # index in Document.tables for rows


def chunk_document(doc: Document, max_chars: int = 500) -> list[Passage]:
    """Passages of `doc` in reading order.

    >>> doc = Document("g.txt", "ML Guide\\nPay\\nJuniors earn:\\n- 8 LPA\\n- 12 LPA\\n", "h", "txt")
    >>> [(p.section, p.text) for p in chunk_document(doc)]
    [('Pay', 'Pay\\nJuniors earn:\\n- 8 LPA\\n- 12 LPA')]
    """
    text = doc.text
    lines = _lines(text)
    headings = doc.headings if doc.headings is not None else detect_headings(text, lines)
    title, blocks = _blocks(text, lines, headings, doc)
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "row":
            j = i
            while j < len(blocks) and blocks[j].kind == "row" and blocks[j].table == block.table:
                j += 1
            spans.extend(_table_spans(text, blocks[i:j], max_chars))
            i = j
        elif block.kind == "item" or (block.kind == "para" and _is_lead_in(text, block, blocks, i)):
            j = i + 1 if block.kind == "para" else i
            while j < len(blocks) and blocks[j].kind == "item" and blocks[j].section == block.section:
                j += 1
            spans.extend(_list_spans(text, blocks[i:j], max_chars))
            i = j
        else:
            spans.extend((s, e, block.section) for s, e in _pack(text, block.start, block.end, max_chars))
            i += 1
    spans = [_with_heading(text, span, blocks, max_chars) for span in spans]
    introduced = speaker_introductions(text)
    return [
        Passage(
            id=f"{doc.hash[:16]}-{n:05d}",
            text=text[s:e],
            source=doc.source,
            section=section,
            start=s,
            end=e,
            page=doc.page_at(s),
            doc_hash=doc.hash,
            title=title,
            speakers=_speakers(text[s:e], introduced),
        )
        for n, (s, e, section) in enumerate(spans)
    ]


_WORD = re.compile(r"[^\W_]")


def speaker_introductions(text: str) -> dict[str, str]:
    """A transcript's speakers as it first introduces them ("PRIYA (Head of ML, a fintech)"), by
    name; {} unless at least two speakers are introduced so (then it is a transcript).

    >>> speaker_introductions("PRIYA (Head of ML, a fintech): Hi.\\nARJUN (Director, a GCC): Hello.\\nPRIYA: Yes.")
    {'PRIYA': 'PRIYA (Head of ML, a fintech)', 'ARJUN': 'ARJUN (Director, a GCC)'}
    """
    found: dict[str, str] = {}
    for m in TURN.finditer(text):
        if m.group(2) and m.group(1) not in found:
            found[m.group(1)] = f"{m.group(1)} {m.group(2)}"
    return found if len(found) >= 2 else {}


def _speakers(passage_text: str, introduced: dict[str, str]) -> str:
    """The introductions of the speakers whose turns the passage holds, in order."""
    if not introduced:
        return ""
    names = dict.fromkeys(m.group(1) for m in TURN.finditer(passage_text) if m.group(1) in introduced)
    return "; ".join(introduced[n] for n in names)


def _with_heading(text: str, span: tuple[int, int, str], blocks: list[_Block], max_chars: int) -> tuple[int, int, str]:
    """Start the first passage of a section at its heading line, so the passage names its subject."""
    start, end, section = span
    for block in blocks:
        if block.heading_start is not None and _trim(text, block.start, block.end)[0] == start:
            if end - block.heading_start <= max_chars:
                return block.heading_start, end, section
    return span


def _blocks(text: str, lines, headings: list[Heading], doc: Document) -> tuple[str, list[_Block]]:
    """Paragraph, list-item and table-row blocks with their breadcrumb; the lone level-1 heading is the title."""
    heads = sorted(headings, key=lambda h: h.start)
    top = [h for h in heads if h.level == 1]
    title_head = top[0] if len(top) == 1 else None
    title = text[title_head.start : title_head.end].strip() if title_head else doc.title
    tables = sorted(enumerate(doc.tables), key=lambda t: t[1].start)
    stack: list[tuple[int, str]] = []
    blocks: list[_Block] = []
    pending_heading: int | None = None
    h = t = 0
    for s, e in lines:
        while h < len(heads) and heads[h].end <= s:
            h += 1
        if h < len(heads) and heads[h].start < e:
            head = heads[h]
            if head is not title_head:
                stack = [x for x in stack if x[0] < head.level] + [(head.level, text[head.start : head.end].strip())]
                pending_heading = s
            continue
        line = text[s:e]
        if not _WORD.search(line):  # blank, or a rule ("----", "* * *"): it separates, it says nothing
            blocks.append(_Block("blank", s, e, ""))
            continue
        section = " > ".join(name for _, name in stack)
        while t < len(tables) and tables[t][1].end <= s:
            t += 1
        if t < len(tables) and tables[t][1].start <= s:
            index, table = tables[t]
            crumb = f"{section} > {table.caption}" if section and table.caption else section or table.caption
            blocks.append(_Block("row", s, e, crumb, pending_heading, index))
            pending_heading = None
            continue
        kind = "item" if _LIST_ITEM.match(line) else "para"
        prev = blocks[-1] if blocks else None
        if kind == "para" and prev and prev.kind == "para" and prev.section == section and not text[prev.start : prev.end].rstrip().endswith(":"):
            prev.end = e  # a wrapped paragraph continues on the next line
        elif kind == "para" and prev and prev.kind == "item" and prev.section == section and line[:1] in " \t":
            prev.end = e  # an indented continuation of a list item
        else:
            blocks.append(_Block(kind, s, e, section, pending_heading))
            pending_heading = None
    return title, [b for b in blocks if b.kind != "blank"]


def _table_spans(text: str, rows: list[_Block], max_chars: int) -> list[tuple[int, int, str]]:
    """A small table whole; a larger one as runs of whole rows (the caption line joins the first)."""
    section = rows[0].section
    if rows[-1].end - rows[0].start <= max_chars:
        return [(rows[0].start, rows[-1].end, section)]
    spans: list[tuple[int, int, str]] = []
    start = end = None
    for row in rows:
        if start is not None and row.end - start > min(TABLE_PASSAGE_CHARS, max_chars):
            spans.append((start, end, section))
            start = None
        if row.end - row.start > max_chars:  # one very wide row: runs of whole cells
            if start is not None:
                spans.append((start, end, section))
                start = None
            spans.extend((s, e, section) for s, e in _cells(text, row.start, row.end, max_chars))
            continue
        start = row.start if start is None else start
        end = row.end
    if start is not None:
        spans.append((start, end, section))
    return spans


def _cells(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A table row too wide for one passage as runs of whole cells ("Header: value"); a cell wider
    than a passage is cut like a long sentence.

    >>> row = "Platform: A | Fee: 10% | Terms: paid weekly"
    >>> [row[s:e] for s, e in _cells(row, 0, len(row), 25)]
    ['Platform: A | Fee: 10%', 'Terms: paid weekly']
    """
    bounds = [start] + [start + m.start() for m in re.finditer(r" \| ", text[start:end])] + [end]
    out: list[tuple[int, int]] = []
    for i in range(len(bounds) - 1):
        s = bounds[i] + (3 if i else 0)  # after " | "
        e = bounds[i + 1]
        if e - s > max_chars:
            out.extend(_pack(text, s, e, max_chars))
        elif out and e - out[-1][0] <= max_chars and out[-1][1] == bounds[i]:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _is_lead_in(text: str, block: _Block, blocks: list[_Block], i: int) -> bool:
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return bool(nxt and nxt.kind == "item" and nxt.section == block.section and text[block.start : block.end].rstrip().endswith(":"))


def _list_spans(text: str, group: list[_Block], max_chars: int) -> list[tuple[int, int, str]]:
    """A short list stays whole with its lead-in; a long one becomes one passage per item."""
    section = group[0].section
    start, end = _trim(text, group[0].start, group[-1].end)
    if end - start <= max_chars:
        return [(start, end, section)]
    spans = []
    items = list(group)
    if items[0].kind == "para" and len(items) > 1 and items[1].end - items[0].start <= max_chars:
        first = items.pop(0)
        items[0] = _Block("item", first.start, items[0].end, section)
    for block in items:
        spans.extend((s, e, section) for s, e in _pack(text, block.start, block.end, max_chars))
    return spans


def _pack(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Whole sentences packed greedily into spans of at most max_chars (a longer sentence is cut at a space)."""
    out: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        while e - s > max_chars:
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            out.append(_trim(text, s, cut))
            s = _trim(text, cut, e)[0]
        if out and e - out[-1][0] <= max_chars and out[-1][1] <= s and "\n\n" not in text[out[-1][1] : s]:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return [span for span in out if span[1] > span[0]]
