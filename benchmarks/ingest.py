"""Ingest of real documents: a 60-page PDF and the test documents, against the embedding model alone.

For each corpus, in one process with the model already loaded (as in the running app):
  convert  reading the files one after another (a PDF in its child process) and cutting passages, no
           embedding (add_documents reads two files at a time);
  add      Assistant.add_documents on a fresh index: read, cut, embed, store (what an upload costs);
  floor    the same embedding model encoding the same passage texts in batches, nothing else: timed
           just before and just after the add, and their mean taken (load on a shared machine drifts).
Targets: the 60-page PDF is searchable in under 60 s on 2 cores; add runs at >= 0.8x the floor's
passages per second. Corpora: tests/data/convert/report-60-pages.pdf (60 pages, two-column
pages, 24 ruled tables, running footers; made once with reportlab, generator not kept) and the
documents in tests/data/documents/.

    python benchmarks/ingest.py                 # both corpora
    python benchmarks/ingest.py --only pdf      # the 60-page PDF alone
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "tests" / "data" / "convert" / "report-60-pages.pdf"
DOCUMENTS = ROOT / "tests" / "data" / "documents"
SUPPORTED = {".txt", ".md", ".html", ".pdf", ".docx", ".csv", ".xlsx"}


def _machine() -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _common import machine

    return machine()


def run(name: str, files: list[Path], work: Path) -> dict:
    from assistant import Assistant
    from assistant.chunking import chunk_document
    from assistant.corpus import read_document
    from assistant.indexing import embed_text

    start = time.perf_counter()
    passages, pages = [], 0
    for path in files:
        doc = read_document(path)
        pages += len(doc.page_starts)
        passages += chunk_document(doc)
    convert_s = time.perf_counter() - start

    corpus, index = work / name / "corpus", work / name / "index"
    corpus.mkdir(parents=True)
    (corpus / "warm-up.txt").write_text("Warm Up\nThis file only loads the model before the clock starts.\n", encoding="utf-8")
    bot = Assistant(corpus_dir=corpus, index_dir=index, data_dir=work / name / "data")
    bot.index()  # loads the model and opens the store
    texts = [embed_text(p) for p in passages]
    embedder = bot._embedder  # the very model the index uses
    embedder.embed_passages(texts[:64])  # warm: one full batch before anything is timed

    def floor() -> float:
        start = time.perf_counter()
        embedder.embed_passages(texts)
        return time.perf_counter() - start

    before = floor()  # the model alone just before and just after the add: the load of a shared
    start = time.perf_counter()  # machine drifts in minutes, and their mean is what the add met
    report = bot.add_documents(files)
    add_s = time.perf_counter() - start
    after = floor()
    if report.skipped:
        raise SystemExit(f"{name}: files were skipped: {report.skipped}")
    floor_s = (before + after) / 2
    return {
        "corpus": name, "files": len(files), "pages": pages, "passages": report.passages_embedded,
        "convert_s": convert_s, "add_s": add_s, "add_rate": report.passages_embedded / add_s,
        "floor_rate": len(texts) / floor_s, "floor_spread": (before, after),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["pdf", "documents"], help="measure one corpus")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    corpora = []
    if args.only in (None, "pdf"):
        corpora.append(("60-page PDF", [PDF]))
    if args.only in (None, "documents"):
        docs = sorted(p for p in DOCUMENTS.glob("*") if p.suffix.lower() in SUPPORTED)
        if docs:
            corpora.append(("tests/data/documents", docs))
    print(_machine())
    work = Path(tempfile.mkdtemp(prefix="ingest-"))
    try:
        rows = [run(name.replace("/", "-").replace(" ", "-"), files, work) | {"corpus": name} for name, files in corpora]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("| corpus | files | pages | passages | convert s | add_documents s | passages/s | model alone s, before / after | "
          "model alone passages/s (mean) | ratio (target >= 0.8) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['corpus']} | {r['files']} | {r['pages'] or '–'} | {r['passages']} | {r['convert_s']:.1f} | {r['add_s']:.1f} | "
            f"{r['add_rate']:.1f} | {r['floor_spread'][0]:.1f} / {r['floor_spread'][1]:.1f} | {r['floor_rate']:.1f} | "
            f"{r['add_rate'] / r['floor_rate']:.2f}x |"
        )
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (the model's own rate falls several-fold on a busy machine: compare ratios)")
    pdf = next((r for r in rows if r["corpus"] == "60-page PDF"), None)
    if pdf:
        print(f"\n60-page PDF searchable after {pdf['add_s']:.1f} s (target < 60 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
