"""Read the files of an ingest for the embedder: two at a time, in order, a group of passages at a time.

Each file is hashed; one whose hash is that of its live version is not read (the indexer decides
it is unchanged), any other is read (corpus.py) and cut into passages (chunking.py). Two files are
read at once, so a PDF's child process and the next file share the two cores; files are handed
over in their given order, in groups of about GROUP_PASSAGES passages so the model embeds many small
files in one call, batched by length as one large file is. No file is being read while the
caller embeds a group: on two cores a reader running beside torch's threads slows both (its
threads wait for each other at every step), so reading and embedding take turns.
Leaves out: the index (indexing.py), and what a reader does with a file (corpus.py).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .chunking import chunk_document
from .corpus import file_hash, read_document
from .document import Document
from .schema import Passage

GROUP_PASSAGES = 512  # passages embedded in one call (the model batches them by length)
READERS = 2  # files read at once: one per core


@dataclass
class ReadFile:
    """One file of the ingest as read: its hash, and its document and passages unless it needn't be read."""

    path: Path
    source: str
    digest: str = ""
    hash_error: str = ""  # why the file couldn't even be hashed
    read: bool = False  # False: not read, its hash being the live version's when looked at
    error: str = ""  # why the reader refused it
    doc: Document | None = None
    passages: list[Passage] = field(default_factory=list)

    def read_now(self, max_chars: int):
        """Read and cut the file (in the caller's thread)."""
        self.read = True
        try:
            self.doc = read_document(self.path, source=self.source)
        except (ValueError, OSError) as exc:
            self.error = str(exc)
            return
        self.passages = chunk_document(self.doc, max_chars)


def _read(path: Path, source: str, unchanged: Callable[[str, str], bool], max_chars: int) -> ReadFile:
    item = ReadFile(Path(path), source)
    try:
        item.digest = file_hash(item.path)
    except OSError as exc:
        item.hash_error = f"could not be read ({exc.strerror or exc})"
        return item
    if not unchanged(source, item.digest):
        item.read_now(max_chars)
    return item


def read_groups(items: list[tuple[Path, str]], unchanged: Callable[[str, str], bool], max_chars: int,
                group_passages: int = GROUP_PASSAGES, readers: int = READERS) -> Iterator[list[ReadFile]]:
    """The (path, source) items read, in their order, in groups of about `group_passages` passages.

    `unchanged(source, digest)` says whether that hash is the live version's (the file is then not read).
    """
    items = list(items)
    with ThreadPoolExecutor(max_workers=readers, thread_name_prefix="read") as pool:
        reading: deque = deque()
        nxt, group, size = 0, [], 0
        try:
            while nxt < len(items) or reading:
                while nxt < len(items) and len(reading) < readers:
                    reading.append(pool.submit(_read, *items[nxt], unchanged, max_chars))
                    nxt += 1
                item = reading.popleft().result()
                group.append(item)
                size += len(item.passages)
                if size >= group_passages and (nxt < len(items) or reading):
                    wait(reading)  # the files being read finish before the model starts (see the module's docstring)
                    yield group
                    group, size = [], 0
            if group:
                yield group
        finally:
            for future in reading:
                future.cancel()
