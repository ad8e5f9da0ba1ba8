"""grounding.verify on passages built by hand from the guide's real lines."""

from __future__ import annotations

import pytest

from assistant.grounding import markers, quotes_for, split_sentences, strip_markers, verify
from assistant.schema import Passage
from tests.conftest import GUIDE


def guide_passage(first_line: str, lines: int, section: str) -> Passage:
    """The `lines` lines of the guide starting with the line that begins `first_line`."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n" + first_line) + 1
    end = start
    for _ in range(lines):
        nl = text.find("\n", end + 1)
        end = len(text) if nl == -1 else nl
    return Passage(id=section, text=text[start:end], source=GUIDE.name, section=section,
                   start=start, end=end)


@pytest.fixture(scope="module")
def salary() -> Passage:
    return guide_passage("Due to the specialized", 4, "Salary Expectations for ML Engineers")


@pytest.fixture(scope="module")
def skills() -> Passage:
    return guide_passage("- Programming:", 5, "Top Skills Demanded by Employers")


@pytest.fixture(scope="module")
def bangalore() -> Passage:
    return guide_passage("The undisputed leader", 1, "Where are the ML Jobs? > Bangalore")


@pytest.fixture(scope="module")
def hyderabad_pune() -> Passage:
    return guide_passage("Enterprise data science", 1, "Where are the ML Jobs? > Hyderabad & Pune")


def test_passages_are_the_guides_lines(salary, skills):
    text = GUIDE.read_text(encoding="utf-8")
    assert text[salary.start:salary.end] == salary.text
    assert "₹8,00,000 – ₹12,00,000" in salary.text and "20-30% premium" in salary.text
    assert skills.text.startswith("- Programming: Python remains king")


def test_unsupported_salary_sentence_is_dropped(salary):
    clean, order, report = verify(
        "Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]. Juniors earn 90 LPA [1].", [salary])
    assert clean == "Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]."
    assert order == [0]
    assert report["dropped_sentences"] == [
        {"sentence": "Juniors earn 90 LPA.", "reason": "unsupported figure 90 LPA"}]
    assert (report["kept"], report["dropped"]) == (1, 1)


def test_figure_in_other_notation_is_kept(salary):
    text = "A junior earns ₹8,00,000 – ₹12,00,000 (8–12 LPA) [1]. Mid-level pay is 15-25 lakh [1]."
    clean, order, report = verify(text, [salary])
    assert clean == text
    assert report == {"removed_markers": [], "dropped_sentences": [], "recited_sentences": [], "kept": 2, "dropped": 0}


def test_invalid_marker_is_removed_and_valid_one_kept(salary, skills):
    clean, order, report = verify("Python remains king [2][7].", [salary, skills])
    assert clean == "Python remains king [1]."
    assert order == [1]
    assert report["removed_markers"] == [7]


def test_sentence_with_only_an_invalid_marker_is_dropped(salary):
    clean, order, report = verify("Rust is requested [7]. Pay has a 20-30% premium [1].", [salary])
    assert clean == "Pay has a 20-30% premium [1]."
    assert report["removed_markers"] == [7]
    assert report["dropped_sentences"] == [{"sentence": "Rust is requested.", "reason": "no citation"}]


def test_sentence_without_marker_is_dropped(skills):
    clean, _, report = verify("Here is what I found:\n- PyTorch leads new projects [1].", [skills])
    assert clean == "- PyTorch leads new projects [1]."
    assert report["dropped_sentences"] == [{"sentence": "Here is what I found:", "reason": "no citation"}]


def test_markers_are_renumbered_by_first_use(salary, skills):
    text = "PyTorch has overtaken TensorFlow [2]. The premium is 20-30% [1]. Docker is critical [2]."
    clean, order, _ = verify(text, [salary, skills])
    assert clean == "PyTorch has overtaken TensorFlow [1]. The premium is 20-30% [2]. Docker is critical [1]."
    assert order == [1, 0]


def test_figure_must_be_in_a_passage_the_sentence_cites(salary, skills):
    # 20-30% is in the salary passage, but the sentence cites only the skills passage: it ends
    # up citing the salary passage, the one that holds it, or nothing.
    clean, order, report = verify("ML engineers earn a 20-30% premium [2].", [salary, skills])
    assert clean == "ML engineers earn a 20-30% premium [1]." and order == [0]
    assert report["recited_sentences"][0]["reason"] == "unsupported figure 20-30%"
    clean, order, report = verify("ML engineers earn a 20-30% premium [1].", [skills])
    assert clean == "" and order == []
    assert report["dropped_sentences"][0]["reason"] == "unsupported figure 20-30%"


def test_a_made_up_figure_for_a_place_of_the_question_that_the_passage_lacks_says_so(salary):
    """The reason names the place first: generation reads it as "the passages hold no answer"."""
    question = "What do junior ML engineers in Ahmedabad earn?"
    _, _, report = verify("Junior ML engineers in Ahmedabad earn 62.5 LPA [1].", [salary], question)
    assert report["dropped_sentences"][0]["reason"] == (
        "names ahmedabad, which the cited passage does not; unsupported figure 62.5 LPA")
    _, _, report = verify("Junior ML engineers earn 62.5 LPA [1].", [salary], question)
    assert report["dropped_sentences"][0]["reason"] == "unsupported figure 62.5 LPA"


def test_wrong_percentage_is_dropped(salary):
    _, _, report = verify("The premium is 45% [1].", [salary])
    assert report["dropped_sentences"][0]["reason"] == "unsupported figure 45%"


def test_comma_list_marker_and_marker_after_full_stop(salary, skills):
    clean, order, _ = verify("Python remains king. [2] Seniors earn 30-60 lakh [2, 1].",
                             [salary, skills])
    assert clean == "Python remains king. [1] Seniors earn 30-60 lakh [1][2]."
    assert order == [1, 0]


def test_sentence_splitting_keeps_list_numbers_and_abbreviations():
    units = split_sentences("1. Learn Docker, e.g. for serving [1]. Then Kubernetes [2].\n- MLflow [1]")
    assert [s for _, s in units] == [
        "1. Learn Docker, e.g. for serving [1].", "Then Kubernetes [2].", "- MLflow [1]"]
    assert markers("a [2] b [1, 3]") == [2, 1, 3]
    assert strip_markers("Python [1] is king [2].") == "Python is king."


def test_cited_sentence_unrelated_to_its_passage_is_dropped(salary):
    # A small model may repeat the prompt's worked example, marker and all.
    clean, _, report = verify("A library card is free for residents [1]. Juniors earn 8-12 LPA [1].",
                              [salary])
    assert clean == "Juniors earn 8-12 LPA [1]."
    assert report["dropped_sentences"] == [{"sentence": "A library card is free for residents.",
                                            "reason": "words not in the cited passage"}]


def test_sentence_restating_the_question_is_dropped(salary):
    question = "What is the salary range for a junior ML engineer in India?"
    text = "The salary range for a junior ML engineer in India is [1]. It is 8-12 LPA [1]."
    clean, _, report = verify(text, [salary], question)
    assert clean == "It is 8-12 LPA [1]."
    assert report["dropped_sentences"][0]["reason"] == "restates the question"
    # Without the question the first sentence still goes: the passage never names India.
    assert verify(text, [salary])[2]["dropped_sentences"][0]["reason"].startswith("names india")


def test_quotes_are_the_passage_sentences_used(salary):
    quotes = quotes_for(["Mid-level engineers earn 15-25 LPA [1]."], salary.text)
    assert quotes == ["- Mid-Level ML Engineer (3-5 years): ₹15,00,000 – ₹25,00,000 per annum"]


# --- meaning: a claim, and the claim its passage makes ------------------------------------

WHERE = "Where are the most ML openings?"


def _reasons(report) -> list[str]:
    return [d["reason"] for d in report["dropped_sentences"]]


def test_a_list_of_names_with_markers_is_not_a_claim(bangalore, hyderabad_pune):
    clean, _, report = verify("Hyderabad & Pune [1]. Bangalore [2].", [hyderabad_pune, bangalore], WHERE)
    assert clean == ""
    assert [r.startswith("not a claim:") for r in _reasons(report)] == [True, True]


def test_a_copied_heading_or_a_question_is_not_a_claim(salary):
    clean, _, report = verify("Salary Expectations for ML Engineers [1]. What do juniors earn? [1] "
                              "Juniors earn 8-12 LPA [1].", [salary])
    assert clean == "Juniors earn 8-12 LPA [1]."
    assert _reasons(report) == ["not a claim: a heading", "not a claim: a question"]


def test_a_bare_figure_is_not_a_claim():
    # "9.3% [1]" for "YoY change?": the share, not the change; no word says which it is
    table = Passage("t", "Sector: Healthcare and pharma | Share of ML postings: 9.3% | YoY change: +37.8%",
                    "report.pdf", "Hiring by sector")
    clean, _, report = verify("9.3% [1]. Healthcare and pharma has a 9.3% share of ML postings [1].", [table])
    assert clean == "Healthcare and pharma has a 9.3% share of ML postings [1]."
    assert _reasons(report) == ["not a claim: a figure without a statement"]


def test_a_sentence_or_row_copied_from_its_passage_is_kept():
    faq = Passage("f", "Start with PyTorch. It is the default in research.", "faq.md", "Should I learn TensorFlow or PyTorch?")
    rounds = Passage("r", "Company type: Global capability centre (GCC) | Number of rounds: 4–5 rounds | "
                     "Typical total duration: 5–6 hours | Usual first round: Recruiter screen", "h.md", "Interview rounds")
    text = ("Start with PyTorch [1]. Company type: Global capability centre (GCC) | Number of rounds: 4–5 rounds | "
            "Typical total duration: 5–6 hours [2]. Company type: Global capability centre (GCC) | "
            "Number of rounds: 5–6 hours [2].")
    clean, _, report = verify(text, [faq, rounds], "tensorflow ya pytorch? and for a GCC, how many rounds?")
    # the copies say what their passages say; cells put under another column are no copy
    assert report["kept"] == 2 and report["dropped"] == 1
    assert clean.startswith("Start with PyTorch [1]. Company type: Global capability centre (GCC)")


def test_a_wh_question_heading_says_what_its_lines_are_about():
    cutoffs = Passage("c", "- Product companies: usually 7.5.\n- Global capability centres (GCCs): usually 7.0.",
                      "faq.md", "Before the season > What CGPA cut-off should I expect?")
    clean, _, _ = verify("GCCs usually have a CGPA cut-off of 7.0 [1].", [cutoffs], "CGPA cutoff for GCCs?")
    assert clean == "GCCs usually have a CGPA cut-off of 7.0 [1]."
    # a yes/no heading asserts nothing its lines may deny, and a relation word of a heading is not lent
    yes_no = Passage("y", "- Product companies: usually 7.5.", "faq.md", "Is a CGPA cut-off required?")
    assert verify("Product companies require a CGPA cut-off of 7.5 [1].", [yes_no])[0] == ""
    most = Passage("m", "- Pune: 18.6 LPA.\n- Kochi: 14.5 LPA.", "s.md", "Which city pays the most?")
    assert verify("Pune pays the most, 18.6 LPA [1].", [most])[0] == ""


def test_the_most_must_be_said_of_the_thing_the_sentence_names(bangalore, hyderabad_pune, skills):
    text = "Bangalore [1] and Pune [2] have the most ML jobs [3]. Bangalore pays the most [1]."
    clean, _, report = verify(text, [bangalore, hyderabad_pune, skills], WHERE)
    assert clean == "Bangalore pays the most [1]."
    assert _reasons(report) == ["says 'most' of bangalore, ml, pune, which no cited sentence does"]


def test_a_relation_with_a_direction_must_keep_it(skills):
    clean, _, report = verify("TensorFlow has overtaken PyTorch in new projects [1]. "
                              "PyTorch has overtaken TensorFlow in job listings [1].", [skills])
    assert clean == "PyTorch has overtaken TensorFlow in job listings [1]."
    assert _reasons(report) == ["reverses 'overtake' between what it compares"]


def test_a_figure_must_stand_with_the_level_it_belongs_to(salary):
    clean, _, report = verify("Senior ML engineers earn ₹8,00,000 – ₹12,00,000 per annum [1]. "
                              "Junior ML engineers earn ₹8,00,000 – ₹12,00,000 per annum [1].", [salary])
    assert clean == "Junior ML engineers earn ₹8,00,000 – ₹12,00,000 per annum [1]."
    assert _reasons(report)[0].startswith("puts ₹8,00,000 – ₹12,00,000 with ml, senior")


def test_a_named_thing_the_passage_lacks_is_dropped(bangalore):
    question = "What is the notice period at Swiggy?"
    clean, _, report = verify("Swiggy is a unicorn in Bangalore [1]. Bangalore hosts unicorns like "
                              "Flipkart and Microsoft [1].", [bangalore], question)
    assert clean == "Swiggy is a unicorn in Bangalore [1]."
    assert _reasons(report) == ["names microsoft, which the cited passage does not"]


def test_a_negation_the_passage_lacks_is_dropped(skills):
    clean, _, report = verify("Python is not king for these roles [1]. Python remains king [1].", [skills])
    assert clean == "Python remains king [1]."
    assert "'not'" in _reasons(report)[0]


def _passage(text: str, section: str = "", source: str = "doc.md") -> Passage:
    return Passage(section or "p", text, source, section)


def test_a_claim_stitched_from_two_sentences_is_dropped():
    stand_out = guide_passage("The market is saturated", 1, "How to Stand Out")
    clean, _, report = verify("Basic data science courses are enough to land the high-paying roles [1]. "
                              "To land the high-paying roles, you must demonstrate engineering rigor [1].", [stand_out])
    assert clean == "To land the high-paying roles, you must demonstrate engineering rigor [1]."
    assert _reasons(report)[0].startswith("no cited sentence says this")


def test_a_claim_about_another_kind_of_employer_or_role_is_dropped():
    coding = _passage("Dynamic programming comes up mostly at product MNCs.", "Round-by-round preparation > 1. Coding round")
    clean, _, report = verify("Dynamic programming comes up mostly at early-stage startups [1]. "
                              "Dynamic programming comes up mostly at product MNCs [1].", [coding])
    assert clean == "Dynamic programming comes up mostly at product MNCs [1]."
    assert _reasons(report) == ["says it of startup, which no cited sentence speaks of"]
    # a role only the document's title names is not what the cited sentence is about
    gap = Passage("p", "Backend engineers often underestimate this part.", "switch.txt", "The skills gap",
                  title="From Data Scientist or Software Engineer to ML Engineer")
    clean, _, report = verify("Data scientists often underestimate this part [1].", [gap])
    assert clean == "" and "data" in _reasons(report)[0]


def test_a_claim_that_drops_the_passages_not_is_dropped():
    mlops = _passage("You do not need a job title to get MLOps experience. Set up experiment tracking with MLflow.")
    clean, _, report = verify("You need an MLOps job title to get MLOps experience [1]. "
                              "You can set up experiment tracking with MLflow [1].", [mlops])
    assert clean == "You can set up experiment tracking with MLflow [1]."
    assert _reasons(report) == ["drops the cited sentence's 'not'"]


def test_figures_swapped_between_their_words_are_dropped():
    internal = _passage("Of the 31 switchers I have mentored, 19 moved into ML engineering inside their own company first.")
    clean, _, report = verify("Of the 19 switchers the author mentored, 31 moved inside their own company first [1]. "
                              "19 of the 31 switchers moved into ML engineering inside their own company [1].", [internal])
    assert clean == "19 of the 31 switchers moved into ML engineering inside their own company [1]."
    assert _reasons(report) == ["puts 19 where the cited passage puts 31"]


def test_what_a_passage_says_of_one_subject_is_not_moved_to_another():
    hikes = _passage("Respondents who switched jobs in the last year reported a median hike of 32%, "
                     "against 9% for those who stayed with the same company.")
    text = ("Respondents who stayed with the same company reported a median hike of 32% [1]. "
            "Those who stayed with the same company reported a median hike of 9% [1].")
    clean, _, report = verify(text, [hikes])
    assert clean == "Those who stayed with the same company reported a median hike of 9% [1]."
    assert _reasons(report)[0].startswith("gives what the cited sentence says of")
    weekly = _passage("Students and people between jobs can aim for 25 to 30 hours a week.", "Weekly time")
    clean, _, _ = verify("Working professionals can aim for 25 to 30 hours a week [1]. "
                         "Students can aim for 25 to 30 hours a week [1].", [weekly])
    assert clean == "Students can aim for 25 to 30 hours a week [1]."


@pytest.mark.parametrize("module", ["wording", "claims", "relations", "agreement", "binding", "anchoring"])
def test_the_verifier_modules_worked_examples(module):
    import doctest
    import importlib

    assert doctest.testmod(importlib.import_module(f"assistant.{module}")).failed == 0


# --- anchoring: one cited statement must back everything a clause says ---------------------

def _kept(text: str, *passages: Passage) -> bool:
    return verify(text, list(passages))[2]["kept"] == 1


def test_a_clause_is_held_by_one_statement_not_by_words_from_two():
    """A sentence that turns to another subject ("while ...") is two statements: a claim taking
    its subject from one and its predicate from the other has no anchor."""
    growth = _passage("Product companies and GCCs added roles quickly, while IT services firms hired more "
                      "cautiously and edtech shrank.", "Executive summary")
    assert _kept("Product companies and GCCs added roles quickly [1].", growth)
    assert not _kept("IT services firms added roles quickly [1].", growth)
    # "but" before the same subject goes on with it: the figure stays with its statement
    outlook = _passage("We expect postings to keep growing in 2026 and 2027, but more slowly, at 15% to 20% a year.",
                       "Outlook")
    assert _kept("Postings are expected to keep growing at 15% to 20% a year in 2026 [1].", outlook)


def test_every_relation_and_number_word_of_a_clause_is_in_its_anchor():
    row = Passage("r", "Company type: IT services (TCS, Infosys) | Typical pay band (3–5 yrs): ₹9–17 LPA",
                  "employers.md", "Company type vs pay")
    assert _kept("IT services (TCS, Infosys) pay ₹9–17 LPA at 3–5 years [1].", row)
    assert not _kept("IT services (TCS, Infosys) pay the most, at ₹9–17 LPA [1].", row)
    project = _passage("One project done this way is worth more than five Kaggle notebooks.", "Step 2")
    assert _kept("One project done this way is worth more than five Kaggle notebooks [1].", project)
    assert not _kept("One project done this way is worth more than ten Kaggle notebooks [1].", project)


def test_a_table_figure_comes_from_its_own_cell_or_a_column_describing_the_row():
    """A column headed by a level or a kind of employer binds its figure to that level or kind;
    one like "Openings" or "Salary range" describes the whole row."""
    notice = Passage("n", "Level: Entry level (0-2 years) | Startup: 15 days | Product company: 30 days | "
                     "IT services: 60 days", "offer.docx", "Notice periods")
    assert _kept("Startups have a 15-day notice period for entry-level engineers [1].", notice)
    assert not _kept("Startups have a 60-day notice period for entry-level engineers [1].", notice)
    opening = Passage("o", "Company: Kaveri Fintech | City: Hyderabad | Role: ML Engineer - Fraud Detection | "
                      "Openings: 4 | Salary range (LPA): 16-26 | Work mode: Hybrid", "openings.csv")
    assert _kept("Kaveri Fintech in Hyderabad is hiring 4 ML Engineers for fraud detection, paying 16-26 LPA [1].",
                 opening)
    # among several such columns, the figure's own header must be said with it
    city = Passage("c", "City: Delhi NCR | 0–2 years: 10.6 LPA | 3–5 years: 20.7 LPA | 6–9 years: 35.2 LPA",
                   "survey.pdf", "Median CTC for ML engineers by city (₹ LPA)")
    assert _kept("ML engineers in Delhi NCR with 0-2 years earn a median of 10.6 LPA [1].", city)
    assert not _kept("The median CTC for ML engineers in Delhi NCR is 10.6 LPA [1].", city)
    rounds = Passage("m", "Company type: Product MNC | Number of rounds: 5–6 rounds | Typical total duration: "
                     "6–7 hours", "handbook.md", "Interview rounds by company type")
    assert _kept("Product MNCs have 5–6 rounds lasting 6–7 hours in total [1].", rounds)
    assert not _kept("Product MNCs have 6 to 7 interview rounds [1].", rounds)


def test_a_title_lends_no_subject_and_no_name_it_lists_with_others():
    weekly = Passage("w", "Students and people between jobs can aim for 25 to 30 hours a week.",
                     "roadmap.md", "Weekly time", title="The ML Engineer Roadmap for Working Professionals")
    assert not _kept("Working professionals can aim for 25 to 30 hours a week [1].", weekly)
    assert _kept("The roadmap says students can aim for 25 to 30 hours a week [1].", weekly)
    flipkart = Passage("f", "- **Flipkart** — search ranking and pricing models; about 450 ML and data staff.",
                       "employers.md", "Consumer internet", title="ML Employers in Bangalore and Hyderabad")
    assert not _kept("Flipkart has about 450 ML and data staff in Hyderabad [1].", flipkart)


def test_a_negation_is_kept_only_where_the_anchor_denies_the_same_thing():
    row = Passage("r", "Company: Finvolve | Role: Senior Data Scientist | Work mode: Remote | Status: Not applied",
                  "openings.csv")
    assert _kept("Finvolve is hiring a remote Senior Data Scientist [1].", row)
    assert not _kept("Finvolve is not hiring a remote Senior Data Scientist [1].", row)
    certs = _passage("Product companies rarely look at them.", "Online certifications")
    assert _kept("Product companies rarely look at online certifications [1].", certs)


def test_a_level_listed_after_and_takes_the_claim_before_it():
    notice = Passage("n", "Level: Entry level (0-2 years) | IT services: 60 days\n"
                     "Level: Mid level (3-5 years) | IT services: 90 days\n"
                     "Level: Senior (6-9 years) | IT services: 90 days", "offer.docx", "Notice periods")
    assert _kept("IT services firms have a 90-day notice period for mid-level and senior engineers [1].", notice)
    assert not _kept("IT services firms have a 90-day notice period for mid-level and entry-level engineers [1].",
                     notice)


# --- the labelled sets --------------------------------------------------------------------

def _labelled(name: str = "sentences") -> list[dict]:
    from tests.conftest import DATA, load_jsonl

    return load_jsonl(DATA / "verifier" / f"{name}.jsonl")


def _cited(item: dict) -> list[Passage]:
    """The item's passages as a list where [n] is passage n (numbers it doesn't cite are empty)."""
    cited = {int(n): p for n, p in item["passages"].items()}
    return [Passage(f"p{n}", cited[n]["text"], cited[n]["source"], cited[n]["section"], title=cited[n]["title"])
            if n in cited else Passage(f"empty{n}", "", "") for n in range(1, max(cited, default=0) + 1)]


@pytest.mark.parametrize("name, least", [("sentences", 150), ("heldout", 100)])
def test_the_labelled_set_is_whole(name, least):
    items = _labelled(name)
    assert len(items) >= least and len({i["id"] for i in items}) == len(items)
    assert {i["label"] for i in items} == {"good", "bad"}
    assert all(i["label"] == "good" or i["failure"] for i in items)  # every bad one says how it is bad
    for item in items:
        assert set(map(str, markers(item["sentence"]))) >= set(item["passages"]), item["id"]


def test_the_held_out_set_is_written_over_passages_the_tuning_set_does_not_cite():
    items = _labelled("heldout")
    assert all(i["id"].startswith("h-") and i["origin"] == "written" for i in items)
    tuning = {p["text"] for i in _labelled() for p in i["passages"].values()}
    shared = [i["id"] for i in items if tuning & {p["text"] for p in i["passages"].values()}]
    assert len(shared) <= 0.02 * len(items), shared  # two sentences on the guide's salary list


def test_a_true_sentence_with_the_wrong_number_cites_the_one_passage_that_holds_it(salary, skills):
    """Small models number passages wrongly; the sentence is re-cited only when exactly one
    other passage passes every check, so what is kept is still held to what it cites."""
    clean, order, report = verify("Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]. Python is king [2].",
                                  [skills, salary])
    assert clean == "Juniors earn ₹8,00,000 – ₹12,00,000 per annum [1]. Python is king [2]."
    assert order == [1, 0] and report["recited_sentences"][0]["to"] == 2
    # a sentence no passage holds is still dropped
    _, _, report = verify("Juniors earn 90 LPA [1].", [skills, salary])
    assert report["kept"] == 0 and not report["recited_sentences"]


def test_a_figure_is_bound_to_its_own_cell_and_its_own_part():
    row = Passage("r", "Company: Brightloop SaaS | City: Bangalore | Role: ML Platform Engineer | "
                  "Salary range (LPA): 30-42 | Notes: Offer: 36 LPA fixed + ESOPs", "openings.csv")
    assert verify("Brightloop SaaS offered 36 LPA fixed [1].", [row])[2]["kept"] == 1
    assert verify("Brightloop SaaS offered 42 LPA fixed [1].", [row])[2]["kept"] == 0
    skills_text = Passage("s", "Experience with vector databases was requested in 18% of postings, and "
                          "fine-tuning or RAG experience in 34%, up from 12% a year earlier.", "report.pdf")
    assert verify("Fine-tuning or RAG experience was requested in 34% of postings [1].", [skills_text])[2]["kept"] == 1
    assert verify("Fine-tuning or RAG experience was requested in 18% of postings [1].", [skills_text])[2]["kept"] == 0


def test_an_and_the_passage_writes_does_not_cut_the_claim():
    week = Passage("w", "On my team a typical week looks roughly like this:\n"
                   "- About 30% building and maintaining training and feature pipelines\n"
                   "- About 25% on serving, latency and cost work", "guide.md", "What an ML engineer does all day")
    text = "The time spent on building and maintaining training and feature pipelines is about 30% [1]."
    assert verify(text, [week])[2]["kept"] == 1


@pytest.mark.parametrize("name, most_bad_kept, least_recall", [
    ("sentences", 0.02, 0.95),  # the set the rules were corrected against
    ("heldout", 0.09, 0.88),  # written and labelled before them (its odd half seen since): see its README
])
def test_the_verifier_keeps_few_bad_sentences_and_most_good_ones(name, most_bad_kept, least_recall):
    """Measured with benchmarks/verifier_eval.py; the bounds sit just outside today's figures."""
    items = _labelled(name)
    kept = [verify(i["sentence"], _cited(i), i["question"])[2]["kept"] == 1 for i in items]
    good = [i["label"] == "good" for i in items]
    bad_kept = sum(k and not g for k, g in zip(kept, good))
    assert bad_kept / sum(kept) <= most_bad_kept, bad_kept
    assert sum(k and g for k, g in zip(kept, good)) / sum(good) >= least_recall
