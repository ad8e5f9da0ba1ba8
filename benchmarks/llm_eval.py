"""Measure an LLM backend against the extractive answerer on question files; print a Markdown table.

    python benchmarks/llm_eval.py --llm llama-cpp [--data tests/data/dev.jsonl] [--corpus guide]
    python benchmarks/llm_eval.py --llm llama-cpp --data tests/data/bank/tuning.jsonl --corpus documents
    python benchmarks/llm_eval.py ... --limit 40 --json /tmp/run.json -v
    python benchmarks/llm_eval.py --data tests/data/bank/heldout.jsonl --corpus documents --every 6

Each line of a data file is {"question", "answerable", "expect": [[alternatives...], ...],
"history"?} (tests/data/README.md). Both answerers get the same questions over the same index,
built in a temporary folder from `--corpus`: `guide` (corpus/) or `documents` (the guide plus
tests/data/documents/, which the question bank is about). Measured, per answerer:

- answer correct: an answerable question is right when the answer is given and every `expect`
  group has an alternative in its text (case-insensitive); an unanswerable one when it is refused;
- unanswerable refused: the share of `answerable: false` questions refused;
- unsupported figures: figures in final answers that no cited passage supports (must be 0);
- fallback rate: answerable questions whose LLM answer failed verification or the call, so the
  extractive answer was shown with a notice; "declined" counts the model's fixed refusal phrase;
  "timed out" the fallbacks where the model gave no reply within the LLM timeout;
- latency p50 / p90 in seconds from the question to the final answer, over the questions the
  LLM was asked, and over those whose verified LLM answer was kept;
- tokens, for backends that measure them (llama.cpp in process): per answer, the prompt's
  tokens, how many of them were reused from the KV cache (the fixed prefix: rules and worked
  examples) and how many read, the tokens generated, and llama.cpp's own prompt and generation
  rates. On a shared machine wall-clock times swell with the load; these counts don't, and
  "llama.cpp's own time" (tokens read / rate + tokens written / rate) is the model's share.

`--every K` takes every K-th question of each file (the 1st, the K+1-th, ...): a deterministic
sample that, unlike `--limit`, reaches the answerable and the unanswerable ones alike.
`--verifier agreement` verifies with the checks of rounds 1-3 only (no anchoring.py), to measure
what the stricter shipped verifier costs in fallbacks on the same questions.

One untimed question is asked first (`--cold` skips it), as a running server has answered one:
the fixed prompt prefix is then in llama.cpp's cache, and the first timed row does not also time
the model's load.

With `--direct` the LLM is asked about every question (retrieval, the extractive answer as the
fallback, then generation.generate_answer), whatever the relevance decision says: the strictest
test of its refusals. Without it, questions go through `Assistant.ask` as users get them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "tests" / "data" / "dev.jsonl"
GUIDE = ROOT / "corpus" / "ml-engineer-jobs-india.txt"
DOCUMENTS = ROOT / "tests" / "data" / "documents"


def correct(row: dict, answer) -> bool:
    """Whether `answer` is right for `row`: given and matching every expect group, or refused."""
    if not row.get("answerable", True):
        return not answer.answered and not any(
            f.lower() in answer.text.lower() for f in row.get("forbid", []))
    text = answer.text.lower()
    return answer.answered and all(any(alt.lower() in text for alt in group)
                                   for group in row.get("expect", []))


def unsupported(answer, titles: dict[str, str] | None = None) -> list[str]:
    """Figures of the answer that no cited passage (its text, heading, or its document's title
    from `titles`, by passage id) supports, read the way the verifier reads them."""
    from assistant.grounding import strip_markers, unsupported as unsupported_in

    if not answer.answered:
        return []
    sources = [f"{c.text}\n{c.section} {(titles or {}).get(c.passage_id, '')}" for c in answer.citations]
    return [f.raw for f in unsupported_in(strip_markers(answer.text), sources)]


def run_questions(bot, spec: str, rows: list[dict], direct: bool, verbose: bool, log=None,
                  warm: bool = True) -> list[dict]:
    """Ask every row with `spec` (and the extractive answerer); one record per row, each also
    written to `log` (a text file) as soon as it is made, so a long run can be read as it goes."""
    from assistant.excerpts import excerpt
    from assistant.generation import generate_answer
    from assistant.query import build_query
    from assistant.schema import Passage

    llm = bot._load_llm(spec)
    if warm and llm is not None:
        # One untimed question first: a running server has its fixed prompt prefix (rules and worked
        # examples, ~800 tokens) in llama.cpp's cache after its first answer; every later question
        # reads only its passages. Without this the first row also times the model's load and prefix.
        bot.ask("What skills do employers ask for?", llm=spec)
    records = []
    for row in rows:
        history = row.get("history") or []
        started = time.perf_counter()
        extractive = bot.ask(row["question"], history=history, llm="extractive")
        extractive_seconds = time.perf_counter() - started
        started = time.perf_counter()
        if direct:
            hits = bot.retrieve(row["question"], history=history)
            passages = [(h.passage, h.dense if getattr(h, "dense", None) is not None else h.score) for h in hits]
            answer = None
            for piece in generate_answer(llm, row["question"], passages, extractive, history=history,
                                         timeout=bot.settings.llm_timeout):
                answer = piece
        else:
            answer = bot.ask(row["question"], history=history, llm=spec)
        seconds = time.perf_counter() - started + (extractive_seconds if direct else 0.0)
        status = (answer.verification or {}).get("status", "not asked")
        sent = (answer.verification or {}).get("passages_sent", 0)
        retrieved = [h.passage for h in bot.retrieve(row["question"], history=history)]
        by_id = {p.id: p for p in retrieved}
        for c in extractive.citations:  # the quoted lines' passages go first (generation._evidence_first)
            by_id.setdefault(c.passage_id, Passage(c.passage_id, c.text, c.source, c.section))
        ids = (answer.verification or {}).get("passage_ids")
        shown = [by_id[i] for i in ids if i in by_id] if ids else retrieved[:sent]
        cut = set((answer.verification or {}).get("passages_focused", []))  # cut to the rows, cells, sentences asked
        shown = [excerpt(p, extractive, build_query(row["question"], history), whole_prose=n == 1) if n in cut else p
                 for n, p in enumerate(shown, 1)]
        titles = {p.id: p.title for p in retrieved}
        record = {
            "id": row.get("id", ""), "question": row["question"], "answerable": row.get("answerable", True),
            "correct": correct(row, answer), "extractive_correct": correct(row, extractive),
            "answered": answer.answered, "status": status, "asked": status != "not asked",
            "fallback": status == "fallback", "seconds": round(seconds, 2),
            "extractive_seconds": round(extractive_seconds, 2),
            "unsupported": unsupported(answer, titles), "text": answer.text, "notice": answer.notice,
            "extractive": extractive.text, "why": (answer.verification or {}).get("reason", ""),
            "generated": (answer.verification or {}).get("generated", ""),
            "dropped": (answer.verification or {}).get("dropped_sentences", []),
            "usage": (answer.verification or {}).get("usage") or {},
            "passages": [{"n": n, "source": p.source, "section": p.section, "title": p.title, "text": p.text}
                         for n, p in enumerate(shown, 1)],  # what the LLM was shown, to read its sentences against
        }
        records.append(record)
        if log is not None:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
            log.flush()
        if verbose:
            mark = "ok " if record["correct"] else "BAD"
            ex = "ok " if record["extractive_correct"] else "BAD"
            print(f"{mark} (extractive {ex}) {record['id']:8} {seconds:5.1f}s {status:9} "
                  f"{_usage_line(record['usage'])} {answer.text[:100]!r}", file=sys.stderr, flush=True)
    return records


def _usage_line(usage: dict) -> str:
    """'prompt 612 (read 187 at 74 t/s) + 23 generated at 11 t/s', or '' without figures."""
    if not usage:
        return ""
    return (f"prompt {usage['prompt_tokens']} (read {usage['prompt_evaluated']} at "
            f"{usage['prompt_tokens_per_s'] or 0:.0f} t/s) + {usage['generated_tokens']} generated at "
            f"{usage['generated_tokens_per_s'] or 0:.0f} t/s")


def model_seconds(usage: dict) -> float | None:
    """llama.cpp's own time for one answer: the prompt tokens it read plus the tokens it wrote."""
    if not usage or not usage.get("prompt_tokens_per_s") or not usage.get("generated_tokens_per_s"):
        return None
    return (usage["prompt_evaluated"] / usage["prompt_tokens_per_s"]
            + usage["generated_tokens"] / usage["generated_tokens_per_s"])


def tokens(records: list[dict]) -> dict:
    """Medians of the per-answer token counts and llama.cpp's rates (only backends that report them)."""
    used = [r["usage"] for r in records if r.get("usage")]
    if not used:
        return {}
    median = lambda key: statistics.median(u[key] for u in used if u.get(key) is not None)  # noqa: E731
    own = sorted(filter(None, (model_seconds(u) for u in used)))
    return {
        "answers_measured": len(used),
        "prompt_tokens_p50": median("prompt_tokens"), "prompt_cached_p50": median("prompt_cached"),
        "prompt_evaluated_p50": median("prompt_evaluated"), "generated_tokens_p50": median("generated_tokens"),
        "prompt_tokens_per_s_p50": median("prompt_tokens_per_s"),
        "generated_tokens_per_s_p50": median("generated_tokens_per_s"),
        "model_seconds_p50": _percentile(own, 0.5), "model_seconds_p90": _percentile(own, 0.9),
    }


def measures(records: list[dict]) -> dict:
    """The figures of the table from the run records."""
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    asked = sorted(r["seconds"] for r in records if r["asked"])
    verified = sorted(r["seconds"] for r in records if r["status"] == "verified")
    return {
        "questions": len(records),
        "correct": _share(r["correct"] for r in records),
        "extractive_correct": _share(r["extractive_correct"] for r in records),
        "correct_answerable": _share(r["correct"] for r in answerable),
        "extractive_correct_answerable": _share(r["extractive_correct"] for r in answerable),
        "refused_unanswerable": _share(not r["answered"] for r in unanswerable),
        "extractive_refused_unanswerable": _share(r["extractive_correct"] for r in unanswerable),
        "unsupported_figures": sum(len(r["unsupported"]) for r in records),
        "fallback_rate_answerable": _share(r["fallback"] for r in answerable if r["asked"]),
        "verified": sum(r["status"] == "verified" for r in records),
        "declined": sum(r["status"] == "declined" for r in records),
        "fallbacks": sum(r["fallback"] for r in records),
        "timeouts": sum(r["fallback"] and r["why"] == "timeout" for r in records),
        "asked": len(asked),
        "latency_p50": _percentile(asked, 0.5), "latency_p90": _percentile(asked, 0.9),
        "verified_p50": _percentile(verified, 0.5), "verified_p90": _percentile(verified, 0.9),
        **tokens(records),
    }


def table(results: dict[str, dict]) -> str:
    """A Markdown table, one row per data file and backend, the extractive answerer beside it."""
    lines = [
        "| questions | backend | answer correct (extractive) | answerable correct (extractive) "
        "| unanswerable refused (extractive) | unsupported figures | fallback rate (answerable) "
        "| verified / declined / fell back (of which timed out) | latency p50 / p90 | verified answer p50 / p90 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (data, spec), m in results.items():
        lines.append(
            f"| {data} ({m['questions']}) | {spec} | {m['correct']:.0%} ({m['extractive_correct']:.0%}) "
            f"| {m['correct_answerable']:.0%} ({m['extractive_correct_answerable']:.0%}) "
            f"| {m['refused_unanswerable']:.0%} ({m['extractive_refused_unanswerable']:.0%}) "
            f"| {m['unsupported_figures']} | {m['fallback_rate_answerable']:.0%} "
            f"| {m['verified']} / {m['declined']} / {m['fallbacks']} ({m.get('timeouts', 0)} timed out) "
            f"| {m['latency_p50']:.1f} s / {m['latency_p90']:.1f} s "
            f"| {m['verified_p50']:.1f} s / {m['verified_p90']:.1f} s |")
    for (data, spec), m in results.items():
        if m.get("answers_measured"):
            lines.append(
                f"\n{data} {spec}, medians over {m['answers_measured']} generations: prompt "
                f"{m['prompt_tokens_p50']:.0f} tokens ({m['prompt_cached_p50']:.0f} reused from the KV cache, "
                f"{m['prompt_evaluated_p50']:.0f} read at {m['prompt_tokens_per_s_p50']:.0f} tokens/s), "
                f"{m['generated_tokens_p50']:.0f} generated at {m['generated_tokens_per_s_p50']:.1f} tokens/s; "
                f"llama.cpp's own time p50 / p90 {m['model_seconds_p50']:.1f} s / {m['model_seconds_p90']:.1f} s")
    return "\n".join(lines)


def build_corpus(kind: str, folder: Path) -> Path:
    """A corpus folder in `folder`: the guide, plus the bank's documents for `documents`."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    shutil.copy(GUIDE, corpus / GUIDE.name)
    if kind == "documents":
        for path in sorted(DOCUMENTS.iterdir()):
            if path.is_file() and not path.name.startswith("headings-"):
                shutil.copy(path, corpus / path.name)
    return corpus


def _share(flags) -> float:
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else 0.0


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", action="append", default=None, help="backend spec, repeatable (default: llama-cpp)")
    parser.add_argument("--data", type=Path, action="append", default=None, help="question file, repeatable")
    parser.add_argument("--corpus", choices=["guide", "documents"], default="guide")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each file")
    parser.add_argument("--every", type=int, default=1, help="only every K-th question of each file (1st, K+1-th, ...)")
    parser.add_argument("--verifier", choices=("shipped", "agreement"), default="shipped",
                        help="agreement: without the anchoring check, as before it")
    parser.add_argument("--direct", action="store_true", help="ask the LLM about every question")
    parser.add_argument("--json", type=Path, help="also write the measures and records here")
    parser.add_argument("--records", type=Path, help="write each record here (JSON lines) as it is made")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--cold", action="store_true", help="time the first question too (no untimed warm-up)")
    parser.add_argument("--from-records", type=Path, help="print the table of a --records file (a partial run too)")
    args = parser.parse_args(argv)
    if args.from_records:
        records = [json.loads(line) for line in args.from_records.read_text("utf-8").splitlines() if line.strip()]
        print(table({(args.from_records.name, "records"): measures(records)}))
        return 0
    if any(p.name.startswith("heldout") and "bank" in p.parts for p in args.data or []):
        print("note: held-out questions; only the aggregate table is printed", file=sys.stderr)
        args.verbose, args.records, args.json = False, None, None
    from assistant import Assistant

    if args.verifier == "agreement":
        from assistant import grounding

        grounding.anchor_problem = lambda *a, **k: None
    load_start = os.getloadavg()[0]
    results, dump = {}, {}
    with tempfile.TemporaryDirectory(prefix="llm-eval-") as tmp:
        corpus = build_corpus(args.corpus, Path(tmp))
        bot = Assistant(corpus_dir=corpus, index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data")
        bot.index()
        for data in args.data or [DEFAULT_DATA]:
            rows = [json.loads(line) for line in data.read_text("utf-8").splitlines() if line.strip()]
            rows = rows[:: max(1, args.every)]
            rows = rows[: args.limit] if args.limit else rows
            for spec in args.llm or ["llama-cpp"]:
                with open(args.records or os.devnull, "a", encoding="utf-8") as log:
                    records = run_questions(bot, spec, rows, args.direct, args.verbose, log, warm=not args.cold)
                results[(data.name, spec)] = measures(records)
                dump[f"{data.name} {spec}"] = {"measures": results[(data.name, spec)], "records": records}
    print(table(results))
    print(f"\nload average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"{os.cpu_count()} cores; corpus: {args.corpus}; {'every question asked (--direct)' if args.direct else 'through Assistant.ask'}"
          f"{f'; every {args.every}th question' if args.every > 1 else ''}; verifier: {args.verifier}")
    if args.json:
        args.json.write_text(json.dumps(dump, indent=2, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
