"""Turn answers into inert Markdown and HTML for the chat page; no Gradio, no answering.

Everything that reaches the page from a document or a model passes through `md_escape` (chat
messages, which the browser renders as Markdown) or `html.escape` (the sources panel, the chart,
the document list), so a passage holding `<script>` or `![x](http://...)` shows as text: no tag
is created and no image is fetched. The few tags here are our own, built around escaped text.

Also here: the salary-band chart data taken from the figures in cited passages, and the
Markdown export of a conversation. Upload checks live in `uploads.py`, the page in `ui.py`.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

from .document import row_cells
from .schema import Answer, Citation

# The page's styles; Gradio 6 takes them at launch() (see ui.launch_options).
CSS = """
.refusal { border-left: 4px solid #d97706; background: rgba(217,119,6,.08); padding: .5em .8em; border-radius: 4px; }
.ask-error { border-left: 4px solid #dc2626; padding: .5em .8em; }
small.cited, small.retrieval-query, .retrieval-query { opacity: .75; font-size: .8em; }
.sources .source { margin-bottom: .8em; }
.sources .source-head { font-weight: 600; }
.sources .source-section, .sources .source-score, .sources .source-page { font-size: .85em; opacity: .8; font-weight: 400; }
.sources blockquote { margin: .3em 0; padding-left: .6em; border-left: 3px solid #ccc; white-space: pre-wrap; }
.sources mark { background: #fde68a; color: inherit; }
.sources table.rows { border-collapse: collapse; margin: .3em 0; font-size: .9em; white-space: normal; }
.sources table.rows th, .sources table.rows td { border: 1px solid rgba(127,127,127,.35); padding: .15em .4em; text-align: left; }
.sources table.rows tr.cited td { background: rgba(253,230,138,.45); }
.salary-chart { margin: 0 0 1em 0; }
.salary-chart figcaption { font-weight: 600; margin-bottom: .4em; }
.salary-chart .band { display: grid; grid-template-columns: 38% 1fr 7.5em; align-items: center; gap: .5em; margin: .25em 0; font-size: .85em; }
.salary-chart .band-track { position: relative; height: 1em; background: rgba(127,127,127,.12); border-radius: 3px; }
.salary-chart .band-bar { position: absolute; top: 0; bottom: 0; background: #2563eb; border-radius: 3px; }
.salary-chart .open-ended .band-bar { background: linear-gradient(90deg, #2563eb 70%, rgba(37,99,235,.15)); }
.salary-chart .axis .band-track { background: none; height: 1.2em; }
.salary-chart .tick { position: absolute; transform: translateX(-50%); font-size: .8em; opacity: .7; }
.salary-chart .chart-source { font-size: .8em; opacity: .75; margin-top: .3em; }
table.documents { width: 100%; font-size: .9em; }
"""


REFUSAL_LABEL = "Not covered by the documents"

_IMAGE_OR_LINK_DEF = re.compile(r"(!\[)|(^[ \t]*\[[^\]\n]*\]:)", re.MULTILINE)


def md_escape(text: str) -> str:
    """Make document or model text safe to render as Markdown, keeping lists and emphasis.

    HTML becomes text, images become plain brackets, code spans and link definitions are disarmed:

    >>> md_escape('<img src=x onerror=alert(1)> ![pic](http://a/b.png) `x`')
    '&lt;img src=x onerror=alert(1)&gt; !\\\\[pic](http://a/b.png) \\\\`x\\\\`'
    """
    text = html.escape(text, quote=False).replace("`", "\\`")
    return _IMAGE_OR_LINK_DEF.sub(lambda m: "!\\[" if m.group(1) else "\\" + m.group(2).lstrip(), text)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def location(citation: Citation) -> str:
    """'guide.txt › Salary Expectations (p. 3)': where a cited passage comes from, as plain text."""
    parts = [citation.source]
    if citation.section:
        parts.append(citation.section.replace(" > ", " › "))
    where = " › ".join(parts)
    return f"{where} (p. {citation.page})" if citation.page else where


def highlight(text: str, quotes: Iterable[str]) -> str:
    """Escape `text` as HTML and wrap each quoted sentence in <mark>.

    >>> highlight("A <b>. B is 2.", ["B is 2."])
    'A &lt;b&gt;. <mark>B is 2.</mark>'
    """
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        quote = quote.strip()
        if not quote:
            continue
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote)))
            start = text.find(quote, start + len(quote))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(html.escape(text[pos:start], quote=False))
        out.append(f"<mark>{html.escape(text[start:end], quote=False)}</mark>")
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def _quoted(line: str, quotes: Iterable[str]) -> bool:
    return any(q.strip() and (q.strip() in line or line.strip() in q) for q in quotes)


def passage_html(text: str, quotes: Iterable[str]) -> str:
    """A cited passage as HTML: table rows as a table (the cited rows and cells marked), the rest highlighted.

    >>> passage_html("Pay\\nCity: Pune | Junior: 9 LPA\\nCity: Goa | Junior: 7 LPA", ["City: Goa | Junior: 7 LPA"])
    'Pay\\n<table class="rows"><tr><th>City</th><th>Junior</th></tr><tr><td>Pune</td><td>9 LPA</td></tr><tr class="cited"><td><mark>Goa</mark></td><td><mark>7 LPA</mark></td></tr></table>'
    """
    quotes = [q for q in quotes if q and q.strip()]
    out, lines = [], text.split("\n")
    i = 0
    while i < len(lines):
        group = []
        while i + len(group) < len(lines) and row_cells(lines[i + len(group)]) is not None:
            group.append(lines[i + len(group)])
        if not group:
            out.append(highlight(lines[i], quotes) + ("\n" if i < len(lines) - 1 else ""))
            i += 1
            continue
        headers: list[str] = []
        for line in group:
            headers += [h for h, _ in row_cells(line) if h not in headers]
        rows = ["<tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr>"]
        for line in group:
            cells = dict(row_cells(line))
            cited = _quoted(line, quotes)
            whole = any(line.strip() in q for q in quotes)  # the row quoted whole, not one cell of it
            tds = []
            for h in headers:
                value = cells.get(h, "")
                mark = bool(value) and (whole or any(f"{h}: {value}" in q or q.strip() in value for q in quotes))
                tds.append(f"<td><mark>{_e(value)}</mark></td>" if mark else f"<td>{_e(value)}</td>")
            rows.append(('<tr class="cited">' if cited else "<tr>") + "".join(tds) + "</tr>")
        out.append('<table class="rows">' + "".join(rows) + "</table>")
        i += len(group)
    return "".join(out)


def answer_markdown(answer: Answer) -> str:
    """The chat bubble for an answer: its text with [n] markers, then its sources in small print."""
    if not answer.answered:
        return refusal_html(answer)
    lines = []
    if answer.notice:
        lines.append(f"*{md_escape(answer.notice)}*\n")
    lines.append(md_escape(answer.text))
    if answer.citations:
        cited = " · ".join(f"[{c.number}] {_e(location(c))}" for c in answer.citations)
        by = f" · answered by {_e(answer.backend)}" if answer.backend and answer.backend != "extractive" else ""
        lines.append(f"\n<small class=\"cited\">Sources: {cited}{by}</small>")
    if answer.query and answer.question and answer.query.strip() != answer.question.strip():
        lines.append(f"\n<small class=\"retrieval-query\">Searched for: {_e(answer.query)}</small>")
    return "\n".join(lines)


def refusal_html(answer: Answer) -> str:
    """A "not covered" reply: set apart from answers, naming the topics the documents do cover."""
    parts = [f'<div class="refusal"><strong>{REFUSAL_LABEL}.</strong>']
    if answer.notice:
        parts.append(f"<p><em>{_e(answer.notice)}</em></p>")
    if answer.text:
        parts.append(f"<p>{_e(answer.text)}</p>")
    if answer.topics and not all(t in answer.text for t in answer.topics):
        items = "".join(f"<li>{_e(t)}</li>" for t in answer.topics)
        parts.append(f"<p>The documents cover:</p><ul class=\"topics\">{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def error_markdown(message: str) -> str:
    return f'<div class="ask-error"><strong>Could not answer:</strong> {_e(message)}</div>'


def sources_html(answer: Answer | None) -> str:
    """The sources panel: a salary chart when the cited passages hold bands, then each cited passage."""
    if answer is None:
        return '<div class="sources empty"><p>Sources for an answer appear here.</p></div>'
    if not answer.answered or not answer.citations:
        return '<div class="sources empty"><p>No passages were cited for this reply.</p></div>'
    parts = ['<div class="sources">']
    parts.append(chart_html(salary_bands(answer.citations)))
    if answer.query:
        parts.append(f'<p class="retrieval-query"><small>Retrieval query: {_e(answer.query)}</small></p>')
    parts.append('<ol class="source-list">')
    for c in answer.citations:
        page = f' <span class="source-page">page {_e(c.page)}</span>' if c.page else ""
        parts.append(
            f'<li class="source" id="source-{c.number}">'
            f'<div class="source-head"><span class="cite-num">[{c.number}]</span> '
            f'<span class="source-file">{_e(c.source)}</span>{page} '
            f'<span class="source-score">score {c.score:.2f}</span></div>'
            f'<div class="source-section">{_e(c.section.replace(" > ", " › "))}</div>'
            f'<blockquote class="source-text">{passage_html(c.text, c.quotes)}</blockquote></li>'
        )
    parts.append("</ol></div>")
    return "".join(parts)


@dataclass(frozen=True)
class Band:
    """One salary band found in a cited passage, in lakh per annum (high is inf for a lone "60+")."""

    label: str
    low: float
    high: float
    citation: int
    raw: str
    open_ended: bool = False  # printed with a "+": the top of the band is not a ceiling


def salary_bands(citations: Iterable[Citation]) -> list[Band]:
    """The money ranges in the cited passages, labelled by the text before them on their line.

    "- Junior ML Engineer (0-2 years): ₹8,00,000 – ₹12,00,000 per annum" gives
    Band("Junior ML Engineer (0-2 years)", 8.0, 12.0, citation=1, raw=...).
    """
    from .figures import parse_money, rupees_to_lpa

    bands: list[Band] = []
    seen: set[tuple[str, float, float]] = set()
    for citation in citations:
        rows, pos = [], 0
        for line in citation.text.split("\n"):
            if row_cells(line) is not None:
                rows.append((pos, pos + len(line), line))
            pos += len(line) + 1
        quoted = [r for r in rows if _quoted(r[2], citation.quotes)]
        for band in _row_bands(quoted or rows, citation.number):
            if (band.label, band.low, band.high) not in seen:
                seen.add((band.label, band.low, band.high))
                bands.append(band)
        for fig in parse_money(citation.text):
            if fig.high is None or fig.low is None or fig.high == fig.low:
                continue  # a single amount, not a band
            if any(start <= fig.start < end for start, end, _ in rows):
                continue  # drawn from its row above
            line_start = citation.text.rfind("\n", 0, fig.start) + 1
            label = citation.text[line_start:fig.start].strip(" \t-•*:–—") or citation.section.rsplit(" > ", 1)[-1]
            low = rupees_to_lpa(fig.low)
            high = math.inf if math.isinf(fig.high) else rupees_to_lpa(fig.high)
            key = (label, low, high)
            if key not in seen:
                seen.add(key)
                open_ended = math.isinf(high) or fig.raw.rstrip().endswith("+")
                bands.append(Band(label, low, high, citation.number, fig.raw, open_ended))
    return bands


_LAKH_UNIT = re.compile(r"\b(lpa|lakhs?|lac)\b", re.I)


def _row_bands(rows: list[tuple[int, int, str]], number: int) -> list[Band]:
    """Pay figures of table rows: one per money cell, labelled by the row's first cell (and the column).

    "City: Chennai | 0–2 years: 8.7 LPA | 3–5 years: 16.9 LPA" gives Band("Chennai · 0–2 years", 8.7, 8.7)
    and Band("Chennai · 3–5 years", 16.9, 16.9); a column named "Salary range (LPA)" lends its unit
    to bare figures such as "14-22".
    """
    from .figures import parse_money, rupees_to_lpa

    out = []
    for _, _, line in rows:
        cells = row_cells(line) or []
        if len(cells) < 2:
            continue
        money = []
        for header, value in cells[1:]:
            figs = parse_money(value)
            if not figs and _LAKH_UNIT.search(header) and re.fullmatch(r"[₹\s]*\d[\d.,]*\s*(?:[-–]\s*\d[\d.,]*)?\+?", value):
                figs = parse_money(f"{value} LPA")
            if figs and figs[0].low is not None:
                money.append((header, figs[0]))
        for header, fig in money[:8]:
            label = f"{cells[0][1]} · {header}" if len(money) > 1 else cells[0][1]
            high = fig.low if fig.high is None else fig.high
            low, top = rupees_to_lpa(fig.low), (math.inf if math.isinf(high) else rupees_to_lpa(high))
            out.append(Band(label, low, top, number, fig.raw, math.isinf(top) or fig.raw.rstrip().endswith("+")))
    return out[:24]


def _lpa(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def chart_html(bands: list[Band]) -> str:
    """Horizontal range bars, min to max per level on one lakh-per-annum axis, sources underneath."""
    if not bands:
        return ""
    finite = [b.high for b in bands if not math.isinf(b.high)] + [b.low for b in bands]
    top = max(finite) * 1.15 or 1.0
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000) if top / s <= 8)
    top = math.ceil(top / step) * step
    rows = []
    for b in bands:
        high = top if math.isinf(b.high) else b.high
        left, width = 100 * b.low / top, max(100 * (high - b.low) / top, 0.8)
        if math.isinf(b.high):
            value = f"{_lpa(b.low)}+ LPA"
        elif b.high == b.low:
            value = f"{_lpa(b.low)} LPA"  # one figure (a table cell), drawn as a mark
        else:
            value = f"{_lpa(b.low)}–{_lpa(b.high)}{'+' if b.open_ended else ''} LPA"
        rows.append(
            f'<div class="band{" open-ended" if b.open_ended else ""}">'
            f'<span class="band-label">{_e(b.label)}</span>'
            f'<span class="band-track"><span class="band-bar" style="left:{left:.2f}%;width:{width:.2f}%"></span></span>'
            f'<span class="band-value">{value} <sup>[{b.citation}]</sup></span></div>'
        )
    ticks = "".join(
        f'<span class="tick" style="left:{100 * t / top:.2f}%">{t}</span>' for t in range(0, int(top) + 1, step)
    )
    cited = sorted({b.citation for b in bands})
    return (
        '<figure class="salary-chart"><figcaption>Salary bands, lakh per annum (LPA)</figcaption>'
        + "".join(rows)
        + f'<div class="band axis"><span class="band-label"></span><span class="band-track">{ticks}</span>'
        '<span class="band-value"></span></div>'
        + f'<p class="chart-source">From the cited passage{"s" if len(cited) > 1 else ""} '
        + ", ".join(f"[{n}]" for n in cited)
        + "; bands as printed, not adjusted.</p></figure>"
    )


def documents_html(documents: list[dict], scope: str | None) -> str:
    """The indexed documents as a small table: name, passages, who can see it."""
    if not documents:
        return "<p>No documents are indexed.</p>"
    rows = "".join(
        f"<tr><td>{_e(d['name'])}</td><td>{_e(d.get('passages', ''))}</td>"
        f"<td>{'this session' if d.get('scope') and d.get('scope') == scope else 'everyone'}</td></tr>"
        for d in documents
    )
    return (
        '<table class="documents"><thead><tr><th>Document</th><th>Passages</th><th>Visible to</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def conversation_markdown(turns: list[dict], *, backend: str, index_version: str, exported: str) -> str:
    """A conversation as Markdown: each question, its answer, and the full text of every cited passage."""
    out = [
        "# Conversation with the ML Engineer Jobs in India assistant",
        "",
        f"Exported {exported} · answerer: {backend} · index version: {index_version}",
    ]
    for i, turn in enumerate(turns, 1):
        out += ["", f"## {i}. {turn['question']}", ""]
        answer: Answer | None = turn.get("answer")
        if answer is None:
            out.append(f"_Could not answer: {turn.get('error') or 'no answer'}_")
            continue
        if not answer.answered:
            out.append(f"**{REFUSAL_LABEL}.** {answer.text}")
            if answer.topics:
                out += ["", "The documents cover: " + "; ".join(answer.topics)]
            continue
        out.append(answer.text)
        if answer.query and answer.query != answer.question:
            out += ["", f"_Retrieval query: {answer.query}_"]
        if answer.citations:
            out += ["", "**Sources**"]
        for c in answer.citations:
            out += ["", f"[{c.number}] {location(c)} — score {c.score:.2f}", ""]
            out += ["> " + line if line else ">" for line in c.text.splitlines()]
    return "\n".join(out) + "\n"
