"""Shared fixtures: every data path in tmp_path, hubs offline, and no network beyond this machine."""

from __future__ import annotations

import ipaddress
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "corpus" / "ml-engineer-jobs-india.txt"
DATA = Path(__file__).resolve().parent / "data"
DEV = DATA / "dev.jsonl"  # a copy of the development set: nothing reads outside the repository


def _loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_network():
    """Any connection off this machine fails loudly: models and data must come from packages."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = real_connect


@pytest.fixture(autouse=True, scope="session")
def _encoder_cache(tmp_path_factory):
    """One cache folder for the session: the model's ONNX query encoder is exported once, into tmp."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Point every ASSISTANT_* path into tmp_path so no test writes into the repository."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("ASSISTANT_LLM", "ASSISTANT_CHROMA_URL", "ASSISTANT_CHROMA_TOKEN", "ASSISTANT_EMBED_MODEL", "OPENAI_API_KEY", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A fresh corpus folder holding the guide."""
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    shutil.copy(GUIDE, folder / GUIDE.name)
    return folder


def indexed_bot(base: Path, extra=()):
    """An Assistant over a fresh copy of the guide (plus `extra` files), all under `base`, indexed."""
    from assistant import Assistant

    (base / "corpus").mkdir()
    for path in (GUIDE, *extra):
        shutil.copy(path, base / "corpus" / Path(path).name)
    bot = Assistant(corpus_dir=base / "corpus", index_dir=base / "index", data_dir=base / "data")
    bot.index()
    return bot


def notes_bot(base: Path, notes: dict[str, str]):
    """indexed_bot over the guide plus small documents written on the spot ({file name: text})."""
    (base / "notes").mkdir()
    for name, text in notes.items():
        (base / "notes" / name).write_text(text, encoding="utf-8")
    (base / "bot").mkdir()
    return indexed_bot(base / "bot", [base / "notes" / name for name in notes])


@pytest.fixture(scope="session")
def guide_bot(tmp_path_factory):
    """One Assistant over the guide, indexed once for the session (read-only use)."""
    return indexed_bot(tmp_path_factory.mktemp("guide"))


def load_jsonl(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
