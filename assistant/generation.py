"""Answer with an LLM from the retrieved passages, stream it, and keep only what the passages support.

    question + ranked passages (those the extractive answer quotes first, each cut by excerpts.py to
    the rows, cells and sentences asked) -> prompting.build_messages -> streamed text
    pieces -> replies (cut at a stop sequence, markers tidied, a bare list of names replaced by
    the sentence naming them, declines spotted) -> grounding.verify against the passages as sent
    -> Answer with citations renumbered 1..k

The model is taught one fixed phrase (`REFUSAL`) for "the passages don't answer this"; a reply
that says it (and nothing the verifier keeps) becomes a refusal (answered=False, verification
status "declined"), even when the extractive answerer found lines to quote; so does a reply
whose every sentence says of a thing of the question what the passages say of something else (it
names a thing of the question its passage lacks, or uses a word of the question that no document
uses: "46% of respondents were women [1]" over "Product companies accounted for 46%"); and, where
the extractive answerer found no line, a reply that holds a place or employer the question names
but none of what it asks of it (`_nothing_of_it`). On any LLM
fault, when too little of the text survives verification, or when a sentence carries a figure
no passage holds (the model made one up), the extractive answer computed for the same question
is returned instead, with a short notice saying why. Retrieval, the decision whether to call
the LLM at all, and the extractive answer itself are not done here: the caller passes them in.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator

from .errors import LLMError
from .excerpts import excerpt
from .grounding import markers, quotes_for, split_sentences, strip_markers, verify
from .llms import LLM
from .names import find_names
from .query import build_query
from .prompting import REFUSAL, build_messages, condense_question, few_shot, prompt
from .replies import STOP, carry_markers, cite_sources, expand_names, is_decline, requote, tidy_markers, unframe, until_stop, without_declines
from .schema import Answer, Citation, Passage
from .text import tokens
from .wording import TOKEN, content_stems

__all__ = ["REFUSAL", "STOP", "build_messages", "carry_markers", "condense_question", "few_shot",
           "generate_answer", "is_decline", "prompt", "tidy_markers", "until_stop"]

MIN_KEPT_SHARE = 0.5  # fall back when fewer than half of the generated sentences survive


def generate_answer(
    llm: LLM,
    question: str,
    passages: list[tuple[Passage, float]],
    fallback: Answer,
    *,
    history: list[dict] | None = None,
    timeout: float = 30.0,
    unknown: tuple[str, ...] = (),
) -> Iterator[str | Answer]:
    """Yield streamed text pieces, then one final Answer.

    The final Answer is the verified LLM answer; when the model says the passages don't answer
    (status "declined"), the extractive refusal, or the extractive answer with a notice; or
    `fallback` (the extractive answer, which may itself be a refusal) with a notice saying why. Call it whenever the retrieval evidence
    says the documents may answer. `unknown` are the question's words that the documents never use
    (evidence.Term.known). No exception escapes except KeyboardInterrupt.
    """
    if not passages:
        yield dataclasses.replace(fallback, verification={
            "status": "skipped", "reason": "no passage to answer from"})
        return
    started = time.monotonic()
    generated: list[str] = []
    passages = _evidence_first(passages, fallback)
    query = build_query(question, history)
    sent = [excerpt(p, fallback, query, whole_prose=n == 0) for n, (p, _) in enumerate(passages)]
    try:
        messages, used, trimmed = build_messages(llm, question, sent, history)
        for piece in until_stop(llm.generate(messages, timeout=timeout), STOP):
            generated.append(piece)
            yield piece
        text = "".join(generated)
        tidied = carry_markers(unframe(tidy_markers(cite_sources(text, [p.source for p in used]))))
        answer_text, declined = without_declines(requote(expand_names(tidied, used), used, question))
        clean, order, report = verify(answer_text, used, question)
        report.update(passages_sent=len(used), passage_ids=[p.id for p in used], passages_trimmed=trimmed,
                      passages_focused=[n for n in range(1, len(used) + 1) if sent[n - 1] is not passages[n - 1][0]],
                      generated=text,
                      seconds=round(time.monotonic() - started, 2), usage=llm.last_usage)
        total = report["kept"] + report["dropped"]
        if report["kept"] == 0 and declined:
            yield _declined(llm, fallback, report)
            return
        if report["kept"] == 0 and _nothing_to_answer(question, report["dropped_sentences"], unknown):
            yield _declined(llm, fallback, report, "every sentence says of a thing of the question what the passages say of something else")
            return
        if report["kept"] and not fallback.answered and _nothing_of_it(question, clean):
            yield _declined(llm, fallback, report, "the answer names what is asked about but says nothing of what is asked")
            return
        if report["kept"] and all(_unheld_words(s, unknown) for _, s in split_sentences(clean)):
            yield _declined(llm, fallback, report, "every sentence uses a word of the question that no document uses")
            return
        invented = [d for d in report["dropped_sentences"] if "unsupported figure" in d["reason"]]
        if report["kept"] == 0 or report["kept"] < MIN_KEPT_SHARE * total or invented:
            # A figure no passage holds means the model made one up: its other sentences, true
            # as they may be, are likely the half of the answer that didn't need it.
            yield _fall_back(fallback, "The LLM answer could not be verified against the sources",
                             "unverified", report)
            return
        if _no_amount(question, clean, fallback):
            yield _fall_back(fallback, "The LLM answer gives no figure for a question that asks how much",
                             "no amount", report)
            return
        if _off_the_question(question, clean, [used[i] for i in order], fallback):
            yield _fall_back(fallback, "The LLM answered from other passages than the question matched",
                             "off the question", report)
            return
        yield Answer(
            text=clean,
            citations=_citations(clean, order, passages),
            answered=True,
            query=fallback.query,
            question=fallback.question or question,
            backend=llm.name,
            verification={"status": "verified", **report},
            topics=fallback.topics,
        )
    except LLMError as exc:
        yield _fall_back(fallback, str(exc), getattr(exc, "kind", "error"), {
            "detail": getattr(exc, "detail", ""), "generated": "".join(generated),
            "usage": llm.last_usage})
    except Exception as exc:  # a bug in a backend must not cost the user the answer
        yield _fall_back(fallback, "The LLM failed", "error", {
            "detail": type(exc).__name__, "generated": "".join(generated)})


_ASKS_AMOUNT = re.compile(r"\bhow (?:much|many)\b|\bwhat (?:percentage|percent|share|fraction|proportion)\b", re.I)
_AMOUNT = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half|twice|double)\b", re.I)


def _nothing_of_it(question: str, text: str) -> bool:
    """Whether a question naming a place or an employer gets an answer that holds none of the
    question's other words: the passages' text about the name, not about what is asked of it
    ("notice period at Swiggy?" answered with "From unicorns like Flipkart and Swiggy, Bangalore
    offers the most openings [1]"). The test relevance.decide applies to the passages, applied to
    what the LLM wrote; used where the extractive answerer found no line to quote.

    >>> _nothing_of_it("What is the notice period at Swiggy?", "Unicorns like Swiggy hire in Bangalore [1].")
    True
    >>> _nothing_of_it("What is the notice period at Swiggy?", "Swiggy asks for a 60-day notice [1].")
    False
    >>> _nothing_of_it("And in Pune?", "Pune pays 12 LPA [1].")  # nothing is asked besides the name
    False
    """
    named = [written for kind, _, written in find_names(question) if kind in ("place", "employer")]
    if not named:
        return False
    name_words = {w for written in named for w in tokens(written)}
    topic = content_stems(" ".join(w for w in tokens(question) if w not in name_words))
    return bool(topic) and not topic & content_stems(strip_markers(text))


def _no_amount(question: str, text: str, fallback: Answer) -> bool:
    """Whether a question asks how much or how many, the verified answer gives no amount and the
    extractive answer does: true of its passage, but the half of the answer that needed no figure
    ("Certifications help you clear HR filters [1]" for "does a certification help? by how much?").

    >>> quoted = Answer("A cloud certification adds ₹50,000 to an offer [1].", [], True, "q")
    >>> _no_amount("Does a certification help? By how much?", "Certifications help clear HR filters [1].", quoted)
    True
    >>> _no_amount("Does a certification help?", "Certifications help clear HR filters [1].", quoted)
    False
    """
    return bool(fallback.answered and _ASKS_AMOUNT.search(question) and not _AMOUNT.search(strip_markers(text))
                and _AMOUNT.search(strip_markers(fallback.text)))


def _off_the_question(question: str, text: str, cited: list[Passage], fallback: Answer) -> bool:
    """Whether a verified answer cites none of the passages the extractive answer quotes and
    shares fewer of the question's words than that answer does: true of its passages, but an
    answer to another question ("Bangalore offers the highest density..." for "are Hyderabad and
    Pune good for job security?"), which the verifier, judging faithfulness only, keeps."""
    quoted = {c.passage_id for c in fallback.citations if c.text} if fallback.answered else set()
    if not quoted or quoted & {p.id for p in cited}:
        return False
    asked = content_stems(question)
    return len(asked & content_stems(text)) < len(asked & content_stems(fallback.text))


def _evidence_first(passages: list[tuple[Passage, float]], fallback: Answer) -> list[tuple[Passage, float]]:
    """The passages the extractive answer quotes first, then the rest in rank order.

    Only a few passages fit a small model's prompt; the ones the evidence picked lines from
    (a table row pulled in from its section, say) must be among them.
    """
    quoted = [c for c in fallback.citations if c.text] if fallback.answered else []
    if not quoted:
        return passages
    by_id = {p.id: (p, score) for p, score in passages}
    first = [by_id.get(c.passage_id) or (Passage(c.passage_id or f"cited-{c.number}", c.text, c.source,
                                                  c.section, c.start, c.end, c.page), c.score)
             for c in quoted]
    ids = {p.id for p, _ in first}
    return first + [(p, s) for p, s in passages if p.id not in ids]

def _citations(clean: str, order: list[int], passages: list[tuple[Passage, float]]) -> list[Citation]:
    """Citation k for `[k]` in the clean text, quoting the passage sentences the answer used."""
    sentences = [s for _, s in split_sentences(clean)]
    citations = []
    for k, index in enumerate(order, start=1):
        passage, score = passages[index]
        citing = [s for s in sentences if k in markers(s)]
        citations.append(Citation(
            number=k, source=passage.source, section=passage.section, text=passage.text,
            score=float(score), page=passage.page, start=passage.start, end=passage.end,
            quotes=quotes_for(citing, passage.text), passage_id=passage.id,
        ))
    return citations


def _nothing_to_answer(question: str, dropped: list[dict], unknown: tuple[str, ...] = ()) -> bool:
    """Whether every dropped sentence said of a thing of the question what the passages say of
    something else: it names a thing of the question that its passage does not ("The median CTC
    in Ahmedabad is 62.5 LPA [2]" from a table without Ahmedabad), or it uses a word of the
    question that no document uses (`unknown`: "46% of respondents were women [1]" over documents
    that never say "women"). The model fitted the question onto passages about something else,
    so the passages hold no answer.

    A figure no passage holds is not taken as such evidence: the figure check also misses
    notations (a range's edge, a sign), so on the held-out bank it turned answerable questions
    into refusals; such an answer falls back to the extractive one instead.

    >>> _nothing_to_answer("Pay in Ahmedabad?", [{"reason": "names ahmedabad, which the cited passage does not"}])
    True
    >>> _nothing_to_answer("Pay in Pune?", [{"reason": "names ahmedabad, which the cited passage does not"}])
    False
    >>> women = {"sentence": "46% of respondents were women.", "reason": "words not in the cited passage"}
    >>> _nothing_to_answer("What share of respondents were women?", [women], ("women",))
    True
    >>> _nothing_to_answer("What share of respondents were women?", [women])
    False
    """
    asked = {w.lower() for w in TOKEN.findall(question)}

    def unheld(d: dict) -> bool:
        named = re.match(r"names (.+), which the cited passage does not", d["reason"])
        if named and all(n.strip() in asked for n in named.group(1).split(",")):
            return True
        return _unheld_words(d.get("sentence", ""), unknown)

    return bool(dropped) and all(unheld(d) for d in dropped)


def _unheld_words(sentence: str, unknown: tuple[str, ...]) -> bool:
    """Whether `sentence` uses one of the question's words that no document uses: it says of what
    was asked what a passage says of something else ("Gaming had 4.8% of ML postings [1]" from the
    telecom row, in documents that never say "gaming"). A word the documents do use is not
    counted, even when the passages sent lack it: the model echoes the question's framing
    ("the roadmap recommends…", "the framework is STAR") in answers that are right.

    >>> _unheld_words("Gaming had 4.8% of ML postings [1].", ("gaming",))
    True
    >>> _unheld_words("Telecom and media had 4.8% of ML postings [1].", ("gaming",))
    False
    """
    return bool(unknown) and bool(content_stems(" ".join(unknown)) & content_stems(strip_markers(sentence)))


def _declined(llm: LLM, fallback: Answer, report: dict, why: str = "the LLM found no answer in the passages") -> Answer:
    """The model said the passages don't answer: a refusal (answered=False), whatever the
    extractive answerer found.

    The model read the passages the evidence ranked best, the quoted lines first; when it finds
    no answer in them, lines that merely share the question's words are not shown as one. When
    the extractive answerer refused too, its refusal is the text; else the refusal names the
    fallback's topics, which the caller orders nearest to the question first, as for the
    extractive refusal (refusals.nearest_topics).
    """
    verification = {"status": "declined", "reason": why, **report}
    if not fallback.answered:
        return dataclasses.replace(fallback, backend=llm.name, verification=verification)
    nearest = f" The nearest they come: {'; '.join(fallback.topics[:4])}." if fallback.topics else ""
    return dataclasses.replace(
        fallback, text=f"The passages found don't answer this question, so I can't answer it from them.{nearest}",
        citations=[], answered=False, backend=llm.name, verification=verification,
        notice="The LLM found no answer in the passages the search returned.")


def _fall_back(fallback: Answer, why: str, reason: str, report: dict) -> Answer:
    return dataclasses.replace(
        fallback,
        notice=f"{why}; showing the extractive answer.",
        verification={"status": "fallback", "reason": reason, **report},
    )
