"""Answers over the guide: the API contract, quality on the dev and held-out sets, grounding, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from assistant import Answer, Citation, QuestionError
from assistant.evaluation import evaluate
from assistant.figures import unsupported_figures

from .conftest import DATA, DEV, ROOT, load_jsonl


@pytest.fixture(scope="module")
def dev_report(guide_bot):
    return evaluate(guide_bot, load_jsonl(DEV))


@pytest.fixture(scope="module")
def heldout_report(guide_bot):
    return evaluate(guide_bot, load_jsonl(DATA / "heldout.jsonl"))


def test_api_contract(guide_bot):
    answer = guide_bot.ask("How much do mid-level ML engineers earn?")
    assert isinstance(answer, Answer) and answer.answered
    assert answer.query == "How much do mid-level ML engineers earn?"
    assert all(isinstance(c, Citation) for c in answer.citations)
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert markers and sorted(set(markers)) == list(range(1, len(answer.citations) + 1))
    first = answer.citations[0]
    assert first.number == 1 and first.source == "ml-engineer-jobs-india.txt"
    assert first.section == "Salary Expectations for ML Engineers"
    assert "₹15,00,000 – ₹25,00,000" in first.text and first.end > first.start and first.page is None
    assert "15–25 LPA" in answer.text  # the LPA reading of the Indian-notation figure
    assert any("Mid-Level" in q for q in first.quotes)


def test_citations_numbered_by_first_use_and_only_cited_listed(guide_bot):
    answer = guide_bot.ask("Which MLOps and cloud tools do employers want?")
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    first_use = list(dict.fromkeys(numbers))
    assert first_use == list(range(1, len(first_use) + 1))
    assert len(answer.citations) == len(first_use)
    assert {"MLflow", "SageMaker"} <= set(re.findall(r"\w+", answer.text))


def test_dev_set_targets(dev_report):
    m = dev_report.metrics()
    assert m["hit@1"] >= 0.90 and m["hit@3"] >= 0.95, m
    assert m["correct"] >= 0.90 and m["refusal"] >= 0.90, m
    assert m["follow_up"] == 1.0, [(r.id, r.query, r.text) for r in dev_report.items if r.follow_up]


def test_heldout_questions_in_new_wording(heldout_report):
    m = heldout_report.metrics()
    wrong = [(r.id, r.question, r.text[:120]) for r in heldout_report.items if not r.correct]
    assert m["questions"] >= 40
    assert m["hit@1"] >= 0.90 and m["hit@3"] >= 0.95, (m, wrong)
    assert m["correct"] >= 0.90 and m["refusal"] >= 0.90, (m, wrong)


def test_no_answer_states_a_figure_absent_from_its_cited_passages(dev_report, heldout_report):
    for report in (dev_report, heldout_report):
        assert report.metrics()["unsupported_figures"] == 0
        assert all(r.citations_valid for r in report.items)


def test_extractive_answers_quote_cited_passages(guide_bot):
    for question in ("What do freshers earn?", "Which city leads for ML roles?", "How do I stand out?"):
        answer = guide_bot.ask(question)
        for citation in answer.citations:
            assert all(q in citation.text for q in citation.quotes)
        assert unsupported_figures(answer.text, [c.text for c in answer.citations]) == []


@pytest.mark.parametrize(
    "question,band",
    [("I have 8 years of experience, what can I earn?", "Senior/Lead"), ("salary for a fresher?", "Junior"),
     ("Is 20 LPA realistic for an ML engineer?", "Mid-Level"), ("pay with 4 yrs exp", "Mid-Level"),
     ("Can an ML engineer make 1.5 crore?", "Senior/Lead")],
)
def test_indian_salary_conventions(guide_bot, question, band):
    answer = guide_bot.ask(question)
    assert answer.answered and band in answer.text, answer.text


@pytest.mark.parametrize(
    "history,question,expect",
    [
        ([("user", "What do junior ML engineers earn?"), ("assistant", "₹8,00,000 – ₹12,00,000 [1].")], "And for seniors?", "Senior/Lead"),
        ([("user", "Why is Bangalore good for ML jobs?"), ("assistant", "It leads [1].")], "What about Pune?", "Hyderabad & Pune"),
        ([("user", "Tell me about Hyderabad"), ("assistant", "Enterprise teams [1].")], "which companies are there?", "Microsoft"),
        ([("user", "What do junior ML engineers earn?"), ("assistant", "8-12 LPA [1].")], "how about with 10 years?", "Senior/Lead"),
        ([("user", "How much do senior ML engineers earn?"), ("assistant", "30-60 LPA [1].")], "Is that more than backend developers?", "20-30% premium"),
        ([("user", "what companies hire in Bangalore?"), ("assistant", "Flipkart, Swiggy [1].")], "and in Hyderabad?", "Novartis"),
        ([("user", "What do junior ML engineers earn?"), ("assistant", "8-12 LPA [1].")], "ok and seniors?", "Senior/Lead"),
        ([("user", "What do junior ML engineers earn?"), ("assistant", "8-12 LPA [1].")], "seniors ko kitna milta hai?", "Senior/Lead"),
    ],
)
def test_follow_ups_use_the_history(guide_bot, history, question, expect):
    messages = [{"role": r, "content": c} for r, c in history]
    answer = guide_bot.ask(question, history=messages)
    assert answer.query != question and expect in answer.text, (answer.query, answer.text)


def test_refusal_cites_nothing_and_names_topics(guide_bot):
    answer = guide_bot.ask("What is the salary of an ML engineer in Chennai?")
    assert not answer.answered and answer.citations == [] and "[" not in answer.text
    assert "Chennai" in answer.text and "Salary Expectations for ML Engineers" in answer.text
    assert "Salary Expectations for ML Engineers" in answer.topics
    # the topics nearest to the question come first, in the text and in the options offered
    assert answer.topics[0] == "Salary Expectations for ML Engineers" and "The nearest they come: Salary Expectations" in answer.text


def test_stream_yields_pieces_then_the_answer(guide_bot):
    pieces = list(guide_bot.stream("Which vector databases are mentioned?"))
    assert isinstance(pieces[-1], Answer) and all(isinstance(p, str) for p in pieces[:-1])
    assert "".join(pieces[:-1]) == pieces[-1].text and len(pieces) > 2


@pytest.mark.parametrize("question", ["", "   \n\t ", "\x00\x01"])
def test_empty_question_is_a_clear_value_error(guide_bot, question):
    with pytest.raises(ValueError, match="empty"):
        guide_bot.ask(question)


def test_huge_question_is_refused_with_the_limit(guide_bot):
    with pytest.raises(QuestionError, match="2,000"):
        guide_bot.ask("salary " * 1000)


def test_control_characters_are_stripped(guide_bot):
    answer = guide_bot.ask("What do\x00 junior\x07 ML engineers\x1b earn?")
    assert answer.answered and "Junior" in answer.text and "\x00" not in answer.query


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True, timeout=240)


def test_cli_ask_json_and_errors(corpus, tmp_path):
    out = _cli("ask", "Which vector databases are mentioned?", "--json", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["answered"] and "Pinecone" in data["text"] and data["citations"][0]["number"] == 1
    bad = _cli("ask", "  ", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert bad.returncode == 2 and "empty" in bad.stderr and "Traceback" not in bad.stderr
    idx = _cli("index", "--corpus", str(corpus), "--index", str(tmp_path / "ix"), cwd=tmp_path)
    assert idx.returncode == 0 and "0 passages embedded" in idx.stdout


def test_default_ask_uses_corpus_and_index_settings(corpus, monkeypatch):
    import assistant.assistant as module

    monkeypatch.setattr(module, "_default", None)
    from assistant import ask

    answer = ask("Which vector databases are mentioned?")
    assert answer.answered and "Milvus" in answer.text
    assert (corpus.parent / "index" / "manifest.json").exists()  # ASSISTANT_INDEX_DIR points into tmp_path
    assert ROOT not in (corpus.parent / "index").parents


def test_question_about_a_whole_section_lists_its_items_in_order(guide_bot):
    answer = guide_bot.ask("What skills do employers want from ML engineers?")
    positions = [answer.text.find(w) for w in ("Python", "PyTorch", "Kubernetes", "SageMaker", "Pinecone")]
    assert -1 not in positions and positions == sorted(positions), answer.text
    assert len(answer.citations) == 5


def test_heading_with_sub_sections_gives_lead_in_and_each_sub_section(guide_bot):
    answer = guide_bot.ask("Where are the ML jobs?")
    assert answer.answered and "Bangalore" in answer.text and "Hyderabad & Pune" in answer.text, answer.text
    assert answer.text.splitlines()[0].startswith("While remote roles are plentiful")


def test_multi_part_question_answers_each_part(guide_bot):
    answer = guide_bot.ask("Which frameworks and cloud platforms are in demand?")
    assert "PyTorch" in answer.text and "SageMaker" in answer.text, answer.text


def test_greeting_points_to_the_topics_without_claiming_a_gap(guide_bot):
    answer = guide_bot.ask("hi")
    assert not answer.answered and "don't cover" not in answer.text
    assert "Salary Expectations for ML Engineers" in answer.text


@pytest.fixture(scope="module")
def crowded_bot(tmp_path_factory):
    """The guide plus the synthetic distractor documents on nearby topics."""
    from .conftest import indexed_bot

    return indexed_bot(tmp_path_factory.mktemp("crowded"), sorted((DATA / "distractors").iterdir()))


def test_a_question_about_ml_roles_is_not_answered_from_another_role_or_field(crowded_bot):
    refused = crowded_bot.ask("What is the notice period for ML jobs?")
    assert not refused.answered, refused.text  # the banking note covers notice periods, not ML roles
    other = crowded_bot.ask("What does a junior data engineer earn?")
    assert other.answered and other.citations[0].source == "data-engineer-salaries-india.txt", other.text
    ml = crowded_bot.ask("What does a junior ML engineer earn?")
    assert ml.citations[0].source == "ml-engineer-jobs-india.txt" and "8,00,000" in ml.text


def test_distractors_keep_dev_set_quality(crowded_bot):
    m = evaluate(crowded_bot, load_jsonl(DEV)).metrics()
    assert m["hit@1"] >= 0.90 and m["correct"] >= 0.90 and m["refusal"] >= 0.90, m


@pytest.mark.parametrize(
    "question,expect,absent",
    [
        ("Is 12 LPA good for a fresher ML engineer?", "Junior ML Engineer", "Mid-Level"),
        ("ML engineer ka salary 5 saal ke experience ke baad?", "Mid-Level", "Junior"),
        ("What does the guide say about remote work?", "remote roles are plentiful", "]:"),
    ],
)
def test_a_band_or_lead_in_answer_stays_to_the_point(guide_bot, question, expect, absent):
    answer = guide_bot.ask(question)
    assert expect in answer.text and absent not in answer.text, answer.text


def test_a_lead_in_among_the_lines_chosen_is_quoted_with_its_list(tmp_path):
    # the lines naming Python and SQL answer best; the lead-in that says what comes beyond them is
    # chosen third, and its list (what the question asks for) follows it, in order, with its colon
    from tests.conftest import notes_bot

    bot = notes_bot(tmp_path, {
        "tier2.md": "# ML jobs in tier-2 cities\n\n## Skills in demand\n\nPython and SQL appeared in almost every posting. "
                    "Beyond those, the most requested skills in tier-2 postings were:\n\n"
                    "- Computer vision for inspection and quality control: 19% of postings\n"
                    "- Document AI and OCR for insurance and lending records: 16%\n"
                    "- Time-series forecasting for demand and logistics: 13%\n",
        "report.md": "# Hiring report\n\n## Skills\n\nPython appeared in 91% of ML postings and SQL in 63%, making both baseline requirements.\n",
    })
    text = bot.ask("most requested skill in tier-2 ML postings apart from python and sql").text
    assert "Computer vision" in text and text.index("were") < text.index("Computer vision") < text.index("Document AI"), text
