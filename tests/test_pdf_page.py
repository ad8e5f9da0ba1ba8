"""Reading PDF pages fast without reading them differently: glyph records, two readers, the reader's process group."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .factory import make_pdf

CONVERT = Path(__file__).parent / "data" / "convert"


@pytest.mark.parametrize("name, pages", [("two-column-report.pdf", 1), ("report-60-pages.pdf", 4)])
def test_glyph_records_hold_pdfplumbers_own_values(name, pages):
    """pdf_page builds the glyphs' records itself (pdfplumber's took two thirds of a page's time):
    each visible glyph, and only those, with the values pdfplumber gives it."""
    import pdfplumber

    from assistant.pdf_page import _patch_invisible_text, _visible_page, _white

    _patch_invisible_text()
    with pdfplumber.open(CONVERT / name) as pdf:
        for page in pdf.pages[:pages]:
            width, height = float(page.width), float(page.height)
            theirs = [c for c in page.chars if c["size"] >= 2 and not _white(c["non_stroking_color"])
                      and -1 <= c["x0"] and c["x1"] <= width + 1 and -1 <= c["top"] and c["bottom"] <= height + 1]
            edges = len(page.edges)
            page.close()
            ours = _visible_page(page)
            assert len(ours.chars) == len(theirs) > 100
            for mine, their in zip(ours.chars, theirs):
                assert mine == {key: their[key] for key in mine}
            assert len(ours.edges) == edges  # ruling lines still go through pdfplumber


def _report(path: Path) -> Path:
    """Ten pages with a running footer, and a paragraph running on from each page to the next."""
    pages = []
    for n in range(1, 11):
        lines = [f"Section {n} notes" if n % 3 == 1 else f"Line one of page {n} runs on"]
        lines += [f"Bengaluru pays level {n} engineers {10 + n} LPA, and this sentence fills the line well."] * 6
        lines += [f"and the last line of page {n} has no full stop so it runs on to"]
        pages.append(lines)
    return make_pdf(path, pages)


def test_two_readers_give_the_document_one_reader_gives(tmp_path):
    from assistant import pdf

    path = _report(tmp_path / "report.pdf")
    data = path.read_bytes()
    one = pdf._parse_pdf(data, fork=False)  # in this process: every page read here
    two = pdf.read_pdf(data)  # the child: ten pages, so a second process reads the odd ones
    assert len(one.page_starts) == 10 >= pdf.PARALLEL_PAGES
    assert (two.text, two.headings, two.page_starts, two.tables) == (one.text, one.headings, one.page_starts, one.tables)
    assert "Bengaluru pays level 7 engineers 17 LPA" in two.text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_reader_stopped_at_its_time_limit_leaves_no_process_behind(tmp_path, monkeypatch):
    """Both reading processes of a slow many-page PDF end when the wall-clock limit stops it."""
    from assistant import pdf

    # 50,000 words a page, forty pages: several times the limit on any machine we run (ten pages read in 1.75 s on a fast one)
    path = make_pdf(tmp_path / "slow.pdf", [["a " * 50_000]] * 40)
    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(pdf, "PDF_SECONDS", 2)
    monkeypatch.setattr(subprocess, "Popen", popen)
    start = time.monotonic()
    with pytest.raises(ValueError, match="took longer than 2 s"):
        pdf.read_pdf(path.read_bytes())
    assert time.monotonic() - start < 3.5  # not held up by a reader still writing into the pipes
    deadline = time.monotonic() + 1  # a killed process takes a moment to die (left alone, its CPU limit would take longer)
    while _running_in_group(started[0].pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running_in_group(started[0].pid)


def _running_in_group(group: int) -> list[int]:
    """Processes of the process group that are alive (not zombies waiting for init to reap them)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry))
    return found

