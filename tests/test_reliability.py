"""The index never loses data: one writer, crash safety, corrupt indexes, and a real Chroma server.

Crash and lock tests use real processes (the CLI, SIGKILL); server tests run a real `chroma run`
on 127.0.0.1 and reuse the indexing and answering tests against it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from assistant import Assistant, AssistantError
from assistant.evaluation import evaluate
from assistant.indexing import writer_lock
from assistant.store import CORRUPT_DIR, MANIFEST, _client

from . import test_answers, test_indexing
from .chroma_server import chroma_server, free_port
from .conftest import DEV, GUIDE, load_jsonl

QUESTIONS = [
    "What is the salary range for a junior ML engineer in India?",
    "Which vector databases are mentioned?",
    "Which city leads for ML roles?",
    "What is the salary of an ML engineer in Chennai?",  # a refusal must stay a refusal
]


# -- a real Chroma server --------------------------------------------------------------------


@pytest.fixture
def chroma_url(tmp_path):
    with chroma_server(tmp_path / "chroma-server") as url:
        yield url


def _server_count(url: str, collection: str = "passages") -> int:
    client = _client(Path("unused"), url, None)
    return client.get_collection(collection).count()


@pytest.mark.parametrize(
    "indexing_test",
    [
        test_indexing.test_add_change_delete_and_unchanged,
        test_indexing.test_fresh_process_on_unchanged_corpus_embeds_nothing,
        test_indexing.test_settings_mismatch_rebuilds_with_a_message,
        test_indexing.test_corrupt_manifest_rebuilds,
        test_indexing.test_leftovers_of_a_crashed_ingest_are_swept,
        test_indexing.test_add_documents_reports_added_updated_skipped,
    ],
    ids=lambda f: f.__name__.removeprefix("test_"),
)
def test_indexing_tests_pass_against_a_chroma_server(indexing_test, chroma_url, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_url)  # the tests build Assistants from the settings
    indexing_test(corpus, tmp_path)
    assert not (tmp_path / "index" / "chroma.sqlite3").exists()  # nothing went to an embedded store
    assert _server_count(chroma_url) >= 12  # the guide's passages live on the server


def test_answers_from_a_chroma_server_match_the_dev_targets(chroma_url, corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", chroma_url=chroma_url, chroma_token="s3cret")
    assert bot.index().passages_embedded == 12 and _server_count(chroma_url) == 12
    test_answers.test_api_contract(bot)
    metrics = evaluate(bot, load_jsonl(DEV)).metrics()
    assert metrics["hit@1"] >= 0.90 and metrics["correct"] >= 0.90 and metrics["refusal"] >= 0.90, metrics
    assert metrics["unsupported_figures"] == 0


def test_command_line_option_uses_the_chroma_server(chroma_url, corpus, tmp_path):
    out = _cli("ask", "Which vector databases are mentioned?", "--json", "--chroma-url", chroma_url,
               "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout)
    assert answer["answered"] and "Pinecone" in answer["text"]
    assert _server_count(chroma_url) == 12 and not (tmp_path / "index" / "chroma.sqlite3").exists()


def test_unreachable_chroma_server_is_a_clear_error(corpus, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(AssistantError, match="Chroma server at .* could not be used"):
        Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", chroma_url=url).index()


def test_non_loopback_server_without_a_token_warns(monkeypatch, tmp_path):
    import chromadb

    calls = []
    monkeypatch.setattr(chromadb, "HttpClient", lambda **kw: calls.append(kw) or "client")  # never connects
    with pytest.warns(UserWarning, match="10.1.2.3 is not on this machine and no token is set"):
        _client(tmp_path, "http://10.1.2.3:8000", None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these may warn
        _client(tmp_path, "https://10.1.2.3", "tok")
        for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000", "http://127.0.0.2:9000"):
            _client(tmp_path, url, None)
    assert calls[0]["host"] == "10.1.2.3" and calls[0]["port"] == 8000 and calls[0]["headers"] is None
    assert calls[1]["ssl"] and calls[1]["port"] == 443 and calls[1]["headers"] == {"Authorization": "Bearer tok"}


# -- one writer at a time --------------------------------------------------------------------


def _cli(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=timeout)


def test_second_writer_on_the_command_line_fails_at_once(corpus, tmp_path):
    with writer_lock(tmp_path / "index"):
        started = time.monotonic()
        out = _cli("index", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
        elapsed = time.monotonic() - started
    assert out.returncode == 2 and "Another process is updating the index" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    assert elapsed < 30  # it did not wait for the lock (the embedding model is never even loaded)
    assert not (tmp_path / "index" / MANIFEST).exists()


class _LockHolder:
    """Another process holding the index's write lock, as a running ingest does."""

    def __init__(self, index_dir: Path):
        code = (
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(index_dir / '.write.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(300)\n"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self):
        self.proc.kill()
        self.proc.wait()


def test_a_reader_during_a_write_leaves_the_writers_work_alone(corpus, tmp_path):
    import dataclasses

    from assistant.store import write_manifest

    index = tmp_path / "index"
    writer = Assistant(corpus_dir=corpus, index_dir=index)
    writer.index()
    # The writer's state half-way through an ingest: new passages stored, the manifest not yet switched.
    store = writer._indexer.store
    passage = store.passages()[0]
    store.add([dataclasses.replace(passage, id="inflight-00000")], writer._embedder.embed_passages([passage.text]), ref="inflight")
    writer._indexer.manifest["dirty"] = True
    write_manifest(index, writer._indexer.manifest)
    holder = _LockHolder(index)
    try:
        reader = Assistant(corpus_dir=corpus, index_dir=index)
        answer = reader.ask("What do junior ML engineers earn?")
        assert answer.answered and "Junior" in answer.text  # answers from what is indexed now
        assert store.count() == 13 and "inflight" in store.refs()  # the in-flight passages were not swept
        assert json.loads((index / MANIFEST).read_text())["dirty"] is True
    finally:
        holder.release()
    assert Assistant(corpus_dir=corpus, index_dir=index).index().passages_embedded == 0
    assert store.count() == 12  # the next writer sweeps the leftovers


# -- a crash mid-ingest ----------------------------------------------------------------------

_PROBE = textwrap.dedent(
    """
    import json, sys
    from assistant import Assistant
    from assistant.indexing import writer_lock
    corpus, index, mode = sys.argv[1:4]
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    report = bot.index() if mode == "index" else None
    answers = [bot.ask(q).to_dict() for q in json.loads(sys.argv[4])]
    store = bot._indexer.store
    print(json.dumps({
        # a refusal's wording lists the topics indexed, which grow as the ingest goes on: compare its verdict
        "answers": [[a["answered"], a["text"] if a["answered"] else "", [(c["source"], c["start"], c["end"]) for c in a["citations"]]] for a in answers],
        "count": store.count(), "live": sum(d["passages"] for d in bot._indexer.documents()),
        "recovered": store.recovered, "summary": report.summary() if report else "", "rebuilt": report.rebuilt if report else "",
    }))
    """
)


def _one_thread() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1"}  # torch threads spinning against other tests cost more


def _probe(corpus: Path, index: Path, mode: str) -> dict:
    """In a fresh process: (index and) answer QUESTIONS; a fresh PersistentClient opens the index."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(corpus), str(index), mode, json.dumps(QUESTIONS)],
        capture_output=True, text=True, timeout=300, env=_one_thread(),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _filler(corpus: Path, n: int, days: int = 2):
    """`n` small documents on a topic far from the guide's; rewriting them keeps their vocabulary."""
    folder = corpus / "filler"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"garden-{i:03d}.txt").write_text(
            f"Garden Note {i}\nWatering\nTomato bed {i} gets watered every {i % 7 + days} days in the dry season.\n",
            encoding="utf-8",
        )


def _manifest(index: Path) -> dict:
    return json.loads((index / MANIFEST).read_text(encoding="utf-8"))


def _kill_ingest_when(corpus: Path, index: Path, ready, poll: float = 0.005) -> int:
    """Run `assistant index` in a process and SIGKILL it as soon as `ready()`; its return code."""
    ingest = subprocess.Popen(
        [sys.executable, "-m", "assistant", "index", "--corpus", str(corpus), "--index", str(index)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_one_thread(),
    )
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if ready():
                break
            assert ingest.poll() is None, "the ingest finished before it could be killed: make the corpus bigger"
            time.sleep(poll)
        ingest.send_signal(signal.SIGKILL)
    finally:
        ingest.kill()
        ingest.wait()
    return ingest.returncode


def test_sigkill_mid_ingest_keeps_the_previous_index_answering(corpus, tmp_path):
    index, n = tmp_path / "index", 25
    _filler(corpus, n)
    before = _probe(corpus, index, "index")
    assert before["count"] == before["live"] == 12 + n
    assert [a[0] for a in before["answers"]] == [True, True, True, False]
    old = {key: doc["hash"] for key, doc in _manifest(index)["documents"].items()}

    _filler(corpus, n, days=3)  # every filler document changes: the ingest replaces versions
    replaced = lambda manifest: sum(doc["hash"] != old[key] for key, doc in manifest["documents"].items())  # noqa: E731
    # wait until it is half-way through a write, then kill it
    returncode = _kill_ingest_when(corpus, index, lambda: replaced(m := _manifest(index)) > 3 and m["dirty"])
    killed = _manifest(index)
    assert returncode == -signal.SIGKILL
    assert 3 < replaced(killed) < n  # it really died mid-way (most likely mid-write: "dirty" was set)
    assert len(killed["documents"]) == 1 + n

    # Another writer holds the lock, so the next reader answers from the index exactly as the crash left it.
    with writer_lock(index):
        after = _probe(corpus, index, "read")
    assert after["recovered"] == ""  # a fresh PersistentClient opened the crashed index as it was
    assert after["answers"] == before["answers"]
    assert after["count"] >= after["live"] == 12 + n

    finished = _probe(corpus, index, "index")
    assert finished["rebuilt"] == "" and "0 skipped" in finished["summary"]
    assert finished["answers"] == before["answers"]
    final = _manifest(index)
    assert not final["dirty"] and replaced(final) == n
    assert finished["count"] == finished["live"] == 12 + n  # leftovers of the killed run swept, nothing doubled


# -- a corrupt or mismatched index -----------------------------------------------------------


@pytest.fixture(scope="module")
def pristine_index(tmp_path_factory) -> Path:
    """An index of the guide built in a separate process, so this process has never opened it."""
    base = tmp_path_factory.mktemp("pristine")
    (base / "corpus").mkdir()
    shutil.copy(GUIDE, base / "corpus" / GUIDE.name)
    out = _cli("index", "--corpus", str(base / "corpus"), "--index", str(base / "index"))
    assert out.returncode == 0, out.stderr
    return base / "index"


def _damaged(pristine: Path, tmp_path: Path, how: str) -> Path:
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    db = index / "chroma.sqlite3"
    if how == "garbage":
        db.write_bytes(os.urandom(db.stat().st_size))
    elif how == "truncated":
        db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    elif how == "vectors-missing":  # the Chroma files gone, the manifest still listing the guide
        for path in index.iterdir():
            if path.name not in (MANIFEST, ".write.lock"):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    elif how == "manifest-wrong-shape":
        data = json.loads((index / MANIFEST).read_text())
        data["documents"] = {key: "?" for key in data["documents"]}
        (index / MANIFEST).write_text(json.dumps(data))
    return index


@pytest.mark.parametrize(
    "how,message",
    [
        ("garbage", "could not be opened"),
        ("truncated", "could not be opened"),
        ("vectors-missing", "holds 0 passages but its manifest lists 12"),
        ("manifest-wrong-shape", "manifest is missing or unreadable"),
    ],
)
def test_corrupt_or_mismatched_index_is_rebuilt_once_with_a_message(pristine_index, corpus, tmp_path, how, message):
    index = _damaged(pristine_index, tmp_path, how)
    first = Assistant(corpus_dir=corpus, index_dir=index)
    report = first.index()
    assert message in report.rebuilt and report.passages_embedded == 12
    answer = first.ask("What do junior ML engineers earn?")
    assert answer.answered and "Junior" in answer.text
    if "opened" in message:
        assert (index / CORRUPT_DIR / "chroma.sqlite3").exists()  # kept for inspection, out of the way
    again = Assistant(corpus_dir=corpus, index_dir=index).index()  # the next start: no rebuild loop
    assert again.rebuilt == "" and again.passages_embedded == 0


def test_a_reader_never_repairs_a_corrupt_index_under_a_running_writer(pristine_index, corpus, tmp_path):
    index = _damaged(pristine_index, tmp_path, "garbage")
    damaged = (index / "chroma.sqlite3").read_bytes()
    holder = _LockHolder(index)
    try:
        with pytest.raises(AssistantError, match="could not be opened.*assistant index"):
            Assistant(corpus_dir=corpus, index_dir=index).ask("What do junior ML engineers earn?")
        assert (index / "chroma.sqlite3").read_bytes() == damaged and not (index / CORRUPT_DIR).exists()
    finally:
        holder.release()


# -- the retriever's segments: a crash, damaged files, and other processes' uploads ---------------

_RANKS = textwrap.dedent(
    """
    import json, sys
    from assistant import Assistant
    from tests.test_indexing import assert_ranks_as_rebuilt
    corpus, index, mode = sys.argv[1:4]
    bot = Assistant(corpus_dir=corpus, index_dir=index)
    report = bot.index() if mode == "index" else bot.retrieve("What do junior ML engineers earn?")
    assert_ranks_as_rebuilt(bot)  # raises if any ranking, statistic or band differs
    print(json.dumps({"passages": len(bot._retriever.passages), "live": sum(d["passages"] for d in bot._indexer.documents())}))
    """
)


def _ranks_probe(corpus: Path, index: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _RANKS, str(corpus), str(index), mode], capture_output=True, text=True,
                         timeout=300, env=_one_thread(), cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _segments_consistent(index: Path):
    """No temporary files; the segment files are exactly those the manifest names; every live version is in one."""
    manifest = _manifest(index)
    folder = index / "retrieval"
    assert not list(folder.glob(".seg-*"))
    assert {p.stem for p in folder.glob("seg-*.npz")} == set(manifest["segments"])
    held = {ref for refs in manifest["segments"].values() for ref in refs}
    assert {d["ref"] for d in manifest["documents"].values()} <= held


def test_sigkill_mid_ingest_leaves_segments_that_rank_as_a_rebuild(corpus, tmp_path):
    index, n = tmp_path / "index", 25
    _filler(corpus, n)
    _ranks_probe(corpus, index, "index")
    old = {key: doc["hash"] for key, doc in _manifest(index)["documents"].items()}
    _filler(corpus, n, days=4)
    replaced = lambda manifest: sum(doc["hash"] != old[key] for key, doc in manifest["documents"].items())  # noqa: E731
    # kill it while a segment is being written, or else mid-ingest
    _kill_ingest_when(corpus, index, lambda: list((index / "retrieval").glob(".seg-*")) or replaced(_manifest(index)) > 3, 0.002)
    assert 0 <= replaced(_manifest(index)) < n
    with writer_lock(index):  # a reader sees the index exactly as the crash left it
        after = _ranks_probe(corpus, index, "read")
    assert after["passages"] == after["live"] == 12 + n
    finished = _ranks_probe(corpus, index, "index")
    assert finished["passages"] == 12 + n and replaced(_manifest(index)) == n
    _segments_consistent(index)


def test_a_damaged_or_lost_segment_file_is_rebuilt_from_the_store(corpus, tmp_path):
    from .test_indexing import DISTRACTORS, assert_ranks_as_rebuilt, lock_held_elsewhere

    for path in DISTRACTORS[:3]:
        shutil.copy(path, corpus / path.name)
    index = tmp_path / "index"
    Assistant(corpus_dir=corpus, index_dir=index).index()
    files = sorted((index / "retrieval").glob("seg-*.npz"))
    assert len(files) == 4  # one per document: fewer than a merge needs
    files[0].write_bytes(files[0].read_bytes()[:1000])  # truncated
    files[1].unlink()  # lost
    (index / "retrieval" / ".seg-left-by-a-crash.tmp").write_bytes(b"half")
    with lock_held_elsewhere(index):
        reader = Assistant(corpus_dir=corpus, index_dir=index)
        assert_ranks_as_rebuilt(reader)  # the store stands in for both
    writer = Assistant(corpus_dir=corpus, index_dir=index)
    assert writer.index().passages_embedded == 0
    assert_ranks_as_rebuilt(writer)
    _segments_consistent(index)
    again = Assistant(corpus_dir=corpus, index_dir=index)  # repaired: the next start reads no passage from the store
    again._open_indexer()
    again._indexer.store.passages_by_ref = None
    assert again.index().passages_embedded == 0 and again.retrieve("What do junior ML engineers earn?")


_WATCH = textwrap.dedent(
    """
    import sys, time
    from assistant import Assistant
    corpus, index, url, word = sys.argv[1:5]
    bot = Assistant(corpus_dir=corpus, index_dir=index, chroma_url=url or None)
    bot.retrieve("What do junior ML engineers earn?")
    print("ready", flush=True)
    start = time.monotonic()
    while time.monotonic() - start < 60:
        if any(word in h.passage.text for h in bot.retrieve(f"How long is the {word} commute?")):
            print(f"found {time.monotonic() - start:.2f}", flush=True)
            break
        time.sleep(0.05)
    else:
        print("not found", flush=True)
    """
)


@pytest.mark.parametrize("mode", ["chroma-server", "embedded"])
def test_two_processes_see_each_others_uploads_within_seconds(mode, corpus, tmp_path):
    """A long-running process sees an upload made by another, and the other way round."""
    from contextlib import nullcontext

    index = tmp_path / "index"
    with chroma_server(tmp_path / "chroma-server") if mode == "chroma-server" else nullcontext("") as url:
        bot = Assistant(corpus_dir=corpus, index_dir=index, chroma_url=url or None)
        bot.index()
        watcher = subprocess.Popen([sys.executable, "-c", _WATCH, str(corpus), str(index), url, "Hinjewadi"],
                                   stdout=subprocess.PIPE, text=True, env=_one_thread())
        try:
            assert watcher.stdout.readline().strip() == "ready"
            note = tmp_path / "pune.txt"
            note.write_text(PUNE_NOTE, encoding="utf-8")
            started = time.monotonic()
            assert bot.add_documents([note]).added == ["pune.txt"]
            written = time.monotonic() - started
            line = watcher.stdout.readline().strip()
            assert line.startswith("found"), line
            assert float(line.split()[1]) < written + 5  # searchable there within seconds of being written here
        finally:
            watcher.kill()
            watcher.wait()
        # the other way: another process adds a file; this process, long running, sees it
        other = tmp_path / "kochi.txt"
        other.write_text("Kochi Notes\nFerry\nThe Vyttila ferry to Infopark takes forty minutes.\n", encoding="utf-8")
        args = ["add", str(other), "--corpus", str(corpus), "--index", str(index)] + (["--chroma-url", url] if url else [])
        out = _cli(*args)
        assert out.returncode == 0, out.stderr[-2000:]
        added = time.monotonic()
        while not any("Vyttila" in h.passage.text for h in bot.retrieve("How long is the Vyttila ferry?")):
            assert time.monotonic() - added < 5, "the other process's upload is not searchable here"
            time.sleep(0.05)


PUNE_NOTE = "Pune Notes\nCommute\nThe Hinjewadi IT park commute takes ninety minutes at peak hours.\n"
