"""Read a PDF safely: in a child process with a time and a memory limit, visible text only.

A file built to keep the parser busy or to exhaust memory costs one child process, not the app.
Text a reader would not see (white fill, invisible render mode, under 2 pt) is left out, since it
is how prompt injection hides in documents. Page starts and outline headings are kept.
Leaves out: the other formats and the injection filter shared by all of them (corpus.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

from .corpus import _CONTROL, Heading

PDF_SECONDS = 120  # wall-clock limit for reading one PDF (pypdf reads a few pages a second at worst)
PDF_MEMORY_MB = 2048  # address-space limit of the child process that reads it


def read_pdf(data: bytes):
    """Parse the PDF in a child process limited to PDF_SECONDS and PDF_MEMORY_MB."""
    seconds, memory = PDF_SECONDS, PDF_MEMORY_MB
    command = [sys.executable, "-c", "from assistant.pdf import _pdf_child; _pdf_child()", str(seconds), str(memory)]
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
        page_text = _CONTROL.sub("", _visible_text(page).replace("\r\n", "\n")).strip("\n") + "\n\n"
        starts.append(length)
        pages.append(page_text)
        length += len(page_text)
    text = "".join(pages)
    return text, _pdf_outline_headings(reader, text), starts


class _Ink:
    """Follows a PDF page's fill colour, text render mode and font size, to tell hidden text from visible.

    Hidden: white fill (invisible on the white page), render mode 3 or 7 (no ink), or a font under 2 pt.
    pypdf hands text over line by line; a line is dropped when everything drawn into it was hidden.
    """

    def __init__(self):
        self.stack: list[tuple] = []
        self.white, self.mode, self.size = False, 0, 12.0
        self.drawn_hidden = self.drawn_visible = False
        self.parts: list[str] = []

    def before(self, op: bytes, args, cm, tm):
        if op == b"q":
            self.stack.append((self.white, self.mode, self.size))
        elif op == b"Q" and self.stack:
            self.white, self.mode, self.size = self.stack.pop()
        elif op in (b"g", b"rg", b"k", b"sc", b"scn") and args and all(isinstance(a, (int, float)) for a in args):
            values = [float(a) for a in args]
            self.white = all(v >= 0.95 for v in values) if len(values) in (1, 3) else all(v <= 0.05 for v in values)
        elif op == b"Tr" and args:
            self.mode = int(args[0])
        elif op == b"Tf" and len(args) > 1:
            self.size = float(args[1])
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            scale = (abs(tm[0] * tm[3] - tm[1] * tm[2]) * abs(cm[0] * cm[3] - cm[1] * cm[2])) ** 0.5
            hidden = self.white or self.mode in (3, 7) or self.size * scale < 2
            self.drawn_hidden |= hidden
            self.drawn_visible |= not hidden

    def text(self, text: str, cm, tm, font, size):
        if not (self.drawn_hidden and not self.drawn_visible):
            self.parts.append(text)
        self.drawn_hidden = self.drawn_visible = False


def _visible_text(page) -> str:
    """The page's text as pypdf extracts it, without the lines drawn invisibly."""
    ink = _Ink()
    page.extract_text(visitor_operand_before=ink.before, visitor_text=ink.text)
    return "".join(ink.parts)


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
