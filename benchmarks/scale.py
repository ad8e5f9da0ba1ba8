"""Scale: real ingest throughput against the embedding model's own, and retrieval over big stores.

Corpora are synthetic and reproducible (fixed seed): Markdown files of sections and paragraphs,
words drawn Zipf-like from a large pool so the vocabulary keeps growing with size as real text
does; one paragraph in ten states an experience/salary band like the guide does.

  ingest   Assistant.index() on 1k and 10k passages (100 passages a file), passages/s next to the
           floor: the same embedding model encoding the same texts in batches, in the same run.
           Then one file of the 10k corpus is changed and re-indexed: only it may be re-embedded.
  store    1k / 100k / 500k passages with SYNTHETIC VECTORS (clustered random unit vectors, not
           model embeddings) written straight into the PassageStore, one document version per 100
           passages, each size in fresh processes so peak RSS is their own. build: insert, then the
           retriever's segments built once from the store (what an index from before segments
           gets on first open). serve: a new process opens the index (manifest + segments), times
           Retriever.search (Chroma dense + BM25 + band lookup + fusion) with given query
           embeddings (the real model's, of the dev questions), then uploads 20-passage documents
           and times each from its vectors being written to it being searchable (segment,
           manifest switch, merges, next retriever snapshot), then queries again. Also: a fresh
           Chroma client (how an embedded index sees another process's writes) and Chroma's
           where_document $contains, its only local full-text feature, for comparison.

    python benchmarks/scale.py --quick          # ingest 200 passages; store 1k and 10k
    python benchmarks/scale.py                  # ingest 1k and 10k; store 1k and 100k
    python benchmarks/scale.py --sizes 10000,100000,500000 --plot docs/scale.png
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, folder_mb, load_jsonl, machine, median, offline, peak_rss_mb, percentile, table  # noqa: E402

SEED = 20261128
PASSAGES_PER_FILE = 100
DIM = 384
_COMMON = ("the and of to in for with on is are as at by from that this it be or an can will more most their "
           "engineer engineers model models data team teams role roles company companies python cloud deploy "
           "training pipeline pipelines production salary experience years skills market hiring project projects "
           "platform systems service services product analytics research design review interview city office "
           "remote startup startups enterprise growth career learning performance scale latency quality").split()


class TextMaker:
    """Deterministic paragraphs: common words mixed with a Zipf-like draw from a big pseudo-word pool."""

    def __init__(self, seed: int = SEED, pool: int = 400_000):
        self.rng = random.Random(seed)
        syllables = [c + v for c in "bdfghjklmnprstvz" for v in "aeiou"]
        pick = random.Random(seed + 1)
        self.pool = ["".join(pick.choice(syllables) for _ in range(pick.randint(2, 4))) for _ in range(pool)]

    def word(self) -> str:
        rng = self.rng
        if rng.random() < 0.45:
            return rng.choice(_COMMON)
        return self.pool[int(len(self.pool) ** rng.random()) - 1]  # log-uniform rank: Zipf with exponent ~1

    def sentence(self) -> str:
        words = [self.word() for _ in range(self.rng.randint(8, 16))]
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        rng = self.rng
        if rng.random() < 0.1:
            low = rng.randint(0, 9)
            pay = rng.randint(4, 40)
            lead = self.sentence()
            return (f"{lead}\n- {self.word().capitalize()} level ({low}-{low + rng.randint(1, 4)} years): "
                    f"₹{pay},00,000 – ₹{pay + rng.randint(2, 20)},00,000 per annum")
        return " ".join(self.sentence() for _ in range(rng.randint(2, 3)))

    def heading(self) -> str:
        return " ".join(self.word().capitalize() for _ in range(self.rng.randint(2, 4)))


def write_corpus(folder: Path, passages: int, seed: int = SEED) -> list[Path]:
    """Markdown files of PASSAGES_PER_FILE paragraphs each (10 sections of 10)."""
    maker = TextMaker(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f in range(math.ceil(passages / PASSAGES_PER_FILE)):
        parts = [f"# {maker.heading()} {f}"]
        for s in range(PASSAGES_PER_FILE // 10):
            parts.append(f"## {maker.heading()}")
            parts += [maker.paragraph() for _ in range(10)]
        path = folder / f"doc-{f:05d}.md"
        path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
        files.append(path)
    return files


# -- ingest ------------------------------------------------------------------------------------


def ingest(sizes: list[int], work: Path, floor_sample: int | None = None) -> list[dict]:
    from assistant import Assistant
    from assistant.indexing import embed_text

    rows = []
    for size in sizes:
        corpus = work / f"ingest-{size}" / "corpus"
        files = write_corpus(corpus, size)
        bot = Assistant(corpus_dir=corpus, index_dir=work / f"ingest-{size}" / "index", data_dir=work / "data")
        bot._open_indexer()
        bot._embedder.embed_passages(["warm up the model"] * 8)
        start = time.perf_counter()
        report = bot.index()
        ingest_s = time.perf_counter() - start
        texts = [embed_text(p) for p in bot._retriever.passages.values()]
        if floor_sample and len(texts) > floor_sample:  # an even sample of the same texts, to save time
            texts = texts[:: len(texts) // floor_sample][:floor_sample]
        start = time.perf_counter()
        bot._embedder.embed_passages(texts)  # the floor: the model alone, same texts, same batch size
        floor_s = time.perf_counter() - start
        row = {"passages": report.passages_embedded, "files": len(files), "ingest_s": ingest_s, "floor_s": floor_s,
               "ingest_rate": report.passages_embedded / ingest_s, "floor_rate": len(texts) / floor_s, "floor_texts": len(texts)}
        # one changed file: a paragraph appended to the middle file
        changed = files[len(files) // 2]
        changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more paragraph, added to test re-indexing of a changed file.\n", encoding="utf-8")
        start = time.perf_counter()
        again = bot.index()
        row.update(reindex_s=time.perf_counter() - start, reindex_embedded=again.passages_embedded,
                   reindex_updated=list(again.updated), reindex_unchanged=len(again.unchanged),
                   changed_file_passages=next(d["passages"] for d in bot.documents() if d["name"] == changed.name))
        rows.append(row)
        print(f"  ingest {size}: {row}", file=sys.stderr, flush=True)
    return rows


# -- store scaling (one process per size) -----------------------------------------------------


def synthetic_passages(n: int, seed: int = SEED, start: int = 0):
    """n Passages (100 a document, ids "<ref>-<k>", the way the indexer names them) and clustered
    synthetic unit vectors for them."""
    import numpy as np

    from assistant.schema import Passage

    maker = TextMaker(seed)
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((256, DIM)).astype("float32")
    passages = []
    for i in range(start, start + n):
        doc, k = divmod(i, PASSAGES_PER_FILE)
        text = maker.paragraph()
        passages.append(Passage(id=f"r{doc:07d}-{k:05d}", text=text, source=f"doc-{doc:05d}.md",
                                section=f"Section {k // 10}", start=k * 1000, end=k * 1000 + len(text), doc_hash=f"h{doc}"))

    def vectors(lo: int, hi: int):
        topics = rng.integers(0, len(centroids), hi - lo)
        v = centroids[topics] + 0.6 * rng.standard_normal((hi - lo, DIM)).astype("float32")
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()

    return passages, vectors


class SyntheticEmbedder:
    """Stands in for the model where only the manifest's settings read it; questions use real vectors."""

    def __init__(self, real):
        self.name, self.dim, self.real = real.name, real.dim, real

    def embed_query(self, text: str):
        return self.real.embed_query(text)


def _timed_queries(retriever, questions, qvecs, queries: int) -> list[float]:
    """Retriever.search timings over the questions in turn, after one untimed pass that warms caches."""
    from assistant.query import build_query

    timings = []
    for i in range(len(questions) + queries):
        q = build_query(questions[i % len(questions)])
        t = time.perf_counter()
        hits = retriever.search(q, 5, None, qvecs[i % len(questions)])
        if i >= len(questions):
            timings.append(time.perf_counter() - t)
        assert hits, "the search found nothing"
    return timings


def store_child(n: int, work: Path, queries: int, uploads: int, phase: str) -> dict:
    """One phase in its own process. build: n synthetic passages into the store, one document
    version per 100, then their segments built once from the store (as an index from before
    segments gets them). serve: what an app process does next: open the index, answer, take uploads."""
    import gc

    from assistant.config import DEFAULT_EMBED_MODEL
    from assistant.embedding import load_embedder
    from assistant.indexing import Indexer, writer_lock
    from assistant.query import build_query
    from assistant.retrieval import Retriever
    from assistant.segments import analyse
    from assistant.store import PassageStore

    embedder = SyntheticEmbedder(load_embedder(DEFAULT_EMBED_MODEL))  # the process holds the model, as the assistant does
    index = work / "index"
    if phase == "build":
        start = time.perf_counter()
        passages, vectors = synthetic_passages(n)
        gen_s = time.perf_counter() - start
        text_mb = sum(len(p.text.encode("utf-8")) for p in passages) / 2**20
        with writer_lock(index):
            indexer = Indexer(PassageStore(index), embedder)
            indexer.open()
            start = time.perf_counter()
            for lo in range(0, n, PASSAGES_PER_FILE):  # one document version per 100 passages, as the indexer stores them
                chunk = passages[lo : lo + PASSAGES_PER_FILE]
                ref = chunk[0].id.split("-")[0]
                indexer.store.add(chunk, vectors(lo, lo + len(chunk)), ref=ref)
                indexer.manifest["documents"][f"|{chunk[0].source}"] = {"source": chunk[0].source, "scope": "", "hash": ref,
                                                                       "ref": ref, "passages": len(chunk), "kind": "md"}
            indexer._write(indexer.manifest)
            insert_s = time.perf_counter() - start
            del passages
            gc.collect()
            start = time.perf_counter()
            Indexer(PassageStore(index), embedder).open()  # no segments yet: built once from the store
            migrate_s = time.perf_counter() - start
        return {"passages": n, "gen_s": gen_s, "insert_s": insert_s, "migrate_s": migrate_s, "text_mb": text_mb,
                "build_peak_rss_mb": peak_rss_mb()}
    questions = [q["question"] for q in load_jsonl(DEV)]
    qvecs = [embedder.embed_query(build_query(q).text) for q in questions]
    start = time.perf_counter()  # open, as a new process does: the manifest, then the segments
    indexer = Indexer(PassageStore(index), embedder)
    indexer.open()
    retriever = Retriever.open(indexer.store, embedder, indexer)
    open_s = time.perf_counter() - start
    timings = _timed_queries(retriever, questions, qvecs, queries)
    # uploads of one 20-passage file each: searchable how long after its vectors are written?
    upload_s, word = [], "zyxwvutsrq"
    for u in range(uploads):
        new, new_vectors = synthetic_passages(20, seed=SEED + 1 + u, start=(n // PASSAGES_PER_FILE + u) * PASSAGES_PER_FILE)
        new = [dataclasses.replace(p, text=p.text + f" {word}{u}") for p in new]
        ref = new[0].id.split("-")[0]
        with writer_lock(index):
            indexer.store.add(new, new_vectors(0, 20), ref=ref)  # the embeddings are written
            t = time.perf_counter()
            indexer._add_segment(analyse([(ref, new)]))  # what Indexer._index_file does next, then add_documents
            indexer.manifest["documents"][f"|{new[0].source}"] = {"source": new[0].source, "scope": "", "hash": ref,
                                                                 "ref": ref, "passages": 20, "kind": "md"}
            indexer._write(indexer.manifest)
            indexer.compact()
            retriever = Retriever.open(indexer.store, embedder, indexer, retriever)
            upload_s.append(time.perf_counter() - t)
        found = retriever.search(build_query(f"{word}{u}"), 5, None, qvecs[0])
        assert any(h.passage.id.startswith(ref) and h.lexical for h in found), "the upload is not searchable"
    after = _timed_queries(retriever, questions, qvecs, queries)
    # another process's write, embedded: a fresh Chroma client, then the first question
    start = time.perf_counter()
    indexer.store.reopen()
    retriever.search(build_query(questions[0]), 5, None, qvecs[0])
    reopen_s = time.perf_counter() - start
    return {"open_s": open_s, "p50_ms": 1000 * median(timings), "p90_ms": 1000 * percentile(timings, 0.9),
            "p50_after_ms": 1000 * median(after), "upload_p50_s": median(upload_s), "upload_max_s": max(upload_s),
            "uploads": uploads, "segments": len(indexer.manifest["segments"]), "reopen_s": reopen_s,
            "contains_ms": _contains_ms(indexer.store, ["salary", "experience", "pipeline"]),
            "peak_rss_mb": peak_rss_mb(), "index_mb": folder_mb(index), "retrieval_mb": folder_mb(index / "retrieval"),
            "bands": len(retriever.bands), "vocabulary": len(retriever.terms.df)}


def _contains_ms(store, words: list[str]) -> float:
    """Chroma's only local full-text feature, for comparison: ids of passages containing a word (unscored)."""
    timings = []
    for word in words:
        t = time.perf_counter()
        store.collection.get(where_document={"$contains": word}, include=[])
        timings.append(time.perf_counter() - t)
    return 1000 * median(timings)


def store_scaling(sizes: list[int], work: Path, queries: int, uploads: int = 10) -> list[dict]:
    rows = []
    for n in sizes:
        folder = work / f"store-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        row = {"passages": n}
        for phase in ("build", "serve"):
            done = subprocess.run([sys.executable, __file__, "--store-child", str(n), "--phase", phase, "--work", str(folder),
                                   "--queries", str(queries), "--uploads", str(uploads)], capture_output=True, text=True)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                row["error"] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
                break
            row.update(json.loads(done.stdout.strip().splitlines()[-1]))
        row["wall_s"] = time.perf_counter() - start
        rows.append(row)
        print(f"  store {n}: {row}", file=sys.stderr, flush=True)
    return rows


def plot(rows: list[dict], out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if "error" not in r]
    xs = [r["passages"] for r in rows]
    fig, left = plt.subplots(figsize=(7, 4), dpi=120)
    left.plot(xs, [r["p50_ms"] for r in rows], "o-", color="tab:blue", label="query p50 (ms)")
    left.plot(xs, [r["p90_ms"] for r in rows], "o--", color="tab:blue", alpha=0.6, label="query p90 (ms)")
    left.set_xscale("log")
    left.set_xlabel("passages in the store (synthetic vectors)")
    left.set_ylabel("Retriever.search latency (ms)", color="tab:blue")
    right = left.twinx()
    right.plot(xs, [r["peak_rss_mb"] for r in rows], "s-", color="tab:red", label="peak RSS (MB)")
    right.set_ylabel("peak RSS (MB)", color="tab:red")
    left.set_ylim(bottom=0)
    right.set_ylim(bottom=0)
    lines = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(lines, [l.get_label() for l in lines], loc="upper left", fontsize=8)
    left.set_title("Hybrid retrieval: latency and memory against corpus size", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def _store_table(rows: list[dict], queries: int) -> str:
    head = (f"\n**Store scaling — SYNTHETIC VECTORS** inserted directly ({queries} timed queries of Retriever.search, k=5, "
            "after one pass over the questions; an upload is one 20-passage document, timed from its vectors being written "
            "to it being searchable; 'serve' is a fresh process that opens the index, answers and takes the uploads)\n\n")
    return head + table(
        ["passages", "query p50 ms", "query p90 ms", "p50 after uploads ms", "upload searchable p50 / max s", "open index s",
         "peak RSS serve / build MB", "segments built from store (once) s", "reopen Chroma client s", "Chroma $contains ms",
         "index on disk MB (retrieval part)", "insert s", "bands", "vocabulary (stems)"],
        [[r["passages"], "error: " + r["error"]] + [""] * 12 if "error" in r else
         [r["passages"], f"{r['p50_ms']:.1f}", f"{r['p90_ms']:.1f}", f"{r['p50_after_ms']:.1f}",
          f"{r['upload_p50_s']:.2f} / {r['upload_max_s']:.2f} ({r['uploads']})", f"{r['open_s']:.1f}",
          f"{r['peak_rss_mb']:.0f} / {r['build_peak_rss_mb']:.0f}", f"{r['migrate_s']:.0f}", f"{r['reopen_s']:.1f}",
          f"{r['contains_ms']:.0f}", f"{r['index_mb']:.0f} ({r['retrieval_mb']:.0f})", f"{r['insert_s']:.0f}", r["bands"],
          r["vocabulary"]] for r in rows])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="ingest 200 passages; store 1k and 10k (a smoke test)")
    ap.add_argument("--ingest", default=None, help="ingest sizes, comma separated (default 1000,10000)")
    ap.add_argument("--sizes", default=None, help="store sizes, comma separated (default 1000,100000)")
    ap.add_argument("--queries", type=int, default=None, help="timed queries per store size (default 100)")
    ap.add_argument("--uploads", type=int, default=10, help="20-passage uploads timed per store size (default 10)")
    ap.add_argument("--floor-sample", type=int, default=None, metavar="N",
                    help="time the model alone on an even sample of N of the same texts (default: all of them)")
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--plot", type=Path, help="write the latency/memory plot here (PNG)")
    ap.add_argument("--json", type=Path, help="write the raw rows here")
    ap.add_argument("--from-json", type=Path, nargs="+", metavar="FILE",
                    help="print the store table (and --plot) from the rows of earlier --json runs, measuring nothing")
    ap.add_argument("--store-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--phase", choices=("build", "serve"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    offline()
    if args.store_child:
        print(json.dumps(store_child(args.store_child, args.work, args.queries or 100, args.uploads, args.phase)))
        return 0
    if args.from_json:
        rows = sorted((r for f in args.from_json for r in json.loads(f.read_text())["store"]), key=lambda r: r["passages"])
        print(_store_table(rows, args.queries or 100))
        if args.plot:
            plot(rows, args.plot)
            print(f"\nplot: {args.plot}")
        return 0
    ingest_sizes = [int(x) for x in (args.ingest or ("200" if args.quick else "1000,10000")).split(",")]
    store_sizes = [int(x) for x in (args.sizes or ("1000,10000" if args.quick else "1000,100000")).split(",")]
    queries = args.queries or (20 if args.quick else 100)
    print(f"scale.py {' '.join(argv if argv is not None else sys.argv[1:])} — {machine()}", flush=True)
    started = time.perf_counter()
    ingest_rows, store_rows = [], []
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        if not args.skip_ingest:
            ingest_rows = ingest(ingest_sizes, Path(tmp), args.floor_sample)
            print("\n**Ingest** (real files, real embeddings; floor = the model encoding the same texts, batch 64)\n")
            print(table(["passages", "files", "ingest s", "ingest passages/s", "model alone passages/s (texts timed)", "ingest / model"],
                        [[r["passages"], r["files"], f"{r['ingest_s']:.1f}", f"{r['ingest_rate']:.1f}", f"{r['floor_rate']:.1f} ({r['floor_texts']})",
                          f"{r['ingest_rate'] / r['floor_rate']:.2f}x"] for r in ingest_rows]))
            print("\n**Re-indexing one changed file**\n")
            print(table(["corpus passages", "changed file's passages", "passages re-embedded", "files updated", "files unchanged", "seconds"],
                        [[r["passages"], r["changed_file_passages"], r["reindex_embedded"], ", ".join(r["reindex_updated"]),
                          r["reindex_unchanged"], f"{r['reindex_s']:.1f}"] for r in ingest_rows]))
        if not args.skip_store:
            store_rows = store_scaling(store_sizes, Path(tmp), queries, args.uploads)
            print(_store_table(store_rows, queries))
            if args.plot:
                plot(store_rows, args.plot)
                print(f"\nplot: {args.plot}")
    print(f"\nran {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"ingest": ingest_rows, "store": store_rows}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
