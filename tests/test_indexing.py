"""Incremental indexing into a real Chroma with the real packaged model."""

from __future__ import annotations

import json
import shutil
import threading
from contextlib import contextmanager

import pytest

from assistant import Assistant, CorpusError, IndexBusyError
from assistant.indexing import writer_lock

from .conftest import DEV, GUIDE, load_jsonl

PUNE = "Pune Notes\nCommute\nThe Hinjewadi IT park commute takes ninety minutes at peak hours.\n"


def _embedded_passages(bot) -> int:
    return bot._indexer.store.count()


def test_add_change_delete_and_unchanged(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    first = bot.index()
    assert first.added == ["ml-engineer-jobs-india.txt"] and first.passages_embedded == 12

    again = bot.index()
    assert again.passages_embedded == 0 and again.unchanged == ["ml-engineer-jobs-india.txt"]

    (corpus / "pune.txt").write_text(PUNE, encoding="utf-8")
    added = bot.index()
    assert added.added == ["pune.txt"] and added.passages_embedded == 1
    assert "Hinjewadi" in bot.ask("How long is the Hinjewadi commute?").text

    (corpus / "pune.txt").write_text(PUNE.replace("ninety minutes", "two hours"), encoding="utf-8")
    changed = bot.index()
    assert changed.updated == ["pune.txt"] and changed.passages_embedded == 1
    assert _embedded_passages(bot) == 13  # the old version's passage is gone
    answer = bot.ask("How long is the Hinjewadi commute?")
    assert "two hours" in answer.text and "ninety" not in answer.text

    (corpus / "pune.txt").unlink()
    removed = bot.index()
    assert removed.removed == ["pune.txt"] and _embedded_passages(bot) == 12
    assert not bot.ask("How long is the Hinjewadi commute?").answered


def test_fresh_process_on_unchanged_corpus_embeds_nothing(corpus, tmp_path):
    Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    report = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    assert report.passages_embedded == 0 and not report.rebuilt


def test_settings_mismatch_rebuilds_with_a_message(corpus, tmp_path):
    Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    manifest = tmp_path / "index" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["settings"]["embed_model"] = "some-other-model"
    manifest.write_text(json.dumps(data))
    report = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    assert "embed_model" in report.rebuilt and report.passages_embedded == 12


def test_corrupt_manifest_rebuilds(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    (tmp_path / "index" / "manifest.json").write_text("{not json")
    report = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    assert "manifest" in report.rebuilt and report.passages_embedded == 12


def test_leftovers_of_a_crashed_ingest_are_swept(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    indexer = bot._indexer
    orphan = bot.retrieve("What do juniors earn?")[0].passage
    import dataclasses

    indexer.store.add([dataclasses.replace(orphan, id="orphan-00000")], bot._embedder.embed_passages([orphan.text]), ref="deadbeef")
    indexer.manifest["dirty"] = True  # as a killed ingest leaves it
    from assistant.store import write_manifest

    write_manifest(tmp_path / "index", indexer.manifest)
    Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    assert _embedded_passages(bot) == 12


def test_unreadable_file_is_skipped_with_its_reason_and_the_rest_indexed(corpus, tmp_path):
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    (corpus / "empty.md").write_bytes(b"")
    report = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    reasons = dict(report.skipped)
    assert "PDF" in reasons["broken.pdf"] and "empty" in reasons["empty.md"]
    assert report.added == ["ml-engineer-jobs-india.txt"]


def test_empty_or_missing_corpus_names_the_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="empty"):
        Assistant(corpus_dir=tmp_path / "empty", index_dir=tmp_path / "i1").ask("What do juniors earn?")
    with pytest.raises(CorpusError, match="missing"):
        Assistant(corpus_dir=tmp_path / "missing", index_dir=tmp_path / "i2").ask("What do juniors earn?")


def test_second_writer_fails_at_once(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    with writer_lock(tmp_path / "index"):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(1) as pool:
            message = pool.apply(_try_index, (str(corpus), str(tmp_path / "index")))
    assert "Another process is updating the index" in message


def _try_index(corpus, index):
    try:
        Assistant(corpus_dir=corpus, index_dir=index).index()
    except IndexBusyError as exc:
        return str(exc)
    return "no error"


def test_add_documents_reports_added_updated_skipped(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    note = tmp_path / "pune.txt"
    note.write_text(PUNE, encoding="utf-8")
    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ")
    report = bot.add_documents([note, bad])
    assert report.added == ["pune.txt"] and report.skipped[0][0] == "virus.exe"
    assert (corpus / "pune.txt").exists()  # copied into the corpus, so it survives a re-index
    assert bot.add_documents([note]).unchanged == ["pune.txt"]
    note.write_text(PUNE + "Parking is scarce.\n", encoding="utf-8")
    assert bot.add_documents([note]).updated == ["pune.txt"]
    assert bot.index().passages_embedded == 0


# -- the retriever follows the index incrementally, and opens without reading the store -----------

DISTRACTORS = sorted((GUIDE.parent.parent / "tests" / "data" / "distractors").iterdir())
PROBES = ["bangalor", "salry", "pinecon", "hyderbad", "kubernets", "interveiw", "devopps", "hinjewad"]


@contextmanager
def lock_held_elsewhere(index_dir):
    """The write lock held by another thread, as another writer would hold it."""
    taken, done = threading.Event(), threading.Event()

    def hold():
        with writer_lock(index_dir):
            taken.set()
            done.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait(10)
    try:
        yield
    finally:
        done.set()
        holder.join()


def rebuilt_retriever(bot):
    """What the retriever was before segments: rebuilt from every live passage read back from Chroma."""
    from assistant.retrieval import Retriever

    store = bot._indexer.store
    return Retriever(store, bot._embedder, store.passages(bot._indexer.active_refs()))


def assert_ranks_as_rebuilt(bot, scopes=(None,), retriever=None):
    """`bot`'s retriever and a full rebuild agree on every dev question and on what answers read."""
    from assistant.query import build_query

    bot._ensure_ready()
    ours, full = retriever or bot._retriever, rebuilt_retriever(bot)
    assert list(ours.passages) == list(full.passages)
    assert ours.terms.df == full.terms.df and ours.terms.n == full.terms.n
    assert [ours.terms.spelling(t) for t in PROBES] == [full.terms.spelling(t) for t in PROBES]
    assert ours.bands == full.bands
    questions = [q for q in load_jsonl(DEV)] + [{"question": "How long is the Hinjewadi commute?"}]
    for scope in scopes:
        assert ours.topics(scope) == full.topics(scope) and ours.visible(scope) == full.visible(scope)
        for q in questions:
            query = build_query(q["question"], q.get("history"))
            vector = bot._embedder.embed_query(query.text)
            got, want = ours.search(query, 5, scope, vector), full.search(query, 5, scope, vector)
            assert [(h.passage.id, h.score, h.dense, h.lexical, h.band, h.bands) for h in got] == \
                   [(h.passage.id, h.score, h.dense, h.lexical, h.band, h.bands) for h in want], (scope, q["question"])


@pytest.mark.parametrize("steps", [
    ["add:0", "add:1", "change:0", "remove:1"],
    ["add:2", "scoped:3", "add:4", "remove:2", "change:4", "scoped:5"],
    ["add:0", "remove:0", "add:0", "remove-guide", "add:1"],
], ids=["add-change-remove", "scoped-uploads", "re-add-and-remove-the-guide"])
def test_incremental_retriever_ranks_as_a_full_rebuild(corpus, tmp_path, steps):
    """After each add, change or removal the retriever equals one rebuilt from all passages."""
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    for step in steps:
        kind, _, n = step.partition(":")
        source = DISTRACTORS[int(n)] if n else None
        if kind in ("add", "scoped"):
            bot.add_documents([source], scope="s1" if kind == "scoped" else None)
        elif kind == "change":
            changed = tmp_path / source.name
            changed.write_text(source.read_text(encoding="utf-8") + "\n\nHinjewadi commute takes ninety minutes.\n", encoding="utf-8")
            assert bot.add_documents([changed]).updated == [source.name]
        elif kind == "remove":
            assert bot.remove_document(source.name)
        elif kind == "remove-guide":
            assert bot.remove_document(GUIDE.name)
        assert_ranks_as_rebuilt(bot, scopes=(None, "s1"))
    segments = json.loads((tmp_path / "index" / "manifest.json").read_text())["segments"]
    live = {d["ref"] for d in json.loads((tmp_path / "index" / "manifest.json").read_text())["documents"].values()}
    assert live <= {ref for refs in segments.values() for ref in refs}  # every live version has its segment


def test_opening_an_index_reads_no_passage_back_from_the_store(corpus, tmp_path, monkeypatch):
    for path in DISTRACTORS[:3]:
        shutil.copy(path, corpus / path.name)
    Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    from assistant.store import PassageStore

    def refuse(*args, **kwargs):
        raise AssertionError("passages were read back from Chroma")

    monkeypatch.setattr(PassageStore, "passages_by_ref", refuse)
    fresh = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert fresh.index().passages_embedded == 0
    monkeypatch.undo()
    assert_ranks_as_rebuilt(fresh)


def test_an_index_from_before_segments_gets_them_on_first_open(corpus, tmp_path):
    shutil.copy(DISTRACTORS[0], corpus / DISTRACTORS[0].name)
    Assistant(corpus_dir=corpus, index_dir=tmp_path / "index").index()
    manifest = tmp_path / "index" / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["segments"]  # as written before segments existed
    manifest.write_text(json.dumps(data))
    shutil.rmtree(tmp_path / "index" / "retrieval")
    with lock_held_elsewhere(tmp_path / "index"):  # a reader while another writes: computes, writes nothing
        reader = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
        assert reader.retrieve("What do junior ML engineers earn?")
        assert not (tmp_path / "index" / "retrieval").exists()
        assert_ranks_as_rebuilt(reader)
    writer = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    assert writer.index().passages_embedded == 0
    assert len(list((tmp_path / "index" / "retrieval").glob("seg-*.npz"))) == 1
    assert_ranks_as_rebuilt(writer)


def test_segments_of_many_uploads_are_merged(corpus, tmp_path):
    """Nine small uploads leave fewer than nine segments, and the merged ones rank as a rebuild."""
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    for i in range(9):
        note = tmp_path / f"note-{i}.txt"
        note.write_text(f"Note {i}\nCity {i}\nThe Hinjewadi office {i} opens at {i + 8} in the morning.\n", encoding="utf-8")
        bot.add_documents([note])
    segments = json.loads((tmp_path / "index" / "manifest.json").read_text())["segments"]
    assert len(segments) < 9 and len(list((tmp_path / "index" / "retrieval").glob("seg-*.npz"))) == len(segments)
    assert_ranks_as_rebuilt(bot)


def test_small_files_share_one_embedding_call_and_are_switched_on_one_by_one(corpus, tmp_path, monkeypatch):
    """Files are read two at a time, never while the model embeds, and embedded a group at a time;
    each file still gets its own switch of the manifest, in the given order."""
    import assistant.reading as reading

    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    bot.index()
    notes = []
    for i in range(6):
        notes.append(tmp_path / f"city-{i}.txt")
        notes[-1].write_text(f"City {i} Notes\nRent\nA flat near tech park {i} rents for {20 + i} thousand rupees a month.\n", encoding="utf-8")
    together = threading.Barrier(2, timeout=10)  # the first two files are read at the same time, or this times out
    state = {"reading": 0, "calls": [], "switches": []}
    read_document, embed = reading.read_document, bot._embedder.embed_passages

    def read(path, **kwargs):
        state["reading"] += 1
        if path.name in ("city-0.txt", "city-1.txt"):
            together.wait()
        try:
            return read_document(path, **kwargs)
        finally:
            state["reading"] -= 1

    def embed_passages(texts):
        state["calls"].append((len(texts), state["reading"]))
        return embed(texts)

    write = bot._indexer._write

    def switch(manifest):
        state["switches"].append(sorted(d["source"] for d in manifest["documents"].values()))
        write(manifest)

    monkeypatch.setattr(reading, "read_document", read)
    monkeypatch.setattr(bot._embedder, "embed_passages", embed_passages)
    monkeypatch.setattr(bot._indexer, "_write", switch)
    report = bot.add_documents(notes)
    assert report.added == [n.name for n in notes] and report.passages_embedded == 6
    assert state["calls"] == [(6, 0)]  # one call for the six files, and no file being read meanwhile
    live = list(dict.fromkeys(len(s) for s in state["switches"]))  # documents live after each manifest write
    assert live == [1, 2, 3, 4, 5, 6, 7]  # one switch per file
    assert state["switches"][-1] == sorted(["ml-engineer-jobs-india.txt", *report.added])
    assert "24 thousand" in bot.ask("What does a flat near tech park 4 rent for?").text


def test_the_same_name_twice_in_one_call_ends_with_the_second_file(corpus, tmp_path):
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index")
    first, second = tmp_path / "a" / "pune.txt", tmp_path / "b" / "pune.txt"
    for path, text in ((first, PUNE), (second, PUNE.replace("ninety minutes", "two hours"))):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    report = bot.add_documents([first, second, first])
    assert report.added == ["pune.txt"] and report.updated == ["pune.txt", "pune.txt"]
    assert _embedded_passages(bot) == 12 + 1  # each replaced version's passage is gone
    assert "ninety minutes" in bot.ask("How long is the Hinjewadi commute?").text
