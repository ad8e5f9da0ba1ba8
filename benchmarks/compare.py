"""This assistant side by side with the usual LlamaIndex pipeline and with BM25 alone, in one process.

Same questions (tests/data/dev.jsonl + tests/data/heldout.jsonl), same corpus (the guide, then the
guide plus tests/data/distractors/), same embedding model object (the packaged all-MiniLM-L6-v2,
passed in as `embed_model=`; llama-index's global Settings are never used). Pipelines:

  assistant        Assistant.ask(): hybrid retrieval, relevance decision, extractive cited answer
  llamaindex       SimpleDirectoryReader + VectorStoreIndex over Chroma, default chunking
                   (SentenceSplitter(): 1024 tokens, overlap 200), similarity_top_k=2
  llamaindex-128   the same with SentenceSplitter(chunk_size=128, chunk_overlap=20)
                   (128 with the default overlap of 200 is refused by llama-index)
  bm25             llama-index BM25Retriever alone over the assistant's own passages, top 2

The peers answer with the bundled SmolLM2-135M through llama.cpp in this process (n_ctx 2048,
temperature 0, max_tokens 200) from llama-index's default QA prompt, the question's chat history
passed as earlier messages; their retrieval query is the question as typed (no rewriting).
hit@k: the gold phrase is in the k-th ranked passage (the peers' ranking is read 3 deep for hit@3;
they answer from the top 2). Correctness: every `expect` group matched, over answerable questions.

    python benchmarks/compare.py            # full: all questions, both corpora (slow: SmolLM2 on CPU)
    python benchmarks/compare.py --quick    # 6 questions, guide + distractors only
    python benchmarks/compare.py --no-llm   # retrieval only
    python benchmarks/compare.py --corpus distractors --answers 20   # SmolLM2 answers for 20 questions
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, HELDOUT, load_jsonl, machine, make_corpus, median, offline, percentile, smollm2_gguf, table  # noqa: E402


class Answerer:
    """SmolLM2 through llama_cpp.Llama in this process, as a typical offline set-up runs it."""

    def __init__(self):
        import llama_cpp
        from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT_TMPL

        self.template = DEFAULT_TEXT_QA_PROMPT_TMPL
        self.llm = llama_cpp.Llama(model_path=str(smollm2_gguf()), n_ctx=2048, n_threads=2, seed=0, verbose=False)
        self.cache: dict[str, str] = {}  # the same prompt twice (e.g. the same top-2 in both corpora) is answered once

    def answer(self, question: str, contexts: list[str], history: list[dict] | None) -> str:
        context = "\n\n".join(contexts)
        budget = 2048 - 200 - 120 - sum(len(t["content"]) // 3 for t in history or [])
        tokens = self.llm.tokenize(context.encode("utf-8"), add_bos=False)
        if len(tokens) > budget:  # what a compact synthesizer does: keep what fits the window
            context = self.llm.detokenize(tokens[:budget]).decode("utf-8", "ignore")
        prompt = self.template.format(context_str=context, query_str=question)
        messages = [*(history or []), {"role": "user", "content": prompt}]
        key = json.dumps(messages)
        if key not in self.cache:
            out = self.llm.create_chat_completion(messages=messages, max_tokens=200, temperature=0.0)
            self.cache[key] = out["choices"][0]["message"]["content"] or ""
        return self.cache[key]


def _correct(item: dict, text: str) -> bool:
    text = text.lower()
    if any(f.lower() in text for f in item.get("forbid", [])):
        return False
    return all(any(alt.lower() in text for alt in group) for group in item.get("expect", []))


def _rank(texts: list[str], gold: str | None) -> int | None:
    return next((i + 1 for i, t in enumerate(texts) if gold and gold in t), None)


class Ours:
    name = "assistant"

    def __init__(self, corpus: Path, work: Path):
        from assistant import Assistant

        self.bot = Assistant(corpus_dir=corpus, index_dir=work / "index", data_dir=work / "data", llm="extractive")
        start = time.perf_counter()
        self.bot.index()
        self.build_s = time.perf_counter() - start
        self.bot.ask("warm up")
        self.chunks = len(self.bot._retriever.passages)

    def run(self, item: dict, answerer) -> dict:
        from assistant.evaluation import score_item

        start = time.perf_counter()
        answer = self.bot.ask(item["question"], item.get("history"))
        seconds = time.perf_counter() - start
        scored = score_item(self.bot, item, answer, seconds)
        hits = self.bot.retrieve(item["question"], item.get("history"))
        top = answer.citations[0].text if answer.citations else (hits[0].passage.text if hits else "")
        return {"rank": scored.rank, "top_chars": len(top), "correct": scored.correct, "seconds": seconds, "retrieve_s": None}


class LlamaIndexPipeline:
    """SimpleDirectoryReader -> VectorStoreIndex (Chroma) -> top-k retriever -> SmolLM2."""

    def __init__(self, corpus: Path, work: Path, embed_model, chunk_size: int | None, name: str):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.name = name
        start = time.perf_counter()
        documents = SimpleDirectoryReader(str(corpus)).load_data()
        splitter = SentenceSplitter() if chunk_size is None else SentenceSplitter(chunk_size=chunk_size, chunk_overlap=20)
        client = chromadb.PersistentClient(path=str(work / name), settings=ChromaSettings(anonymized_telemetry=False))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("bench"))
        index = VectorStoreIndex.from_documents(
            documents, storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embed_model, transformations=[splitter],
        )
        self.build_s = time.perf_counter() - start
        self.chunks = store._collection.count()
        self.retriever = index.as_retriever(similarity_top_k=3)  # the answer uses the top 2: the pipeline's k

    def retrieve(self, question: str):
        return self.retriever.retrieve(question)

    def run(self, item: dict, answerer) -> dict:
        from llama_index.core.schema import MetadataMode

        start = time.perf_counter()
        nodes = self.retrieve(item["question"])
        retrieve_s = time.perf_counter() - start
        texts = [n.node.get_content() for n in nodes]
        result = {"rank": _rank(texts, item.get("gold")), "top_chars": len(texts[0]) if texts else 0,
                  "correct": None, "seconds": None, "retrieve_s": retrieve_s}
        if answerer is not None and item.get("answerable", True):
            contexts = [n.node.get_content(metadata_mode=MetadataMode.LLM) for n in nodes[:2]]
            text = answerer.answer(item["question"], contexts, item.get("history"))
            result.update(correct=_correct(item, text), seconds=time.perf_counter() - start, text=text)
        return result


class BM25Alone(LlamaIndexPipeline):
    """llama-index's BM25Retriever (bm25s, English stemming) over the assistant's passages."""

    def __init__(self, passages, name: str = "bm25"):
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        self.name = name
        start = time.perf_counter()
        nodes = [TextNode(id_=p.id, text=p.text, metadata={"file_name": p.source}) for p in passages]
        self.retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(3, len(nodes)))
        self.build_s = time.perf_counter() - start
        self.chunks = len(nodes)


def run(corpus_name: str, distractors: bool, questions: list[dict], embed_model, answerer, work: Path,
        answer_ids: set[str] | None = None) -> dict:
    import logging

    logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
    corpus = make_corpus(work / corpus_name / "corpus", distractors)
    ours = Ours(corpus, work / corpus_name)
    pipelines = [
        ours,
        LlamaIndexPipeline(corpus, work / corpus_name, embed_model, None, "llamaindex"),
        LlamaIndexPipeline(corpus, work / corpus_name, embed_model, 128, "llamaindex-128"),
        BM25Alone(list(ours.bot._retriever.passages.values())),
    ]
    results = {p.name: {"chunks": p.chunks, "build_s": p.build_s, "items": []} for p in pipelines}
    for n, item in enumerate(questions):
        scored = answer_ids is None or item["id"] in answer_ids
        for p in pipelines:
            r = p.run(item, answerer if scored else None)
            r.update(id=item["id"], answerable=bool(item.get("answerable", True)), gold=bool(item.get("gold")), scored=scored)
            results[p.name]["items"].append(r)
        print(f"  [{corpus_name}] {n + 1}/{len(questions)} {item['id']}", file=sys.stderr, flush=True)
    return results


def summarise(items: list[dict]) -> dict:
    ranked = [r for r in items if r["answerable"] and r["gold"]]
    answered = [r for r in items if r["answerable"] and r["scored"] and r["correct"] is not None]
    secs = [r["seconds"] for r in items if r["seconds"] is not None]
    share = lambda xs, f: sum(1 for x in xs if f(x)) / len(xs) if xs else float("nan")  # noqa: E731
    return {
        "n": len(ranked),
        "hit@1": share(ranked, lambda r: r["rank"] == 1),
        "hit@3": share(ranked, lambda r: r["rank"] is not None and r["rank"] <= 3),
        "top_chars": median(r["top_chars"] for r in ranked),
        "correct": share(answered, lambda r: r["correct"]),
        "n_answers": len(answered),
        "p50_ms": 1000 * median(secs) if secs else float("nan"),
        "p90_ms": 1000 * percentile(secs, 0.9) if secs else float("nan"),
        "retrieve_ms": 1000 * median(r["retrieve_s"] for r in items if r["retrieve_s"] is not None) if any(r["retrieve_s"] is not None for r in items) else float("nan"),
    }


def _pct(x: float) -> str:
    return "–" if x != x else f"{100 * x:.0f}%"


def report(all_results: dict, dev_ids: set[str]) -> str:
    out = []
    for corpus_name, results in all_results.items():
        base = summarise(results["assistant"]["items"])
        rows = []
        for name, res in results.items():
            s = summarise(res["items"])
            lat = f"{s['p50_ms']:.0f} / {s['p90_ms']:.0f}" if s["p50_ms"] == s["p50_ms"] else "–"
            ratio = f"{s['p50_ms'] / base['p50_ms']:.1f}x" if s["p50_ms"] == s["p50_ms"] else "–"
            rows.append([name, res["chunks"], _pct(s["hit@1"]), _pct(s["hit@3"]), f"{s['top_chars']:.0f}",
                         f"{_pct(s['correct'])} (n={s['n_answers']})", lat, ratio,
                         "–" if s["retrieve_ms"] != s["retrieve_ms"] else f"{s['retrieve_ms']:.0f}"])
        out.append(f"**{corpus_name}** ({base['n']} answerable questions with a gold passage)\n")
        out.append(table(["pipeline", "chunks", "hit@1", "hit@3", "median top passage (chars)", "answer correct",
                          "latency p50 / p90 ms", "p50 vs assistant", "retrieval p50 ms"], rows))
        out.append("")
    # hit@1 per question set (the issue-2 comparison)
    rows = []
    for corpus_name, results in all_results.items():
        for name, res in results.items():
            dev = summarise([r for r in res["items"] if r["id"] in dev_ids])
            held = summarise([r for r in res["items"] if r["id"] not in dev_ids])
            rows.append([corpus_name, name, f"{_pct(dev['hit@1'])} (n={dev['n']})", f"{_pct(held['hit@1'])} (n={held['n']})",
                         f"{dev['top_chars']:.0f}" if dev["n"] else "–"])
    out.append("**hit@1 by question set**\n")
    out.append(table(["corpus", "pipeline", "hit@1 dev.jsonl", "hit@1 heldout.jsonl", "median top passage (chars)"], rows))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 questions, guide + distractors only (a smoke test)")
    ap.add_argument("--no-llm", action="store_true", help="skip the peers' SmolLM2 answers (retrieval measures only)")
    ap.add_argument("--answers", type=int, default=None, metavar="N",
                    help="answer (and score correctness on) only N answerable questions, evenly spread; the rest retrieval only")
    ap.add_argument("--corpus", choices=["guide", "distractors", "both"], default=None)
    ap.add_argument("--json", type=Path, help="write every item's result here")
    args = ap.parse_args(argv)
    offline()
    print(f"compare.py {'--quick ' if args.quick else ''}— {machine()}", flush=True)

    from assistant.config import DEFAULT_EMBED_MODEL
    from assistant.embedding import load_embedder

    dev, held = load_jsonl(DEV), load_jsonl(HELDOUT)
    questions = dev + held
    if args.quick:
        questions = dev[:3] + held[:3]
    which = args.corpus or ("distractors" if args.quick else "both")
    corpora = [c for c in (("guide", False), ("guide+distractors", True)) if which == "both" or (c[1] == (which == "distractors"))]
    answer_ids = None
    if args.answers is not None:
        answerable = [q["id"] for q in questions if q.get("answerable", True) and q.get("expect")]
        step = max(1, len(answerable) / max(1, args.answers))
        answer_ids = {answerable[int(i * step)] for i in range(min(args.answers, len(answerable)))}
    embed_model = load_embedder(DEFAULT_EMBED_MODEL).model
    answerer = None if args.no_llm else Answerer()
    started = time.perf_counter()
    all_results = {}
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        for corpus_name, distractors in corpora:
            all_results[corpus_name] = run(corpus_name, distractors, questions, embed_model, answerer, Path(tmp), answer_ids)
    print(report(all_results, {q["id"] for q in dev}))
    scored = "no SmolLM2 answers (--no-llm)" if args.no_llm else (
        f"answer correctness over {len(answer_ids)} answerable questions, the same for every pipeline" if answer_ids is not None
        else "answer correctness over every answerable question")
    print(f"\n{len(questions)} questions; {scored}; ran {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(all_results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
