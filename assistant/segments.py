"""What the retriever needs of each document version, computed once at indexing and kept next to the manifest.

A segment holds the passages of some document versions (refs) with everything question time
reads from them: the passage records, BM25 term counts (keywords.Postings), the stems and words
the term statistics count (terms.passage_terms), and the bands (bands.find_bands). Opening an
index loads segments instead of reading every passage back from Chroma and tokenising it again.

Segments are immutable files `index/retrieval/seg-<hash of refs>.npz` (numpy arrays plus one JSON
member, no pickles), written to a temporary name, fsynced and renamed, before the manifest names
them: the manifest's atomic switch makes a document and its segment live together, and a crash
leaves at worst an unnamed file that the next writer sweeps. `merged` folds small segments (and
the live part of ones with many removed documents) into one, so their number stays logarithmic.
Leaves out: when to write, merge or sweep (indexing.py) and searching (retrieval.py, keywords.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path

from .bands import Band, find_bands
from .errors import AssistantError
from .keywords import Postings, bm25_terms, searchable
from .schema import Passage

FOLDER = "retrieval"
FORMAT = 2
_FIELDS = ("id", "text", "source", "section", "start", "end", "page", "doc_hash", "scope", "title", "speakers")


class SegmentError(AssistantError):
    """A segment file is missing, unreadable or of another format: rebuild it from the store."""


@dataclass(frozen=True)
class Rows:
    """One set of strings per passage: passage d has vocab[ids[ptr[d]:ptr[d + 1]]]."""

    vocab: list[str]
    ptr: object
    ids: object

    @classmethod
    def build(cls, sets) -> "Rows":
        """From an iterable of sets, read once: only ids are kept on the way."""
        builder = _RowsBuilder()
        for group in sets:
            builder.add(group)
        return builder.done()

    def sets(self, lo: int, hi: int) -> list[set[str]]:
        return [{self.vocab[i] for i in self.ids[self.ptr[d] : self.ptr[d + 1]]} for d in range(lo, hi)]

    def counts(self, keep) -> dict[str, int]:
        """How many kept passages hold each string."""
        import numpy as np

        per_entry = np.repeat(keep, np.diff(self.ptr))
        found = np.bincount(self.ids[per_entry], minlength=len(self.vocab))
        return {self.vocab[i]: int(found[i]) for i in np.flatnonzero(found)}

    @classmethod
    def merged(cls, parts: list[tuple["Rows", object]]) -> "Rows":
        import numpy as np

        vocab: dict[str, int] = {}
        ids, sizes = [], []
        for rows, keep in parts:
            remap = np.array([vocab.setdefault(s, len(vocab)) for s in rows.vocab], dtype=np.int32)
            per_entry = np.repeat(keep, np.diff(rows.ptr))
            ids.append(remap[rows.ids[per_entry]] if len(remap) else rows.ids[per_entry])
            sizes.append(np.diff(rows.ptr)[keep])
        ptr = np.zeros(sum(len(s) for s in sizes) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(sizes) if sizes else [], out=ptr[1:])
        return cls(list(vocab), ptr, np.concatenate(ids).astype(np.int32) if ids else np.zeros(0, dtype=np.int32))


class _RowsBuilder:
    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.ids, self.sizes = array("i"), array("q")

    def add(self, group: set[str]):
        self.ids.extend(self.vocab.setdefault(s, len(self.vocab)) for s in sorted(group))
        self.sizes.append(len(group))

    def done(self) -> Rows:
        import numpy as np

        ptr = np.zeros(len(self.sizes) + 1, dtype=np.int64)
        if len(self.sizes):
            np.cumsum(np.frombuffer(self.sizes, dtype=np.int64), out=ptr[1:])
        ids = np.frombuffer(self.ids, dtype=np.int32).copy() if len(self.ids) else np.zeros(0, dtype=np.int32)
        return Rows(list(self.vocab), ptr, ids)


@dataclass(frozen=True)
class Segment:
    """Passages of some document versions; ref i's are passages[bounds[i]:bounds[i + 1]]."""

    name: str
    refs: list[str]
    bounds: list[int]
    passages: list[Passage]
    postings: Postings
    stems: Rows  # per passage: the stems df counts
    words: Rows  # per passage: the words a misspelling may stand for
    bands: list[Band]

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.passages]

    def span(self, ref: str) -> tuple[int, int]:
        i = self.refs.index(ref)
        return self.bounds[i], self.bounds[i + 1]

    def term_sets(self, lo: int, hi: int) -> list[tuple[set[str], set[str]]]:
        return list(zip(self.stems.sets(lo, hi), self.words.sets(lo, hi)))


def segment_name(refs: list[str]) -> str:
    return "seg-" + hashlib.sha1("\n".join(refs).encode()).hexdigest()[:16]


def analyse(groups: list[tuple[str, list[Passage]]], as_given: bool = False) -> Segment:
    """A segment of (ref, passages) groups: each ref's passages in text order, as the store gives them
    back (`as_given`: the passages and their order as they are)."""
    from .indexing import embed_text
    from .store import as_stored
    from .terms import passage_terms

    refs, bounds, passages = [], [0], []
    for ref, group in groups:
        refs.append(ref)
        passages += group if as_given else sorted((as_stored(p) for p in group), key=lambda p: (p.start, p.id))
        bounds.append(len(passages))
    stems, words = _RowsBuilder(), _RowsBuilder()
    for p in passages:  # one passage at a time: a 100k-passage segment never holds every token at once
        passage_stems, passage_words = passage_terms(f"{p.title}\n{embed_text(p)}")
        stems.add(passage_stems)
        words.add(passage_words)
    return Segment(
        segment_name(refs), refs, bounds, passages,
        Postings.build(bm25_terms(searchable(p)) for p in passages),
        stems.done(), words.done(),
        [band for p in passages for band in find_bands(p)],
    )


def merged(segments: list[Segment], live: set[str]) -> Segment:
    """One segment of the live refs of `segments`, in their order."""
    import numpy as np

    refs, bounds, passages, keeps, bands = [], [0], [], [], []
    for seg in segments:
        keep = np.zeros(len(seg.passages), dtype=bool)
        for i, ref in enumerate(seg.refs):
            if ref in live and ref not in refs:  # a version removed and added again may be in two segments
                lo, hi = seg.bounds[i], seg.bounds[i + 1]
                keep[lo:hi] = True
                refs.append(ref)
                passages += seg.passages[lo:hi]
                bounds.append(len(passages))
        kept_ids = {seg.passages[d].id for d in np.flatnonzero(keep)}
        bands += [b for b in seg.bands if b.passage_id in kept_ids]
        keeps.append(keep)
    return Segment(
        segment_name(refs), refs, bounds, passages,
        Postings.merged([(s.postings, k) for s, k in zip(segments, keeps)]),
        Rows.merged([(s.stems, k) for s, k in zip(segments, keeps)]),
        Rows.merged([(s.words, k) for s, k in zip(segments, keeps)]),
        bands,
    )


# -- files ---------------------------------------------------------------------------------------


def save(folder: Path, seg: Segment) -> Path:
    """Write atomically (temporary name, fsync, rename); returns the path."""
    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    index = {p.id: i for i, p in enumerate(seg.passages)}
    meta = {
        "format": FORMAT, "refs": seg.refs, "bounds": seg.bounds,
        "passages": {f: [getattr(p, f) for p in seg.passages] for f in _FIELDS},
        "bm25_vocab": seg.postings.vocab, "stem_vocab": seg.stems.vocab, "word_vocab": seg.words.vocab,
    }
    nan = float("nan")
    bands = np.array([[index[b.passage_id], b.start, b.end, *(b.years or (nan, nan)), *(b.money or (nan, nan))] for b in seg.bands],
                     dtype=np.float64).reshape(-1, 7)
    arrays = dict(
        meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        bm25_ptr=seg.postings.ptr, bm25_docs=seg.postings.docs, bm25_tf=seg.postings.tf, bm25_lengths=seg.postings.lengths,
        stem_ptr=seg.stems.ptr, stem_ids=seg.stems.ids, word_ptr=seg.words.ptr, word_ids=seg.words.ids, bands=bands,
    )
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".seg-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        path = folder / f"{seg.name}.npz"
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return path


def load(folder: Path, name: str, passages: dict[str, Passage] | None = None) -> Segment:
    """Read a segment; passages already in memory (`passages`, by id) are reused. SegmentError if unusable."""
    import numpy as np

    path = Path(folder) / f"{name}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
        if meta.get("format") != FORMAT:
            raise SegmentError(f"{path.name} is of format {meta.get('format')!r}, not {FORMAT}")
        cols = meta["passages"]
        ids = cols["id"]
        known = passages or {}
        records = [known.get(pid) or Passage(**{f: cols[f][i] for f in _FIELDS}) for i, pid in enumerate(ids)]
        postings = Postings(meta["bm25_vocab"], arrays["bm25_ptr"], arrays["bm25_docs"], arrays["bm25_tf"], arrays["bm25_lengths"])
        seg = Segment(
            name, meta["refs"], meta["bounds"], records, postings,
            Rows(meta["stem_vocab"], arrays["stem_ptr"], arrays["stem_ids"]),
            Rows(meta["word_vocab"], arrays["word_ptr"], arrays["word_ids"]),
            [Band(ids[int(d)], int(s), int(e), None if np.isnan(y0) else (float(y0), float(y1)),
                  None if np.isnan(m0) else (float(m0), float(m1))) for d, s, e, y0, y1, m0, m1 in arrays["bands"].tolist()],
        )
        n = len(records)
        consistent = (len(seg.bounds) == len(seg.refs) + 1 and seg.bounds[-1] == n and len(postings) == n
                      and len(seg.stems.ptr) == n + 1 and len(seg.words.ptr) == n + 1 and len(postings.ptr) == len(postings.vocab) + 1
                      and (not len(postings.docs) or int(postings.docs.max()) < n))
        if not consistent or segment_name(seg.refs) != name:
            raise SegmentError(f"{path.name} does not hold what its name says")
        return seg
    except SegmentError:
        raise
    except Exception as exc:  # missing, truncated, garbage: the caller rebuilds it from the store
        raise SegmentError(f"{path.name} could not be read ({type(exc).__name__}: {exc})") from exc


def files(folder: Path) -> set[str]:
    """Names of the segment files in `folder`."""
    folder = Path(folder)
    return {p.stem for p in folder.glob("seg-*.npz")} if folder.is_dir() else set()


def remove(folder: Path, names) -> None:
    for name in names:
        (Path(folder) / f"{name}.npz").unlink(missing_ok=True)
    for tmp in Path(folder).glob(".seg-*.tmp") if Path(folder).is_dir() else []:
        tmp.unlink(missing_ok=True)  # left by a writer killed mid-write


def _fsync_dir(folder: Path):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
