"""Latency: a warm ask() next to its floor, a fresh process's first answer, and the page's cold start.

  warm      in one process over an index of the guide: ask() on every question of dev.jsonl and
            heldout.jsonl (history included), next to retrieve() and to the floor, the embedding
            model encoding the same question, all measured in the same process; and embed_batch()
            on 40 sentences, as the evidence step calls it once per question.
  fresh     `python -m assistant ask QUESTION` in a new process on the existing index, several
            rounds (p50 and p90), next to its floor: a new process that opens the ONNX query
            encoder and encodes one question. For comparison, the old floor: a new process that
            loads the model through sentence-transformers. Then what that first answer imports
            (`python -X importtime`): every top-level package over 50 ms, heavy ones flagged.
  page      benchmarks/page_cold_start.py (app.py until headless Chromium shows the question box).

The query encoder's export goes to a cache folder inside the benchmark's temporary folder: the
warm phase indexes, so it exports, and the fresh processes use that export.

    python benchmarks/latency.py --quick     # 6 questions, 1 round; no page
    python benchmarks/latency.py             # all questions x 3, 5 fresh rounds, the page 3 rounds
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, GUIDE, HELDOUT, ROOT, load_jsonl, machine, make_corpus, median, offline, percentile, table  # noqa: E402


def _row(name: str, secs: list[float], note: str = "") -> list:
    return [name, len(secs), f"{1000 * median(secs):.0f}", f"{1000 * percentile(secs, 0.9):.0f}", note]


def warm(work: Path, questions: list[dict], repeats: int) -> list[list]:
    from assistant import Assistant
    from assistant.query import build_query

    bot = Assistant(corpus_dir=make_corpus(work / "corpus", False), index_dir=work / "index", data_dir=work / "data")
    bot.index()
    for item in questions[:3]:  # warm caches and lazy imports
        bot.ask(item["question"], item.get("history"))
    embed, retrieve, ask = [], [], []
    for _ in range(repeats):
        for item in questions:
            q, h = item["question"], item.get("history")
            text = build_query(q, h).text
            t = time.perf_counter()
            bot._embedder.embed_query(text)
            embed.append(time.perf_counter() - t)
            t = time.perf_counter()
            bot.retrieve(q, h)
            retrieve.append(time.perf_counter() - t)
            t = time.perf_counter()
            bot.ask(q, h)
            ask.append(time.perf_counter() - t)
    sentences = [line.strip() for line in GUIDE.read_text(encoding="utf-8").splitlines() if line.strip()]
    sentences = (sentences * (40 // len(sentences) + 1))[:40]
    batch = []
    for _ in range(max(5, repeats * 5)):
        t = time.perf_counter()
        bot._embedder.embed_batch(sentences)
        batch.append(time.perf_counter() - t)
    return [
        _row("floor: encode the question (embedding model alone)", embed),
        _row("retrieve(): rewrite + encode + hybrid search", retrieve),
        _row("ask(): the whole cited answer (extractive)", ask, f"p50 {median(ask) / median(embed):.1f}x the floor"),
        _row("embed_batch(): 40 sentences of the guide", batch, "what the evidence step asks per question"),
    ]


def fresh(work: Path, question: str, rounds: int) -> list[list]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ASSISTANT_LLM="extractive")
    ask_cmd = [sys.executable, "-m", "assistant", "ask", question, "--corpus", str(work / "corpus"), "--index", str(work / "index")]
    encode = "from assistant.config import DEFAULT_EMBED_MODEL\nfrom assistant.embedding import load_embedder\n"
    floor_cmd = [sys.executable, "-c", encode + f"load_embedder(DEFAULT_EMBED_MODEL, {str(work / 'cache')!r}).embed_query({question!r})"]
    model_cmd = [sys.executable, "-c", encode + f"load_embedder(DEFAULT_EMBED_MODEL).embed_query({question!r})"]
    bare_cmd = [sys.executable, "-c", "import assistant"]
    times = {"bare": [], "floor": [], "model": [], "ask": []}
    for _ in range(rounds):
        for name, cmd in (("bare", bare_cmd), ("floor", floor_cmd), ("model", model_cmd), ("ask", ask_cmd)):
            t = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=work)
            times[name].append(time.perf_counter() - t)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(cmd[:4])} failed: {done.stderr[-500:]}")
    return [
        _row("new process: `import assistant`", times["bare"]),
        _row("floor: new process opens the ONNX query encoder, encodes the question", times["floor"]),
        _row("(before: new process loads the model via sentence-transformers, encodes)", times["model"]),
        _row("`python -m assistant ask ...` on the existing index", times["ask"],
             f"p50 {median(times['ask']) / median(times['floor']):.1f}x the floor; target 4 s"),
    ]


HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "scipy", "gradio", "llama_index")


def imports(work: Path, question: str) -> list[list]:
    """What a fresh `assistant ask` imports: top-level packages over 50 ms, by cumulative time."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ASSISTANT_LLM="extractive")
    cmd = [sys.executable, "-X", "importtime", "-m", "assistant", "ask", question, "--corpus", str(work / "corpus"), "--index", str(work / "index")]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=work)
    packages: dict[str, int] = {}
    loaded = set()
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            top = m.group(3).split(".")[0]
            loaded.add(top)
            if len(m.group(2)) == 1:  # imported at top level by our code or the interpreter
                packages[top] = packages.get(top, 0) + int(m.group(1))
    rows = [[name, f"{us / 1000:.0f}", "heavy" if name in HEAVY else ""] for name, us in sorted(packages.items(), key=lambda kv: -kv[1]) if us >= 50_000]
    rows.append(["(heavy packages loaded at all)", "", ", ".join(sorted(loaded & set(HEAVY))) or "none"])
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 questions once, 1 fresh round, no page (a smoke test)")
    ap.add_argument("--rounds", type=int, default=None, help="fresh-process rounds (default 5)")
    ap.add_argument("--repeats", type=int, default=None, help="passes over the questions when warm (default 3)")
    ap.add_argument("--page", action=argparse.BooleanOptionalAction, default=None, help="run page_cold_start.py (default: not with --quick)")
    args = ap.parse_args(argv)
    offline()
    print(f"latency.py {' '.join(argv if argv is not None else sys.argv[1:])} — {machine()}", flush=True)
    questions = load_jsonl(DEV) + load_jsonl(HELDOUT)
    if args.quick:
        questions = questions[:3] + questions[-3:]
    repeats = args.repeats or (1 if args.quick else 3)
    rounds = args.rounds or (1 if args.quick else 5)
    header = ["what", "runs", "p50 ms", "p90 ms", "note"]
    with tempfile.TemporaryDirectory(prefix="latency-") as tmp:
        work = Path(tmp)
        os.environ["ASSISTANT_CACHE_DIR"] = str(work / "cache")  # the query encoder is exported here
        rows = warm(work, questions, repeats)
        print(f"\n**Warm, in one process** (index of the guide; {len(questions)} questions x {repeats})\n")
        print(table(header, rows))
        rows = fresh(work, questions[0]["question"], rounds)
        print(f"\n**A fresh process's first answer** ({rounds} rounds; the index exists)\n")
        print(table(header, rows))
        print("\n**What that first answer imports** (`python -X importtime`, one run)\n")
        print(table(["top-level package", "cumulative ms", "note"], imports(work, questions[0]["question"])))
    if args.page if args.page is not None else not args.quick:
        print("\n**The page's cold start** (benchmarks/page_cold_start.py)\n", flush=True)
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_cold_start.py"), "--rounds", str(min(rounds, 3))], cwd=ROOT)
        return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
