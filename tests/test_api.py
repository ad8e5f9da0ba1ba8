"""The `/answer` endpoint for programs, called as a program would: a real gradio_client, and raw HTTP
in Gradio's two-step protocol (what `curl` does), against the real app on 127.0.0.1.

The app runs over a real Assistant (packaged MiniLM, Chroma) on a copy of the guide in tmp paths.
"""

from __future__ import annotations

import doctest
import json
import re
import urllib.request

import pytest

from assistant import Answer, serving
from assistant.ratelimit import RateLimit

from .chroma_server import free_port
from .conftest import GUIDE, indexed_bot

pytest.importorskip("gradio")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

JUNIOR = "What do junior ML engineers earn?"
CITATION_KEYS = {"number", "source", "section", "text", "page", "start", "end", "score", "quotes"}


def _serve(bot, root, **options):
    from assistant.ui import build_app, launch_options

    demo = build_app(bot, data_dir=root / "data", **options)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **launch_options(root / "data"))
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    return indexed_bot(tmp_path_factory.mktemp("api-bot"))


@pytest.fixture(scope="module")
def app(bot, tmp_path_factory):
    """The app's URL; its folders (data, Gradio's cache) are in a tmp path."""
    root = tmp_path_factory.mktemp("api-app")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
    demo, url = _serve(bot, root)
    yield url
    demo.close()
    patch.undo()


@pytest.fixture(scope="module")
def client(app):
    return Client(app, verbose=False, analytics_enabled=False, download_files=False)


def _check_citations(data: dict):
    """Every [n] in the text points at a listed citation, numbered 1..k, each quoting the guide where it says."""
    guide = GUIDE.read_text(encoding="utf-8")
    numbers = [c["number"] for c in data["citations"]]
    assert numbers == list(range(1, len(numbers) + 1))
    used = {int(n) for n in re.findall(r"\[(\d+)\]", data["text"])}
    assert used == set(numbers), (used, numbers)
    for c in data["citations"]:
        assert set(c) == CITATION_KEYS
        assert c["source"] == GUIDE.name and guide[c["start"]:c["end"]] == c["text"]
        assert c["page"] is None and isinstance(c["score"], float) and c["section"]
        assert all(q.strip("- ") in c["text"] for q in c["quotes"])


def test_an_answerable_question_gets_the_answer_as_data_with_valid_citations(client):
    data = client.predict(JUNIOR, api_name="/answer")
    assert isinstance(data, dict)
    assert {"text", "answered", "question", "query", "citations", "backend", "notice", "topics"} <= set(data)
    assert data["answered"] is True and data["question"] == JUNIOR and data["backend"] == "extractive"
    assert "8–12 LPA" in data["text"] and "<small" not in data["text"]  # data, not the page's markup
    assert data["citations"][0]["section"] == "Salary Expectations for ML Engineers"
    _check_citations(data)


def test_a_question_the_documents_do_not_cover_is_answered_false(client):
    data = client.predict("What is the notice period at Swiggy?", api_name="/answer")
    assert data["answered"] is False and data["citations"] == []
    assert "Salary Expectations for ML Engineers" in data["topics"]


def test_a_follow_up_uses_the_history(client):
    history = [{"role": "user", "content": JUNIOR}, {"role": "assistant", "content": "₹8,00,000 – ₹12,00,000 per annum [1]."}]
    data = client.predict("And for seniors?", history, api_name="/answer")
    assert data["answered"] and "senior" in data["query"].lower() and "30–60+ LPA" in data["text"]
    _check_citations(data)


@pytest.mark.parametrize(
    "question, history, message",
    [
        ("", None, "The question is empty: please type a question about the documents."),
        ("   \n\t", None, "The question is empty: please type a question about the documents."),
        ("x" * 3000, None, "The question is 3,000 characters long; the limit is 2,000. Please shorten it."),
        ("What do juniors earn?", "not a list", 'The history must be a list of messages such as {"role": "user", "content": "..."}.'),
    ],
    ids=["empty", "whitespace", "3000-characters", "bad-history"],
)
def test_a_bad_question_gets_the_plain_message(client, question, history, message):
    with pytest.raises(AppError) as raised:
        client.predict(question, history, api_name="/answer")
    assert str(raised.value) == message  # the message alone: no traceback, no exception name


def _call(base: str, body: dict, route: str = "call/answer") -> tuple[str, object]:
    """Gradio's two-step protocol, as curl does it: POST the inputs, then read the event stream."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"{base}gradio_api/{route}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with opener.open(request, timeout=30) as response:
        event_id = json.loads(response.read())["event_id"]
    with opener.open(f"{base}gradio_api/call/answer/{event_id}", timeout=60) as response:
        stream = response.read().decode("utf-8")
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", stream, flags=re.MULTILINE)
    event, payload = events[-1]
    return event, json.loads(payload)


def test_the_two_step_http_protocol_returns_the_answer_and_plain_errors(app):
    event, payload = _call(app, {"data": [JUNIOR, None]})
    assert event == "complete" and payload[0]["answered"] and payload[0]["citations"][0]["number"] == 1
    event, payload = _call(app, {"question": JUNIOR}, route="call/v2/answer")  # named inputs; history optional
    assert event == "complete" and "8–12 LPA" in payload[0]["text"]
    event, payload = _call(app, {"data": ["x" * 3000, None]})
    assert event == "error" and payload["error"] == "The question is 3,000 characters long; the limit is 2,000. Please shorten it."
    assert "Traceback" not in json.dumps(payload)


def test_the_api_listing_shows_answer_and_none_of_the_page_handlers(client, app):
    listing = client.view_api(return_format="dict", print_info=False)
    assert set(listing["named_endpoints"]) == {"/answer"} and listing["unnamed_endpoints"] == {}
    params = [p["parameter_name"] for p in listing["named_endpoints"]["/answer"]["parameters"]]
    assert params == ["question", "history"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(app + "gradio_api/info", timeout=30) as response:
        info = json.loads(response.read())
    assert set(info["named_endpoints"]) == {"/answer"}
    assert "citations" in info["named_endpoints"]["/answer"]["description"]
    with opener.open(app + "gradio_api/openapi.json", timeout=30) as response:
        paths = set(json.loads(response.read())["paths"])
    assert "/gradio_api/call/v2/answer" in paths
    assert all(p == "/gradio_api/upload" or "/call/v2/answer" in p or "/call/answer/" in p for p in paths), paths


def test_a_program_asking_too_fast_gets_the_plain_message(bot, tmp_path):
    demo, url = _serve(bot, tmp_path, rate_limit=2)
    try:
        fast = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        for _ in range(2):
            assert fast.predict(JUNIOR, api_name="/answer")["answered"]
        # a new client is a new session, but the same address: the limit holds per address
        again = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        with pytest.raises(AppError, match=r"^That is more than 2 questions in 60 seconds; please wait"):
            again.predict(JUNIOR, api_name="/answer")
    finally:
        demo.close()


# -- the shared pieces, without a server --------------------------------------------------------


class _Contract:
    """A stream that follows the contract with an LLM: provisional Answer, pieces, final Answer."""

    def __init__(self):
        self.reached_llm = False

    def stream(self, question, history=None, scope=None, llm=None):
        yield Answer("Quoted [1].", [], True, question, question, final=False)
        self.reached_llm = True
        yield "Written "
        yield "[1]."
        yield Answer("Written [1].", [], True, question, question, backend="llm")


def test_answer_stream_passes_the_contract_through_when_a_slot_is_free():
    bot, slots = _Contract(), serving.LLMSlots(1)
    pieces = list(serving.answer_stream(bot, "q", llm="llm", slots=slots))
    assert [type(p).__name__ for p in pieces] == ["Answer", "str", "str", "Answer"]
    assert pieces[0].final is False and pieces[-1].final and pieces[-1].backend == "llm"
    assert slots.acquire(), "the slot is given back"


def test_answer_stream_gives_the_extractive_answer_when_the_llm_is_busy():
    bot, slots = _Contract(), serving.LLMSlots(1)
    assert slots.acquire()  # another question holds the only slot
    pieces = list(serving.answer_stream(bot, "q", llm="llm", slots=slots))
    assert len(pieces) == 2 and pieces[-1].final and pieces[-1].text == "Quoted [1]."
    assert pieces[-1].notice == serving.BUSY and not bot.reached_llm  # closed before the LLM was asked


def test_answer_for_program_checks_before_any_work():
    class Untouched:
        def stream(self, *args, **kwargs):
            raise AssertionError("the assistant should not be asked")

    from assistant import QuestionError
    from assistant.ratelimit import TooManyQuestions

    with pytest.raises(QuestionError, match="must be text"):
        serving.answer_for_program(Untouched(), 42)
    with pytest.raises(QuestionError, match="history must be a list"):
        serving.answer_for_program(Untouched(), "q", [["user", "hi"]])
    limit = RateLimit(limit=0)
    assert limit.allow("addr:x")  # 0 is no limit
    with pytest.raises(TooManyQuestions):
        serving.answer_for_program(Untouched(), "q", client="addr:x", rate_limit=_Spent())


class _Spent(RateLimit):
    def allow(self, key):
        return False


def test_the_rate_limit_key_is_the_address_the_nearest_proxy_saw():
    assert serving.client_address("203.0.113.9", "6.6.6.6") == "addr:203.0.113.9"  # no proxy: the header is ignored
    assert serving.client_address("10.1.2.3", "6.6.6.6, 198.51.100.4") == "addr:198.51.100.4"
    assert serving.client_address("127.0.0.1", None) == "addr:127.0.0.1" and serving.client_address(None) is None


@pytest.mark.parametrize("module", ["serving", "ui"])
def test_docstring_examples(module):
    import importlib

    assert doctest.testmod(importlib.import_module(f"assistant.{module}")).failed == 0
