"""Keep the store in step with the files: incremental, crash-safe, one writer at a time.

Each document version is stored under its own ref. New passages are written first, then the
manifest switches to them atomically, then the old version's passages are deleted, so a crash at
any point leaves the previous index answering; leftovers are swept on the next run. A manifest
whose embedding model, dimension or chunking differs from the current ones, a store holding fewer
passages than the manifest lists, or a store that couldn't be opened rebuilds everything. Only the
holder of the write lock resets or sweeps; a reader opened while another process writes leaves
the store as it is.
Leaves out: reading (corpus.py), cutting (chunking.py), ranking (retrieval.py).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from .chunking import chunk_document
from .corpus import file_hash, list_files, read_document
from .errors import IndexBusyError
from .schema import IngestReport, Passage
from .store import PassageStore, hold_lock, holds_lock, read_manifest, write_manifest

CHUNKER_VERSION = 2  # bump when passages or what gets embedded change: old indexes then rebuild
Progress = Callable[[int, int, str], None]  # (files done, files in all, file name)


@contextmanager
def writer_lock(index_dir: Path):
    """Hold the index's write lock, or fail at once if another process holds it."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(Path(index_dir) / ".write.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(f"Another process is updating the index in {index_dir}; try again when it has finished.") from None
        hold_lock(index_dir, True)
        try:
            yield
        finally:
            hold_lock(index_dir, False)
    finally:
        os.close(fd)


class Indexer:
    """Adds, replaces and removes document versions in a PassageStore, guided by the manifest."""

    def __init__(self, store: PassageStore, embedder, max_chars: int = 500):
        self.store = store
        self.embedder = embedder
        self.max_chars = max_chars
        self.settings = {"embed_model": embedder.name, "dim": embedder.dim, "max_chars": max_chars, "chunker": CHUNKER_VERSION}
        self.manifest: dict = {}

    def open(self, rebuild: bool = False) -> str:
        """Load the manifest; reset the store when it can't be trusted. Returns why it was reset, or ''."""
        manifest = read_manifest(self.store.index_dir)
        reason = ""
        expected = sum(d["passages"] for d in manifest["documents"].values()) if manifest else 0
        if rebuild:
            reason = "rebuild requested"
        elif self.store.recovered:
            reason = self.store.recovered
        elif manifest is None and self.store.count():
            reason = "the index manifest is missing or unreadable"
        elif manifest is not None and manifest.get("settings") != self.settings:
            old = manifest.get("settings") or {}
            changed = [f"{k} {old.get(k)!r} -> {v!r}" for k, v in self.settings.items() if old.get(k) != v]
            reason = "index settings changed (" + "; ".join(changed) + ")"
        elif expected > self.store.count():  # a crash never loses live passages: these went missing
            reason = f"the index holds {self.store.count()} passages but its manifest lists {expected}"
        if not holds_lock(self.store.index_dir):  # a reader while another process writes: change nothing
            self.manifest = manifest if manifest is not None and not reason else {"settings": self.settings, "documents": {}, "dirty": False}
            return ""
        if reason or manifest is None:
            self.store.reset()
            manifest = {"settings": self.settings, "documents": {}, "dirty": False}
            write_manifest(self.store.index_dir, manifest)
        self.manifest = manifest
        if manifest.get("dirty"):
            self._sweep()
        return reason

    @property
    def version(self) -> str:
        refs = sorted(d["ref"] for d in self.manifest.get("documents", {}).values())
        return hashlib.sha1("\n".join(refs).encode()).hexdigest()[:12]

    def active_refs(self, scope: str | None = None) -> set[str]:
        docs = self.manifest.get("documents", {}).values()
        return {d["ref"] for d in docs if scope is None or d["scope"] in ("", scope)}

    def documents(self) -> list[dict]:
        return [dict(d) for d in self.manifest.get("documents", {}).values()]

    def sync_folder(self, folder: Path, scope: str = "", progress: Progress | None = None, report: IngestReport | None = None) -> IngestReport:
        """Make the scope's documents match the supported files under `folder`."""
        report = report or IngestReport()
        files = {p.relative_to(folder).as_posix(): p for p in list_files(folder)}
        self.index_files([(path, source) for source, path in files.items()], scope, progress, report)
        for key, doc in list(self.manifest["documents"].items()):
            if doc["scope"] == scope and doc["source"] not in files:
                self._remove(key)
                report.removed.append(doc["source"])
        return report

    def index_files(self, items: list[tuple[Path, str]], scope: str = "", progress: Progress | None = None, report: IngestReport | None = None) -> IngestReport:
        """Index (path, source name) pairs into `scope`: new ones added, changed ones replaced."""
        report = report or IngestReport()
        for n, (path, source) in enumerate(items):
            if progress:
                progress(n, len(items), source)
            self._index_file(Path(path), source, scope, report)
        if progress and items:
            progress(len(items), len(items), "")
        return report

    def remove(self, source: str, scope: str = "") -> bool:
        key = _key(scope, source)
        if key not in self.manifest["documents"]:
            return False
        self._remove(key)
        return True

    def _index_file(self, path: Path, source: str, scope: str, report: IngestReport):
        key = _key(scope, source)
        old = self.manifest["documents"].get(key)
        try:
            digest = file_hash(path)
        except OSError as exc:
            report.skipped.append((source, f"could not be read ({exc.strerror or exc})"))
            return
        if old and old["hash"] == digest:
            report.unchanged.append(source)
            return
        try:
            doc = read_document(path, source=source)
        except (ValueError, OSError) as exc:
            reason = str(exc) + ("; the previously indexed version is kept" if old else "")
            report.skipped.append((source, reason))
            return
        ref = hashlib.sha1(f"{scope}|{source}|{digest}".encode()).hexdigest()[:16]
        passages = [
            dataclasses.replace(p, id=f"{ref}-{i:05d}", scope=scope)
            for i, p in enumerate(chunk_document(doc, self.max_chars))
        ]
        if not passages:
            report.skipped.append((source, "no passages could be cut from its text"))
            return
        self._mark_dirty(True)
        self.store.add(passages, self.embedder.embed_passages([embed_text(p) for p in passages]), ref)
        self.manifest["documents"][key] = {"source": source, "scope": scope, "hash": digest, "ref": ref, "passages": len(passages), "kind": doc.kind}
        write_manifest(self.store.index_dir, self.manifest)  # the switch: from here on the new version answers
        if old:
            self.store.delete(old["ref"])
        self._mark_dirty(False)
        report.passages_embedded += len(passages)
        (report.updated if old else report.added).append(source)

    def _remove(self, key: str):
        doc = self.manifest["documents"].pop(key)
        self._mark_dirty(True)
        write_manifest(self.store.index_dir, self.manifest)
        self.store.delete(doc["ref"])
        self._mark_dirty(False)

    def _mark_dirty(self, dirty: bool):
        if self.manifest.get("dirty") != dirty:
            self.manifest["dirty"] = dirty
            write_manifest(self.store.index_dir, self.manifest)

    def _sweep(self):
        """Delete passages of versions the manifest doesn't name (left by a crash mid-ingest)."""
        for ref in self.store.refs() - self.active_refs():
            self.store.delete(ref)
        self._mark_dirty(False)


def embed_text(passage: Passage) -> str:
    """What gets embedded: the passage under its breadcrumb, so headings count.

    The document title is left out: shared by every passage of a document, it only pulls their
    vectors together and flattens the ranking (lexical search still sees it).
    """
    parents = passage.section.rsplit(" > ", 1)[0] if " > " in passage.section else ""
    if passage.heading and passage.text.lstrip("# ").startswith(passage.heading):
        return f"{parents}\n{passage.text}" if parents else passage.text  # the heading is already in the text
    return f"{passage.section}\n{passage.text}" if passage.section else passage.text


def _key(scope: str, source: str) -> str:
    return f"{scope}|{source}"
