"""The LLM path through Assistant: faults end in the extractive answer, refusals never reach the LLM,
and a follow-up condensed badly by a small model falls back to the rewrite made without one."""

from __future__ import annotations

import pytest

from assistant import Assistant

from .conftest import indexed_bot
from .llm_servers import FaultServer

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("llm-bot")
    indexed_bot(base)
    return base


def _bot(folders, monkeypatch, url):
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123")
    return Assistant(corpus_dir=folders / "corpus", index_dir=folders / "index", llm="openai:any")


def test_an_http_error_ends_in_the_extractive_answer_with_a_notice(folders, monkeypatch):
    with FaultServer() as faults:
        answer = _bot(folders, monkeypatch, faults.url("error500")).ask("How much do mid-level ML engineers earn?")
    assert answer.answered and "15–25 LPA" in answer.text and answer.citations
    assert answer.notice and "extractive" in answer.notice
    assert "sk-test-secret-123" not in answer.notice + str(answer.verification)


def test_a_parroted_condensed_question_is_not_used(folders, monkeypatch):
    history = [{"role": "user", "content": "What do junior ML engineers earn?"},
               {"role": "assistant", "content": "₹8,00,000 – ₹12,00,000 per annum [1]."}]
    with FaultServer(script="What do junior ML engineers earn?") as parrot:
        answer = _bot(folders, monkeypatch, parrot.url("scripted")).ask("And for seniors?", history=history)
    assert answer.query == "What do senior ML engineers earn?"
    assert "Senior/Lead" in answer.text and "Junior" not in answer.text


def test_a_refusal_never_calls_the_llm(folders, monkeypatch):
    with FaultServer() as faults:  # "hang" would take the full timeout if it were called
        bot = _bot(folders, monkeypatch, faults.url("hang"))
        bot.settings = bot.settings.replace(llm_timeout=60)
        answer = bot.ask("What is the notice period at Swiggy?")
    assert not answer.answered and answer.citations == [] and not answer.notice
    assert answer.verification is None  # generate_answer would have recorded {"status": "skipped"}


def test_the_llms_refusal_names_the_sections_nearest_the_question(folders, monkeypatch):
    """The model's fixed phrase is a refusal that names the sections nearest to the question,
    ordered as the extractive refusal orders them (refusals.nearest_topics), not the first
    sections of the guide."""
    from assistant.prompting import REFUSAL

    with FaultServer(script=REFUSAL) as server:
        answer = _bot(folders, monkeypatch, server.url("scripted")).ask("Should I build end-to-end projects with FastAPI and Docker?")
    assert not answer.answered and answer.verification["status"] == "declined"
    assert answer.topics[0] == "How to Stand Out" and "The nearest they come: How to Stand Out" in answer.text


def test_a_backend_can_be_picked_per_question(folders, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    bot = Assistant(corpus_dir=folders / "corpus", index_dir=folders / "index")  # extractive by default
    assert bot.backends()[0] == "extractive"
    with FaultServer() as faults:
        monkeypatch.setenv("OPENAI_BASE_URL", faults.url("error500"))
        picked = bot.ask("How much do mid-level ML engineers earn?", llm="openai:any")
        default = bot.ask("How much do mid-level ML engineers earn?")
    assert picked.notice and "extractive" in picked.notice  # the LLM was tried, failed, fell back
    assert not default.notice and default.text == picked.text


@pytest.mark.qwen
def test_the_bundled_model_answers_through_the_assistant(folders, monkeypatch):
    """The stream contract with the real local model: provisional extractive answer, the model's
    pieces, then its verified answer (or the fallback with a notice saying why)."""
    from assistant import local_model

    if not local_model.installed():
        pytest.skip("needs the local-llm extra")
    bot = Assistant(corpus_dir=folders / "corpus", index_dir=folders / "index", llm="llama-cpp")
    bot.settings = bot.settings.replace(llm_timeout=300)  # a busy 2-core machine reads prompts slowly
    out = list(bot.stream("Which vector databases are mentioned?"))
    first, pieces, final = out[0], out[1:-1], out[-1]
    assert first.final is False and first.answered and "Pinecone" in first.text
    assert pieces and all(isinstance(p, str) for p in pieces)
    status = final.verification["status"]
    assert final.final and final.notice or status == "verified"
    if status == "declined":  # the model found no answer: a refusal, saying why
        assert not final.answered and not final.citations
    else:  # its verified answer, or the quoted one with a notice saying why
        assert final.answered and "Pinecone" in final.text and "Milvus" in final.text
        assert status == "fallback" or final.backend == "llama-cpp:qwen"
