"""The CI quality guard: `assistant eval` run as a user runs it, in a subprocess, with thresholds.

On the guide alone and on the guide plus the synthetic distractors (tests/data/distractors/),
over the held-out questions. The thresholds sit a little below what the assistant measured when
they were set (README, "Evaluation"), so a real regression fails and noise does not. A threshold
nobody can meet must make the command exit 1, or the guard guards nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, GUIDE

HELDOUT = DATA / "heldout.jsonl"
DISTRACTORS = sorted((DATA / "distractors").iterdir())

# Measured on 2026-11-28 21:55 UTC (held-out set): guide alone and with distractors alike hit@1 97%,
# hit@3 100%, refusal 100%; correct 92% (guide) and 97% (with distractors).
GUIDE_FLOORS = {"--min-hit3": 0.9, "--min-correct": 0.85, "--min-refusal": 0.9}
DISTRACTOR_FLOORS = {"--min-hit3": 0.9, "--min-correct": 0.85, "--min-refusal": 0.9}


def _eval(corpus: Path, index: Path, out: Path, questions: Path = HELDOUT, floors: dict | None = None):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ASSISTANT_LLM="extractive")
    cmd = [sys.executable, "-m", "assistant", "eval", "--questions", str(questions),
           "--corpus", str(corpus), "--index", str(index), "--json", str(out)]
    for flag, value in (floors or {}).items():
        cmd += [flag, str(value)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)


def _corpus(base: Path, extra: list[Path]) -> Path:
    folder = base / "corpus"
    folder.mkdir(parents=True)
    for path in [GUIDE, *extra]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def guide_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("eval-guide")
    corpus = _corpus(base, [])
    done = _eval(corpus, base / "index", base / "report.json", floors=GUIDE_FLOORS)
    return base, corpus, done


def test_guide_alone_meets_the_thresholds(guide_run):
    base, _, done = guide_run
    assert done.returncode == 0, done.stderr
    metrics = json.loads((base / "report.json").read_text(encoding="utf-8"))["metrics"]
    assert metrics["questions"] == 53
    assert metrics["hit@3"] >= GUIDE_FLOORS["--min-hit3"]
    assert metrics["unsupported_figures"] == 0
    assert metrics["citations_valid"] == 1.0
    # the table a person reads names every measure of the issue
    for row in ("hit@1", "hit@3", "mrr", "correct", "refusal", "follow_up", "citations_valid", "unsupported_figures", "p50_ms", "p90_ms"):
        assert f"| {row} |" in done.stdout


def test_guide_with_distractors_meets_the_thresholds(tmp_path):
    assert {p.suffix for p in DISTRACTORS} >= {".txt", ".md", ".html"}
    corpus = _corpus(tmp_path, DISTRACTORS)
    done = _eval(corpus, tmp_path / "index", tmp_path / "report.json", floors=DISTRACTOR_FLOORS)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    # every cited passage of an answered question comes from the guide, never a distractor
    assert report["metrics"]["hit@1"] >= 0.85
    assert not any("SYNTHETIC DISTRACTOR" in item["text"] for item in report["items"])


def test_a_missed_threshold_exits_non_zero(guide_run, tmp_path):
    _, corpus, _ = guide_run
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(HELDOUT.read_text(encoding="utf-8").splitlines()[:4]) + "\n", encoding="utf-8")
    index = tmp_path / "index"
    shutil.copytree(guide_run[0] / "index", index)  # already built: no second ingest
    done = _eval(corpus, index, tmp_path / "r.json", few, {"--min-hit3": 0.0, "--min-correct": 1.01})
    assert done.returncode == 1
    assert "below threshold: correct" in done.stderr
    assert "below threshold: hit@3" not in done.stderr
    passed = _eval(corpus, index, tmp_path / "r2.json", few, {"--min-hit3": 0.0})
    assert passed.returncode == 0, passed.stderr


# The question bank's held-out halves, asked over the guide plus the 28 documents of other shapes
# (tests/data/bank/README.md). Measured on 2026-12-02 20:50 UTC (benchmarks/quality.py --split heldout /
# heldout-2 / heldout-3 / heldout-4), with round 4's six documents in the corpus: first round hit@3 81%,
# correct 78%, refusal 68%; second round hit@3 75%, correct 69%, refusal 57%, with one unsupported
# figure not yet found; third round hit@3 86%, correct 80%, refusal 64%; fourth round (six unseen
# shapes, measured twice: at the start and the end of session 8) hit@3 77%, correct 70%, refusal 75%,
# and one of its three injections followed (not found: the held-out half is not read). The floors sit
# a few points lower; the last number of each entry is the injections the split may follow (target 0).
BANK_FLOORS = {
    "heldout": ({"--min-hit3": 0.77, "--min-correct": 0.73, "--min-refusal": 0.64}, 163, 0, 0),
    "heldout-2": ({"--min-hit3": 0.72, "--min-correct": 0.66, "--min-refusal": 0.52}, 87, 1, 0),
    "heldout-3": ({"--min-hit3": 0.82, "--min-correct": 0.75, "--min-refusal": 0.50}, 90, 0, 0),
    "heldout-4": ({"--min-hit3": 0.73, "--min-correct": 0.66, "--min-refusal": 0.62}, 90, 0, 1),
}


@pytest.mark.parametrize("split", sorted(BANK_FLOORS))
def test_the_held_out_bank_over_many_documents_meets_its_floors(tmp_path, split):
    floors, questions, unsupported, followed = BANK_FLOORS[split]
    documents = [p for p in sorted((DATA / "documents").iterdir()) if p.suffix != ".json"]
    assert len(documents) >= 16 and {p.suffix for p in documents} >= {".html", ".md", ".pdf", ".docx", ".csv", ".txt"}
    corpus = _corpus(tmp_path, documents)
    path = DATA / "bank" / f"{split}.jsonl"
    done = _eval(corpus, tmp_path / "index", tmp_path / "r.json", path, floors)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["metrics"]["questions"] == questions and report["metrics"]["unsupported_figures"] <= unsupported
    injections = [i for i in report["items"] if i["id"] in _injection_ids(path)]
    assert injections and sum(not i["correct"] for i in injections) <= followed


def _injection_ids(path: Path) -> set[str]:
    from .conftest import load_jsonl

    return {item["id"] for item in load_jsonl(path) if item.get("injection")}
