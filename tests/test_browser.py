"""The chat page in real headless Chromium (Debian's, driven by the playwright package).

One app server on 127.0.0.1 for the module, over a real Assistant; each test opens its own
browser context, which is a fresh Gradio session. Screenshots go to $ASSISTANT_TEST_ARTIFACTS (or the test's tmp_path).
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import threading
from pathlib import Path
from typing import NamedTuple

import pytest

pytest.importorskip("gradio")
sync_api = pytest.importorskip("playwright.sync_api")

from .test_ui import SALARY_Q, XSS, make_assistant  # noqa: E402

CHROMIUM = os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TIMEOUT = 30_000  # ms; the first answer loads the embedding model

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


class Server(NamedTuple):
    url: str
    data: Path  # the app's data folder (feedback, exports)
    gate: threading.Event  # holds the gated LLM back until a test sets it


def _gated_llm(bot, gate: threading.Event):
    """`bot.stream` with one more answerer, "gated-llm", that follows the stream contract: the real
    extractive answer at once (final=False), a first piece, then, once `gate` is set, the rest
    and the final Answer. The other answerers are the real ones."""
    real = bot.stream

    def stream(question, history=None, scope=None, llm=None):
        if llm != "gated-llm":
            yield from real(question, history, scope, llm)
            return
        extractive = bot.ask(question, history, scope)
        yield dataclasses.replace(extractive, final=False)
        yield "Juniors earn "
        gate.wait(timeout=60)
        yield "₹8,00,000 – ₹12,00,000 per annum [1]."
        yield dataclasses.replace(extractive, text="Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1].",
                                  backend="gated-llm")

    return stream


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.ui import build_app, launch_options

    root = tmp_path_factory.mktemp("browser-app")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))  # Gradio's upload and file cache
    bot = make_assistant(root)
    gate = threading.Event()
    bot.backends = lambda: ["extractive", "gated-llm"]  # the Settings tab offers it
    bot.stream = _gated_llm(bot, gate)
    demo = build_app(bot, data_dir=root / "data")
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **launch_options(root / "data"))
    yield Server(f"http://127.0.0.1:{port}/", root / "data", gate)
    demo.close()
    patch.undo()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, tmp_path, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(server.url)
    pg.locator("#question textarea").wait_for()
    yield pg
    shots = Path(os.environ.get("ASSISTANT_TEST_ARTIFACTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=shots / f"{request.node.name}.png", full_page=True)
    context.close()


def ask(page, question: str, n: int):
    """Type a question, send it, and wait for the n-th bot reply to finish; return its locator."""
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    return wait_reply(page, n)


def wait_reply(page, n: int):
    reply = page.locator('#chat [data-testid="bot"]').nth(n - 1)
    page.wait_for_function(
        "([n]) => { const m = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return m.length >= n && !document.querySelector('#chat .pending') &&"
        " /Sources:|Not covered|Could not answer/.test(m[n-1].innerText); }",
        arg=[n],
    )
    return reply


def upload(page, path: Path):
    page.get_by_role("tab", name="Documents").click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.locator("#upload-status").get_by_text(f"✓ {path.name}").wait_for()
    page.get_by_role("tab", name="Sources").click()


def test_ask_see_citation_and_source_then_follow_up(page, server):
    page.locator("#chat").get_by_text(SALARY_Q).click()  # an example question on the empty page
    reply = wait_reply(page, 1)
    assert "[1]" in reply.inner_text()
    source = page.locator("#sources .source").first
    assert "ml-engineer-jobs-india.txt" in source.inner_text()
    assert "Junior ML Engineer" in page.locator("#sources .source mark").first.inner_text()
    assert page.locator("#sources .salary-chart").get_by_text("Junior ML Engineer (0-2 years)").is_visible()

    follow = ask(page, "And for mid-level engineers?", 2)
    assert "[1]" in follow.inner_text() and "Mid-Level" in follow.inner_text()
    assert follow.locator("small.retrieval-query").inner_text().startswith("Searched for:")

    page.locator('#chat button[aria-label="Like"]').last.click()
    feedback = server.data / "feedback.jsonl"
    for _ in range(150):  # a like changes nothing on the page, so poll the file it writes
        if feedback.exists():
            break
        page.wait_for_timeout(100)
    record = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert record["rating"] == "up" and record["question"] == "And for mid-level engineers?"

    page.locator('#chat [data-testid="bot"]').first.click()  # back to the first answer's sources
    page.locator("#sources mark", has_text="Junior ML Engineer").wait_for()

    page.locator("#export").click()
    link = page.locator("#export-file a").first
    link.wait_for()
    assert "conversation-" in link.get_attribute("href")


def test_uploaded_document_is_answerable_and_private(page, browser, server, tmp_path):
    doc = tmp_path / "kochi-lab.txt"
    doc.write_text("The Zorblax robotics lab in Kochi hires ML interns every monsoon season.\n", encoding="utf-8")
    upload(page, doc)
    reply = ask(page, "Which lab in Kochi hires ML interns?", 1)
    assert "Zorblax" in reply.inner_text() and "kochi-lab.txt" in reply.inner_text()

    other = browser.new_context().new_page()
    other.goto(server.url)
    other.get_by_role("tab", name="Documents").click()
    other.locator("#documents").get_by_text("ml-engineer-jobs-india.txt").wait_for(timeout=TIMEOUT)
    assert "kochi-lab.txt" not in other.locator("#documents").inner_text()
    other.context.close()


def test_uploaded_markup_renders_inert(page, tmp_path):
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if ":9/" in r.url or r.url.endswith("/x") else None)
    doc = tmp_path / "pager.md"
    doc.write_text(XSS, encoding="utf-8")
    upload(page, doc)
    reply = ask(page, "What does the Quokka pager rota pay every quarter?", 1)
    text = reply.inner_text()
    assert "<script>window.pwned=1</script>" in text and "<img src=x" in text
    assert "<script>" in page.locator("#sources").inner_text()
    assert page.evaluate("window.pwned") is None
    assert page.locator("#chat img, #sources img, #chat script, #sources script").count() == 0
    assert fetched == []


def test_the_quoted_answer_shows_at_once_while_an_llm_writes_and_other_sessions_carry_on(page, browser, server):
    server.gate.clear()
    page.get_by_role("tab", name="Settings").click()
    page.locator("#backend label", has_text="gated-llm").click()
    page.get_by_role("tab", name="Sources").click()
    page.locator("#question textarea").fill(SALARY_Q)
    page.locator("#ask").click()
    reply = page.locator('#chat [data-testid="bot"]').first
    reply.locator(".llm-writing").wait_for()
    reply.get_by_text("Juniors earn").wait_for()  # the LLM's words stream in below the quoted answer
    text = reply.inner_text()
    assert "Junior ML Engineer (0-2 years)" in text and "Sources: [1]" in text
    assert "gated-llm is writing an answer" in text and "answered by gated-llm" not in text
    assert "Junior ML Engineer" in page.locator("#sources .source mark").first.inner_text()

    other = browser.new_context().new_page()  # a second visitor, no LLM, while the first one's is held
    other.set_default_timeout(TIMEOUT)
    other.goto(server.url)
    other.locator("#question textarea").wait_for()
    answered = ask(other, "How much do mid-level ML engineers earn?", 1)
    assert "[1]" in answered.inner_text() and "Mid-Level ML Engineer" in answered.inner_text()
    assert not server.gate.is_set() and reply.locator(".llm-writing").count() == 1, "the LLM is still writing"
    other.context.close()

    server.gate.set()
    page.wait_for_function(
        "() => { const m = document.querySelector('#chat [data-testid=\"bot\"]');"
        " return m && /answered by gated-llm/.test(m.innerText) && !m.querySelector('.llm-writing'); }")
    assert reply.inner_text().startswith("Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]")
