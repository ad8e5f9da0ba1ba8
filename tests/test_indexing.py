"""Incremental indexing into a real Chroma with the real packaged model."""

from __future__ import annotations

import json

import pytest

from assistant import Assistant, CorpusError, IndexBusyError
from assistant.indexing import writer_lock

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
