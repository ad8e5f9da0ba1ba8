"""What the chat page and the `/answer` endpoint for programs share: admission and the answer's shape.

- `answer_stream` runs `Assistant.stream` for a web request. The provisional extractive answer
  (`Answer.final` False) passes at once; the LLM part goes on only while fewer than `LLMSlots.size`
  requests are with the LLM, else the provisional answer becomes the final one with a note. So a
  queue of LLM questions never holds up the quoted answers of other visitors.
- `answer_for_program` is the `/answer` handler as a plain function: checks, rate limit, the answer.
- `answer_data` is an Answer as JSON data; `client_address` is whom a program's request comes from.

No Gradio here and no answering logic: `ui.py` wires these to the page and the endpoint.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
from typing import Any, Iterator

from .errors import QuestionError
from .ratelimit import RateLimit, TooManyQuestions
from .schema import Answer

# Where a proxy in front of the app talks from: loopback, RFC 1918, carrier-grade NAT, IPv6 ULA.
_PROXY_NETWORKS = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                      "100.64.0.0/10", "fc00::/7")]

BUSY = ("The language model is busy with other questions right now; "
        "showing the answer quoted from the documents.")


class LLMSlots:
    """At most `size` requests with the LLM at once (one writing, the others next in line)."""

    def __init__(self, size: int = 2):
        self.size = size
        self._free = threading.BoundedSemaphore(size) if size > 0 else None

    def acquire(self) -> bool:
        return self._free is not None and self._free.acquire(blocking=False)

    def release(self) -> None:
        if self._free is not None:
            self._free.release()


def answer_stream(assistant: Any, question: str, history: list[dict] | None = None, scope: str | None = None,
                  llm: str | None = None, slots: LLMSlots | None = None) -> Iterator[str | Answer]:
    """`assistant.stream(...)` under `slots`: the same pieces and Answers, the last Answer final.

    Without an LLM the stream is passed through. With one, the provisional Answer is passed on,
    then the LLM's pieces and final Answer if a slot is free; if none is, the stream is closed
    before the LLM is called and the provisional answer is yielded again, final, with `BUSY`.
    """
    chosen = {"llm": llm} if llm else {}
    stream = iter(assistant.stream(question, history=history, scope=scope, **chosen))
    held = False
    try:
        for piece in stream:
            yield piece
            if isinstance(piece, Answer) and not piece.final and not held:
                held = slots is None or slots.acquire()
                if not held:
                    yield dataclasses.replace(piece, final=True, notice=BUSY)
                    return
    finally:
        if hasattr(stream, "close"):
            stream.close()  # before the LLM is called, when no slot was free
        if held and slots is not None:
            slots.release()


def answer_data(answer: Answer) -> dict[str, Any]:
    """The Answer as JSON data: what a program needs, nothing of the page's markup.

    `[n]` in "text" is citations[n-1]; "answered" is False when the documents don't cover the
    question (then nothing is cited and "topics" lists what they do cover).
    """
    return {
        "text": answer.text,
        "answered": answer.answered,
        "question": answer.question,
        "query": answer.query,
        "citations": [
            {"number": c.number, "source": c.source, "section": c.section, "text": c.text, "page": c.page,
             "start": c.start, "end": c.end, "score": round(float(c.score), 4), "quotes": list(c.quotes)}
            for c in answer.citations
        ],
        "backend": answer.backend,
        "notice": answer.notice,
        "topics": list(answer.topics),
    }


def answer_for_program(assistant: Any, question: Any, history: Any = None, *, client: str | None = None,
                       rate_limit: RateLimit | None = None, slots: LLMSlots | None = None) -> dict[str, Any]:
    """What `/answer` returns for `question` (+ `history`, messages format), asked by `client`.

    Raises QuestionError (empty, too long, not text, a malformed history) or TooManyQuestions,
    whose messages are written for the caller; the page's limits apply.
    """
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    if history is not None and not (isinstance(history, list) and all(isinstance(m, dict) for m in history)):
        raise QuestionError('The history must be a list of messages such as {"role": "user", "content": "..."}.')
    if rate_limit is not None and not rate_limit.allow(client):
        raise TooManyQuestions(rate_limit.message())
    answer = None
    for piece in answer_stream(assistant, question, history or None, None, None, slots):
        if isinstance(piece, Answer):
            answer = piece
    if answer is None:
        raise RuntimeError("the assistant returned no answer")
    return answer_data(answer)


def client_address(host: str | None, forwarded_for: str | None = None) -> str | None:
    """Whom a request comes from, for the rate limit: the peer's address, or behind a proxy on a
    private or loopback address, the address that proxy saw (the last X-Forwarded-For entry;
    earlier entries are whatever the client wrote).

    >>> client_address("203.0.113.9", "198.51.100.1")
    'addr:203.0.113.9'
    >>> client_address("10.0.0.2", "198.51.100.7, 192.0.2.4")
    'addr:192.0.2.4'
    """
    if not host:
        return None
    try:
        peer = ipaddress.ip_address(host)
        behind_proxy = peer.is_loopback or any(peer in net for net in _PROXY_NETWORKS if net.version == peer.version)
    except ValueError:
        behind_proxy = False
    if behind_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return f"addr:{last}"
    return f"addr:{host}"
