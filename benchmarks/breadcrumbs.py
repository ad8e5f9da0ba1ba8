"""Breadcrumbs: is every passage filed under the right headings? Checked against hand-made lists.

tests/data/documents/headings-*.json hold, per document, the headings a person listed by reading
it ([level, "heading"], in order). Each document is read and cut exactly as indexing does; each
heading of the list is found in the document's text (in order, white space and Markdown marks
ignored); a passage's expected breadcrumb is the path of listed headings above its last character,
without the title (the list's one level-1 heading). A passage is right when its `section` is that
path. Table passages may also carry the table's caption after the path (the chunker files a
table's rows under its caption; see assistant/chunking.py), and may leave it off where the list
gives the caption as a heading of its own; such a listed caption heads its table only (the text
after a table belongs to the section around it, as a reader takes it). Target: >= 95% right in every document.

    python benchmarks/breadcrumbs.py            # one row per document, then the totals
    python benchmarks/breadcrumbs.py --show     # also every passage that is filed wrongly
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "tests" / "data" / "documents"
TARGET = 0.95


def heading_lists(folder: Path = DOCUMENTS) -> dict[str, list[tuple[int, str]]]:
    lists: dict[str, list[tuple[int, str]]] = {}
    for path in sorted(folder.glob("headings-*.json")):
        for name, items in json.loads(path.read_text(encoding="utf-8")).items():
            lists[name] = [(int(level), str(text)) for level, text in items]
    return lists


def _locate(text: str, headings: list[tuple[int, str]]) -> tuple[list[tuple[int, int, str]], list[str]]:
    """(offset, level, heading) of each listed heading found in order, and the ones not found."""
    found, missing, pos = [], [], 0
    for level, heading in headings:
        words = [re.escape(w) for w in re.sub(r"[*_`#]", " ", heading).split()]
        pattern = re.compile(r"^[ \t#>*_-]*" + r"[\s*_`]+".join(words), re.M | re.I)
        m = pattern.search(text, pos)
        if m is None:
            missing.append(heading)
            continue
        found.append((m.start(), level, heading))
        pos = m.end()
    return found, missing


def _expected(found: list[tuple[int, int, str]], offset: int, title: str | None, caption_ends: dict[str, int] | None = None) -> list[str]:
    """The listed path above `offset`. A listed heading that is a table's caption heads that table
    only: the text after the table belongs to the section around it."""
    stack: list[tuple[int, str]] = []
    for start, level, heading in found:
        if start > offset:
            break
        if heading == title:
            continue
        stack = [x for x in stack if x[0] < level] + [(level, heading)]
    ends = caption_ends or {}
    return [h for _, h in stack if not (_norm(h) in ends and offset >= ends[_norm(h)])]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[*_`#]", " ", text).split()).lower()


def measure(folder: Path = DOCUMENTS, max_chars: int = 500) -> list[dict]:
    """One row per listed document: passages, tables, right breadcrumbs and the wrong ones."""
    from assistant.chunking import chunk_document
    from assistant.corpus import read_document

    rows = []
    for name, headings in heading_lists(folder).items():
        path = folder / name
        if not path.exists():
            rows.append({"document": name, "error": "file not found"})
            continue
        doc = read_document(path)
        passages = chunk_document(doc, max_chars)
        found, missing = _locate(doc.text, headings)
        tops = [h for level, h in headings if level == 1]
        title = tops[0] if len(tops) == 1 else None
        captions = {t.caption for t in doc.tables if t.caption}
        caption_ends = {_norm(t.caption): t.end for t in doc.tables if t.caption}
        wrong = []
        for p in passages:
            path_ = _expected(found, p.end - 1, title, caption_ends)
            expected = " > ".join(path_)
            ok = p.section == expected
            table = any(t.start <= p.start < t.end for t in doc.tables)
            if not ok and table:
                caption = next((t.caption for t in doc.tables if t.start <= p.start < t.end), "")
                ok = p.section == " > ".join(path_ + [caption]) or (
                    bool(path_) and path_[-1].lower() == caption.lower() and p.section == " > ".join(path_[:-1] + [caption])
                )
            if not ok:
                wrong.append((p.section, expected, p.text[:70]))
        rows.append({
            "document": name, "passages": len(passages), "tables": len(doc.tables),
            "table_passages": sum(1 for p in passages if any(t.start <= p.start < t.end for t in doc.tables)),
            "headings": len(headings), "found": len(found), "missing": missing, "captions": len(captions),
            "right": len(passages) - len(wrong), "wrong": wrong,
        })
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print every passage filed under the wrong headings")
    parser.add_argument("--max-chars", type=int, default=500)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    rows = measure(max_chars=args.max_chars)
    print("| document | passages | table passages | headings listed / found | breadcrumb right |")
    print("|---|---|---|---|---|")
    total = right = 0
    for r in rows:
        if "error" in r:
            print(f"| {r['document']} | – | – | – | {r['error']} |")
            continue
        total += r["passages"]
        right += r["right"]
        share = r["right"] / r["passages"] if r["passages"] else 0.0
        print(f"| {r['document']} | {r['passages']} | {r['table_passages']} | {r['headings']} / {r['found']} | {share:.0%} |")
    print(f"| all | {total} | | | {right / total if total else 0:.1%} (target {TARGET:.0%}) |")
    for r in rows:
        if r.get("missing"):
            print(f"\n{r['document']}: headings not found in the text: {r['missing']}")
        if args.show and r.get("wrong"):
            print(f"\n{r['document']}:")
            for section, expected, text in r["wrong"]:
                print(f"  got {section!r}\n  expected {expected!r}\n    {text!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
