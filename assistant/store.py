"""The vector store: passages and their embeddings in Chroma, behind add / delete / query.

Embedded (`PersistentClient` under the index folder) or a `chroma run` server. An embedded index
that can't be opened (a corrupt database) is moved aside to `.corrupt-previous/` and started afresh,
so the caller rebuilds it from the corpus instead of failing on every start; only the holder of the
index's write lock does that. The llama-index
`ChromaVectorStore` does the writes; nearest-neighbour queries and reads go to the collection
directly, so a question never imports llama-index. A JSON manifest beside it records which version of each document is live,
the embedding model and the chunking settings, so a mismatch is caught before vectors mix.
Leaves out: deciding what to (re)index (indexing.py) and ranking (retrieval.py).
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import shutil
import tempfile
import threading
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import AssistantError
from .schema import Passage

MANIFEST = "manifest.json"
CORRUPT_DIR = ".corrupt-previous"  # where an unreadable embedded index is moved before the rebuild
_DOC_KEYS = {"source", "scope", "hash", "ref", "passages"}
_KEEP = {MANIFEST, ".write.lock", CORRUPT_DIR}
_held: dict[str, int] = {}  # index folders whose write lock this process holds -> holding thread


def hold_lock(index_dir: Path, held: bool):
    """Record that the current thread holds (or released) the write lock of `index_dir`."""
    key = str(Path(index_dir).resolve())
    if held:
        _held[key] = threading.get_ident()
    else:
        _held.pop(key, None)


def holds_lock(index_dir: Path) -> bool:
    """Whether the current thread holds the write lock: only the writer may reset or repair."""
    return _held.get(str(Path(index_dir).resolve())) == threading.get_ident()
_META_KEYS = ("source", "section", "start", "end", "page", "doc_hash", "scope", "title", "speakers")


class PassageStore:
    """Passages in one Chroma collection; `ref` groups the passages of one document version."""

    def __init__(self, index_dir: Path, collection: str = "passages", url: str | None = None, token: str | None = None):
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.collection_name = collection
        self.remote = bool(url)
        self.recovered = ""  # why the index was moved aside and started empty, if it was
        try:
            self.client = _client(self.index_dir, url, token)
            self._open()
            self.collection.count()  # a corrupt database fails here at the latest
        except Exception as exc:
            if self.remote:
                raise AssistantError(f"The Chroma server at {url} could not be used ({type(exc).__name__}: {exc}). Is `chroma run` running there?") from exc
            if not holds_lock(self.index_dir):
                raise AssistantError(
                    f"The index in {self.index_dir} could not be opened ({type(exc).__name__}: {exc}). "
                    "Run `assistant index` to rebuild it from the corpus."
                ) from exc
            self.recovered = self._move_aside(exc)
            self.client = _client(self.index_dir, None, None)
            self._open()

    def _open(self):
        self.collection = self.client.get_or_create_collection(self.collection_name, metadata={"hnsw:space": "cosine"})
        self._vectors = None

    @property
    def vectors(self):
        """llama-index's ChromaVectorStore over the collection, for writes (imported on the first write:
        it costs seconds, and questions don't need it)."""
        if self._vectors is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vectors = ChromaVectorStore(chroma_collection=self.collection)
        return self._vectors

    def _move_aside(self, exc: Exception) -> str:
        """Move the unreadable Chroma files to CORRUPT_DIR (replacing an older copy); returns the message."""
        from chromadb.api.shared_system_client import SharedSystemClient

        # chromadb caches one system per folder, broken or not: drop it so the next client starts clean
        SharedSystemClient._identifier_to_system.pop(str(self.index_dir), None)
        aside = self.index_dir / CORRUPT_DIR
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir()
        for path in self.index_dir.iterdir():
            if path.name not in _KEEP:
                shutil.move(str(path), aside / path.name)
        return f"the index could not be opened ({type(exc).__name__}: {exc}); the unreadable files were moved to {aside}"

    def reset(self):
        """Drop every passage (used when the manifest says the vectors can't be reused)."""
        try:
            self.client.delete_collection(self.collection_name)
        except Exception:  # absent already
            pass
        self._open()

    def count(self) -> int:
        return self.collection.count()

    def add(self, passages: list[Passage], embeddings: list[list[float]], ref: str, batch: int = 2000):
        """Store passages of one document version under `ref`."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for passage, embedding in zip(passages, embeddings):
            meta = _meta(passage)
            node = TextNode(id_=passage.id, text=passage.text, metadata=meta, embedding=list(embedding))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=ref)
            nodes.append(node)
        for i in range(0, len(nodes), batch):
            self.vectors.add(nodes[i : i + batch])

    def delete(self, ref: str):
        """Remove every passage stored under `ref` (as ChromaVectorStore.delete does)."""
        self.collection.delete(where={"document_id": ref})

    def refs(self) -> set[str]:
        """Every document version present in the collection (for clean-up after a crash)."""
        found, offset = set(), 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=5000, offset=offset)
            if not got["ids"]:
                return found
            found.update(m.get("document_id") or m.get("ref_doc_id") or "" for m in got["metadatas"])
            offset += len(got["ids"])

    def passages(self, refs: set[str] | None = None, page: int = 5000) -> list[Passage]:
        """All stored passages (of the given refs), in stable order."""
        return sorted((p for _, p in self.passages_by_ref(refs, page)), key=lambda p: (p.scope, p.source, p.start))

    def passages_by_ref(self, refs: set[str] | None = None, page: int = 5000) -> list[tuple[str, Passage]]:
        """(ref, passage) of the stored passages (of the given refs only: read by a filter, not a full scan)."""
        out = []
        wanted = sorted(refs) if refs is not None else None
        for lo in range(0, len(wanted), 500) if wanted is not None else [None]:
            where = None if lo is None else {"document_id": {"$in": wanted[lo : lo + 500]}}
            offset = 0
            while True:
                got = self.collection.get(where=where, include=["documents", "metadatas"], limit=page, offset=offset)
                if not got["ids"]:
                    break
                for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                    out.append((meta.get("document_id") or meta.get("ref_doc_id") or "", _passage(pid, text, meta)))
                offset += len(got["ids"])
        return out

    def query(self, embedding: list[float], k: int, source: str | None = None) -> list[tuple[str, float]]:
        """(passage id, similarity) of the k nearest passages (of one document, with `source`), the
        similarity as ChromaVectorStore.query gives it (exp(-cosine distance)); straight from the
        collection, without llama-index, and without a count first (callers know it isn't empty)."""
        if k <= 0:
            return []
        where = {"where": {"source": source}} if source else {}
        try:
            result = self.collection.query(query_embeddings=[list(embedding)], n_results=k, include=["distances"], **where)
        except Exception:
            if self.count() == 0:  # an empty collection: nothing near
                return []
            raise
        return [(pid, math.exp(-distance)) for pid, distance in zip(result["ids"][0], result["distances"][0])]

    def reopen(self):
        """A fresh client for an embedded index, so vectors another process wrote since are searched too.

        chromadb keeps one system per folder, and its vector segment does not see later writes
        from other processes; a server needs none of this.
        """
        if self.remote:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(self.index_dir), None)
        self.client = _client(self.index_dir, None, None)
        self._open()


def as_stored(passage: Passage) -> Passage:
    """The passage as the store gives it back (only the fields it keeps, normalised the same way)."""
    return _passage(passage.id, passage.text, _meta(passage))


def _meta(passage: Passage) -> dict[str, Any]:
    meta = {k: v for k, v in asdict(passage).items() if k in _META_KEYS}
    meta["page"] = passage.page or 0
    return meta


def _passage(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        id=pid,
        text=text,
        source=meta.get("source", ""),
        section=meta.get("section", ""),
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        page=int(meta["page"]) or None if meta.get("page") else None,
        doc_hash=meta.get("doc_hash", ""),
        scope=meta.get("scope", ""),
        title=meta.get("title", ""),
        speakers=meta.get("speakers", ""),
    )


def _client(index_dir: Path, url: str | None, token: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if not url:
        return chromadb.PersistentClient(path=str(index_dir), settings=settings)
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    if not token and not _is_loopback(host):
        warnings.warn(f"Chroma server {host} is not on this machine and no token is set; anyone who can reach it can read and change the index.")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return chromadb.HttpClient(
        host=host,
        port=parsed.port or (443 if parsed.scheme == "https" else 8000),
        ssl=parsed.scheme == "https",
        headers=headers,
        settings=settings,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when absent or unreadable (an unreadable one means: rebuild)."""
    path = Path(index_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), dict):
        return None
    for doc in data["documents"].values():  # a manifest of the wrong shape would fail on every start
        if not isinstance(doc, dict) or not _DOC_KEYS <= doc.keys() or not isinstance(doc["passages"], int):
            return None
    named = data.get("segments")
    if not isinstance(named, dict) or not all(isinstance(refs, dict) and all(isinstance(n, int) for n in refs.values())
                                              for refs in named.values()):
        data["segments"] = {}  # the retriever's segments are derived data: the writer rebuilds them from the store
    return data


def write_manifest(index_dir: Path, manifest: dict[str, Any]):
    """Write atomically: a crash leaves either the old or the new manifest, never half of one."""
    index_dir = Path(index_dir)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MANIFEST)
