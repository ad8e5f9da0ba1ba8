"""Retrieval rankings on the question files, saved and compared: a change to the index must not move them.

For every question of tests/data/dev.jsonl and tests/data/heldout.jsonl, on the guide alone and on
the guide plus tests/data/distractors/, records the passage ids `Assistant.retrieve` returns (top 5,
best first) with their fused, dense and BM25 scores. Passage ids are content hashes, so two runs on
the same files name the same passages.

    python benchmarks/rankings.py --save /tmp/before.json     # before a change
    python benchmarks/rankings.py --compare /tmp/before.json  # after: lists every question that moved

Answer texts are left out on purpose: the answerer changes on its own schedule; the ranking is
what the index and the retriever decide.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, DISTRACTORS, GUIDE, HELDOUT, load_jsonl, machine, offline  # noqa: E402


def rankings(work: Path) -> dict:
    from assistant import Assistant

    out = {}
    for corpus_name, extra in (("guide", []), ("guide+distractors", DISTRACTORS)):
        corpus = work / corpus_name / "corpus"
        corpus.mkdir(parents=True)
        for path in (GUIDE, *extra):
            shutil.copy(path, corpus / path.name)
        bot = Assistant(corpus_dir=corpus, index_dir=work / corpus_name / "index", data_dir=work / corpus_name / "data")
        bot.index()
        for questions in (DEV, HELDOUT):
            for item in load_jsonl(questions):
                hits = bot.retrieve(item["question"], item.get("history"))
                out[f"{corpus_name}|{questions.stem}|{item['id']}"] = [
                    [h.passage.id, round(h.score, 9), None if h.dense is None else round(h.dense, 5),
                     None if h.lexical is None else round(h.lexical, 5), h.band] for h in hits]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the rankings here")
    group.add_argument("--compare", type=Path, help="compare with rankings saved earlier")
    args = ap.parse_args(argv)
    offline()
    print(f"rankings.py — {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="rankings-") as tmp:
        now = rankings(Path(tmp))
    if args.save:
        args.save.write_text(json.dumps(now, indent=0), encoding="utf-8")
        print(f"{len(now)} rankings saved to {args.save}")
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    moved = [key for key in before if [h[0] for h in before[key]] != [h[0] for h in now.get(key, [])]]
    rescored = [key for key in before if key not in moved and before[key] != now.get(key)]
    for key in moved:
        print(f"MOVED {key}\n  before {[h[0] for h in before[key]]}\n  now    {[h[0] for h in now.get(key, [])]}")
    print(f"{len(before)} questions compared: {len(moved)} rankings differ in passage ids, "
          f"{len(rescored)} more differ only in scores")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
