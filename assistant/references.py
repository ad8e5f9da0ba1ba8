"""Which document a question points at: "according to the hiring report", "in my sheet", "the roadmap".

With several documents, a question that names one of them by what it is ("the salary survey", "the
12-month roadmap", "the policy") is answered from that document, even when another document says
something similar in closer words. A reference is a noun for a kind of document, with the words
before it ("the hiring report"), matched against each document's title and file name; a sheet,
workbook or CSV is also any spreadsheet file. Only a reference that picks out one document counts.
General words of the field (what documents are called), never one document's wording.
Pure string logic, no heavy imports.
"""

from __future__ import annotations

import re

from .lexicon import STOPWORDS
from .text import stem, tokens

# Nouns for kinds of documents; "guide", "document" and "page" name any document, so they point at
# one only together with another word of its title ("the pay guide").
_KINDS = ("report|survey|roadmap|plan|checklist|faq|handbook|policy|newsletter|thread|forum|talk|deck|slides?|"
          "transcript|panel|sheet|spreadsheet|workbook|csv|guide|document|doc|article|post|page|pdf|table")
_GENERIC = {"guide", "document", "doc", "article", "post", "page", "table"}
_REFERENCE = re.compile(rf"\b(?:the|my|this|that|your|our)\s+((?:[\w'’-]+\s+){{0,3}}?(?:{_KINDS}))\b", re.I)
_SUFFIXES = {"sheet": (".xlsx", ".csv"), "spreadsheet": (".xlsx", ".csv"), "workbook": (".xlsx",), "csv": (".csv",), "pdf": (".pdf",)}


def referred_document(question: str, titles: dict[str, str]) -> str | None:
    """The source (of `titles`: source -> title) the question names as a document, or None.

    >>> docs = {"india-ai-hiring-report-2026.pdf": "India AI Hiring Report 2026", "ml-roadmap-12-months.txt": "A 12-month roadmap",
    ...         "rates.xlsx": "Freelance rates", "pay-guide.txt": "GenAI pay guide", "ml-engineer-jobs-india.txt": "ML jobs in India"}
    >>> referred_document("how much did postings grow according to the hiring report?", docs)
    'india-ai-hiring-report-2026.pdf'
    >>> referred_document("whats the highest rate in my sheet", docs), referred_document("In the final months of the roadmap?", docs)
    ('rates.xlsx', 'ml-roadmap-12-months.txt')
    >>> referred_document("According to the guide, what do juniors earn?", docs) is None  # "guide" alone names any document
    True
    """
    best: dict[str, int] = {}
    for m in _REFERENCE.finditer(question):
        words = [w for w in tokens(m.group(1)) if w not in STOPWORDS]
        if not words:
            continue
        noun, qualifiers = words[-1], [stem(w) for w in words[:-1]]
        for source, title in titles.items():
            own = {stem(w) for w in tokens(title + " " + re.sub(r"[-_.]+", " ", source))}
            held = sum(1 for q in qualifiers if q in own)
            kind = stem(noun) in own or (noun in _SUFFIXES and source.lower().endswith(_SUFFIXES[noun]))
            if kind and (held or noun not in _GENERIC) or held >= 2:
                best[source] = max(best.get(source, 0), held + kind)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    return ranked[0][0] if len(ranked) == 1 or ranked[0][1] > ranked[1][1] else None
