"""Print the relevance features of calibration questions and sweep the decision's thresholds.

    python benchmarks/calibrate.py [tests/data/calibration.jsonl ...] [--items]

For each (min coverage, strong dense) pair it prints the share of answerable questions answered
and unanswerable ones refused. Tune on calibration.jsonl; check dev and held-out sets afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def features(bot, item):
    from assistant.assistant import clean_question
    from assistant.relevance import decide

    query, hits, retriever = bot._search(clean_question(item["question"], 2000), item.get("history"), None)
    top = max((h.dense for h in hits if h.dense is not None), default=0.0)
    return decide(query, hits, retriever.terms, top)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", default=[str(ROOT / "tests/data/calibration.jsonl")])
    parser.add_argument("--items", action="store_true", help="print every question's features")
    args = parser.parse_args()
    from assistant import Assistant
    from assistant import relevance  # noqa: F401  (thresholds are swept below)

    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    bot = Assistant(corpus_dir=tmp / "corpus", index_dir=tmp / "index")
    rows = []
    for f in args.files:
        for line in Path(f).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item.get("injection"):
                    continue
                d = features(bot, item)
                rows.append((item, d))
                if args.items:
                    mark = "ok " if d.answerable == item["answerable"] else "XX "
                    print(f"{mark}{'A' if item['answerable'] else 'U'} cov={d.coverage:.2f} dense={d.dense:.2f} missing={d.missing} | {item['question']}")
    print("\n| min coverage | answerable answered | unanswerable refused |\n|---|---|---|")
    default = relevance.MIN_COVERAGE
    for cov in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        relevance.MIN_COVERAGE = cov
        decisions = [(item, features(bot, item)) for item, _ in rows]
        a = [d.answerable for i, d in decisions if i["answerable"]]
        u = [not d.answerable for i, d in decisions if not i["answerable"]]
        mark = " (in use)" if cov == default else ""
        print(f"| {cov:.1f}{mark} | {sum(a) / len(a):.0%} | {sum(u) / len(u):.0%} |")
    relevance.MIN_COVERAGE = default
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
