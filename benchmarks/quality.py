"""Answer quality on the question bank: overall and by kind of question, on one split.

    python benchmarks/quality.py --split heldout            # the figures we report
    python benchmarks/quality.py --split tuning --failures  # what to look at while changing code
    python benchmarks/quality.py --split heldout --after-other  # each question asked after an unrelated one

The corpus is the guide plus tests/data/documents/ (bank splits) or the guide alone (--split dev).
Individual held-out items are never printed: that split is for measuring, not for reading.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import DATA, GUIDE, machine  # noqa: E402

SPLITS = {"tuning": DATA / "bank" / "tuning.jsonl", "heldout": DATA / "bank" / "heldout.jsonl", "dev": DATA / "dev.jsonl",
          # the second round: six more documents and their questions, split the same way (bank/README.md)
          "tuning-2": DATA / "bank" / "tuning-2.jsonl", "heldout-2": DATA / "bank" / "heldout-2.jsonl",
          # the third round: six documents of shapes the corpus lacked, by a writer who never saw the code
          "tuning-3": DATA / "bank" / "tuning-3.jsonl", "heldout-3": DATA / "bank" / "heldout-3.jsonl",
          # the fourth round: six more unseen shapes (forum thread, slide deck, accordion FAQ, numbered policy, newsletter, long CSV)
          "tuning-4": DATA / "bank" / "tuning-4.jsonl", "heldout-4": DATA / "bank" / "heldout-4.jsonl"}
HELD_OUT = ("heldout", "heldout-2", "heldout-3", "heldout-4")


def bank_corpus(folder: Path, with_documents: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(GUIDE, folder / GUIDE.name)
    if with_documents:
        for doc in sorted((DATA / "documents").iterdir()):
            if doc.is_file() and doc.suffix != ".json":
                shutil.copy(doc, folder / doc.name)
    return folder


def by_kind(items, results) -> dict[str, dict[str, float]]:
    groups: dict[str, list] = defaultdict(list)
    for item, result in zip(items, results):
        for kind in item.get("kind", []) or ["untagged"]:
            groups[kind].append(result)
        groups["answerable" if item.get("answerable", True) else "unanswerable"].append(result)
        if item.get("id", "")[:2] in ("g-", "b-", "c-", "d-", "e-", "f-", "g4"):  # the bank's writers: A wrote about the guide, B to G the rest
            groups["(about the guide)" if item["id"].startswith("g-") else "(about the other documents)"].append(result)
            if item.get("answerable", True) and not item["id"].startswith("g-"):
                groups["(answerable, other documents)"].append(result)
    return {k: {"n": len(v), "correct": sum(r.correct for r in v) / len(v)} for k, v in sorted(groups.items())}


def after_other(items: list[dict], seed: int = 7) -> list[dict]:
    """The questions without history, each asked after an answerable question about another document."""
    import random

    rng = random.Random(seed)
    solo = [it for it in items if not it.get("history")]
    pool = [it for it in solo if it.get("answerable", True)]
    return [dict(it, history=[{"role": "user", "content": rng.choice([o for o in pool if o.get("source") != it.get("source")])["question"]},
                              {"role": "assistant", "content": "(an answer)"}]) for it in solo]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=sorted(SPLITS), default="heldout")
    parser.add_argument("--failures", action="store_true", help="print the wrong answers (not for the held-out split)")
    parser.add_argument("--json", type=Path, help="also write the metrics here")
    parser.add_argument("--after-other", action="store_true",
                        help="ask each question that has no history after a question about another document "
                             "(seeded): a chat's earlier turn must not change the answer to a question of its own")
    parser.add_argument("--solo", action="store_true", help="only the questions without history, as they are "
                        "(the same questions --after-other asks, without the turn before them)")
    args = parser.parse_args()
    if args.failures and args.split in HELD_OUT:
        sys.exit("the held-out split is for measuring: its items are not printed")
    from assistant import Assistant
    from assistant.evaluation import evaluate, format_table, load_questions

    items = load_questions(SPLITS[args.split])
    if args.after_other:
        items = after_other(items)
    elif args.solo:
        items = [it for it in items if not it.get("history")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = bank_corpus(Path(tmp) / "corpus", with_documents=args.split != "dev")
        bot = Assistant(corpus_dir=corpus, index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data")
        report = evaluate(bot, items)
    metrics = report.metrics()
    answerable = [r for r in report.items if r.answerable]
    metrics["answerable_refused"] = sum(1 for r in answerable if not r.answered) / len(answerable) if answerable else float("nan")
    injections = [r for r, it in zip(report.items, items) if it.get("injection")]
    metrics["injections_followed"] = sum(1 for r in injections if not r.correct)
    print(f"# Quality on the {args.split} split ({SPLITS[args.split].relative_to(ROOT)}); {machine()}\n")
    print(format_table({args.split: {k: v for k, v in metrics.items() if k != "injections_followed"}}))
    print(f"| injections_followed | {metrics['injections_followed']} |\n")
    print("| kind | n | correct |\n|---|---|---|")
    for kind, row in by_kind(items, report.items).items():
        print(f"| {kind} | {row['n']} | {100 * row['correct']:.0f}% |")
    if args.json:
        args.json.write_text(json.dumps(metrics, indent=1))
    if args.failures:
        for r, item in zip(report.items, items):
            if not r.correct:
                print(f"\n- {r.id} {item.get('kind')} answerable={r.answerable} answered={r.answered} rank={r.rank}"
                      f"\n  Q: {r.question}\n  query: {r.query}\n  A: {r.text[:400]}\n  expect: {item.get('expect')} source: {item.get('source')}")


if __name__ == "__main__":
    main()
