"""Keep the store in step with the files: incremental, crash-safe, one writer at a time.

Each document version is stored under its own ref. New passages are written first, then the
manifest switches to them atomically, then the old version's passages are deleted, so a crash at
any point leaves the previous index answering; leftovers are swept on the next run. A manifest
whose embedding model, dimension or chunking differs from the current ones, a store holding fewer
passages than the manifest lists, or a store that couldn't be opened rebuilds everything. Only the
holder of the write lock resets or sweeps; a reader opened while another process writes leaves
the store as it is. Files are read two at a time and embedded a group at a time (reading.py), and
still switched on one by one.
Leaves out: reading (reading.py, corpus.py), cutting (chunking.py), ranking (retrieval.py).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from . import segments
from .corpus import list_files
from .errors import IndexBusyError
from .reading import ReadFile, read_groups
from .schema import IngestReport, Passage
from .store import MANIFEST, PassageStore, hold_lock, holds_lock, read_manifest, write_manifest

MERGE_FACTOR = 8  # segments of a size tier merged into one when this many have gathered

CHUNKER_VERSION = 4  # bump when passages or what gets embedded change: old indexes then rebuild
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
        self.segment_dir = self.store.index_dir / segments.FOLDER
        self._loaded: dict[str, segments.Segment] = {}  # segments this process wrote or read, by name
        self._seen = None  # the manifest file's identity when last read (see changed_on_disk)

    def open(self, rebuild: bool = False) -> str:
        """Load the manifest; reset the store when it can't be trusted. Returns why it was reset, or ''."""
        self._seen = _identity(self.store.index_dir / MANIFEST)
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
            manifest = {"settings": self.settings, "documents": {}, "dirty": False, "segments": {}}
            self._write(manifest)
        self.manifest = manifest
        if manifest.get("dirty"):
            self._sweep()
        self._complete_segments()
        return reason

    def _write(self, manifest: dict):
        write_manifest(self.store.index_dir, manifest)
        self._seen = _identity(self.store.index_dir / MANIFEST)

    def changed_on_disk(self) -> bool:
        """Whether another process switched the manifest since this one last read or wrote it (one stat)."""
        return _identity(self.store.index_dir / MANIFEST) != self._seen

    def reload(self) -> bool:
        """Read the manifest again if another process changed it; True when the live documents changed."""
        seen = _identity(self.store.index_dir / MANIFEST)
        if seen == self._seen:
            return False
        manifest = read_manifest(self.store.index_dir)
        self._seen = seen
        if manifest is None or manifest.get("settings") != self.settings:
            return False  # mid-rebuild or unreadable: keep answering from what we have
        before = self.active_refs()
        self.manifest = manifest
        self._loaded = {k: v for k, v in self._loaded.items() if k in manifest.get("segments", {})}
        return self.active_refs() != before

    # -- what the retriever reads (retrieval.Retriever.open) --------------------------------

    def live(self) -> dict[str, tuple[str, str]]:
        """Live document versions: ref -> (scope, source)."""
        return {d["ref"]: (d["scope"], d["source"]) for d in self.manifest.get("documents", {}).values()}

    def segment_refs(self) -> dict[str, set[str]]:
        return {name: set(refs) for name, refs in self.manifest.get("segments", {}).items()}

    def load_segment(self, name: str, known=None) -> segments.Segment:
        if name not in self._loaded:
            self._loaded[name] = segments.load(self.segment_dir, name, known)
        return self._loaded[name]

    def rebuild_segment(self, refs: set[str]) -> segments.Segment:
        """A segment of `refs` from the passages in the store (an index from before segments, or a lost file);
        the writer keeps it, a reader only uses it."""
        grouped: dict[str, list[Passage]] = {ref: [] for ref in refs}
        for ref, passage in self.store.passages_by_ref(refs):
            grouped.setdefault(ref, []).append(passage)
        seg = segments.analyse(sorted(grouped.items()))
        if holds_lock(self.store.index_dir):
            self._add_segment(seg)
            self._write(self.manifest)
        return seg

    def _add_segment(self, seg: segments.Segment, replaces=()):
        """Write `seg` and name it in the manifest (the switch), in place of `replaces`."""
        segments.save(self.segment_dir, seg)
        self._loaded[seg.name] = seg
        named = self.manifest.setdefault("segments", {})
        for name in replaces:
            named.pop(name, None)
        named[seg.name] = {ref: seg.bounds[i + 1] - seg.bounds[i] for i, ref in enumerate(seg.refs)}

    def _complete_segments(self):
        """The writer on opening: every live version in a readable-looking segment, no stray files."""
        named = self.manifest.setdefault("segments", {})
        on_disk = segments.files(self.segment_dir)
        lost = [n for n in named if n not in on_disk]
        for name in lost:
            del named[name]
        covered = {ref for refs in named.values() for ref in refs}
        missing = set(self.live()) - covered
        if missing:
            self.rebuild_segment(missing)  # names it in the manifest
        elif lost:
            self._write(self.manifest)
        segments.remove(self.segment_dir, on_disk - set(named))

    def compact(self):
        """Merge segments of the same size tier once MERGE_FACTOR have gathered, and rewrite ones
        mostly of removed documents, so the number of segments grows with the log of the passages."""
        live = set(self.live())
        while True:
            named = self.manifest.setdefault("segments", {})
            sizes = {name: sum(n for ref, n in refs.items() if ref in live) for name, refs in named.items()}
            empty = [name for name, size in sizes.items() if size == 0]
            tiers: dict[int, list[str]] = {}
            for name, size in sizes.items():
                if size:
                    tiers.setdefault(_tier(size), []).append(name)
            group = next((names for names in tiers.values() if len(names) >= MERGE_FACTOR), None)
            if group is None:
                group = next(([name] for name, size in sizes.items() if size and 2 * size < sum(named[name].values())), None)
            if group is None and not empty:
                return
            if group:
                group.sort()
                try:
                    parts = [self.load_segment(name) for name in group]
                except segments.SegmentError:
                    return  # a lost file: the next open rebuilds it from the store
                self._add_segment(segments.merged(parts, live), replaces=group)
            for name in empty:
                named.pop(name, None)
            self._write(self.manifest)
            gone = (set(group or ()) | set(empty)) - set(named)
            segments.remove(self.segment_dir, gone)
            for name in gone:
                self._loaded.pop(name, None)

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
        self.compact()
        return report

    def index_files(self, items: list[tuple[Path, str]], scope: str = "", progress: Progress | None = None, report: IngestReport | None = None) -> IngestReport:
        """Index (path, source name) pairs into `scope`: new ones added, changed ones replaced.

        Files are read two at a time and embedded a group at a time (reading.py); each one is
        still stored and switched on by itself, in order.
        """
        report = report or IngestReport()

        def unchanged(source: str, digest: str) -> bool:
            old = self.manifest["documents"].get(_key(scope, source))
            return bool(old) and old["hash"] == digest

        done = 0
        for group in read_groups(items, unchanged, self.max_chars):
            batch, keys = [], set()
            for item in group:
                if progress:
                    progress(done, len(items), item.source)
                done += 1
                key = _key(scope, item.source)
                if key in keys:  # the same name twice in one call: the first is switched on before the second is judged
                    self._store(batch, scope, report)
                    batch, keys = [], set()
                keys.add(key)
                if self._ready(item, scope, report):
                    batch.append(item)
            self._store(batch, scope, report)
        if progress and items:
            progress(len(items), len(items), "")
        self.compact()
        return report

    def remove(self, source: str, scope: str = "") -> bool:
        key = _key(scope, source)
        if key not in self.manifest["documents"]:
            return False
        self._remove(key)
        self.compact()
        return True

    def _ready(self, item: ReadFile, scope: str, report: IngestReport) -> bool:
        """Whether the file is to be embedded; an unchanged or unreadable one is reported here instead."""
        old = self.manifest["documents"].get(_key(scope, item.source))
        if item.hash_error:
            report.skipped.append((item.source, item.hash_error))
            return False
        if old and old["hash"] == item.digest:
            report.unchanged.append(item.source)
            return False
        if not item.read:  # unchanged when it was hashed; an earlier file of the same name has replaced it since
            item.read_now(self.max_chars)
        if item.error:
            report.skipped.append((item.source, item.error + ("; the previously indexed version is kept" if old else "")))
            return False
        if not item.passages:
            report.skipped.append((item.source, "no passages could be cut from its text"))
            return False
        return True

    def _store(self, batch: list[ReadFile], scope: str, report: IngestReport):
        """Embed the files' passages in one call, then store and switch on each file in turn."""
        if not batch:
            return
        vectors = self.embedder.embed_passages([embed_text(p) for item in batch for p in item.passages])
        self._mark_dirty(True)
        at = 0
        for item in batch:
            self._switch(item, vectors[at : at + len(item.passages)], scope, report)
            at += len(item.passages)
        self._mark_dirty(False)

    def _switch(self, item: ReadFile, vectors: list, scope: str, report: IngestReport):
        """Write one file's new version, switch the manifest to it, then delete its old version."""
        key = _key(scope, item.source)
        old = self.manifest["documents"].get(key)
        ref = hashlib.sha1(f"{scope}|{item.source}|{item.digest}".encode()).hexdigest()[:16]
        passages = [dataclasses.replace(p, id=f"{ref}-{i:05d}", scope=scope) for i, p in enumerate(item.passages)]
        self.store.add(passages, vectors, ref)
        self._add_segment(segments.analyse([(ref, passages)]))
        self.manifest["documents"][key] = {
            "source": item.source, "scope": scope, "hash": item.digest, "ref": ref, "passages": len(passages), "kind": item.doc.kind,
        }
        self._write(self.manifest)  # the switch: from here on the new version answers, with its segment
        if old:
            self.store.delete(old["ref"])
        report.passages_embedded += len(passages)
        (report.updated if old else report.added).append(item.source)

    def _remove(self, key: str):
        doc = self.manifest["documents"].pop(key)
        self._mark_dirty(True)
        self._write(self.manifest)
        self.store.delete(doc["ref"])
        self._mark_dirty(False)

    def _mark_dirty(self, dirty: bool):
        if self.manifest.get("dirty") != dirty:
            self.manifest["dirty"] = dirty
            self._write(self.manifest)

    def _sweep(self):
        """Delete passages of versions the manifest doesn't name (left by a crash mid-ingest)."""
        for ref in self.store.refs() - self.active_refs():
            self.store.delete(ref)
        self._mark_dirty(False)


def _tier(size: int) -> int:
    """0 below MERGE_FACTOR passages, 1 below its square, and so on."""
    tier = 0
    while size >= MERGE_FACTOR:
        size //= MERGE_FACTOR
        tier += 1
    return tier


def _identity(path: Path):
    """What changes whenever the manifest is replaced (os.replace gives it a new inode)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def embed_text(passage: Passage) -> str:
    """What gets embedded: the passage under its breadcrumb, so headings count.

    The document title is left out: shared by every passage of a document, it only pulls their
    vectors together and flattens the ranking (lexical search still sees it).
    """
    parents = passage.section.rsplit(" > ", 1)[0] if " > " in passage.section else ""
    head = parents if passage.heading and passage.text.lstrip("# ").startswith(passage.heading) else passage.section
    # (when the heading is already in the text, only its parents go above it); a transcript's turns
    # go under the speakers' introductions, so "the fintech's head of ML" finds PRIYA's answers
    return "\n".join(filter(None, (head, passage.speakers, passage.text)))


def _key(scope: str, source: str) -> str:
    return f"{scope}|{source}"
