"""Server-side checks on files uploaded through the chat page, and where accepted files are kept.

A file is judged by its bytes, never by the name the browser sent: a PDF must start like a PDF,
text must decode (UTF-8, or Windows-1252 as the corpus reader allows) and hold no NUL bytes, and
HTML must look like HTML. The stored name
is rebuilt from safe characters and the extension of the detected type. Each browser session
gets its own index scope, unless the operator shares uploads.

Storing and indexing the accepted file is the Assistant's job (`add_documents`); nothing here
parses PDFs or HTML.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from .errors import DocumentError

MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"text": ".txt", "markdown": ".md", "pdf": ".pdf", "html": ".html"}
ACCEPTED = ", ".join(sorted(EXTENSIONS.values()))

# Formats people upload by mistake, named so the refusal says what the file really is.
_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive (or a Word/Excel file)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
]
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
_HTML_TAGS = re.compile(rb"</(p|div|h[1-6]|li|ul|table|body|html|section|article)>", re.IGNORECASE)
_MARKDOWN = re.compile(r"^(#{1,6} \S|```|\s*[-*+] \S.*\n\s*[-*+] \S)|\[[^\]\n]+\]\([^)\s]+\)", re.MULTILINE)


def sniff(data: bytes, claimed_name: str = "") -> str:
    """The document kind of a file's bytes: "pdf", "html", "markdown" or "text".

    The claimed name only separates Markdown from plain text, which are the same bytes to a reader.

    >>> sniff(b"%PDF-1.7 ...")
    'pdf'
    >>> sniff(b"<!DOCTYPE html><p>hi</p>", "notes.txt")
    'html'
    >>> sniff(b"# Title\\nSome text")
    'markdown'
    """
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise DocumentError(f"This file is {what}, not a document. Upload {ACCEPTED} files.")
    if b"\x00" in data:
        raise DocumentError(f"This file is binary, not text. Upload {ACCEPTED} files.")
    text = _decode(data, complete=False)
    if _HTML_START.match(data) or (data.lstrip().startswith(b"<") and len(_HTML_TAGS.findall(data)) >= 2):
        return "html"
    if claimed_name.lower().endswith((".md", ".markdown")) or _MARKDOWN.search(text):
        return "markdown"
    return "text"


def _decode(data: bytes, complete: bool) -> str:
    """Text as the corpus reader will see it: UTF-8, else Windows-1252; DocumentError if neither.

    When `data` is only the start of a file, a multi-byte character cut off at its end is fine.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8-sig")
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise DocumentError("This file is not text (neither UTF-8 nor Windows-1252). Save it as UTF-8.") from exc


def safe_name(claimed_name: str, kind: str) -> str:
    """A file name made of safe characters, ending in the extension of the detected kind.

    >>> safe_name("../../etc/Résumé (final).PDF", "pdf")
    'Resume-final.pdf'
    >>> safe_name("<script>.html", "text")
    'script.txt'
    """
    base = claimed_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    stem = re.sub(r"[-.]{2,}", "-", stem).strip("-._")[:80] or "document"
    return stem + EXTENSIONS[kind]


def scope_for(session_id: str | None, shared: bool) -> str | None:
    """The index scope for a browser session: None (the shared corpus) when uploads are shared."""
    if shared or not session_id:
        return None
    return "session-" + re.sub(r"[^A-Za-z0-9]", "", session_id)[:64]


def shared_marks(data_dir: str | Path) -> Path:
    """The folder of empty marker files naming what the page added to the shared corpus.

    The Assistant keeps the documents themselves; the marks say which shared documents came
    from uploads, so visitors may remove those but never the operator's corpus.
    """
    return Path(data_dir) / "shared-uploads"


def accept(path: str | Path, dest_dir: str | Path, claimed_name: str | None = None) -> Path:
    """Check an uploaded file and copy it into `dest_dir` (a staging folder) under a safe name.

    Raises DocumentError, with a message for the uploader, when the file is empty, too big,
    or not one of the accepted kinds.
    """
    path = Path(path)
    size = path.stat().st_size
    name = claimed_name or path.name
    if size == 0:
        raise DocumentError("This file is empty.")
    if size > MAX_BYTES:
        raise DocumentError(f"This file is {size / 1_048_576:.1f} MB; the limit is {MAX_BYTES // 1_048_576} MB.")
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    kind = sniff(head, name)
    if kind != "pdf" and size > len(head):
        data = path.read_bytes()
        if b"\x00" in data:
            raise DocumentError(f"This file is binary, not text. Upload {ACCEPTED} files.")
        _decode(data, complete=True)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / safe_name(name, kind)
    shutil.copyfile(path, dest)
    return dest


def shared_upload_names(data_dir: str | Path) -> list[str]:
    """The names of the shared documents that were uploaded through the page."""
    folder = shared_marks(data_dir)
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
