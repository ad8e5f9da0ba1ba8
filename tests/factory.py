"""Small real documents made on the fly: PDFs (with pages and an outline) and DOCX files."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]], outline: list[tuple[str, int]] | None = None) -> Path:
    """A text PDF: each page a list of lines; `outline` entries are (title, 0-based page)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page_ids, content_ids = [], []
    pages_id = len(objects) + 1 + 2 * len(pages)  # placeholder number, fixed below
    for lines in pages:
        ops = ["BT /F1 11 Tf 50 780 Td 14 TL"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_ids.append(add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
        page_ids.append(add(b""))  # filled once the Pages id is known
    pages_id = add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids) + b"] /Count %d >>" % len(page_ids))
    for pid, cid in zip(page_ids, content_ids):
        objects[pid - 1] = (
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
            % (pages_id, cid, font)
        )
    catalog_extra = b""
    if outline:
        outlines_id = len(objects) + 1
        item_ids = list(range(outlines_id + 1, outlines_id + 1 + len(outline)))
        add(b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (item_ids[0], item_ids[-1], len(item_ids)))
        for n, (title, page) in enumerate(outline):
            links = b""
            if n > 0:
                links += b" /Prev %d 0 R" % item_ids[n - 1]
            if n < len(outline) - 1:
                links += b" /Next %d 0 R" % item_ids[n + 1]
            add(b"<< /Title (%s) /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>" % (title.encode("latin-1"), outlines_id, page_ids[page], links))
        catalog_extra = b" /Outlines %d 0 R" % outlines_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_id, catalog_extra))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path.write_bytes(bytes(out))
    return path


def make_docx(path: Path, title: str, sections: list[tuple[str, list[str]]]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(path)
    return path
