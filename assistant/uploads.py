"""Server-side checks on files uploaded through the chat page, and where accepted files are kept.

A file is judged by its bytes, never by the name the browser sent: a PDF must start like a PDF,
a Word or Excel file must be a ZIP holding word/ or xl/ parts (and not unpack to more than 100 MB),
text must decode (UTF-8, or Windows-1252 as the corpus reader allows) and hold no NUL bytes, and
HTML must look like HTML; a .csv must have rows of cells. The stored name
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
EXTENSIONS = {"text": ".txt", "markdown": ".md", "pdf": ".pdf", "html": ".html", "csv": ".csv", "docx": ".docx", "xlsx": ".xlsx"}
MAX_UNZIPPED = 100 * 1024 * 1024  # a Word or Excel file that unpacks to more is refused (a zip bomb)
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
    """The document kind of a file's bytes: "pdf", "html", "markdown", "csv" or "text".

    The claimed name only separates Markdown and CSV from plain text, which are the same bytes to a
    reader. A ZIP (Word, Excel) is told apart by `office_kind`, from the whole file.

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
    if claimed_name.lower().endswith(".csv") and _looks_like_csv(text):
        return "csv"
    return "text"


def _looks_like_csv(text: str) -> bool:
    """Rows of comma-separated cells: most of the first lines hold the header's number of cells.

    >>> _looks_like_csv("Company,City,Openings\\nAcme,Pune,3\\nZed,Goa,1"), _looks_like_csv("Just a note, with a comma.")
    (True, False)
    """
    import csv
    import io

    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    widths = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)))]
    return widths[0] >= 2 and sum(w == widths[0] for w in widths) >= 0.8 * len(widths)


def office_kind(path: str | Path) -> str:
    """"docx" or "xlsx" for a Word or Excel file (a ZIP holding word/ or xl/ parts); DocumentError otherwise.

    The archive's listing is read, never its contents; one that would unpack to more than
    MAX_UNZIPPED, or is no valid archive, is refused.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("This file looks like a ZIP archive but can't be opened; upload the document itself.") from exc
    if sum(e.file_size for e in entries) > MAX_UNZIPPED:
        raise DocumentError(f"This file unpacks to more than {MAX_UNZIPPED // 1_048_576} MB; it is refused.")
    names = {e.filename for e in entries}
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise DocumentError(f"This file is a ZIP archive, not a document. Upload {ACCEPTED} files.")


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
    kind = office_kind(path) if head.startswith(b"PK\x03\x04") else sniff(head, name)
    if kind not in ("pdf", "docx", "xlsx") and size > len(head):
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
