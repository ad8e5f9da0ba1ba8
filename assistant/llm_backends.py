"""The LLM backends: llama.cpp in process, OpenAI-compatible endpoints, Hugging Face Inference.

Each is an `llms.LLM` whose `generate` streams text; `_stream` turns every backend's
(text, finish reason) pairs into text and every fault into a short `LLMFault` that never
carries a key. Choosing a backend from a user's spec is `llms.load_llm`'s job; the client
libraries (llama_cpp, openai, huggingface_hub) are imported only when a backend is built.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import LLMError, require
from .llms import LLM, LLMFault

__all__ = ["HFLLM", "LlamaCppLLM", "OpenAILLM", "scrub"]

log = logging.getLogger(__name__)

_STATE_CACHE_BYTES = 160 * 1024 * 1024  # a few saved contexts of ~1,200 tokens


def wait_policy(busy: float | None, cores: int) -> str | None:
    """How llama.cpp's OpenMP threads should wait between steps: "PASSIVE" (sleep) or None (libgomp's default).

    By default they spin a while before sleeping: fastest on an idle machine, slow once other work
    wants the cores too. Measured on 2 cores (Qwen 1.5B, a 450-token prompt and 30 tokens written):
    idle, the default 13 s against PASSIVE's 17 s; beside one busy process PASSIVE 26 s against
    31 s, beside two 34 s against 36 s; at load 9, 21 s against 120 s. So PASSIVE once other work
    holds half the cores, and when the load can't be read (the cheap side of a wrong guess).

    >>> wait_policy(0.2, 2), wait_policy(1.0, 2), wait_policy(None, 8)
    (None, 'PASSIVE', 'PASSIVE')
    """
    return "PASSIVE" if busy is None or busy >= cores / 2 else None


def busy_cores(window: float = 0.3) -> float | None:
    """How many cores other work keeps busy now: /proc/stat's CPU time not idle over `window` seconds
    while this thread sleeps (the load average would count this process's own recent work), else
    the load average where there is no /proc, else None."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return sum(values), values[3] + (values[4] if len(values) > 4 else 0)  # all, idle + iowait

    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        try:
            return os.getloadavg()[0]
        except (OSError, AttributeError):
            return None
    elapsed = total1 - total0
    return None if elapsed <= 0 else (os.cpu_count() or 1) * (1 - (idle1 - idle0) / elapsed)


class LlamaCppLLM(LLM):
    """A local GGUF model run in this process by llama.cpp; loaded on first use.

    One generation at a time: llama_cpp.Llama holds one context, so a second caller waits for
    the first (up to its timeout, then an LLMFault "busy"). Counting tokens needs no turn.
    """

    def __init__(self, model_path: str | Path, *, context_window: int = 2048,
                 max_tokens: int = 512, temperature: float = 0.0, name: str | None = None):
        require("llama_cpp", "llama-cpp", "local GGUF models")
        self.path = Path(model_path)
        if not self.path.is_file():
            raise LLMError(f"No model file at {self.path}.")
        self.name = name or f"llama-cpp:{self.path.stem}"
        self.context_window = context_window
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._llama = None
        self._load_lock = threading.Lock()
        self._lock = threading.Lock()  # held for a whole generation: one at a time
        self._usage = threading.local()  # per consuming thread, so two callers never mix figures

    def _model(self):
        with self._load_lock:
            if self._llama is None:
                # Set before llama_cpp loads libgomp, which reads it once; a user's value wins.
                policy = None if "OMP_WAIT_POLICY" in os.environ else wait_policy(busy_cores(), os.cpu_count() or 1)
                if policy:
                    os.environ["OMP_WAIT_POLICY"] = policy
                import llama_cpp

                try:
                    self._llama = llama_cpp.Llama(
                        model_path=str(self.path), n_ctx=self.context_window,
                        n_threads=max(1, os.cpu_count() or 1), verbose=False,
                    )
                except Exception as exc:
                    raise LLMFault(f"The model {self.path.name} could not be loaded", "error",
                                   str(exc)[:300]) from exc
                # The context keeps the previous prompt's tokens, so the next answer reads only
                # what follows the fixed rules and examples. A follow-up's condensing prompt
                # would overwrite them; the RAM cache keeps the last states (the KV cells in
                # use, ~30 KB a token for the 1.5B model) to restore the longest matching prefix.
                self._llama.set_cache(llama_cpp.LlamaRAMCache(capacity_bytes=_STATE_CACHE_BYTES))
            return self._llama

    def count_tokens(self, text: str) -> int:
        # Tokenising reads only the vocabulary, so it need not wait for a running generation.
        return len(self._model().tokenize(text.encode("utf-8"), add_bos=False))

    @property
    def busy(self) -> bool:
        """Whether a generation is running now (the page may say so)."""
        return self._lock.locked()

    def generate(self, messages: list[dict], *, timeout: float) -> Iterator[str]:
        if not self._lock.acquire(timeout=timeout):
            raise LLMFault(f"The LLM was busy for {timeout:g} s", "timeout")
        self._usage.value = llama = None
        try:
            llama = self._model()
            _perf(llama, reset=True)
            stream = llama.create_chat_completion(
                messages=messages, stream=True, max_tokens=self.max_tokens,
                temperature=self.temperature,
            )
            yield from _stream(_llama_pieces(stream, timeout), timeout, ())
        finally:
            if llama is not None:  # also when the caller stopped early, at a stop sequence
                self._usage.value = _perf(llama)
            self._lock.release()


def _perf(llama, reset: bool = False) -> dict | None:
    """llama.cpp's own counts and timings for the context's last prompt and reply.

    The prompt's leading tokens that match the previous request stay in the KV cache and are not
    read again (llama-cpp-python keeps the longest common prefix), so `prompt_evaluated` is what
    this request cost; tokens per second are llama.cpp's, free of the time spent around it.
    """
    import llama_cpp

    try:
        if reset:
            llama_cpp.llama_perf_context_reset(llama._ctx.ctx)
            return None
        data = llama_cpp.llama_perf_context(llama._ctx.ctx)
    except (AttributeError, TypeError):  # another llama-cpp-python layout: no figures, no fault
        return None
    prompt = max(0, llama.n_tokens - data.n_eval)
    return {
        "prompt_tokens": prompt,
        "prompt_cached": max(0, prompt - data.n_p_eval),
        "prompt_evaluated": data.n_p_eval,
        "prompt_tokens_per_s": round(1000 * data.n_p_eval / data.t_p_eval_ms, 1) if data.t_p_eval_ms else None,
        "generated_tokens": data.n_eval,
        "generated_tokens_per_s": round(1000 * data.n_eval / data.t_eval_ms, 1) if data.t_eval_ms else None,
    }


def _llama_pieces(stream, timeout: float) -> Iterator[tuple[str, str | None]]:
    """(text, finish_reason) from llama_cpp chunks, timing the gap before each one."""
    last = time.monotonic()
    for chunk in stream:
        if time.monotonic() - last > timeout:
            stream.close()
            raise TimeoutError("no token within the timeout")
        choice = chunk["choices"][0] if chunk.get("choices") else {}
        yield choice.get("delta", {}).get("content") or "", choice.get("finish_reason")
        last = time.monotonic()


class OpenAILLM(LLM):
    """Any OpenAI-compatible chat endpoint: OpenAI, Groq, Together, vLLM, Ollama, llama.cpp server."""

    def __init__(self, model: str, *, base_url: str | None = None, context_window: int = 8192,
                 max_tokens: int = 512, temperature: float = 0.0):
        openai = require("openai", "openai", "OpenAI-compatible endpoints")
        key = os.environ.get("OPENAI_API_KEY", "")
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        if not key and not base_url:
            raise LLMError("Set OPENAI_API_KEY (and OPENAI_BASE_URL for a non-OpenAI endpoint).")
        self.name = f"openai:{model}"
        self.model = model
        self.context_window = context_window
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._secrets = (key,) if key else ()
        # Local servers (Ollama, vLLM, llama.cpp) take any key; the client insists on one.
        self._client = openai.OpenAI(api_key=key or "no-key", base_url=base_url, max_retries=0)

    def generate(self, messages: list[dict], *, timeout: float) -> Iterator[str]:
        def pieces():
            stream = self._client.with_options(timeout=timeout).chat.completions.create(
                model=self.model, messages=messages, stream=True,
                max_tokens=self.max_tokens, temperature=self.temperature,
            )
            yield from _openai_style(stream)

        return _stream(pieces(), timeout, self._secrets)


class HFLLM(LLM):
    """Hugging Face Inference (serverless or an Endpoint), or a self-hosted TGI at `base_url`."""

    def __init__(self, model: str, *, base_url: str | None = None, context_window: int = 8192,
                 max_tokens: int = 512, temperature: float = 0.0):
        self._hub = require("huggingface_hub", "hf", "Hugging Face Inference")
        self.name = f"hf:{model or 'endpoint'}"
        self.model = model
        self.base_url = base_url
        self.context_window = context_window
        self.max_tokens = max_tokens
        self.temperature = temperature
        token = os.environ.get("HF_TOKEN", "")
        # Without HF_TOKEN, huggingface_hub falls back to the token `hf auth login` saved, if any.
        self._token = token or None
        self._secrets = (token,) if token else ()

    def generate(self, messages: list[dict], *, timeout: float) -> Iterator[str]:
        def pieces():
            if self.base_url:
                client = self._hub.InferenceClient(base_url=self.base_url, token=self._token,
                                                   timeout=timeout)
            else:
                client = self._hub.InferenceClient(model=self.model, token=self._token,
                                                   timeout=timeout)
            # With a base_url the model name only goes into the request body (TGI ignores it).
            stream = client.chat_completion(
                messages, model=(self.model or None) if self.base_url else None, stream=True,
                max_tokens=self.max_tokens, temperature=self.temperature,
            )
            yield from _openai_style(stream)

        return _stream(pieces(), timeout, self._secrets)


def _openai_style(stream) -> Iterator[tuple[str, str | None]]:
    """(text, finish_reason) from OpenAI-shaped chunks (openai and huggingface_hub both use them).

    Closes the stream when done or abandoned, to free the connection if we stop early.
    """
    try:
        yield from _chunks(stream)
    finally:
        getattr(stream, "close", lambda: None)()


def _chunks(stream) -> Iterator[tuple[str, str | None]]:
    for chunk in stream:
        if chunk.choices:
            choice = chunk.choices[0]
            yield (choice.delta.content if choice.delta else None) or "", choice.finish_reason


def _stream(pieces: Iterator[tuple[str, str | None]], timeout: float,
            secrets: tuple[str, ...]) -> Iterator[str]:
    """Yield text from (text, finish_reason) pairs; turn every failure into an LLMFault.

    A stream that ends without a finish reason was cut off; one with no text is empty.
    The whole reply may take at most ten timeouts, so a server that trickles forever ends too.
    """
    deadline = time.monotonic() + 10 * timeout
    finished = False
    got_text = False
    fault: LLMFault | None = None
    try:
        for text, finish in pieces:
            if text:
                got_text = True
                yield text
            finished = finished or bool(finish)
            if time.monotonic() > deadline:
                raise TimeoutError("the reply took too long")
    except LLMFault:
        raise
    except Exception as exc:
        fault = _classify(exc, timeout, secrets)
    if fault is not None:
        # Raised outside the handler so the library's exception, whose message or request may
        # carry a key, is not even attached as __context__.
        log.warning("LLM call failed: %s (%s)", fault, fault.detail)
        raise fault
    if not got_text:
        raise LLMFault("The LLM returned an empty answer", "empty")
    if not finished:
        raise LLMFault("The LLM stream broke off before the end", "cut")


_OVERFLOW = r"context (window|length)|maximum context|too many tokens|must be <= \d+|exceeds? (the )?max"


def _classify(exc: Exception, timeout: float, secrets: tuple[str, ...]) -> LLMFault:
    """Map any client library's exception to a short LLMFault (openai, httpx, huggingface_hub...)."""
    chain, cause = [], exc
    while cause is not None and len(chain) < 5:  # the wrapped httpx error tells a cut from a refusal
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    names = " ".join(t.__name__ for e in chain for t in type(e).__mro__)
    detail = scrub(f"{type(exc).__name__}: {exc}", secrets)[:300]
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None),
                                                          "status_code", None)
    if "OfflineModeIsEnabled" in names:
        return LLMFault("HF_HUB_OFFLINE=1 stops the hf backend from reaching its endpoint",
                        "connection", detail)
    if re.search(_OVERFLOW, detail, re.I):
        return LLMFault("The question and passages do not fit the LLM's context", "overflow", detail)
    if "Timeout" in names or isinstance(exc, TimeoutError):
        return LLMFault(f"The LLM timed out after {timeout:g} s", "timeout", detail)
    if isinstance(status, int):
        return LLMFault(f"The LLM returned an error (HTTP {status})", "http", detail)
    if re.search(r"RemoteProtocol|ReadError|ChunkedEncoding|IncompleteRead|StreamConsumed", names):
        return LLMFault("The LLM stream broke off before the end", "cut", detail)
    if "Connect" in names or isinstance(exc, ConnectionError):
        return LLMFault("The LLM could not be reached", "connection", detail)
    return LLMFault("The LLM failed", "error", detail)


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with the given secrets and anything that looks like a key replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = re.sub(r"(Bearer\s+)\S+", r"\1***", text, flags=re.I)
    return re.sub(r"\b(sk-|hf_|gsk_)[A-Za-z0-9_\-]{8,}", r"\1***", text)
