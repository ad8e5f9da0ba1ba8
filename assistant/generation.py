"""Answer with an LLM from the retrieved passages, stream it, and keep only what the passages support.

    question + ranked passages -> prompt (rules and worked examples, a prefix that never changes
    and so stays in a local model's KV cache; then numbered <passage> data, trimmed to the
    context window) -> streamed text pieces, cut at a stop sequence -> stray markers tidied, a
    line's one marker lent to its uncited sentences -> grounding.verify -> Answer with
    citations renumbered 1..k

The model is taught one fixed phrase (`REFUSAL`) for "the passages don't answer this"; a reply
that says it becomes a refusal (answered=False, verification status "declined") when the
extractive answerer found nothing either, else the quoted lines with a notice. On any LLM
fault, when too little of the text survives verification, or when a sentence carries a figure
no passage holds (the model made one up), the extractive answer computed for the same question
is returned instead, with a short notice saying why. Also here: condensing a
follow-up into a standalone retrieval query. Prompts are text files in prompts/.
Retrieval, the decision whether to call the LLM at all, and the extractive answer itself are
not done here: the caller passes them in.
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

REFUSAL = "The passages do not answer this question."
# Where a reply has gone past its answer: the model starts another passage or turn of its own.
STOP = ("</passages>", "<passage", "\nQuestion:", "### user", "<|im_end|>", "<|endoftext|>")
MAX_PASSAGES = 4  # passages sent to the LLM, best-ranked first
PASSAGE_TOKENS = 360  # tokens of passages after the first, which always goes whole if it fits
MIN_KEPT_SHARE = 0.5  # fall back when fewer than half of the generated sentences survive
HISTORY_TURNS = 4  # messages of earlier conversation sent with the question
_MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message, roughly
# The fixed phrase, and the ways a small model rephrases it ("The passages do not mention ...").
_DECLINE = re.compile(
    r"^\W*(the |these )?(passages?|documents?|context|sources?|text)\s+(provided\s+)?"
    r"(do|does|did)\s*(not|n['’]t)\s+(answer|cover|say|mention|contain|provide|include|specify|state)",
    re.I)
_STRAY = [  # marker spellings small models use, rewritten to [n] before verification
    (re.compile(r"\[\s*(?:passage|source|doc(?:ument)?)\s*(\d{1,3})\s*\]", re.I), r"[\1]"),
    (re.compile(r"【\s*(\d{1,3})\s*】"), r"[\1]"),
    (re.compile(r"\[\^(\d{1,3})\]"), r"[\1]"),
    (re.compile(r"\[(\d{1,2})\s*[-–]\s*(\d{1,2})\]"),
     lambda m: "".join(f"[{n}]" for n in range(int(m[1]), int(m[2]) + 1)) if int(m[1]) <= int(m[2]) <= int(m[1]) + 5 else ""),
    (re.compile(r"\[\s*(?:n|\d*[^\d\],\s][^\]]{0,20})?\s*\]"), ""),  # "[n]", "[]", "[source]"
]


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
    """Yield streamed text pieces, then one final Answer.

    The final Answer is the verified LLM answer; when the model says the passages don't answer
    (status "declined"), the extractive refusal, or the extractive answer with a notice; or
    `fallback` (the extractive answer, which may itself be a refusal) with a notice saying why. Call it whenever the retrieval evidence
    says the documents may answer. No exception escapes except KeyboardInterrupt.
    """
    if not passages:
        yield dataclasses.replace(fallback, verification={
            "status": "skipped", "reason": "no passage to answer from"})
        return
    started = time.monotonic()
    generated: list[str] = []
    passages = _evidence_first(passages, fallback)
    try:
        messages, used, trimmed = build_messages(llm, question, [p for p, _ in passages], history)
        for piece in until_stop(llm.generate(messages, timeout=timeout), STOP):
            generated.append(piece)
            yield piece
        text = "".join(generated)
        answer_text, declined = _without_declines(carry_markers(tidy_markers(text)))
        clean, order, report = verify(answer_text, used, question)
        report.update(passages_sent=len(used), passages_trimmed=trimmed, generated=text,
                      seconds=round(time.monotonic() - started, 2), usage=llm.last_usage)
        total = report["kept"] + report["dropped"]
        if report["kept"] == 0 and declined:
            yield _declined(llm, fallback, question, report)
            return
        invented = [d for d in report["dropped_sentences"] if d["reason"].startswith("unsupported figure")]
        if report["kept"] == 0 or report["kept"] < MIN_KEPT_SHARE * total or invented:
            # A figure no passage holds means the model made one up: its other sentences, true
            # as they may be, are likely the half of the answer that didn't need it.
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
            topics=fallback.topics,
        )
    except LLMError as exc:
        yield _fall_back(fallback, str(exc), getattr(exc, "kind", "error"), {
            "detail": getattr(exc, "detail", ""), "generated": "".join(generated),
            "usage": llm.last_usage})
    except Exception as exc:  # a bug in a backend must not cost the user the answer
        yield _fall_back(fallback, "The LLM failed", "error", {
            "detail": type(exc).__name__, "generated": "".join(generated)})


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


def until_stop(pieces: Iterator[str], stop: tuple[str, ...]) -> Iterator[str]:
    """The pieces up to the first stop sequence; the source is closed there.

    A tail that could be the start of a stop sequence is held back until it is decided, so
    no part of a stop sequence is ever shown:

    >>> list(until_stop(iter(["Pay is high [1].", "\\nQues", "tion: more"]), ("\\nQuestion:",)))
    ['Pay is high [1].']
    """
    buffer = ""
    try:
        for piece in pieces:
            buffer += piece
            cuts = [buffer.find(s) for s in stop if s in buffer]
            if cuts:
                if buffer[: min(cuts)]:
                    yield buffer[: min(cuts)]
                return
            hold = max((k for s in stop for k in range(1, len(s)) if buffer.endswith(s[:k])),
                       default=0)
            if len(buffer) > hold:
                yield buffer[: len(buffer) - hold]
                buffer = buffer[len(buffer) - hold:]
        if buffer:
            yield buffer
    finally:
        getattr(pieces, "close", lambda: None)()  # stops a local model or closes the connection


def tidy_markers(text: str) -> str:
    """Rewrite the marker spellings small models use to [n]; drop markers with no number.

    >>> tidy_markers("Python is king [Passage 2]. Docker [1-2] matters [n].")
    'Python is king [2]. Docker [1][2] matters .'
    """
    for pattern, replacement in _STRAY:
        text = pattern.sub(replacement, text)
    return text


def carry_markers(text: str) -> str:
    """Give a sentence with no marker the markers of the next cited sentence on its line.

    Small models often cite once at the end of a two-sentence answer; the borrowed marker is
    then checked like any other, so a sentence its passage doesn't support is still dropped:

    >>> carry_markers("Take the AWS exam. Plan six weeks for it [1].\\nNo source here.")
    'Take the AWS exam [1]. Plan six weeks for it [1].\\nNo source here.'
    """
    lines = []
    for line in text.split("\n"):
        units = [s for _, s in split_sentences(line)]
        if not units or all(markers(u) for u in units) or not any(markers(u) for u in units):
            lines.append(line)
            continue
        prefix = line[: len(line) - len(line.lstrip())]
        out = []
        for i, unit in enumerate(units):
            if not markers(unit):
                later = next((markers(u) for u in units[i + 1:] if markers(u)), None)
                if later:
                    tags = "".join(f"[{n}]" for n in later)
                    body = unit.rstrip()
                    end = len(body.rstrip(".!?;:"))
                    unit = f"{body[:end]} {tags}{body[end:]}"
            out.append(unit)
        lines.append(prefix + " ".join(out))
    return "\n".join(lines)


def is_decline(sentence: str) -> bool:
    """Whether a sentence says the passages don't answer (the fixed phrase or a rewording)."""
    return bool(_DECLINE.search(strip_markers(sentence)))


def _without_declines(text: str) -> tuple[str, bool]:
    """The text without sentences that decline to answer, and whether there were any."""
    kept_lines, declined = [], False
    units = split_sentences(text)
    for line_no in sorted({n for n, _ in units}):
        parts = []
        for n, sentence in units:
            if n != line_no:
                continue
            if is_decline(sentence):
                declined = True
            else:
                parts.append(sentence)
        if parts:
            kept_lines.append(" ".join(parts))
    return "\n".join(kept_lines), declined


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
    system = prompt("answer_system").format(refusal=REFUSAL)
    template = prompt("answer_user")
    examples = few_shot()
    turns = _history(history)
    fixed = llm.count_tokens(system + template + question + "".join(m["content"] for m in examples)) \
        + _MESSAGE_OVERHEAD * (2 + len(examples) + len(turns))
    room = llm.context_window - llm.max_tokens - fixed
    history_cost = sum(llm.count_tokens(m["content"]) for m in turns)
    if room - history_cost < 200:
        turns, history_cost = [], 0  # the passages matter more than the conversation
    room -= history_cost
    blocks: list[str] = []
    cut_last = ""  # the text of the last passage when it had to be cut
    # Reading the prompt is most of a small local model's time (70-80 tokens/s on 2 cores), so
    # after the first passage only PASSAGE_TOKENS more are sent: the best-ranked ones.
    budget = room
    for n, passage in enumerate(passages[:MAX_PASSAGES], start=1):
        body = _body(passage)
        block = _passage_block(n, passage, body)
        cost = llm.count_tokens(block) + 1
        if cost <= budget:
            blocks.append(block)
            room -= cost
            budget = min(room, PASSAGE_TOKENS if n == 1 else budget - cost)
            continue
        cut = _cut_to_fit(llm, n, passage, body, budget)
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
    user = template.format(passages="\n".join(blocks), question=question, refusal=REFUSAL)
    # The system prompt and the examples come first and never change, so a local model keeps
    # them in its cache from one question to the next and reads only the passages anew.
    messages = [{"role": "system", "content": system}, *examples, *turns,
                {"role": "user", "content": user}]
    return messages, used, len(passages) - len(blocks) + bool(cut_last)


@cache
def few_shot() -> tuple[dict, ...]:
    """The worked examples of prompts/few_shot.txt as chat turns (user, assistant, ...)."""
    turns: list[dict] = []
    for line in prompt("few_shot").splitlines():
        if line.startswith("### "):
            turns.append({"role": line[4:].strip(), "content": ""})
        elif turns and not line.startswith("#"):
            turns[-1]["content"] += line + "\n"
    return tuple({"role": t["role"], "content": t["content"].strip().replace("{refusal}", REFUSAL)}
                 for t in turns)


def _cut_to_fit(llm: LLM, n: int, passage: Passage, text: str, room: int) -> str | None:
    """`text` (the passage's) cut at a line or sentence end so that its block fits `room` tokens."""
    if room < 40:
        return None
    while text:
        ends = [m.end() for m in re.finditer(r"[.!?](\s|$)|\n", text[: len(text) - 1])]
        text = text[: ends[-1]].rstrip() if ends else ""
        block = _passage_block(n, passage, text)
        if text and llm.count_tokens(block) + 1 <= room:
            return text
    return None


def _body(passage: Passage) -> str:
    """The passage's text without a first line that only repeats its section's heading.

    Every prompt token costs a small local model time, and the heading is in `section=`:

    >>> _body(Passage("p", "### Opening hours\\nWe open at 7 am.", "a.md", "Shop > Opening hours"))
    'We open at 7 am.'
    """
    first, _, rest = passage.text.partition("\n")
    heading = passage.section.rsplit(" > ", 1)[-1].strip().lower()
    if rest.strip() and heading and first.strip().lstrip("#").strip().lower() == heading:
        return rest.lstrip("\n")
    return passage.text


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


def _declined(llm: LLM, fallback: Answer, question: str, report: dict) -> Answer:
    """The model said the passages don't answer.

    When the extractive answerer refused too, that refusal (naming the topics covered) is the
    answer. When it found lines to quote, they are shown with a notice: on the question bank the
    small model declined table questions the quoted lines answered (2 of the first 4 tuning
    questions), so its decline alone does not outweigh them.
    """
    verification = {"status": "declined", "reason": "the LLM found no answer in the passages",
                    **report}
    if not fallback.answered:
        return dataclasses.replace(fallback, backend=llm.name, verification=verification)
    return dataclasses.replace(
        fallback, verification=verification,
        notice="The LLM found no answer in the passages; showing the extractive answer.")


def _fall_back(fallback: Answer, why: str, reason: str, report: dict) -> Answer:
    return dataclasses.replace(
        fallback,
        notice=f"{why}; showing the extractive answer.",
        verification={"status": "fallback", "reason": reason, **report},
    )
