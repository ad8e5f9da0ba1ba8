"""Tests for the chat page's handlers, rendering and upload checks, without a server.

The handlers run against a real Assistant (packaged MiniLM, Chroma) over a copy of the guide;
the index, uploads, feedback and exports all go to tmp paths.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path

import pytest

from assistant import Answer, Assistant, Citation, DocumentError, ui_render, uploads
from assistant.llms import LLM

from .conftest import indexed_bot
from assistant.ui import ChatHandlers, bot_history, chat_messages

GUIDE = Path(__file__).resolve().parents[1] / "corpus" / "ml-engineer-jobs-india.txt"
SALARY_Q = "What does a junior ML engineer earn in India?"
XSS = 'The Quokka pager rota pays <script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> ![t](http://127.0.0.1:9/t.png) ${alert(1)} {{value}} a bonus of ₹2,00,000 every quarter.\n'


def make_assistant(root: Path) -> Assistant:
    """A real Assistant (packaged MiniLM, Chroma) over a copy of the guide, all under `root`."""
    return indexed_bot(root)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    return make_assistant(tmp_path_factory.mktemp("ui-bot"))


@pytest.fixture
def handlers(bot, tmp_path):
    return ChatHandlers(bot, data_dir=tmp_path / "data")


def ask(handlers, question, turns=None, scope=None):
    """Run the chat handler to the end; return every yield."""
    return list(handlers.respond(question, turns or [], scope))


def write(tmp_path, name, data):
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_answer_streams_then_shows_citations_and_highlighted_sources(handlers):
    steps = ask(handlers, SALARY_Q)
    assert len(steps) > 2, "the answer should arrive in pieces"
    messages, turns, panel, box = steps[-1]
    assert box == "" and len(messages) == 2 and len(turns) == 1
    reply = messages[1]["content"]
    assert "[1]" in reply and "Sources: [1] ml-engineer-jobs-india.txt" in reply
    assert "ml-engineer-jobs-india.txt" in panel and "Salary Expectations" in panel
    assert re.search(r"<mark>[^<]*Junior ML Engineer", panel)
    assert re.search(r"score \d+\.\d\d", panel)


def test_salary_answer_comes_with_a_chart_of_the_cited_bands(handlers):
    panel = ask(handlers, SALARY_Q)[-1][2]
    chart = panel[panel.index('<figure class="salary-chart">'): panel.index("</figure>")]
    assert "Junior ML Engineer (0-2 years)" in chart and "8–12 LPA" in chart
    assert re.search(r'class="chart-source">From the cited passages? \[\d\]', chart)


def test_follow_up_sends_history_and_shows_the_retrieval_query(handlers, bot, monkeypatch):
    seen = []
    real = bot.stream
    monkeypatch.setattr(bot, "stream", lambda q, history=None, scope=None: seen.append(history) or real(q, history, scope))
    turns = ask(handlers, SALARY_Q)[-1][1]
    messages, turns, panel, _ = ask(handlers, "And for mid-level engineers?", turns)[-1]
    assert seen[0] == [] and seen[1][0] == {"role": "user", "content": SALARY_Q}
    assert seen[1][1]["content"] == turns[0]["answer"].text
    assert len(messages) == 4 and "Searched for:" in messages[3]["content"]
    assert "Retrieval query:" in panel


def test_not_covered_reply_looks_different_and_offers_topics(handlers):
    messages, turns, panel, _ = ask(handlers, "Who won the cricket world cup?")[-1]
    reply = messages[1]
    assert reply["content"].startswith('<div class="refusal"><strong>Not covered by the documents.')
    assert turns[0]["answer"].topics and reply["options"][0]["value"] == turns[0]["answer"].topics[0]
    assert "[1]" not in reply["content"] and "No passages were cited" in panel


def test_bad_questions_are_reported_in_the_chat_not_raised(handlers):
    assert ask(handlers, "   ") == [([], [], ui_render.sources_html(None), "   ")]
    messages, turns, _, _ = ask(handlers, "why? " * 1000)[-1]
    assert 'class="ask-error"' in messages[1]["content"] and turns[0]["answer"] is None
    assert bot_history(turns) == []  # a failed turn is not sent as history


def test_retry_replaces_the_turn_and_clear_empties_the_chat(handlers):
    turns = ask(handlers, SALARY_Q)[-1][1]
    turns = ask(handlers, "Which cities have the most ML jobs?", turns)[-1][1]
    messages, retried, _, _ = list(handlers.retry(turns, 1, None))[-1]
    assert [t["question"] for t in retried] == [SALARY_Q] and len(messages) == 2
    assert handlers.clear()[:2] == ([], [])


def test_clicking_a_message_shows_that_answers_sources(handlers):
    turns = ask(handlers, SALARY_Q)[-1][1]
    turns = ask(handlers, "Where are the ML jobs in Bangalore?", turns)[-1][1]
    assert "Salary Expectations" in handlers.show_sources(turns, 1)
    assert handlers.show_sources(turns, 3) == ui_render.sources_html(turns[1]["answer"])


def test_feedback_is_appended_as_json_lines(handlers, tmp_path, bot):
    turns = ask(handlers, SALARY_Q)[-1][1]
    assert handlers.feedback(turns, 0, True) is None  # a user message: nothing to rate
    handlers.feedback(turns, 1, True)
    handlers.feedback(turns, 1, False)
    lines = (tmp_path / "data" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert (first["rating"], second["rating"]) == ("up", "down")
    assert first["question"] == SALARY_Q and first["answer"] == turns[0]["answer"].text
    assert first["citations"][0]["source"] == "ml-engineer-jobs-india.txt"
    assert first["index_version"] == bot.index_version and first["time"].endswith("+00:00")


def test_export_gives_markdown_with_the_cited_passages(handlers, tmp_path):
    assert handlers.export([]) is None
    turns = ask(handlers, SALARY_Q)[-1][1]
    path = Path(handlers.export(turns))
    assert path.is_relative_to(tmp_path / "data" / "exports")
    text = path.read_text(encoding="utf-8")
    citation = turns[0]["answer"].citations[0]
    assert f"## 1. {SALARY_Q}" in text and turns[0]["answer"].text in text
    assert f"[1] ml-engineer-jobs-india.txt › {citation.section}" in text
    assert "> " + citation.text.splitlines()[0] in text


def test_upload_is_answerable_at_once_and_private_to_its_session(handlers, bot, tmp_path):
    doc = write(tmp_path, "Kochi notes (v2).txt", "The Zorblax robotics lab in Kochi hires ML interns every monsoon season.\n")
    calls = []
    note, docs_html, names = handlers.upload([str(doc)], "session-a", lambda *a, **k: calls.append((a, k)))
    assert names == ["Kochi-notes-v2.txt"] and "✓ Kochi-notes-v2.txt: indexed, 1 passages" in note
    assert calls[0] == (((0, 1),), {"desc": "Checking Kochi notes (v2).txt"}) and calls[-1][0] == ((1, 1),)
    assert any(k["desc"].startswith("Indexing") for _, k in calls)
    assert "Kochi-notes-v2.txt" in docs_html and "this session" in docs_html
    assert {"name": "Kochi-notes-v2.txt", "passages": 1, "scope": "session-a"} in bot.documents("session-a")
    assert not any((tmp_path / "data" / "staging").iterdir()), "the staged copy should be gone"

    answer = ask(handlers, "Which lab in Kochi hires ML interns?", scope="session-a")[-1][1][0]["answer"]
    assert answer.answered and answer.citations[0].source == "Kochi-notes-v2.txt" and "Zorblax" in answer.text
    other = ask(handlers, "Which lab in Kochi hires ML interns?", scope="session-b")[-1][1][0]["answer"]
    assert all(c.source != "Kochi-notes-v2.txt" for c in other.citations)
    assert "Kochi" not in handlers.documents("session-b")[0] and handlers.removable("session-b") == []

    assert handlers.remove("ml-engineer-jobs-india.txt", "session-a")[0].startswith("Choose one of your uploads")
    note, docs_html, names = handlers.remove("Kochi-notes-v2.txt", "session-a")
    assert note == "Removed Kochi-notes-v2.txt." and names == [] and "Kochi" not in docs_html
    assert all(d["scope"] == "" for d in bot.documents("session-a"))


def test_closing_a_session_forgets_its_uploads(handlers, bot, tmp_path):
    handlers.upload([str(write(tmp_path, "a.txt", "The Numbat studio in Mysore trains vision models.\n"))], "session-d")
    assert handlers.removable("session-d") == ["a.txt"]
    handlers.end_session("session-d")
    assert handlers.removable("session-d") == [] and all(d["scope"] == "" for d in bot.documents("session-d"))


def test_shared_uploads_are_visible_to_every_session(bot, tmp_path):
    shared = ChatHandlers(bot, data_dir=tmp_path / "data", shared_uploads=True)
    scope = uploads.scope_for("abc123", shared=True)
    assert scope is None and uploads.scope_for("abc123", shared=False) == "session-abc123"
    doc = write(tmp_path, "team.md", "# Team\n\nThe Wombat guild in Indore mentors ML apprentices.\n")
    try:
        shared.upload([str(doc)], scope)
        assert "team.md" in shared.documents(uploads.scope_for("someone-else", shared=False))[0]
        assert shared.removable(None) == ["team.md"]  # uploaded through the page; the guide is not removable
    finally:
        assert shared.remove("team.md", scope)[0] == "Removed team.md."
    assert all(d["name"] != "team.md" for d in bot.documents())


def test_uploads_are_checked_by_content(handlers, bot, tmp_path):
    png = write(tmp_path, "cv.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    big = write(tmp_path, "big.txt", b"a" * (uploads.MAX_BYTES + 1))
    junk = write(tmp_path, "junk.txt", b"\x81\x8d\x8f\x90\x9d" * 10)
    fake_pdf = write(tmp_path, "fake.txt", b"%PDF-1.4 not really a pdf")
    note, _, names = handlers.upload([str(png), str(big), str(junk), str(fake_pdf)], "session-c")
    assert names == []
    assert "✗ cv.txt: This file is a PNG image" in note
    assert "✗ big.txt: This file is 10.0 MB; the limit is 10 MB." in note
    assert "✗ junk.txt: This file is not text" in note
    assert "✗ fake.pdf:" in note, "typed by content, then refused by the PDF reader"
    assert all(d["scope"] == "" for d in bot.documents("session-c"))


@pytest.mark.parametrize(
    "data, claimed, kind",
    [
        (b"%PDF-1.4\n1 0 obj", "report.txt", "pdf"),
        (b"<!doctype html><html><body><p>x</p></body></html>", "page.md", "html"),
        (b"  <div><p>a</p><p>b</p></div>", "frag.txt", "html"),
        (b"# Heading\n\nText", "notes.txt", "markdown"),
        (b"Plain words <b> here.", "notes.md", "markdown"),
        (b"Plain words <b> here.", "notes.pdf", "text"),
        ("Salary ₹8,00,000".encode() + "é".encode()[:1], "cut.txt", "text"),  # a sample cut mid-character
        ("Gehalt für Anfänger".encode("cp1252"), "old.txt", "text"),  # the corpus reader accepts Windows-1252
    ],
)
def test_sniff_judges_type_by_content(data, claimed, kind):
    assert uploads.sniff(data, claimed) == kind


@pytest.mark.parametrize("data", [b"PK\x03\x04rest", b"\x7fELF\x02", b"text\x00with nul", b"\x81\x8d\x8f bad text here"])
def test_sniff_refuses_binary(data):
    with pytest.raises(DocumentError):
        uploads.sniff(data, "x.txt")


@pytest.mark.parametrize(
    "claimed, kind, safe",
    [
        ("../../etc/passwd", "text", "passwd.txt"),
        ("C:\\Users\\me\\My CV.pdf", "pdf", "My-CV.pdf"),
        (".htaccess", "text", "htaccess.txt"),
        ("<img src=x onerror=alert(1)>.md", "markdown", "img-src-x-onerror-alert-1.md"),
        ("日本語.txt", "text", "document.txt"),
        ("a" * 300 + ".txt", "text", "a" * 80 + ".txt"),
    ],
)
def test_safe_name(claimed, kind, safe):
    assert uploads.safe_name(claimed, kind) == safe


def test_document_and_model_text_is_rendered_inert():
    cite = Citation(1, "<b>x</b>.md", "A > <i>B</i>", XSS, 0.5, quotes=["a bonus of ₹2,00,000 every quarter."])
    answer = Answer(XSS + " [1]", [cite], True, "q <script>", "q")
    for out in (ui_render.answer_markdown(answer), ui_render.sources_html(answer)):
        assert "<script" not in out and "<img" not in out and "<b>" not in out and "<i>" not in out
        assert "&lt;script&gt;" in out
    assert "![" not in ui_render.answer_markdown(answer)
    assert "<mark>a bonus of ₹2,00,000 every quarter.</mark>" in ui_render.sources_html(answer)
    refusal = Answer("<img src=x onerror=alert(1)>", [], False, "q", "q", topics=["<script>t</script>"])
    assert "<img" not in ui_render.answer_markdown(refusal) and "<script" not in ui_render.answer_markdown(refusal)
    assert "<script" not in ui_render.documents_html([{"name": "<script>.md", "passages": 1, "scope": ""}], None)


def test_chart_bands_from_the_guide_lines():
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("- Junior")
    passage = text[start: text.index("Top Skills")]
    bands = ui_render.salary_bands([Citation(2, "guide.txt", "Salary", passage, 0.9)])
    assert [(b.label, b.low, b.high, b.open_ended) for b in bands] == [
        ("Junior ML Engineer (0-2 years)", 8.0, 12.0, False),
        ("Mid-Level ML Engineer (3-5 years)", 15.0, 25.0, False),
        ("Senior/Lead ML Engineer (6+ years)", 30.0, 60.0, True),
    ]
    chart = ui_render.chart_html(bands)
    assert "30–60+ LPA" in chart and "From the cited passage [2]" in chart
    assert ui_render.salary_bands([Citation(1, "g", "s", "Python remains king.", 1.0)]) == []


def test_settings_name_the_active_answerer(handlers, bot, monkeypatch):
    text = handlers.settings()
    assert "**Answerer:** extractive (the default" in text and bot.index_version in text
    assert "private to your browser session" in text
    monkeypatch.setattr(type(bot), "backend_name", property(lambda self: "llama-cpp"))
    assert "**Answerer:** llama-cpp (a language model writes the answer" in handlers.settings()
    answer = Answer("Pay is 8–12 LPA [1].", [Citation(1, "g.txt", "S", "Pay is 8–12 LPA.", 0.9)], True, "q", "q",
                    backend="llama-cpp", notice="The model's answer failed the check; showing the quoted one.")
    reply = ui_render.answer_markdown(answer)
    assert reply.startswith("*The model's answer failed the check") and "answered by llama-cpp" in reply


def test_build_app_wires_a_safe_chatbot(bot, tmp_path):
    gr = pytest.importorskip("gradio")
    from assistant.ui import build_app

    demo = build_app(bot, data_dir=tmp_path / "data")
    chatbots = [b for b in demo.blocks.values() if isinstance(b, gr.Chatbot)]
    assert len(chatbots) == 1
    chat = chatbots[0]
    assert chat.sanitize_html and chat.allow_tags is False and chat.latex_delimiters == []
    assert [e["text"] for e in chat.examples][0] == "What does a junior ML engineer earn in India?"
    assert chat_messages([]) == []


def test_pdf_upload_cites_its_page(handlers, tmp_path):
    from .factory import make_pdf

    pdf = make_pdf(tmp_path / "brochure.pdf", [["Welcome to the brochure."], ["The Pangolin institute in Nagpur runs an ML residency."]])
    note = handlers.upload([str(pdf)], "session-pdf")[0]
    assert note.startswith("✓ brochure.pdf: indexed")
    messages, turns, panel, _ = ask(handlers, "Which institute in Nagpur runs an ML residency?", scope="session-pdf")[-1]
    citation = turns[0]["answer"].citations[0]
    assert (citation.source, citation.page) == ("brochure.pdf", 2)
    assert '<span class="source-page">page 2</span>' in panel
    assert "brochure.pdf (p. 2)" in messages[1]["content"]


def test_space_files_agree_with_pyproject():
    import tomllib

    root = GUIDE.parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-"))]
    assert sorted(p for p in pins if not p.startswith("torch")) == sorted(project["dependencies"])
    gradio_pin = next(p for p in project["dependencies"] if p.startswith("gradio=="))
    assert gradio_pin in pins

    front = (root / "README.md").read_text(encoding="utf-8").split("---\n")[1]  # the Space's settings
    meta = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == gradio_pin.split("==")[1]
    assert meta["app_file"] == "app.py" and len(meta["short_description"]) <= 60


def test_an_unexpected_failure_ends_the_turn_with_a_message(handlers, monkeypatch, bot):
    def broken(question, history=None, scope=None):
        yield "Partial "
        raise KeyError("boom")

    monkeypatch.setattr(bot, "stream", broken)
    steps = ask(handlers, SALARY_Q)
    assert steps[1][0][1]["content"].strip() == "Partial"
    messages, turns, _, _ = steps[-1]
    assert "Something went wrong while answering" in messages[1]["content"] and "partial" not in turns[0]


def test_a_session_asking_too_fast_gets_a_plain_message_and_others_are_not_held_up(tmp_path):
    from assistant.ratelimit import RateLimit
    from assistant.ui import ChatHandlers

    class Echo:  # the Assistant is not what is tested here; it answers every question the same way
        def stream(self, question, history=None, scope=None):
            from assistant import Answer

            yield Answer(f"echo {question} [1]", [], True, question)

    h = ChatHandlers(Echo(), data_dir=tmp_path, rate_limit=RateLimit(limit=2, window=60))
    last = lambda gen: list(gen)[-1]  # noqa: E731
    turns = []
    for n in range(2):
        _, turns, _, _ = last(h.respond(f"q{n}", turns, None, session="a"))
    _, turns, _, _ = last(h.respond("q2", turns, None, session="a"))
    assert turns[-1]["answer"] is None and "more than 2 questions in 60 seconds" in turns[-1]["error"]
    _, other, _, _ = last(h.respond("q0", [], None, session="b"))
    assert other[-1]["answer"] is not None and not other[-1]["error"]


def test_a_session_can_pick_an_offered_answerer_but_not_an_arbitrary_one(tmp_path):
    from assistant import Answer
    from assistant.ui import ChatHandlers

    class Recorder:  # records which answerer each question was asked with
        asked: list = []

        def backends(self):
            return ["extractive", "llama-cpp"]

        def stream(self, question, history=None, scope=None, llm=None):
            self.asked.append(llm)
            yield Answer("ok [1]", [], True, question)

    bot = Recorder()
    h = ChatHandlers(bot, data_dir=tmp_path)
    list(h.respond("q", [], None, "s", "llama-cpp"))
    list(h.respond("q", [], None, "s", "openai:someone-elses-endpoint"))
    list(h.respond("q", [], None, "s", None))
    assert bot.asked == ["llama-cpp", None, None]  # not offered: the configured default answers


# -- an LLM writing beside the extractive answer ------------------------------------------------

JUNIOR_LINE = "Junior ML Engineer (0-2 years)"


class ContractStream:
    """Assistant.stream as the contract says it runs with an LLM, around a real Assistant: the real
    extractive answer first (final=False), then the LLM's pieces, then `final(extractive)`."""

    backend_name = "extractive"

    def __init__(self, bot, final=None, fail=False, refuse_first=False):
        self.bot, self.final, self.fail, self.refuse_first = bot, final, fail, refuse_first
        self.reached_llm = False

    def backends(self):
        return ["extractive", "fake-llm"]

    def stream(self, question, history=None, scope=None, llm=None):
        extractive = self.bot.ask(question, history, scope)
        first = dataclasses.replace(extractive, final=False)
        if self.refuse_first:
            first = dataclasses.replace(first, answered=False, text="No line answers this.", citations=[])
        yield first
        self.reached_llm = True
        for piece in ("Juniors earn ", "₹8,00,000 – ₹12,00,000 ", "per annum [1]."):
            yield piece
        if self.fail:
            raise KeyError("the LLM part broke")
        yield self.final(extractive) if self.final else dataclasses.replace(
            extractive, text="Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1].", backend="fake-llm")


def _replies(steps):
    return [step[0][-1]["content"] if step[0] else "" for step in steps]


def test_the_extractive_answer_shows_at_once_and_the_llm_answer_replaces_it_when_verified(bot, tmp_path):
    h = ChatHandlers(ContractStream(bot), data_dir=tmp_path)
    steps = list(h.respond(SALARY_Q, [], None, "s", "fake-llm"))
    replies = _replies(steps)
    first = next(i for i, r in enumerate(replies) if "llm-writing" in r)
    assert JUNIOR_LINE in replies[first] and "Sources: [1] ml-engineer-jobs-india.txt" in replies[first]
    assert "fake-llm is writing an answer" in replies[first] and "Juniors earn" not in replies[first]
    assert "Salary Expectations" in steps[first][2], "the provisional answer's sources show at once"
    streamed = replies[first + 1:-1]
    assert streamed and all(JUNIOR_LINE in r and "llm-writing" in r for r in streamed), "the LLM writes below it"
    assert "Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]." in streamed[-1]
    messages, turns, panel, _ = steps[-1]
    assert "llm-writing" not in replies[-1] and "answered by fake-llm" in replies[-1]
    assert replies[-1].startswith("Juniors earn ₹8,00,000") and "Salary Expectations" in panel
    assert set(turns[0]) == {"question", "answer", "error"} and turns[0]["answer"].backend == "fake-llm"
    assert bot_history(turns)[1]["content"] == "Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]."


def test_a_fallback_keeps_the_extractive_answer_with_a_note_saying_why(bot, tmp_path):
    note = "The LLM timed out after 30 s; showing the extractive answer."
    h = ChatHandlers(ContractStream(bot, final=lambda a: dataclasses.replace(a, notice=note)), data_dir=tmp_path)
    reply = _replies(h.respond(SALARY_Q, [], None, "s", "fake-llm"))[-1]
    assert reply.startswith(f"*{note}*") and JUNIOR_LINE in reply and "llm-writing" not in reply


def test_a_failure_after_the_provisional_answer_keeps_it_with_a_note(bot, tmp_path):
    h = ChatHandlers(ContractStream(bot, fail=True), data_dir=tmp_path)
    messages, turns, _, _ = list(h.respond(SALARY_Q, [], None, "s", "fake-llm"))[-1]
    answer = turns[0]["answer"]
    assert answer is not None and answer.final and JUNIOR_LINE in answer.text and not turns[0]["error"]
    assert answer.notice == ("Something went wrong while answering; the error has been logged; "
                             "showing the answer quoted from the documents.")
    assert "Juniors earn" not in messages[1]["content"], "unverified LLM text does not stay on the page"


def test_a_provisional_refusal_is_not_shown_as_not_covered_while_the_llm_reads(bot, tmp_path):
    h = ChatHandlers(ContractStream(bot, refuse_first=True), data_dir=tmp_path)
    replies = _replies(h.respond(SALARY_Q, [], None, "s", "fake-llm"))
    writing = [r for r in replies if "llm-writing" in r]
    assert writing and all("Not covered" not in r and "provisional-note" in r for r in writing)
    assert "fake-llm is reading the retrieved passages" in writing[0]
    assert "answered by fake-llm" in replies[-1]


def test_llm_questions_beyond_the_slots_get_the_quoted_answer_at_once(bot, tmp_path):
    from assistant.serving import BUSY, LLMSlots

    slots = LLMSlots(1)
    assert slots.acquire()  # another session's question is with the LLM
    contract = ContractStream(bot)
    h = ChatHandlers(contract, data_dir=tmp_path, llm_slots=slots)
    messages, turns, _, _ = list(h.respond(SALARY_Q, [], None, "s", "fake-llm"))[-1]
    assert turns[0]["answer"].notice == BUSY and JUNIOR_LINE in turns[0]["answer"].text
    assert messages[1]["content"].startswith(f"*{BUSY}*") and not contract.reached_llm


class Behaving(LLM):
    """A model that answers well: it quotes the passage holding the junior band, cites it, and takes its time."""

    name = "behaving"

    def generate(self, messages, *, timeout):
        user = messages[-1]["content"]
        blocks = re.findall(r'<passage n="(\d+)"[^>]*>(.*?)</passage>', user, flags=re.S)
        n = next(number for number, text in blocks if JUNIOR_LINE in text)
        for word in f"A Junior ML Engineer (0-2 years) earns ₹8,00,000 – ₹12,00,000 per annum [{n}].".split(" "):
            time.sleep(0.02)
            yield word + " "


def test_a_verified_llm_answer_from_the_real_assistant_reaches_the_page(bot, handlers, monkeypatch):
    monkeypatch.setitem(bot._llms, "behaving", Behaving())  # loaded backends are cached by spec
    monkeypatch.setattr(bot, "backends", lambda: ["extractive", "behaving"])
    steps = list(handlers.respond(SALARY_Q, [], None, "s", "behaving"))
    replies = _replies(steps)
    answer = steps[-1][1][0]["answer"]
    assert answer.backend == "behaving" and answer.answered and answer.final, answer.notice
    assert answer.citations[0].section == "Salary Expectations for ML Engineers"
    assert "₹8,00,000 – ₹12,00,000" in answer.text and "answered by behaving" in replies[-1]
    streamed = [i for i, r in enumerate(replies) if "earns" in r]
    assert len(streamed) > 3, "the LLM's words stream in"
    provisional = [i for i, r in enumerate(replies) if "llm-writing" in r]
    if provisional:  # once Assistant.stream yields the provisional answer, it comes before the LLM's words
        assert provisional[0] < streamed[0] and JUNIOR_LINE in replies[provisional[0]]


def test_settings_offer_every_backend_and_the_page_handlers_are_not_an_api(bot, tmp_path, monkeypatch):
    gr = pytest.importorskip("gradio")
    from assistant.ui import build_app

    monkeypatch.setattr(bot, "backends", lambda: ["extractive", "llama-cpp"])
    demo = build_app(bot, data_dir=tmp_path / "data", llm_slots=3)
    radio = next(b for b in demo.blocks.values() if isinstance(b, gr.Radio))
    assert radio.choices == [("extractive: quotes the documents, no language model", "extractive"),
                             ("llama-cpp: a language model running on this server", "llama-cpp")]
    listed = [fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"]
    unlisted = sorted(fn.api_name for fn in demo.fns.values() if fn.api_visibility == "undocumented")
    assert listed == ["answer"] and unlisted == ["ask", "upload"]  # asked and uploaded to as the page does (load.py)
    groups = {fn.name: (fn.concurrency_id, fn.concurrency_limit) for fn in demo.fns.values()}
    assert groups["ask"] == groups["retry"] == groups["answer"] == ("questions", 5)
    assert groups["upload"] == groups["remove"] == ("documents", 1)


@pytest.mark.parametrize("name, kind", [("offer-letters-and-notice-periods.docx", "docx"), ("ml-openings-by-company.xlsx", "xlsx"),
                                        ("ml-openings-by-company.csv", "csv")])
def test_office_files_and_sheets_are_accepted_by_content(tmp_path, name, kind):
    from .conftest import DATA

    renamed = tmp_path / ("upload.bin" if kind != "csv" else "sheet.csv")  # a Word or Excel file is told by its parts
    renamed.write_bytes((DATA / "documents" / name).read_bytes())
    stored = uploads.accept(renamed, tmp_path / "staging", claimed_name=renamed.name)
    assert stored.suffix == f".{kind}"


def test_a_zip_that_is_no_document_or_unpacks_too_far_is_refused(tmp_path):
    import zipfile

    plain = tmp_path / "photos.zip"
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(DocumentError, match="ZIP archive, not a document"):
        uploads.accept(plain, tmp_path / "staging")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (uploads.MAX_UNZIPPED + 1))
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(DocumentError, match="unpacks to more than"):
        uploads.accept(bomb, tmp_path / "staging")
