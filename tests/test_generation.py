"""The answer flow's own judgments, without a model: off-the-question answers, framed claims, declines."""

from __future__ import annotations

from assistant.generation import _off_the_question
from assistant.replies import unframe, without_declines
from assistant.schema import Answer, Citation, Passage

HYD = Passage("hyd", "Enterprise ML teams are clustered here, offering excellent job security.", "g.txt",
              "Where are the ML Jobs? > Hyderabad & Pune")
BLR = Passage("blr", "Bangalore offers the highest density of opportunities.", "g.txt",
              "Where are the ML Jobs? > Bangalore")
QUOTED = Answer("Hyderabad & Pune: Enterprise ML teams are clustered here, offering excellent job security [1].",
                [Citation(1, "g.txt", HYD.section, HYD.text, 1.0, passage_id="hyd")], True, "q")


def test_an_answer_from_other_passages_that_misses_the_question_is_off_it():
    question = "hydrabad pune ml jobs good for job securty?"
    assert _off_the_question(question, "Bangalore offers the highest density of opportunities [1].", [BLR], QUOTED)
    # citing the passage the extractive answer quotes, or saying as much of the question, is on it
    assert not _off_the_question(question, "ML teams there offer excellent job security [1].", [HYD], QUOTED)
    assert not _off_the_question(question, "Pune ML jobs offer job security [1].", [BLR], QUOTED)
    # with no extractive answer there is nothing to compare with
    refused = Answer("The documents don't cover this.", [], False, "q")
    assert not _off_the_question(question, "Bangalore offers the highest density [1].", [BLR], refused)


def test_frames_come_off_and_declines_are_found():
    assert unframe("According to passage [2], juniors earn 8 LPA.") == "Juniors earn 8 LPA [2]."
    text, declined = without_declines("Pay is high [1]. The passages do not mention Chennai.")
    assert (text, declined) == ("Pay is high [1].", True)


def test_an_answer_made_only_of_what_no_passage_holds_means_there_is_nothing_to_answer():
    from assistant.generation import _nothing_to_answer

    absent = [{"reason": "names ahmedabad, which the cited passage does not"}]
    assert _nothing_to_answer("What is the median CTC in Ahmedabad?", absent)
    # a name the question does not ask about, an invented figure (the figure check also misses
    # notations) or any other failure is the model's or the checker's error, not the passages'
    assert not _nothing_to_answer("What is the median CTC?", absent)
    assert not _nothing_to_answer("Passing score?", [{"reason": "unsupported figure 70%"}])
    assert not _nothing_to_answer("Pay in Ahmedabad?", absent + [{"reason": "no citation"}])
    assert not _nothing_to_answer("Pay?", [])


def test_a_table_goes_to_the_model_as_the_rows_quoted_and_the_cells_of_the_years_asked():
    from assistant.excerpts import excerpt as _focused
    from assistant.query import build_query

    table = Passage("t", "Median CTC (LPA)\nCity: Pune | 0–2 years: 9.4 LPA | 3–5 years: 18.6 LPA\n"
                    "City: Hyderabad | 0–2 years: 10.9 LPA | 3–5 years: 21.2 LPA", "s.html", "Pay by city")
    row = "City: Hyderabad | 0–2 years: 10.9 LPA | 3–5 years: 21.2 LPA"
    quoted = Answer(f"{row} [1]", [Citation(1, "s.html", table.section, table.text, 1.0, quotes=[row],
                                            passage_id="t")], True, "q")
    sent = _focused(table, quoted, build_query("Hyderabad median at 3-5 years?"))
    assert sent.text == "Median CTC (LPA)\nCity: Hyderabad | 3–5 years: 21.2 LPA"
    assert (sent.id, sent.source, sent.section) == (table.id, table.source, table.section)
    # two spans asked: the row whole; no row quoted and no years asked: the passage as it is
    assert _focused(table, quoted, build_query("Hyderabad, 0-2 vs 3-5 years?")).text.endswith(row)
    assert _focused(table, Answer("No.", [], False, "q"), build_query("Pay in Pune?")) is table
    # a short passage of prose is never cut
    assert _focused(HYD, QUOTED, build_query("Hyderabad jobs for 3-5 years?")) is HYD


def test_long_prose_goes_to_the_model_as_the_units_quoted_and_those_nearest_the_question():
    from assistant.excerpts import excerpt
    from assistant.query import build_query

    text = ("Most loops in our sample had five rounds. The median time from the first recruiter call to a "
            "written offer was 19 days. That is a week faster than in 2024.\nTake-homes at seed companies run "
            "long, and some candidates spent a whole weekend on one. Recruiters usually call back within a "
            "week of the final interview. Offers are mostly made by phone before the letter arrives.")
    loop = Passage("loop", text, "c.md", "Interviews > The loop")
    no_answer = Answer("No.", [], False, "q")
    sent = excerpt(loop, no_answer, build_query("How long from recruiter call to offer?"))
    # the best unit keeps the sentence it refers back to ("That is ..."), lines stay lines
    assert sent.text.startswith("The median time from the first recruiter call to a written offer was 19 days. "
                                "That is a week faster than in 2024.")
    assert "Take-homes" not in sent.text and (sent.id, sent.section) == (loop.id, loop.section)
    # a unit the extractive answer quotes is kept too; the first passage sent, and one that shares
    # no word with the question, go whole
    quoted = Answer("Take-homes at seed companies run long [1].", [Citation(
        1, "c.md", loop.section, text, 1.0, quotes=["Take-homes at seed companies run long, and some candidates "
                                                   "spent a whole weekend on one."], passage_id="loop")], True, "q")
    assert "Take-homes at seed" in excerpt(loop, quoted, build_query("How long from recruiter call to offer?")).text
    assert excerpt(loop, no_answer, build_query("How long from recruiter call to offer?"), whole_prose=True) is loop
    assert excerpt(loop, no_answer, build_query("Is Kochi cheap?")) is loop


def test_a_marker_naming_a_document_cites_its_one_passage():
    from assistant.replies import cite_sources

    sources = ["ml-salary-survey-2026.html", "campus-placements-ml-faq.md", "campus-placements-ml-faq.md"]
    assert cite_sources("Pune pays 18.6 LPA [ml-salary-survey-2026.html].", sources) == "Pune pays 18.6 LPA [1]."
    assert cite_sources("Tier 1 pays 18.5 LPA (Source: ml-salary-survey-2026).", sources) == "Tier 1 pays 18.5 LPA [1]."
    # two passages of that document: the sentence cites both, and is held to them
    assert cite_sources("Tier 1 pays 18.5 LPA [campus-placements-ml-faq.md].", sources) == "Tier 1 pays 18.5 LPA [2][3]."
    assert cite_sources("Pay is high [handbook.md].", sources) == "Pay is high [handbook.md]."


def test_a_cell_wrapped_in_the_questions_words_is_quoted_from_its_row_and_prose_is_not():
    from assistant.replies import requote

    rows = [Passage("r", "Company type: GCC | Number of rounds: 4–5 rounds | Typical total duration: 5–6 hours",
                    "handbook.md", "Interview rounds by company type")]
    question = "For a GCC, how many rounds are there and how long does the whole thing take in total?"
    assert requote("The whole thing takes in total 5–6 hours [1].", rows, question) == \
        "Company type: GCC | Typical total duration: 5–6 hours [1]."
    # the question's "shortest" is the claim, not a wrapper: the one row cited does not hold it
    notice = [Passage("n", "Level: Senior (6-9 years) | Startup: 45 days | Product company: 60 days", "o.docx",
                      "Notice periods")]
    wrong = "The product company has the shortest notice period, which is 60 days [1]."
    assert requote(wrong, notice, "For a senior, which type of company has the shortest notice period?") == wrong
    # a bare figure is not quoted as whichever cell holds it
    sector = [Passage("s", "Sector: Healthcare and pharma | Share of ML postings: 9.3% | YoY change: +37.8%",
                      "r.pdf", "Hiring by sector")]
    assert requote("9.3% [1].", sector, "healthcare and pharma ML postings YoY change") == "9.3% [1]."
    # a claim made of the question's words over prose is not turned into the passage's other claim
    prose = [Passage("p", "Product companies accounted for 46% of respondents.", "survey.html", "Who responded")]
    assert requote("46% of respondents were women [1].", prose, "What share of respondents were women?") == \
        "46% of respondents were women [1]."


def test_a_word_of_the_question_that_no_document_uses_means_there_is_nothing_to_answer():
    """The model fitted the question onto passages about something else: it wrote the question's own
    word ("women", "gaming"), which no document uses, beside a figure of a passage about other things."""
    from assistant.generation import _nothing_to_answer, _unheld_words

    women = {"sentence": "46% of respondents were women [1].", "reason": "words not in the cited passage"}
    assert _nothing_to_answer("What share of respondents were women?", [women], ("women",))
    # a word the documents use, though not the passages sent, is the question's framing echoed
    # ("the roadmap recommends…"): the model's or the checker's error, not the passages'
    assert not _nothing_to_answer("What share of respondents were women?", [women], ())
    assert not _nothing_to_answer("What share of respondents were women?", [women, {"reason": "no citation"}], ("women",))
    # a kept sentence is judged the same way
    assert _unheld_words("Gaming had 4.8% of postings [1].", ("gaming",))
    assert not _unheld_words("Telecom and media had 4.8% of postings [1].", ("gaming",))
