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
