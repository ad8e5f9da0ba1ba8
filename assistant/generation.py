"""Answer with an LLM from the retrieved passages, stream it, and keep only what the passages support.

    question + ranked passages -> prompt (numbered <passage> data, trimmed to the context window)
    -> streamed text pieces -> grounding.verify -> Answer with citations renumbered 1..k

On any LLM fault, or when too little of the text survives verification, the extractive answer
computed for the same question is returned instead, with a short notice saying why. Also here:
condensing a follow-up into a standalone retrieval query. Prompts are text files in prompts/.
Retrieval and the extractive answer itself are not done here: the caller passes them in.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from functools import cache
from importlib import resources

from .errors import LLMError
from .grounding import markers, quotes_for, split_sentences, strip_markers, verify
from .llms import LLM, LLMFault
from .schema import Answer, Citation, Passage

MIN_KEPT_SHARE = 0.5  # fall back when fewer than half of the generated sentences survive
HISTORY_TURNS = 4  # messages of earlier conversation sent with the question
_MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message, roughly


@cache
def prompt(name: str) -> str:
    """The text of prompts/<name>.txt shipped in the package."""
    return resources.files(__package__).joinpath("prompts", f"{name}.txt").read_text("utf-8")


def generate_answer(
    llm: LLM,
    question: str,
    passages: list[tuple[Passage, float]],
    fallback: Answer,
    *,
    history: list[dict] | None = None,
    timeout: float = 30.0,
) -> Iterator[str | Answer]:
    """Yield streamed text pieces, then one final Answer (verified, or the fallback with a notice).

    No exception escapes except KeyboardInterrupt: a fault becomes the fallback answer.
    """
    if not fallback.answered or not passages:
        # Retrieval found nothing that answers this; an LLM would only be tempted to improvise.
        yield dataclasses.replace(fallback, verification={
            "status": "skipped", "reason": "no passage answers the question"})
        return
    started = time.monotonic()
    generated: list[str] = []
    try:
        messages, used, trimmed = build_messages(llm, question, [p for p, _ in passages], history)
        for piece in llm.generate(messages, timeout=timeout):
            generated.append(piece)
            yield piece
        text = "".join(generated)
        clean, order, report = verify(text, used, question)
        report.update(passages_sent=len(used), passages_trimmed=trimmed, generated=text,
                      seconds=round(time.monotonic() - started, 2))
        total = report["kept"] + report["dropped"]
        if report["kept"] == 0 or report["kept"] < MIN_KEPT_SHARE * total:
            yield _fall_back(fallback, "The LLM answer could not be verified against the sources",
                             "unverified", report)
            return
        yield Answer(
            text=clean,
            citations=_citations(clean, order, passages),
            answered=True,
            query=fallback.query,
            question=fallback.question or question,
            backend=llm.name,
            verification={"status": "verified", **report},
        )
    except LLMError as exc:
        yield _fall_back(fallback, str(exc), getattr(exc, "kind", "error"), {
            "detail": getattr(exc, "detail", ""), "generated": "".join(generated)})
    except Exception as exc:  # a bug in a backend must not cost the user the answer
        yield _fall_back(fallback, "The LLM failed", "error", {
            "detail": type(exc).__name__, "generated": "".join(generated)})


def condense_question(llm: LLM, question: str, history: list[dict], *, timeout: float) -> str | None:
    """A standalone retrieval query for a follow-up ("And for seniors?"), or None on failure."""
    turns = _history(history)
    if not turns:
        return question
    conversation = "\n".join(
        f"{'User' if m['role'] == 'user' else 'Assistant'}: {m['content']}" for m in turns)
    messages = [
        {"role": "system", "content": prompt("condense")},
        {"role": "user", "content": prompt("condense_user").format(
            history=conversation, question=question)},
    ]
    text = ""
    try:
        for piece in llm.generate(messages, timeout=timeout):
            text += piece
            if "\n" in text.strip() or len(text) > 400:
                break  # one line is all we want; stop the model early
    except Exception:  # LLMError or a backend bug: the caller has a non-LLM rewrite
        return None
    line = next((s for s in text.strip().splitlines() if s.strip()), "")
    line = re.sub(r"^\s*(standalone question|question)\s*:\s*", "", line, flags=re.I)
    line = line.strip().strip("\"'“”").strip()
    return line if 3 <= len(line) <= 300 else None


def build_messages(
    llm: LLM, question: str, passages: list[Passage], history: list[dict] | None = None
) -> tuple[list[dict], list[Passage], int]:
    """Chat messages for the answer prompt, with as many passages as the context window allows.

    Returns (messages, passages sent, how many passages were left out or cut). Passages go in
    rank order; the first that does not fit whole is cut at a line or sentence end if enough room
    is left, and the rest are left out. Raises LLMFault("overflow") when none fits.
    """
    system = prompt("answer_system")
    template = prompt("answer_user")
    turns = _history(history)
    fixed = llm.count_tokens(system + template + question + prompt("example_user")
                             + prompt("example_assistant")) + _MESSAGE_OVERHEAD * (4 + len(turns))
    room = llm.context_window - llm.max_tokens - fixed
    history_cost = sum(llm.count_tokens(m["content"]) for m in turns)
    if room - history_cost < 200:
        turns, history_cost = [], 0  # the passages matter more than the conversation
    room -= history_cost
    blocks: list[str] = []
    cut_last = ""  # the text of the last passage when it had to be cut
    for n, passage in enumerate(passages, start=1):
        block = _passage_block(n, passage, passage.text)
        cost = llm.count_tokens(block) + 1
        if cost <= room:
            blocks.append(block)
            room -= cost
            continue
        cut = _cut_to_fit(llm, n, passage, room)
        if cut:
            blocks.append(_passage_block(n, passage, cut))
            cut_last = cut
        break
    if not blocks:
        raise LLMFault("The question and passages do not fit the LLM's context", "overflow")
    used = list(passages[: len(blocks)])
    if cut_last:
        # verify against what the model saw, so a figure cut from the prompt can't count as cited
        used[-1] = dataclasses.replace(used[-1], text=cut_last)
    user = template.format(passages="\n".join(blocks), question=question)
    example = [  # one worked example as chat turns: small models follow it better than rules
        {"role": "user", "content": prompt("example_user")},
        {"role": "assistant", "content": prompt("example_assistant").strip()},
    ]
    messages = [{"role": "system", "content": system}, *example, *turns,
                {"role": "user", "content": user}]
    return messages, used, len(passages) - len(blocks) + bool(cut_last)


def _cut_to_fit(llm: LLM, n: int, passage: Passage, room: int) -> str | None:
    """The passage's text cut at a line or sentence end so that its block fits `room` tokens."""
    if room < 40:
        return None
    text = passage.text
    while text:
        ends = [m.end() for m in re.finditer(r"[.!?](\s|$)|\n", text[: len(text) - 1])]
        text = text[: ends[-1]].rstrip() if ends else ""
        block = _passage_block(n, passage, text)
        if text and llm.count_tokens(block) + 1 <= room:
            return text
    return None


def _passage_block(n: int, passage: Passage, text: str) -> str:
    """One passage as delimited data; text that would close the tag is defused."""
    attrs = f'n="{n}" source="{_attr(passage.source)}" section="{_attr(passage.section)}"'
    if passage.page:
        attrs += f' page="{passage.page}"'
    body = re.sub(r"<(/?)(passages?)\b", r"&lt;\1\2", text, flags=re.I)
    return f"<passage {attrs}>{body}</passage>"


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _history(history: list[dict] | None) -> list[dict]:
    """The last few user/assistant messages, their old [n] markers removed (they'd mislead)."""
    turns = [
        {"role": m["role"], "content": strip_markers(str(m.get("content", "")))[:600]}
        for m in history or []
        if m.get("role") in ("user", "assistant") and m.get("content")
    ]
    return turns[-HISTORY_TURNS:]


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


def _fall_back(fallback: Answer, why: str, reason: str, report: dict) -> Answer:
    return dataclasses.replace(
        fallback,
        notice=f"{why}; showing the extractive answer.",
        verification={"status": "fallback", "reason": reason, **report},
    )
