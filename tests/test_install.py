"""A newcomer's view: the clone reads nothing outside itself, and the installed package answers anywhere.

The package is built into a wheel from a copy of the sources (so nothing is written into the
repository), unpacked into tmp_path and run from an empty working directory with HOME and the
XDG folders pointed into tmp_path: the packaged guide is the corpus, the index goes to the user's
data folder, and a failed call leaves no folder behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import Assistant, CorpusError
from assistant.config import load_settings, packaged_corpus_dir

from .conftest import GUIDE, ROOT

QUESTION = "What do junior ML engineers earn?"
# What the repository's own scripts, tests and docs may not name: paths beside or above the clone.
_OUTSIDE = [re.compile(p) for p in (r"\.\./shared", r"shared/eval", r"/work/", r"\$\(CURDIR\)/\.\.", r"\$\{?HOME")]
_FILE_ANCESTOR = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?(?:\.parents\[(\d+)\]|((?:\.parent)+))")


def _checked_files() -> list[Path]:
    files = [*ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("assistant/*.py"),
             ROOT / "app.py", ROOT / "Makefile", ROOT / ".ci" / "run", ROOT / "README.md", ROOT / "pyproject.toml"]
    return [f for f in files if f.is_file() and f.name != "test_install.py"]  # this file names them to find them


def test_nothing_in_the_repository_reads_outside_it():
    offenders = []
    for path in _checked_files():
        text = path.read_text(encoding="utf-8")
        for pattern in _OUTSIDE:
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
        for m in _FILE_ANCESTOR.finditer(text):  # Path(__file__).parents[n] / .parent.parent... stays in the clone
            depth = int(m.group(1)) if m.group(1) else m.group(2).count(".parent") - 1
            target = path.resolve().parents[depth] if depth < len(path.resolve().parents) else Path("/")
            if not target.is_relative_to(ROOT):
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(0)} -> {target}")
    assert offenders == [], offenders
    assert (ROOT / "tests" / "data" / "dev.jsonl").is_file()  # the development set lives in the clone


def test_the_check_above_catches_a_read_outside():
    outside = "sha" + "red"  # spelt in two, so a text search of the repository doesn't take this test for a read
    bad = f'DEV = Path(__file__).resolve().parents[2] / "{outside}" / "eval" / "dev.jsonl"  # ../{outside}/eval'
    assert any(p.search(bad) for p in _OUTSIDE)
    m = _FILE_ANCESTOR.search(bad)
    assert m and not (ROOT / "tests" / "x.py").parents[int(m.group(1))].is_relative_to(ROOT)


def test_the_packaged_guide_is_the_repositorys_guide_byte_for_byte():
    packaged = packaged_corpus_dir() / GUIDE.name
    assert packaged.read_bytes() == GUIDE.read_bytes()
    assert sorted(p.name for p in packaged_corpus_dir().iterdir()) == sorted(p.name for p in (ROOT / "corpus").iterdir())


def test_settings_pick_the_corpus_then_the_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    s = load_settings(env={}, cwd=tmp_path)  # nothing set, no corpus/ here: the packaged guide
    assert s.corpus_dir == packaged_corpus_dir()
    assert s.index_dir == tmp_path / "xdg" / "ml-jobs-assistant" / "index"
    assert s.data_dir == tmp_path / "xdg" / "ml-jobs-assistant" / "data"
    (tmp_path / "corpus").mkdir()  # a corpus/ in the working directory: the clone's layout
    s = load_settings(env={}, cwd=tmp_path)
    assert (s.corpus_dir, s.index_dir, s.data_dir) == (tmp_path / "corpus", Path("index"), Path("data"))
    s = load_settings(env={"ASSISTANT_CORPUS_DIR": "/docs", "ASSISTANT_INDEX_DIR": "/ix"}, cwd=tmp_path)
    assert (s.corpus_dir, s.index_dir) == (Path("/docs"), Path("/ix"))
    s = load_settings(env={}, cwd=tmp_path / "elsewhere", index_dir=tmp_path / "mine")  # an argument wins
    assert s.corpus_dir == packaged_corpus_dir() and s.index_dir == tmp_path / "mine"
    assert not (tmp_path / "xdg").exists()  # reading settings creates nothing


def test_failed_calls_create_no_folders(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="does not exist"):
        Assistant(corpus_dir=tmp_path / "missing", index_dir=tmp_path / "a" / "index").ask(QUESTION)
    with pytest.raises(CorpusError, match="No documents"):
        Assistant(corpus_dir=tmp_path / "empty", index_dir=tmp_path / "b" / "index").ask(QUESTION)
    (tmp_path / "docs").mkdir()
    shutil.copy(GUIDE, tmp_path / "docs")
    with pytest.raises(Exception, match="could not be loaded"):
        Assistant(corpus_dir=tmp_path / "docs", index_dir=tmp_path / "c" / "index", model=str(tmp_path / "no-model")).ask(QUESTION)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "empty"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The package as pip installs it: a wheel built from a copy of the sources, unpacked."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "assistant", src / "assistant", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src), "-w", str(work / "dist")],
                          capture_output=True, text=True, timeout=300, cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next((work / "dist").glob("ml_jobs_assistant-*.whl"))
    site = work / "site"
    with zipfile.ZipFile(wheel) as z:
        assert f"assistant/guide/{GUIDE.name}" in z.namelist()
        z.extractall(site)
    return site


def _run(args: list[str], installed: Path, home: Path, cwd: Path, **extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") or k == "ASSISTANT_CACHE_DIR"}
    env.update(PYTHONPATH=str(installed), HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), HF_HUB_OFFLINE="1", **extra)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_installed_package_answers_from_any_folder(installed, tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "somewhere"
    cwd.mkdir()
    out = _run(["-m", "assistant", "ask", QUESTION], installed, home, cwd)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "₹8,00,000" in out.stdout and "[1] ml-engineer-jobs-india.txt" in out.stdout
    assert list(cwd.iterdir()) == []  # nothing written where it was run
    index = home / "data" / "ml-jobs-assistant" / "index"
    assert json.loads((index / "manifest.json").read_text())["documents"]

    code = ("import json, assistant\nfrom assistant import ask\na = ask(" + repr(QUESTION) + ")\n"
            "print(json.dumps([a.text, a.citations[0].source, assistant.__file__]))")
    out = _run(["-c", code], installed, home, cwd)
    assert out.returncode == 0, out.stderr[-2000:]
    text, source, where = json.loads(out.stdout.strip().splitlines()[-1])
    assert "₹8,00,000" in text and source == GUIDE.name
    assert Path(where).is_relative_to(installed)  # the built package answered, not the clone
    assert list(cwd.iterdir()) == []


def test_a_corpus_folder_in_the_working_directory_wins(installed, tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "project"
    (cwd / "corpus").mkdir(parents=True)
    (cwd / "corpus" / "pune.txt").write_text("Pune Notes\nCommute\nThe Hinjewadi commute takes ninety minutes.\n")
    out = _run(["-m", "assistant", "ask", "How long is the Hinjewadi commute?"], installed, home, cwd)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ninety minutes" in out.stdout and (cwd / "index" / "manifest.json").is_file()
    assert not (home / "data").exists()


def test_a_failed_ask_prints_one_line_and_leaves_nothing(installed, tmp_path):
    home, cwd = tmp_path / "home", tmp_path / "somewhere"
    cwd.mkdir()
    out = _run(["-m", "assistant", "ask", QUESTION], installed, home, cwd, ASSISTANT_CORPUS_DIR="missing")
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert list(cwd.iterdir()) == [] and not home.exists()
