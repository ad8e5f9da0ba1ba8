"""The answer prompt for an LLM: rules, worked examples and numbered passages, fitted to its context.

    question + passages (best first) -> system rules (prompts/answer_system.txt) + worked
    examples (prompts/few_shot.txt) + earlier turns + <passage n=".."> blocks and the question
    (prompts/answer_user.txt), as many passages as the context window allows

The rules and examples come first and never change, so a local model keeps them in its KV
cache and reads only the passages anew. Also here: the prompt that condenses a follow-up into a
standalone retrieval query. Prompts are text files in prompts/, loaded with importlib.resources.
Calling the model and reading its reply are generation.py's and replies.py's.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from importlib import resources

from .grounding import strip_markers
from .llms import LLM, LLMFault
from .schema import Passage

__all__ = ["REFUSAL", "build_messages", "condense_question", "few_shot", "prompt"]

REFUSAL = "The passages do not answer this question."
MAX_PASSAGES = 4  # passages sent to the LLM, best-ranked first
# Tokens of passages after the first, which always goes whole if it fits. benchmarks/llm_eval.py on
# every 3rd question of tuning-2 and tuning-4 (59): 360 -> 78% correct, 240 -> 83%, 160 -> 80% (the
# extractive answerer: 81%); fewer passages also mean fewer false "the passages do not answer".
PASSAGE_TOKENS = 240
HISTORY_TURNS = 4  # messages of earlier conversation sent with the question
_MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message, roughly


@cache
def prompt(name: str) -> str:
    """The text of prompts/<name>.txt shipped in the package."""
    return resources.files(__package__).joinpath("prompts", f"{name}.txt").read_text("utf-8")

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
