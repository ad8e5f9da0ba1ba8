"""Cut documents into small, section-aware passages that a citation can point at.

A passage is a paragraph, a few sentences, or a list item (a short list stays whole with its
lead-in line), at most `max_chars` long, carrying its heading breadcrumb and exact offsets:
`document.text[p.start:p.end] == p.text`. Headings come from the markup when the reader found
them (Markdown, HTML, PDF outline, DOCX) and are detected in plain text otherwise.
Leaves out: reading files (corpus.py) and embedding (embedding.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .corpus import Document, Heading
from .schema import Passage
from .text import name_like, sentence_spans, trim as _trim

_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•▪–]|\d{1,2}[.)])[ \t]+\S")
_FUNCTION_WORDS = {
    "a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to",
    "vs", "with", "your", "you", "how", "what", "why", "where", "which", "who", "when", "do", "does",
}



@dataclass
class _Block:
    kind: str  # "para" | "item"
    start: int
    end: int
    section: str
    heading_start: int | None = None  # the first block of a section starts at its heading line


def chunk_document(doc: Document, max_chars: int = 500) -> list[Passage]:
    """Passages of `doc` in reading order.

    >>> doc = Document("g.txt", "ML Guide\\nPay\\nJuniors earn:\\n- 8 LPA\\n- 12 LPA\\n", "h", "txt")
    >>> [(p.section, p.text) for p in chunk_document(doc)]
    [('Pay', 'Pay\\nJuniors earn:\\n- 8 LPA\\n- 12 LPA')]
    """
    text = doc.text
    lines = _lines(text)
    headings = doc.headings if doc.headings is not None else detect_headings(text, lines)
    title, blocks = _blocks(text, lines, headings)
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "item" or (block.kind == "para" and _is_lead_in(text, block, blocks, i)):
            j = i + 1 if block.kind == "para" else i
            while j < len(blocks) and blocks[j].kind == "item" and blocks[j].section == block.section:
                j += 1
            spans.extend(_list_spans(text, blocks[i:j], max_chars))
            i = j
        else:
            spans.extend((s, e, block.section) for s, e in _pack(text, block.start, block.end, max_chars))
            i += 1
    spans = [_with_heading(text, span, blocks, max_chars) for span in spans]
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
        )
        for n, (s, e, section) in enumerate(spans)
    ]


def _with_heading(text: str, span: tuple[int, int, str], blocks: list[_Block], max_chars: int) -> tuple[int, int, str]:
    """Start the first passage of a section at its heading line, so the passage names its subject."""
    start, end, section = span
    for block in blocks:
        if block.heading_start is not None and _trim(text, block.start, block.end)[0] == start:
            if end - block.heading_start <= max_chars:
                return block.heading_start, end, section
    return span


def detect_headings(text: str, lines: list[tuple[int, int]] | None = None) -> list[Heading]:
    """Headings of plain text: short title-case lines without closing punctuation.

    The first such line opening the document is the title (level 1); others are level 2,
    except a run of name-like headings ("Bangalore", "Hyderabad & Pune") right after a
    lead-in ending with ':', which are level 3 under the heading before them.
    """
    lines = _lines(text) if lines is None else lines
    headings: list[Heading] = []
    in_run = False
    for n, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        nxt = next((text[a:b] for a, b in lines[n + 1 :] if text[a:b].strip()), "")
        if not line or not nxt or not _looks_like_heading(line):
            if line.endswith(":"):  # a lead-in straight before a heading opens a run of sub-headings
                in_run = _looks_like_heading(nxt.strip()) and not _LIST_ITEM.match(nxt)
            continue
        s += len(text[s:e]) - len(text[s:e].lstrip())
        if n == 0 or not any(text[a:b].strip() for a, b in lines[:n]):
            level = 1
        elif in_run and name_like(line):
            level = 3
        else:
            level, in_run = 2, False
        headings.append(Heading(level, s, s + len(line)))
    return headings


def _looks_like_heading(line: str) -> bool:
    if not line or len(line) > 100 or _LIST_ITEM.match(line) or line[-1] in ".,;:!" or not line[0].isupper() and not line[0].isdigit():
        return False
    words = re.findall(r"[A-Za-z][\w'’/-]*", line)
    if not words or len(line.split()) > 12:
        return False
    content = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitalised / len(content) >= 0.7


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _blocks(text: str, lines, headings: list[Heading]) -> tuple[str, list[_Block]]:
    """Paragraph and list-item blocks with their breadcrumb; a lone level-1 heading is the title."""
    heads = sorted(headings, key=lambda h: h.start)
    title_head = heads[0] if heads and heads[0].level == 1 and sum(h.level == 1 for h in heads) == 1 else None
    title = text[title_head.start : title_head.end].strip() if title_head else ""
    stack: list[tuple[int, str]] = []
    blocks: list[_Block] = []
    pending_heading: int | None = None
    h = 0
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
        if not line.strip():
            blocks.append(_Block("blank", s, e, ""))
            continue
        section = " > ".join(name for _, name in stack)
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
