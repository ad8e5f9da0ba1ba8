"""Measure answers with an LLM backend on an eval set and print a Markdown table.

    python benchmarks/llm_eval.py --llm llama-cpp [--data tests/data/dev.jsonl] [-v]

Each line of the data file is {"question", "answerable", "expect": [[alternatives...], ...],
"history"?}. Measured per backend:

- accuracy: an answerable question is right when the answer is given and every `expect` group
  has an alternative in its text (case-insensitive); an unanswerable one when no answer is given;
- unsupported figures: figures in final answers that no cited passage supports (must be 0);
- fallback rate: answers that carry a notice or came from the extractive answerer;
- latency p50 / p90 in seconds, question to final answer.

`evaluate` takes any factory that builds an object with `ask(question, history=...) -> Answer`,
so it measures the Assistant as users get it, retrieval included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev.jsonl"


def evaluate(make_bot: Callable[[], Any], rows: list[dict], verbose: bool = False) -> dict:
    """Run every row through one bot; return the measures and the per-question records."""
    from assistant.figures import unsupported_figures
    from assistant.grounding import strip_markers

    bot = make_bot()
    records = []
    for row in rows:
        started = time.perf_counter()
        answer = bot.ask(row["question"], history=row.get("history") or [])
        seconds = time.perf_counter() - started
        text = answer.text.lower()
        if row.get("answerable", True):
            correct = answer.answered and all(
                any(alt.lower() in text for alt in group) for group in row.get("expect", []))
        else:
            correct = not answer.answered
        unsupported = []
        if answer.answered:
            sources = [c.text for c in answer.citations]
            unsupported = [f.raw for f in unsupported_figures(strip_markers(answer.text), sources)]
        record = {
            "id": row.get("id", ""), "correct": correct, "unsupported": unsupported,
            "fallback": bool(answer.notice) or answer.backend == "extractive",
            "answerable": row.get("answerable", True), "seconds": seconds,
            "notice": answer.notice, "text": answer.text,
            "why": (answer.verification or {}).get("reason", ""),
        }
        records.append(record)
        if verbose:
            mark = "ok " if correct else "BAD"
            print(f"{mark} {record['id']:8} {seconds:5.1f}s fb={record['fallback']:d} "
                  f"{answer.text[:90]!r} {answer.notice}", file=sys.stderr)
    return {"measures": measures(records), "records": records}


def measures(records: list[dict]) -> dict:
    """Accuracy, unsupported figures, fallback rates and latency percentiles of run records."""
    answerable = [r for r in records if r["answerable"]]
    latencies = sorted(r["seconds"] for r in records)
    return {
        "questions": len(records),
        "accuracy": _share(r["correct"] for r in records),
        "accuracy_answerable": _share(r["correct"] for r in answerable),
        "unsupported_figures": sum(len(r["unsupported"]) for r in records),
        "fallback_rate": _share(r["fallback"] for r in records),
        "fallback_rate_answerable": _share(r["fallback"] for r in answerable),
        "latency_p50": statistics.median(latencies) if latencies else 0.0,
        "latency_p90": _percentile(latencies, 0.9),
    }


def table(results: dict[str, dict]) -> str:
    """A Markdown table with one row per backend."""
    lines = [
        "| backend | questions | accuracy (answerable) | unsupported figures | fallback rate "
        "(answerable) | latency p50 / p90 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec, m in results.items():
        lines.append(
            f"| {spec} | {m['questions']} | {m['accuracy']:.0%} ({m['accuracy_answerable']:.0%}) "
            f"| {m['unsupported_figures']} | {m['fallback_rate']:.0%} "
            f"({m['fallback_rate_answerable']:.0%}) | {m['latency_p50']:.1f} s / "
            f"{m['latency_p90']:.1f} s |")
    return "\n".join(lines)


def _share(flags) -> float:
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else 0.0


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm", action="append", default=None,
                        help="backend spec, repeatable (default: extractive and llama-cpp)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="also write the measures and records here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    from assistant import Assistant

    rows = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line.strip()]
    results, dump = {}, {}
    for spec in args.llm or ["extractive", "llama-cpp"]:
        run = evaluate(lambda spec=spec: Assistant(llm=spec), rows, verbose=args.verbose)
        results[spec] = run["measures"]
        dump[spec] = run
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(dump, indent=2, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
