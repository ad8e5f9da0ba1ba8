"""Fit the relevance decision's weights on tuning questions, and print them with their accuracy.

    python benchmarks/calibrate.py [--files F ...] [--items] [--write]

Each question is asked over its corpus (bank questions: the guide plus tests/data/documents/;
the guide's own sets: the guide alone, and the older sets also with the synthetic distractors); the evidence signals (evidence.py) of every question and
its label (do the documents answer it?) train a logistic regression (scikit-learn).
It prints the weights, the tuning accuracy, 5-fold cross-validated accuracy, and with --write puts
the weights into assistant/relevance.py. Never run it on tests/data/bank/heldout.jsonl: that split
measures what the fit generalises to.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import DATA, GUIDE  # noqa: E402

DEFAULT_FILES = [DATA / "bank" / "tuning.jsonl", DATA / "bank" / "tuning-2.jsonl", DATA / "bank" / "tuning-3.jsonl",
                 DATA / "calibration.jsonl", DATA / "dev.jsonl"]  # never a held-out file (tests/data/heldout.jsonl included)
CROWDED = [DATA / "calibration.jsonl"]  # also asked over the guide plus the distractors


def corpus_for(name: str, tmp: Path) -> Path:
    """The corpus a question set is asked over: the guide, the guide plus the bank's documents
    ("bank"), or the guide plus the synthetic distractors ("crowded")."""
    folder = tmp / name / "corpus"
    if not folder.exists():
        folder.mkdir(parents=True)
        shutil.copy(GUIDE, folder / GUIDE.name)
        extra = {"bank": sorted((DATA / "documents").iterdir()), "crowded": sorted((DATA / "distractors").iterdir())}.get(name, [])
        for doc in extra:
            if doc.suffix != ".json":
                shutil.copy(doc, folder / doc.name)
    return folder


def rows(files: list[Path], items_out: bool):
    from assistant import Assistant
    from assistant.evaluation import load_questions
    from assistant.relevance import features

    tmp = Path(tempfile.mkdtemp())
    jobs = [(f, "bank" if f.parent.name == "bank" else "guide") for f in files]
    jobs += [(f, "crowded") for f in files if f in CROWDED]
    bots, out = {}, []
    for path, name in jobs:
        corpus = corpus_for(name, tmp)
        if corpus not in bots:
            bots[corpus] = Assistant(corpus_dir=corpus, index_dir=corpus.parent / "index", data_dir=corpus.parent / "data")
        bot = bots[corpus]
        for item in load_questions(path):
            ev = bot.evidence(item["question"], item.get("history"))
            if ev.missing_names or not ev.terms or ev.signals.get("topic_missing"):  # decided by a rule, not by the score
                continue
            label = bool(item.get("answerable", True)) and not item.get("injection")
            x = features(ev.signals)
            out.append((x, label, item))
            if items_out:
                print(f"{int(label)} {' '.join(f'{v:.2f}' for v in x.values())}  {item['question'][:70]}")
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", nargs="*", type=Path, default=[f for f in DEFAULT_FILES if f.exists()])
    parser.add_argument("--items", action="store_true", help="print every question's features")
    parser.add_argument("--write", action="store_true", help="write the fitted weights into assistant/relevance.py")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--balanced", action="store_true", help="weigh the classes equally (default: as often as they occur)")
    args = parser.parse_args()
    if any(f.name.startswith("heldout") for f in args.files):
        sys.exit("refusing to fit on the held-out split")
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from assistant.relevance import FEATURES

    data = rows(args.files, args.items)
    X = np.array([[x[k] for k in FEATURES] for x, _, _ in data])
    y = np.array([label for _, label, _ in data])
    # Unweighted by default: most questions users ask are answerable, and refusing one costs more
    # than answering a near miss with a cited passage that says something close.
    model = LogisticRegression(C=args.c, class_weight="balanced" if args.balanced else None, max_iter=2000)
    cv = cross_val_score(model, X, y, cv=5).mean()
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    held = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    for cut in (0.3, 0.4, 0.5, 0.6, 0.7):  # what each threshold does on questions the fit did not see
        print(f"cross-validated at {cut}: answerable answered {(held[y] >= cut).mean():.0%}, unanswerable refused {(held[~y] < cut).mean():.0%}")
    model.fit(X, y)
    weights = {k: round(float(w), 3) for k, w in zip(FEATURES, model.coef_[0])}
    bias = round(float(model.intercept_[0]), 3)
    pred = model.predict(X)
    answered = (pred[y] == 1).mean() if y.any() else float("nan")
    refused = (pred[~y] == 0).mean() if (~y).any() else float("nan")
    print(f"questions {len(y)} (answerable {int(y.sum())}, not {int((~y).sum())}); files: {', '.join(f.name for f in args.files)}")
    print("| feature | weight |\n|---|---|\n" + "\n".join(f"| {k} | {w} |" for k, w in weights.items()) + f"\n| bias | {bias} |")
    print(f"tuning: answerable answered {answered:.0%}, unanswerable refused {refused:.0%}; 5-fold CV accuracy {cv:.0%}")
    if args.write:
        path = ROOT / "assistant" / "relevance.py"
        text = path.read_text()
        text = re.sub(r"WEIGHTS = \{[^}]*\}", "WEIGHTS = " + repr(weights).replace("'", '"'), text, count=1)
        text = re.sub(r"BIAS = -?[\d.]+", f"BIAS = {bias}", text, count=1)
        path.write_text(text)
        print(f"wrote the weights into {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
