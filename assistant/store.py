"""The vector store: passages and their embeddings in Chroma, behind add / delete / query.

Embedded (`PersistentClient` under the index folder) or a `chroma run` server. The llama-index
`ChromaVectorStore` does the writes and nearest-neighbour queries; bulk reads go to the
collection directly. A JSON manifest beside it records which version of each document is live,
the embedding model and the chunking settings, so a mismatch is caught before vectors mix.
Leaves out: deciding what to (re)index (indexing.py) and ranking (retrieval.py).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .schema import Passage

MANIFEST = "manifest.json"
_META_KEYS = ("source", "section", "start", "end", "page", "doc_hash", "scope", "title")


class PassageStore:
    """Passages in one Chroma collection; `ref` groups the passages of one document version."""

    def __init__(self, index_dir: Path, collection: str = "passages", url: str | None = None, token: str | None = None):
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.collection_name = collection
        self.client = _client(self.index_dir, url, token)
        self._open()

    def _open(self):
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.collection = self.client.get_or_create_collection(self.collection_name, metadata={"hnsw:space": "cosine"})
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)

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
            meta = {k: v for k, v in asdict(passage).items() if k in _META_KEYS}
            meta["page"] = passage.page or 0
            node = TextNode(id_=passage.id, text=passage.text, metadata=meta, embedding=list(embedding))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=ref)
            nodes.append(node)
        for i in range(0, len(nodes), batch):
            self.vectors.add(nodes[i : i + batch])

    def delete(self, ref: str):
        """Remove every passage stored under `ref`."""
        self.vectors.delete(ref_doc_id=ref)

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
        out, offset = [], 0
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            if not got["ids"]:
                break
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                if refs is None or (meta.get("document_id") or meta.get("ref_doc_id")) in refs:
                    out.append(_passage(pid, text, meta))
            offset += len(got["ids"])
        out.sort(key=lambda p: (p.scope, p.source, p.start))
        return out

    def query(self, embedding: list[float], k: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) of the k nearest passages."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0 or self.count() == 0:
            return []
        result = self.vectors.query(VectorStoreQuery(query_embedding=list(embedding), similarity_top_k=k))
        return list(zip(result.ids or [], result.similarities or []))


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
    )


def _client(index_dir: Path, url: str | None, token: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if not url:
        return chromadb.PersistentClient(path=str(index_dir), settings=settings)
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    if not token and host not in {"127.0.0.1", "localhost", "::1"}:
        warnings.warn(f"Chroma server {host} is not on this machine and no token is set; anyone who can reach it can read and change the index.")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return chromadb.HttpClient(
        host=host,
        port=parsed.port or (443 if parsed.scheme == "https" else 8000),
        ssl=parsed.scheme == "https",
        headers=headers,
        settings=settings,
    )


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when absent or unreadable (an unreadable one means: rebuild)."""
    path = Path(index_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("documents"), dict) else None
    except (OSError, ValueError):
        return None


def write_manifest(index_dir: Path, manifest: dict[str, Any]):
    """Write atomically: a crash leaves either the old or the new manifest, never half of one."""
    index_dir = Path(index_dir)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / MANIFEST)
