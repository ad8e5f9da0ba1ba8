"""Measure sentence verifiers on the labelled set in tests/data/verifier/; print a Markdown table.

    python benchmarks/verifier_eval.py                      # the string checks on the tuning set
    python benchmarks/verifier_eval.py --set heldout        # ... on the held-out set
    python benchmarks/verifier_eval.py --judge llama-cpp    # also the LLM asked "does [n] say this?"
    python benchmarks/verifier_eval.py --set heldout --half odd --failures   # the half one may read

`--half odd|even` keeps the held-out ids with an odd or even number (h-001, h-003, ... or h-002,
...): rules are corrected against the odd half only, and for the even half `--failures` is
refused, so its sentences stay unread and its figure stays blind.

Two sets (tests/data/verifier/README.md): `tuning` (sentences.jsonl, which the verifier's rules
were corrected against) and `heldout` (heldout.jsonl, written and labelled before the rules it
measures, over passages the tuning set never uses); `--set` also takes a path. Each line is one
generated or written answer sentence
with the passages its markers cite and a label read by hand: "good" (a claim its passage makes)
or "bad" (misstates its passage, or states nothing). A verifier *keeps* or *drops* each
sentence. Reported per verifier:

- bad kept: the share of kept sentences that are bad (the issue's target: at most 2%);
- precision (good among kept) and recall (good sentences kept);
- bad caught: the share of bad sentences dropped;
- seconds per sentence, for the judge.

Verifiers: `figures+overlap` (markers, figures, word overlap: the checks before this issue),
`agreement` (those plus the claim and agreement checks of rounds 1-3, which look for known kinds
of error), `anchor` (figures+overlap and claims plus anchoring.py alone: one cited sentence must
back everything a clause says), `meaning (shipped)` (grounding.verify as shipped: agreement and
anchor both), `judge` (the figure checks, then the LLM's yes/no per cited passage) and
`meaning+judge` (both must keep). With `--similarity T`, also the packaged MiniLM's cosine between
the sentence and its closest anchor, alone (>= T) and as a further gate on the shipped checks.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "verifier"
SETS = {"tuning": DATA / "sentences.jsonl", "heldout": DATA / "heldout.jsonl"}
SET = SETS["tuning"]

JUDGE_PROMPT = (
    "Passage:\n{passage}\n\nSentence: {sentence}\n\n"
    "Does the passage say what the sentence says, with the same names, numbers and comparisons? "
    "Answer with one word: yes or no."
)


def load(path: Path = SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def half(items: list[dict], which: str) -> list[dict]:
    """The items whose id ends in an odd (or even) number: "h-001" is odd, "h-002" even."""
    want = 1 if which == "odd" else 0
    return [i for i in items if (m := re.search(r"(\d+)$", i["id"])) and int(m.group(1)) % 2 == want]


def passages_of(item: dict) -> list:
    """The passages as a list where `[n]` is item n; numbers the item does not cite are empty."""
    from assistant.schema import Passage

    cited = {int(n): p for n, p in item["passages"].items()}
    return [Passage(p.get("id", f"p{n}"), p["text"], p.get("source", ""), p.get("section", ""),
                    title=p.get("title", "")) if (p := cited.get(n)) else Passage(f"empty{n}", "", "")
            for n in range(1, max(cited, default=0) + 1)]


MODES = ("figures", "agreement", "anchor", "shipped")


def kept_by_verify(item: dict, meaning: bool | str = True) -> bool:
    """Whether grounding.verify keeps the sentence: as shipped (`True` or "shipped"), with the
    old checks only (`False` or "figures"), or with one of its two meaning checks ("agreement",
    "anchor")."""
    from assistant import grounding

    mode = {True: "shipped", False: "figures"}.get(meaning, meaning)
    saved = grounding.claim_problem, grounding.agreement_problem, grounding.anchor_problem
    none = lambda *a, **k: None  # noqa: E731
    if mode == "figures":
        grounding.claim_problem = grounding.agreement_problem = grounding.anchor_problem = none
    elif mode == "agreement":
        grounding.anchor_problem = none
    elif mode == "anchor":
        grounding.agreement_problem = none
    try:
        _, _, report = grounding.verify(item["sentence"], passages_of(item), item.get("question", ""))
    finally:
        grounding.claim_problem, grounding.agreement_problem, grounding.anchor_problem = saved
    return report["kept"] == 1


def similarity(items: list[dict]) -> list[float]:
    """The packaged embedding model's cosine between each sentence and its closest anchor."""
    from assistant import anchoring
    from assistant.config import DEFAULT_EMBED_MODEL
    from assistant.embedding import resolve_model
    from assistant.grounding import strip_markers
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(resolve_model(DEFAULT_EMBED_MODEL), device="cpu")
    out = []
    for item in items:
        units = [a.text for p in passages_of(item) if p.text for a in anchoring.anchors(p)]
        vectors = model.encode([strip_markers(item["sentence"])] + units, normalize_embeddings=True)
        out.append(float((vectors[1:] @ vectors[0]).max()) if units else 0.0)
    return out


def judge(llm, item: dict) -> tuple[bool, float]:
    """Ask `llm` whether each cited passage says the sentence; (all said yes, seconds taken)."""
    from assistant.grounding import markers, strip_markers

    started = time.perf_counter()
    sentence = strip_markers(item["sentence"])
    for n in dict.fromkeys(markers(item["sentence"])):
        passage = item["passages"].get(str(n))
        if not passage:
            continue
        prompt = JUDGE_PROMPT.format(passage=f"{passage.get('section', '')}\n{passage['text']}", sentence=sentence)
        reply = "".join(llm.generate([{"role": "user", "content": prompt}], timeout=300)).strip().lower()
        if not reply.startswith("yes"):
            return False, time.perf_counter() - started
    return True, time.perf_counter() - started


def score(items: list[dict], kept: list[bool]) -> dict:
    good = [i["label"] == "good" for i in items]
    kept_n = sum(kept)
    good_kept = sum(k and g for k, g in zip(kept, good))
    bad_n = len(items) - sum(good)
    return {
        "kept": kept_n,
        "bad_kept": (kept_n - good_kept) / kept_n if kept_n else 0.0,
        "bad_kept_n": kept_n - good_kept,
        "precision": good_kept / kept_n if kept_n else 0.0,
        "recall": good_kept / sum(good) if sum(good) else 0.0,
        "bad_caught": sum((not k) and (not g) for k, g in zip(kept, good)) / bad_n if bad_n else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="tuning", help="tuning, heldout, or a .jsonl path")
    parser.add_argument("--judge", help="an LLM spec to measure as a yes/no judge, e.g. llama-cpp")
    parser.add_argument("--judge-limit", type=int, default=0, help="judge only the first N sentences")
    parser.add_argument("--failures", action="store_true", help="print the sentences each verifier gets wrong")
    parser.add_argument("--half", choices=("odd", "even"), help="only the odd or even ids (h-001 is odd)")
    parser.add_argument("--similarity", type=float, help="also gate on MiniLM cosine to the closest anchor >= this")
    args = parser.parse_args(argv)
    items = load(SETS.get(args.set) or Path(args.set))
    if args.half:
        items = half(items, args.half)
        if args.half == "even" and args.failures:
            parser.error("the even half is measured blind: --failures would print its sentences")
    runs: dict[str, tuple[list[dict], list[bool], float]] = {}
    runs["figures+overlap"] = (items, [kept_by_verify(i, "figures") for i in items], 0.0)
    runs["agreement (round 3)"] = (items, [kept_by_verify(i, "agreement") for i in items], 0.0)
    runs["anchor alone"] = (items, [kept_by_verify(i, "anchor") for i in items], 0.0)
    runs["meaning (shipped)"] = (items, [kept_by_verify(i) for i in items], 0.0)
    if args.similarity:
        cosines = similarity(items)
        runs[f"MiniLM cosine >= {args.similarity:g} alone"] = (items, [c >= args.similarity for c in cosines], 0.0)
        runs[f"shipped and cosine >= {args.similarity:g}"] = (
            items, [k and c >= args.similarity for k, c in zip(runs["meaning (shipped)"][1], cosines)], 0.0)
    if args.judge:
        from assistant.llms import load_llm

        llm = load_llm(args.judge, max_tokens=3)
        subset = items[: args.judge_limit] if args.judge_limit else items
        verdicts, seconds = [], 0.0
        for item in subset:
            yes, took = judge(llm, item)
            verdicts.append(yes)
            seconds += took
        per = seconds / len(subset) if subset else 0.0
        old = [kept_by_verify(i, meaning=False) for i in subset]
        new = [kept_by_verify(i) for i in subset]
        runs[f"judge ({args.judge}) on {len(subset)}"] = (subset, [a and b for a, b in zip(old, verdicts)], per)
        runs[f"meaning+judge on {len(subset)}"] = (subset, [a and b for a, b in zip(new, verdicts)], per)
        runs[f"meaning on the same {len(subset)}"] = (subset, new, 0.0)
    good = sum(i["label"] == "good" for i in items)
    print(f"{args.set} set{f' ({args.half} half)' if args.half else ''}, {len(items)} sentences: {good} good, {len(items) - good} bad "
          f"({sum(i['origin'] == 'generated' for i in items)} generated by the model, "
          f"{sum(i['origin'] == 'written' for i in items)} written)\n")
    print("| verifier | kept | bad kept (target ≤ 2%) | precision | recall (good kept) | bad caught | s / sentence |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, (subset, kept, per) in runs.items():
        m = score(subset, kept)
        print(f"| {name} | {m['kept']} | {m['bad_kept']:.1%} ({m['bad_kept_n']}) | {m['precision']:.1%} "
              f"| {m['recall']:.1%} | {m['bad_caught']:.1%} | {per:.2f} |")
    if args.failures:
        for name, (subset, kept, _) in runs.items():
            print(f"\n## {name}")
            for item, k in zip(subset, kept):
                if k != (item["label"] == "good"):
                    print(f"- {'KEPT bad' if k else 'DROPPED good'} {item['id']}: {item['sentence']}"
                          f"  [{item.get('failure', '')}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
