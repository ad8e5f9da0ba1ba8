"""Read a PDF safely: in a child process with a time and a memory limit, visible text only.

A file built to keep the parser busy or to exhaust memory costs one child process, not the app.
The child reads the pages with pdfplumber (pdf_page.py: visible text, columns, tables), lays them
out as one document (pdf_layout.py: headings from font size and weight, running headers left out)
and sends it back as JSON. A PDF of PARALLEL_PAGES pages or more on a machine with two cores is
read by two processes that share the pages out as they go, each under half the memory limit (the
file still costs PDF_MEMORY_MB at most); the wall-clock limit covers both. Headings come from the PDF's
outline when it has one (found as whole lines of the text), else from the layout.
Leaves out: the other formats and the injection filter shared by all of them (corpus.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

from .document import Document, Heading, Table

PDF_SECONDS = 120  # wall-clock limit for reading one PDF (a few pages a second at worst)
PDF_MEMORY_MB = 2048  # address-space limit of the child process that reads it
PARALLEL_PAGES = 8  # from this many pages a second process reads pages too (forking costs ~10 ms)


# The child imports this module without the package's __init__ (the whole assistant: a third of the
# child's start-up, paid per PDF); only the modules pdf.py uses are loaded.
_CHILD = """
import importlib.util, sys, types
package = types.ModuleType("assistant")
package.__path__ = list(importlib.util.find_spec("assistant").submodule_search_locations)
sys.modules["assistant"] = package
from assistant.pdf import _pdf_child
_pdf_child()
"""


def read_pdf(data: bytes) -> Document:
    """Parse the PDF in a child process limited to PDF_SECONDS and PDF_MEMORY_MB."""
    seconds, memory = PDF_SECONDS, PDF_MEMORY_MB
    command = [sys.executable, "-c", _CHILD, str(seconds), str(memory)]
    # Its own process group, so a second reading process it forked is stopped with it.
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as done:
        try:
            stdout, stderr = done.communicate(data, timeout=seconds)
        except subprocess.TimeoutExpired:
            _kill_group(done.pid)
            done.communicate()
            raise ValueError(f"reading the PDF took longer than {seconds} s and was stopped; the file may be malformed") from None
        if done.returncode < 0:  # killed (CPU limit, the kernel) before it could wait for its second reader
            _kill_group(done.pid)
    try:
        result = json.loads(stdout)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        if done.returncode < 0:  # killed: over the CPU limit, or by the kernel
            raise ValueError(f"the PDF reader was stopped (signal {-done.returncode}) before it finished; the file may be malformed")
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ValueError(f"the PDF reader failed ({tail[0][:200]})")
    if "error" in result:
        raise ValueError(result["error"])
    headings = [Heading(*h) for h in result["headings"]] if result["headings"] is not None else None
    tables = [Table(t[0], t[1], tuple(tuple(r) for r in t[2]), tuple(t[3]), t[4]) for t in result["tables"]]
    return Document("", result["text"], "", "pdf", headings, result["starts"], tables, result["title"])


def _kill_group(pid: int):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group has already ended
        pass


def _pdf_child():
    """Child process: read a PDF from stdin under resource limits, print the result as JSON."""
    import resource

    seconds, memory = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory * 2**20, memory * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    data = sys.stdin.buffer.read()
    try:
        doc = _parse_pdf(data, memory, fork=True)
        result = {
            "text": doc.text,
            "headings": None if doc.headings is None else [[h.level, h.start, h.end] for h in doc.headings],
            "starts": doc.page_starts,
            "tables": [[t.start, t.end, [list(r) for r in t.rows], list(t.header), t.caption] for t in doc.tables],
            "title": doc.title,
        }
    except MemoryError:
        result = {"error": f"reading the PDF needed more than {memory} MB of memory and was stopped"}
    except ValueError as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # parsers raise anything on corrupt input
        result = {"error": f"could not be parsed as PDF ({type(exc).__name__}: {exc})"}
    sys.stdout.write(json.dumps(result))


def _parse_pdf(data: bytes, memory_mb: int = PDF_MEMORY_MB, fork: bool = False) -> Document:
    """The document of a PDF's bytes; `fork` (only in the child, which may lower its own limits)
    lets a second process read half the pages."""
    import io
    import logging

    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    from .pdf_layout import layout
    from .pdf_page import page_lines

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # warnings about sloppy files would fill stderr
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ValueError("could not be parsed as PDF (the file does not start with %PDF)")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ValueError("the PDF is encrypted") from None
    with pdf:
        if not pdf.pages:
            raise ValueError("could not be parsed as PDF (no pages were found)")
        two = fork and len(pdf.pages) >= PARALLEL_PAGES and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork")
        for page in pdf.pages:
            _check_content(page, memory_mb // 2 if two else memory_mb)
        doc = layout(_read_pages(pdf, memory_mb) if two else [(h, lines) for _, h, lines in page_lines(pdf)])
        outline = _outline_headings(pdf, doc.text)
        title = (pdf.metadata or {}).get("Title", "")
    title = title.decode("utf-8", "replace") if isinstance(title, bytes) else str(title or "")
    headings = outline or doc.headings or None  # None: no outline, no larger or bold lines; found by shape
    return Document("", doc.text, "", "pdf", headings, doc.page_starts, doc.tables, title.strip())


def _read_pages(pdf, memory_mb: int) -> list:
    """(height, lines) of every page, read by this process and a forked one.

    The two take pages as they go (a shared counter), so one slow page doesn't leave a core idle.
    Each process keeps half the address-space limit. The forked one sends its pages back pickled
    through a pipe (it runs this same code, so what it sends is what the layout already trusts), or
    the exception it stopped on, which is raised here as if this process had met it.
    """
    import multiprocessing
    import pickle
    import resource

    from .pdf_page import page_lines

    count = len(pdf.pages)
    # In shared memory, so the forked process sees the same counter ("fork": no semaphore tracker process).
    taken = multiprocessing.get_context("fork").Value("i", 0)

    def untaken():
        while True:
            with taken.get_lock():
                number = taken.value
                taken.value += 1
            if number >= count:
                return
            yield number

    half = memory_mb // 2 * 2**20
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the second reader: odd pages; it never returns into the caller's code
        try:
            os.close(read)
            try:
                resource.setrlimit(resource.RLIMIT_AS, (half, half))
                payload = pickle.dumps(("pages", page_lines(pdf, untaken())))
            except BaseException as exc:  # MemoryError, ValueError, anything a corrupt page raises
                known = isinstance(exc, (MemoryError, ValueError))
                payload = pickle.dumps(("error", exc if known else RuntimeError(f"{type(exc).__name__}: {exc}")))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write)
    pipe = os.fdopen(read, "rb")
    try:
        resource.setrlimit(resource.RLIMIT_AS, (half, half))
        mine = page_lines(pdf, untaken())
        received = pipe.read()
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # this process failed: the other half is of no use
        raise
    finally:
        pipe.close()
        os.waitpid(pid, 0)
    if not received:  # killed (CPU limit, the kernel) before it could answer
        raise MemoryError("the second PDF reader stopped without an answer")
    kind, value = pickle.loads(received)
    if kind == "error":
        raise value
    return [(height, lines) for _, height, lines in sorted(mine + value, key=lambda page: page[0])]


def _check_content(page, memory_mb: int):
    """Refuse a page whose drawing instructions could not be laid out within the memory limit.

    The layout keeps an object of a few hundred bytes per glyph, and a content stream can draw a
    glyph for every byte or two, so a page's decoded content may use at most 1/16 of the limit
    (128 MB of instructions under the default 2 GB; real pages use kilobytes). Without this check a
    crafted page (60 MB of one string) keeps the parser busy for minutes before memory runs out.
    """
    from pdfminer.pdftypes import resolve1

    budget, used = memory_mb * 2**20 // 16, 0
    streams = resolve1(page.page_obj.attrs.get("Contents"))
    for stream in streams if isinstance(streams, list) else [streams]:
        stream = resolve1(stream)
        if hasattr(stream, "get_data"):
            used += len(stream.get_data())
        if used > budget:
            raise MemoryError(f"page {page.page_number} draws {used // 2**20} MB of instructions")


def _outline_headings(pdf, text: str) -> list[Heading] | None:
    """Headings from the PDF outline, located as whole lines of the text; None without an outline."""
    try:
        titles = [(level, str(title).strip()) for level, title, *_ in pdf.doc.get_outlines() if title]
    except Exception:  # no outline, or a broken one
        return None
    headings, pos = [], 0
    for level, title in titles:
        words = [re.escape(w) for w in title.split()]
        if not words:
            continue
        m = re.compile(r"^[ \t]*(" + r"\s+".join(words) + r")[ \t]*$", re.M).search(text, pos)
        if m:
            headings.append(Heading(level, m.start(1), m.end(1)))
            pos = m.end()
    return headings or None
