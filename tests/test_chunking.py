"""Passages: small, section-aware, with offsets that map back to the source text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document
from assistant.headings import detect_headings
from assistant.text import sentence_spans
from assistant.corpus import Document, read_document

from .conftest import GUIDE


def _doc(text: str, kind: str = "txt", headings=None) -> Document:
    return Document("doc." + kind, text, "0" * 64, kind, headings)


def test_guide_passages_carry_breadcrumbs_and_exact_offsets():
    doc = read_document(GUIDE)
    passages = chunk_document(doc)
    assert all(doc.text[p.start : p.end] == p.text for p in passages)
    assert all(len(p.text) <= 500 for p in passages)
    by_gold = {g: p for g in ("Mid-Level ML Engineer (3-5 years)", "The undisputed leader", "Enterprise data science") for p in passages if g in p.text}
    assert by_gold["The undisputed leader"].section == "Where are the ML Jobs? > Bangalore"
    assert by_gold["Enterprise data science"].section == "Where are the ML Jobs? > Hyderabad & Pune"
    assert by_gold["Mid-Level ML Engineer (3-5 years)"].section == "Salary Expectations for ML Engineers"
    assert {p.title for p in passages} == {"Machine Learning Engineer Jobs in India: The Complete Guide"}


def test_short_list_stays_whole_long_list_splits_per_item():
    salary = next(p for p in chunk_document(read_document(GUIDE)) if "Junior ML Engineer" in p.text)
    assert "Mid-Level" in salary.text and "Senior/Lead" in salary.text  # the short list is one passage
    skills = [p for p in chunk_document(read_document(GUIDE)) if p.section == "Top Skills Demanded by Employers"]
    assert len(skills) == 5
    assert skills[0].text.startswith("Top Skills Demanded by Employers\nOur analysis")  # the heading opens its section
    assert "- Programming:" in skills[0].text  # the lead-in joins the first item
    assert skills[2].text.startswith("- MLOps:")


def test_plain_text_headings_levels():
    text = "Guide Title\nIntro paragraph here.\nWhere Things Are\nThere are places:\nBangalore\nBig city.\nHyderabad & Pune\nTwo cities.\nHow to Win\nWork hard."
    levels = [(text[h.start : h.end], h.level) for h in detect_headings(text)]
    assert levels == [("Guide Title", 1), ("Where Things Are", 2), ("Bangalore", 3), ("Hyderabad & Pune", 3), ("How to Win", 2)]


def test_markdown_headings_from_markup(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\n## Pay\n\nJuniors earn **8 LPA**.\n\n### Pune\n\nPune pays less.\n", encoding="utf-8")
    passages = chunk_document(read_document(path))
    assert [(p.section, p.text) for p in passages] == [("Pay", "## Pay\n\nJuniors earn **8 LPA**."), ("Pay > Pune", "### Pune\n\nPune pays less.")]


def test_long_paragraph_is_packed_into_sentences_under_the_limit():
    sentences = [f"Sentence number {i} talks about model deployment and serving in production." for i in range(20)]
    doc = _doc("Title Here\nSection\n" + " ".join(sentences) + "\n")
    passages = chunk_document(doc, max_chars=200)
    assert len(passages) > 5
    assert all(len(p.text) <= 200 and p.text.endswith(".") for p in passages)
    assert passages[0].text.startswith("Section\n")  # the heading opens its section's first passage
    assert "".join(p.text for p in passages).replace(" ", "") == ("Section\n" + " ".join(sentences)).replace(" ", "")


def test_sentence_spans_keep_abbreviations_and_decimals():
    text = "Pay is 1.5 crore, e.g. for leads. Rs. 8 lakh is common! Is it? Yes."
    assert [text[s:e] for s, e in sentence_spans(text)] == ["Pay is 1.5 crore, e.g. for leads.", "Rs. 8 lakh is common!", "Is it?", "Yes."]


def _spans(text):
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120),
    st.sampled_from(["- item one", "Heading Line", "Lead in:", "", "A sentence. Another one!", "1. first"]),
), max_size=30))
def test_offsets_always_map_back_and_no_content_is_lost(lines):
    text = "\n".join(lines)
    doc = _doc(text)
    passages = chunk_document(doc, max_chars=120)
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert len(p.text) <= 120
    covered = set()
    for p in passages:
        covered.update(range(p.start, p.end))
    headings = detect_headings(text)
    heading_chars = {i for h in headings for i in range(h.start, h.end)}
    # every non-space character outside headings lands in some passage, but for lines that hold no
    # letter or digit: a rule ("----") separates blocks and is no passage of its own
    said = {i for s, e in _spans(text) if re.search(r"[^\W_]", text[s:e]) for i in range(s, e)}
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and i in said and i not in covered and i not in heading_chars]
    assert lost == []


def test_a_newsletters_capital_headings_and_rules():
    # "PUNE: FINTECH AND SAAS" is a heading in capitals, not a speaker's turn; "----" separates and is
    # no passage; "Issue 41 · Friday 11 September 2026" is a dateline under the title, not a heading
    text = ("THE JOBS WEEKLY\nIssue 41 · Friday 11 September 2026\n\nHello, readers. This issue covers two cities.\n\n----\n\n"
            "PUNE: FINTECH AND SAAS\n\nPune had 610 postings this quarter.\n\n----\n\nKOCHI: HEALTH\n\nKochi had 90 postings.\n")
    doc = Document("weekly.txt", text, "h", "txt")
    assert [(text[h.start:h.end], h.level) for h in detect_headings(text)] == [
        ("THE JOBS WEEKLY", 1), ("PUNE: FINTECH AND SAAS", 2), ("KOCHI: HEALTH", 2)]
    passages = chunk_document(doc)
    assert [(p.section, p.text) for p in passages] == [
        ("", "Issue 41 · Friday 11 September 2026"), ("", "Hello, readers. This issue covers two cities."), ("PUNE: FINTECH AND SAAS", "PUNE: FINTECH AND SAAS\n\nPune had 610 postings this quarter."),
        ("KOCHI: HEALTH", "KOCHI: HEALTH\n\nKochi had 90 postings.")]


def test_a_transcripts_turns_carry_their_speakers_introduction(tmp_path):
    # "the fintech's head of ML" is said once, where PRIYA is introduced; her later turns are
    # found by it because each passage carries the introductions of those who speak in it
    text = ("Panel on hiring\n\nPart 1: Who we are\n\n"
            "PRIYA (Head of ML, a fintech): Hi, I'm Priya and I lead ML at a lending company.\n\n"
            "ARJUN (Engineering Director, a retail GCC): I'm Arjun; I run ML engineering.\n\n"
            "Part 2: Screening\n\nMODERATOR: How many applications do you get?\n\n"
            "PRIYA: About 600 for a mid-level role, within two weeks.\n")
    passages = chunk_document(Document("panel.txt", text, "h", "txt"))
    turn = next(p for p in passages if "About 600" in p.text)
    assert turn.speakers == "PRIYA (Head of ML, a fintech)" and "a fintech" in turn.context
    assert turn.text == text[turn.start:turn.end]  # the note is beside the text, never in it
    from assistant.indexing import embed_text

    assert "PRIYA (Head of ML, a fintech)" in embed_text(turn)
    guide = chunk_document(read_document(GUIDE))
    assert not any(p.speakers for p in guide)  # "Note:" or "Salary:" lines introduce nobody
