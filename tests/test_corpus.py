"""Readers: every supported format yields text, structure and page numbers; bad files get a reason."""

from __future__ import annotations

import pytest

from assistant.chunking import chunk_document
from assistant.corpus import list_files, read_document

from .factory import make_docx, make_pdf


def test_html_text_headings_and_no_script(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>x</title><script>alert('x')</script></head><body>"
        "<h1>Data Jobs</h1><h2>Chennai</h2><p>Chennai has <b>many</b> QA roles.</p>"
        "<ul><li>Testing</li><li>Support</li></ul><style>p{}</style></body></html>",
        encoding="utf-8",
    )
    doc = read_document(path)
    assert "alert" not in doc.text and "p{}" not in doc.text
    passages = chunk_document(doc)
    assert passages[0].title == "Data Jobs"
    assert passages[0].section == "Chennai"
    assert passages[0].text.startswith("Chennai\nChennai has many QA roles.") and "- Testing" in doc.text


def test_pdf_pages_and_outline_headings(tmp_path):
    path = make_pdf(
        tmp_path / "notes.pdf",
        [["Pune Notes", "Salaries", "Pune ML salaries are moderate."], ["Commute", "Traffic in Pune is heavy."]],
        outline=[("Pune Notes", 0), ("Salaries", 0), ("Commute", 1)],
    )
    doc = read_document(path)
    passages = chunk_document(doc)
    by_text = {p.text.split("\n")[-1]: p for p in passages}
    assert by_text["Traffic in Pune is heavy."].page == 2
    assert by_text["Traffic in Pune is heavy."].section == "Commute"
    assert by_text["Pune ML salaries are moderate."].page == 1


def test_docx_headings(tmp_path):
    path = make_docx(tmp_path / "offer.docx", "Offer Notes", [("Notice Period", ["Most offers ask for 60 days."])])
    passages = chunk_document(read_document(path))
    assert [(p.section, p.text) for p in passages] == [("Notice Period", "Notice Period\nMost offers ask for 60 days.")]


@pytest.mark.parametrize(
    "name,data,reason",
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02garbage" * 10, "binary"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "could not be parsed as PDF"),
        ("image.png", b"\x89PNG....", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_a_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ValueError, match=reason):
        read_document(path)


def test_list_files_skips_hidden_and_unsupported(tmp_path):
    for name in ("a.txt", "b.md", ".hidden.txt", "c.exe"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "d.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in list_files(tmp_path)] == ["a.txt", "b.md"]
