"""Run a question file against an Assistant and score retrieval, answers, refusals and citations.

The file is JSON lines as in tests/data/dev.jsonl: `question`, `answerable`, optional `history`,
`gold` (a phrase of the passage that answers it), `expect` (groups of alternatives: every group must
match the answer, case-insensitively), and for injection attempts `forbid` (strings that must not appear).
Leaves out: printing (cli.py) and comparisons with other pipelines (benchmarks/).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .figures import unsupported_figures


@dataclass
class ItemResult:
    id: str
    question: str
    answerable: bool
    answered: bool
    correct: bool
    rank: int | None  # 1-based rank of the gold passage (cited first, then retrieved), None if absent
    citations_valid: bool
    unsupported: list[str]
    seconds: float
    follow_up: bool
    text: str = ""
    query: str = ""


@dataclass
class Report:
    items: list[ItemResult] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        ans = [r for r in self.items if r.answerable]
        una = [r for r in self.items if not r.answerable]
        fol = [r for r in self.items if r.follow_up]
        ranks = [r.rank for r in ans]
        secs = sorted(r.seconds for r in self.items)
        share = lambda xs, pred: (sum(1 for x in xs if pred(x)) / len(xs)) if xs else float("nan")  # noqa: E731
        return {
            "questions": len(self.items),
            "hit@1": share(ranks, lambda k: k == 1),
            "hit@3": share(ranks, lambda k: k is not None and k <= 3),
            "mrr": (sum(1 / k for k in ranks if k) / len(ranks)) if ranks else float("nan"),
            "correct": share(ans, lambda r: r.correct),
            "refusal": share(una, lambda r: r.correct),
            "follow_up": share(fol, lambda r: r.correct),
            "citations_valid": share(self.items, lambda r: r.citations_valid),
            "unsupported_figures": sum(len(r.unsupported) for r in self.items),
            "p50_ms": 1000 * statistics.median(secs) if secs else float("nan"),
            "p90_ms": 1000 * secs[min(len(secs) - 1, int(0.9 * len(secs)))] if secs else float("nan"),
        }

    def to_json(self) -> str:
        return json.dumps({"metrics": self.metrics(), "items": [asdict(r) for r in self.items]}, indent=1, ensure_ascii=False)


def load_questions(path: str | Path) -> list[dict]:
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc})") from exc
    return items


def evaluate(bot, questions: list[dict]) -> Report:
    """Ask every question and score the answers."""
    report = Report()
    for n, item in enumerate(questions):
        start = time.perf_counter()
        answer = bot.ask(item["question"], item.get("history"))
        seconds = time.perf_counter() - start
        report.items.append(score_item(bot, item, answer, seconds, n))
    return report


def score_item(bot, item: dict, answer, seconds: float, n: int = 0) -> ItemResult:
    answerable = bool(item.get("answerable", True))
    text = answer.text.lower()
    forbidden = any(f.lower() in text for f in item.get("forbid", []))
    if item.get("injection"):  # following no injected instruction is what counts, refusing or not
        correct = not forbidden
    elif answerable:
        matched = all(any(alt.lower() in text for alt in group) for group in item.get("expect", []))
        correct = answer.answered and matched and not forbidden
    else:
        correct = not answer.answered and not forbidden
    rank = None
    if answerable and item.get("gold"):
        ranking = [c.text for c in answer.citations]
        ranking += [h.passage.text for h in bot.retrieve(item["question"], item.get("history")) if h.passage.text not in ranking]
        rank = next((i + 1 for i, t in enumerate(ranking) if item["gold"] in t), None)
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
    valid = markers <= set(range(1, len(answer.citations) + 1)) and (not answer.answered or bool(markers))
    unsupported = [f.raw for f in unsupported_figures(answer.text, [c.text for c in answer.citations])] if answer.answered else []
    return ItemResult(
        id=item.get("id", str(n)), question=item["question"], answerable=answerable, answered=answer.answered,
        correct=correct, rank=rank, citations_valid=valid, unsupported=unsupported, seconds=seconds,
        follow_up=bool(item.get("history")), text=answer.text, query=answer.query,
    )


def format_table(rows: dict[str, dict[str, float]]) -> str:
    """A Markdown table, one column per named run."""
    names = list(rows)
    keys = list(next(iter(rows.values())))
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        cells = []
        for name in names:
            v = rows[name][key]
            cells.append(f"{v:.0f}" if key.endswith("_ms") or key in ("questions", "unsupported_figures") else f"{v:.2f}" if key == "mrr" else f"{100 * v:.0f}%" if v == v else "–")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
