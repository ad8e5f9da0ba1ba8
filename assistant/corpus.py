"""Read the files of a corpus folder into documents: extracted text plus known structure.

Supported: .txt, .md, .html/.htm, .pdf (page numbers kept, outline headings used), .docx.
A file that can't be read is reported with its reason instead of stopping the run. PDFs are parsed
in a child process with a time and a memory limit, so a file built to keep the parser busy or to
exhaust memory costs one child, not the app.
Leaves out: finding headings in plain text and cutting passages (chunking.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

SUPPORTED = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
MAX_FILE_BYTES = 50 * 1024 * 1024
PDF_SECONDS = 120  # wall-clock limit for reading one PDF (pypdf reads a few pages a second at worst)
PDF_MEMORY_MB = 2048  # address-space limit of the child process that reads it
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


@dataclass(frozen=True)
class Heading:
    level: int
    start: int  # offsets of the heading text in Document.text
    end: int


@dataclass
class Document:
    source: str  # path relative to the corpus folder, with forward slashes
    text: str
    hash: str  # sha256 of the file's bytes
    kind: str
    headings: list[Heading] | None = None  # None: detect from the plain text
    page_starts: list[int] = field(default_factory=list)  # PDF: offset where page i+1 starts

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, for PDFs; None otherwise."""
        if not self.page_starts:
            return None
        page = 1
        for i, start in enumerate(self.page_starts):
            if offset >= start:
                page = i + 1
        return page


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def list_files(corpus_dir: Path) -> list[Path]:
    """Supported files under `corpus_dir`, sorted; hidden files and folders are ignored."""
    files = []
    for path in sorted(Path(corpus_dir).rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED:
            files.append(path)
    return files


def read_document(path: Path, source: str | None = None, data: bytes | None = None) -> Document:
    """Read one file; raises ValueError with a readable reason when it can't."""
    path = Path(path)
    kind = SUPPORTED.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"unsupported file type '{path.suffix or path.name}' (supported: {', '.join(sorted(SUPPORTED))})")
    if data is None:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit")
        data = path.read_bytes()
    if not data.strip():
        raise ValueError("file is empty")
    reader = {"txt": _read_text, "md": _read_markdown, "html": _read_html, "pdf": _read_pdf, "docx": _read_docx}[kind]
    try:
        text, headings, pages = reader(data)
    except ValueError:
        raise
    except Exception as exc:  # parsers raise anything on corrupt input
        raise ValueError(f"could not be parsed as {kind.upper()} ({type(exc).__name__}: {exc})") from exc
    if not text.strip():
        raise ValueError("no text could be extracted")
    return Document(
        source=source or path.name,
        text=text,
        hash=hashlib.sha256(data).hexdigest(),
        kind=kind,
        headings=headings,
        page_starts=pages,
    )


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ValueError("looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _read_text(data: bytes):
    return _decode(data), None, []


def _read_markdown(data: bytes):
    text = _decode(data)
    headings = [Heading(len(m.group(1)), m.start(2), m.end(2)) for m in _MD_HEADING.finditer(text)]
    return text, headings, []


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, one block per line, with h1-h6 recorded as headings."""

    _BLOCKS = {"p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "blockquote", "pre", "header", "footer", "main"}
    _SKIP = {"script", "style", "template", "noscript", "head", "title", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.headings: list[Heading] = []
        self._skip = 0
        self._heading: tuple[int, int] | None = None

    def _emit(self, s: str):
        self.parts.append(s)
        self.length += len(s)

    def _newline(self):
        if self.parts and not self.parts[-1].endswith("\n"):
            self._emit("\n")

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._newline()
            self._heading = (int(tag[1]), self.length)
        elif tag == "li":
            self._newline()
            self._emit("- ")
        elif tag in self._BLOCKS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) and self._heading:
            level, start = self._heading
            if self.length > start:
                self.headings.append(Heading(level, start, self.length))
            self._heading = None
            self._newline()
        elif tag in self._BLOCKS or tag == "li":
            self._newline()

    def handle_data(self, data):
        if self._skip:
            return
        data = re.sub(r"\s+", " ", data)
        if self.parts and self.parts[-1].endswith("\n"):
            data = data.lstrip()
        if data:
            self._emit(data)


def _read_html(data: bytes):
    parser = _HTMLText()
    parser.feed(_decode(data))
    parser.close()
    return "".join(parser.parts), parser.headings, []


def _read_pdf(data: bytes):
    """Parse the PDF in a child process limited to PDF_SECONDS and PDF_MEMORY_MB."""
    seconds, memory = PDF_SECONDS, PDF_MEMORY_MB
    command = [sys.executable, "-c", "from assistant.corpus import _pdf_child; _pdf_child()", str(seconds), str(memory)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise ValueError(f"reading the PDF took longer than {seconds} s and was stopped; the file may be malformed") from None
    try:
        result = json.loads(done.stdout)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        if done.returncode < 0:  # killed: over the CPU limit, or by the kernel
            raise ValueError(f"the PDF reader was stopped (signal {-done.returncode}) before it finished; the file may be malformed")
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ValueError(f"the PDF reader failed ({tail[0][:200]})")
    if "error" in result:
        raise ValueError(result["error"])
    headings = [Heading(*h) for h in result["headings"]] if result["headings"] is not None else None
    return result["text"], headings, result["starts"]


def _pdf_child():
    """Child process: read a PDF from stdin under resource limits, print the result as JSON."""
    import resource

    seconds, memory = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory * 2**20, memory * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    data = sys.stdin.buffer.read()
    try:
        text, headings, starts = _parse_pdf(data)
        result = {"text": text, "headings": None if headings is None else [[h.level, h.start, h.end] for h in headings], "starts": starts}
    except MemoryError:
        result = {"error": f"reading the PDF needed more than {memory} MB of memory and was stopped"}
    except ValueError as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # parsers raise anything on corrupt input
        result = {"error": f"could not be parsed as PDF ({type(exc).__name__}: {exc})"}
    sys.stdout.write(json.dumps(result))


def _parse_pdf(data: bytes):
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # warnings about sloppy files would fill stderr
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise ValueError("the PDF is encrypted")
    pages, starts, length = [], [], 0
    for page in reader.pages:
        page_text = _CONTROL.sub("", (page.extract_text() or "").replace("\r\n", "\n")).strip("\n") + "\n\n"
        starts.append(length)
        pages.append(page_text)
        length += len(page_text)
    text = "".join(pages)
    return text, _pdf_outline_headings(reader, text), starts


def _pdf_outline_headings(reader, text: str) -> list[Heading] | None:
    """Headings from the PDF outline, located as whole lines of the text; None without an outline."""
    try:
        outline = reader.outline
    except Exception:
        return None
    titles: list[tuple[int, str]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            elif getattr(item, "title", None):
                titles.append((level, item.title.strip()))

    walk(outline or [], 1)
    if not titles:
        return None
    headings, pos = [], 0
    for level, title in titles:
        m = re.compile(r"^[ \t]*(" + re.escape(title) + r")[ \t]*$", re.M).search(text, pos)
        if m:
            headings.append(Heading(level, m.start(1), m.end(1)))
            pos = m.end()
    return headings or None


def _read_docx(data: bytes):
    import io

    try:
        import docx
    except ImportError as exc:
        raise ValueError("reading .docx needs python-docx: pip install 'ml-jobs-assistant[docx]'") from exc
    document = docx.Document(io.BytesIO(data))
    parts, headings, length = [], [], 0
    for para in document.paragraphs:
        line = para.text.strip()
        if not line:
            continue
        style = (para.style.name or "").lower() if para.style is not None else ""
        level = re.match(r"heading (\d)", style)
        if style == "title" or level:
            headings.append(Heading(int(level.group(1)) if level else 1, length, length + len(line)))
        elif "list" in style:
            line = "- " + line
        parts.append(line + "\n")
        length += len(line) + 1
    return "".join(parts), headings, []
