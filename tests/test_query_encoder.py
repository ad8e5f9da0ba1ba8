"""The ONNX query encoder gives the vectors of the model that indexes, and never imports torch."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import DEFAULT_EMBED_MODEL
from assistant.embedding import Embedder, load_embedder
from assistant.query_encoder import META_FILE, MODEL_FILE, fingerprint

from .conftest import GUIDE

HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "gradio")


def varied_texts(n: int = 1000, seed: int = 13) -> list[str]:
    """`n` texts of every kind a question or a sentence can be, the same on every run.

    Short questions, passages, some longer than the model's 256 tokens (truncated), Hinglish, bare numbers, rupee
    amounts in Indian and Western grouping, near-empty strings, odd spacing, case and symbols.
    """
    rng = random.Random(seed)
    words = GUIDE.read_text(encoding="utf-8").split()
    hinglish = "kya hai kitna milta bhai yaar mujhe batao salary kaise naukri fresher ke liye acha hoga".split()
    starts = ["What", "How much", "Which", "Is", "Can I", "Where", "Do", "kya", "Tell me"]
    empties = ["", " ", "\n", "\t \n", "?", "...", "-", "₹", "🙂", "  a  ", "\u200b", "##"]

    def amount() -> str:
        lakhs = rng.randint(1, 99)
        return rng.choice([f"₹{lakhs},00,000", f"₹{lakhs * 100_000:,}", f"{lakhs} LPA", f"Rs. {lakhs} lakh",
                           f"₹{lakhs}L", f"{lakhs}-{lakhs + rng.randint(1, 20)} LPA", f"INR {lakhs / 10:.1f} crore"])

    kinds = [
        lambda: f"{rng.choice(starts)} {' '.join(rng.sample(words, rng.randint(2, 9)))}?",
        lambda: " ".join(rng.choice(words) for _ in range(rng.randint(20, 90))),  # a passage
        lambda: " ".join(rng.choice(hinglish + words[:40]) for _ in range(rng.randint(3, 14))),
        lambda: " ".join(str(rng.randint(0, 10 ** rng.randint(1, 9))) for _ in range(rng.randint(1, 6))),
        lambda: f"{rng.choice(starts)} {amount()} {rng.choice(['enough', 'for 5 years', 'salary', 'CTC?'])} {amount()}",
        lambda: rng.choice(empties),
        lambda: "  " + " ".join(rng.sample(words, 5)).upper() + " \n ",
        lambda: "".join(rng.choice("!@#$%^&*()_+-=[]{};':,./<>?|`~ ₹–—…“”") for _ in range(rng.randint(1, 30))),
    ]
    longer = lambda: " ".join(rng.choice(words) for _ in range(rng.randint(200, 400)))  # noqa: E731  past 256 tokens
    return [longer() if i % 25 == 24 else kinds[i % len(kinds)]() for i in range(n)]


def _cosines(a, b) -> list[float]:
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    return list((a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)))


@pytest.fixture(scope="module")
def embedder(_encoder_cache):
    e = load_embedder(DEFAULT_EMBED_MODEL, _encoder_cache)
    e.model  # noqa: B018  sentence-transformers loaded (it exports the encoder when the cache lacks it)
    assert e._export is not None and (e._export / MODEL_FILE).is_file()
    return e


def test_onnx_vectors_match_the_indexing_model_on_1000_varied_texts(embedder):
    texts = varied_texts()
    assert len(texts) == 1000 and len(set(texts)) > 850  # the near-empty kind repeats
    onnx = embedder.embed_batch(texts)
    reference = embedder.embed_passages(texts)  # sentence-transformers, as passages are indexed
    cos = _cosines(onnx, reference)
    worst = min(range(len(cos)), key=cos.__getitem__)
    assert cos[worst] >= 0.9999, (cos[worst], texts[worst][:80])
    assert len(onnx[0]) == embedder.dim == 384


def test_questions_get_the_models_query_vectors(embedder):
    questions = varied_texts(60, seed=7)
    onnx = [embedder.embed_query(q) for q in questions]
    # llama-index's get_query_embedding, for all questions in one call
    reference = embedder.model._model.encode(questions, prompt_name="query", normalize_embeddings=True)
    assert min(_cosines(onnx, reference)) >= 0.9999


def test_embed_batch_keeps_order_and_handles_nothing(embedder):
    texts = ["What do junior ML engineers earn?", "", "Bangalore has the most ML jobs " * 40, "₹8,00,000"]
    batch = embedder.embed_batch(texts)
    singles = [embedder.embed_batch([t])[0] for t in texts]
    assert min(_cosines(batch, singles)) > 0.99999 and embedder.embed_batch([]) == []
    assert _cosines([batch[0]], [batch[1]])[0] < 0.9  # different texts, different vectors


def test_a_fresh_process_answers_without_torch(guide_bot, _encoder_cache, tmp_path):
    s = guide_bot.settings
    code = (
        "import sys, json\n"
        "from assistant import Assistant\n"
        f"bot = Assistant(corpus_dir={str(s.corpus_dir)!r}, index_dir={str(s.index_dir)!r}, data_dir={str(tmp_path)!r})\n"
        "answer = bot.ask('What do junior ML engineers earn?')\n"
        "vectors = bot._embedder.embed_batch(['one sentence', 'another one'])\n"
        f"print(json.dumps([answer.text, len(vectors), [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    env = dict(os.environ, ASSISTANT_CACHE_DIR=str(_encoder_cache))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    text, n, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    assert "8,00,000" in text and n == 2
    assert heavy == [], f"imported on the answer path: {heavy}"


def test_a_damaged_export_falls_back_to_the_model(embedder, tmp_path, caplog):
    cache = tmp_path / "cache"
    shutil.copytree(embedder._export.parent.parent, cache)
    folder = cache / "query-encoder" / embedder._export.name
    (folder / MODEL_FILE).write_bytes(b"not an onnx model")
    broken = Embedder(DEFAULT_EMBED_MODEL, cache_dir=cache)
    assert broken.dim == 384 and broken._model is None  # the export's settings are read; the model is not loaded
    vector = broken.embed_query("What do junior ML engineers earn?")
    assert "could not be opened" in caplog.text
    assert _cosines([vector], [embedder.embed_query("What do junior ML engineers earn?")])[0] >= 0.9999
    assert broken._model is not None and (folder / MODEL_FILE).stat().st_size > 1_000_000  # exported anew
    assert broken._query_encoder() is not None


def test_an_export_from_another_format_is_not_used(embedder, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(embedder._export.parent.parent, cache)
    meta_path = cache / "query-encoder" / embedder._export.name / META_FILE
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps(dict(meta, format=-1)))
    e = Embedder(DEFAULT_EMBED_MODEL, cache_dir=cache)
    assert e._model is not None  # loaded the model instead, and exported the current format again
    assert e._export is not None and json.loads((e._export / META_FILE).read_text())["format"] == meta["format"]


def test_the_fingerprint_follows_the_model_files(tmp_path):
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "config.json").write_text("{}")
    (model / "1_Pooling" / "config.json").write_text("{}")
    (model / "README.md").write_text("notes")
    key = fingerprint(model)
    assert key and fingerprint(model) == key
    (model / "README.md").write_text("other notes")  # documentation does not change the model
    assert fingerprint(model) == key
    (model / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert fingerprint(model) != key
    assert fingerprint(tmp_path / "absent") is None


def test_without_a_cache_folder_everything_stays_on_the_model():
    e = Embedder(DEFAULT_EMBED_MODEL)
    assert e._export is None and e._key is None
    assert len(e.embed_batch(["a sentence"])[0]) == e.dim == 384
