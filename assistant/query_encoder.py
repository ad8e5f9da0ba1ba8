"""The embedding model exported to ONNX, so questions are encoded without importing torch.

Indexing runs the model through sentence-transformers (embedding.py). The first time that model
is loaded on a machine, `export()` writes its transformer to ONNX with `torch.onnx.export`, beside
the exact tokenizer and the settings that matter (maximum length, query prompt), in a folder of the
user's cache named for the model's files; it checks the copy against sentence-transformers on a
few probe texts before keeping it. A later process then answers with `QueryEncoder`: onnxruntime
(installed with Chroma) and `tokenizers` (a Rust library, quick to import), with mean pooling and
normalisation as sentence-transformers does them. Start-up drops from ~6 s to ~0.4 s.

Only models that sentence-transformers runs as transformer -> mean pooling (-> normalize) are
exported; anything else keeps encoding through sentence-transformers.
Leaves out: choosing which encoder answers (embedding.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

log = logging.getLogger("assistant")

FORMAT = 1  # bump when what export() writes changes: older exports are then ignored
MODEL_FILE, TOKENIZER_FILE, META_FILE = "model.onnx", "tokenizer.json", "meta.json"
_PROBES = ["What do junior ML engineers earn?", "", "₹15,00,000 – ₹25,00,000 per annum (15–25 LPA)",
           "Bangalore mein kitni salary milti hai?", "MLOps " * 300]
_MIN_COSINE = 0.9999


def fingerprint(model_dir: str | Path) -> str | None:
    """A short key naming this model's files as they are now (path, size, mtime), or None.

    Reinstalling or changing the model changes the key, so a stale export is never used.
    """
    folder = Path(model_dir)
    if not folder.is_dir():
        return None
    h = hashlib.sha1(f"{FORMAT}|{folder.resolve()}".encode())
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".md":
            st = path.stat()
            h.update(f"|{path.relative_to(folder).as_posix()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def export_dir(cache_dir: str | Path, key: str) -> Path:
    return Path(cache_dir) / "query-encoder" / key


def read_meta(folder: str | Path) -> dict | None:
    """The settings of the export in `folder` when it is one of this FORMAT, else None."""
    try:
        meta = json.loads((Path(folder) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT and "dim" in meta else None


def export(st_model, cache_dir: str | Path, key: str) -> Path | None:
    """Export a loaded SentenceTransformer to `<cache_dir>/query-encoder/<key>`; the folder, or None.

    None when the model is not transformer + mean pooling, or the ONNX copy does not give the same
    vectors on the probe texts. Concurrent exports are safe: each writes a temporary folder and the
    first rename wins.
    """
    target = export_dir(cache_dir, key)
    if read_meta(target) is not None:
        return target
    shutil.rmtree(target, ignore_errors=True)  # an older format, or a broken copy: replaced below
    spec = _pipeline(st_model)
    if spec is None:
        return None
    import torch

    transformer, prompts = spec
    inputs = list(transformer.tokenizer.model_input_names)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=".export-"))
    try:
        wrapped = _token_embeddings(transformer.auto_model, inputs).eval()
        sample = transformer.tokenizer(["a question", "another question here"], padding=True, return_tensors="pt")
        axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "token_embeddings"]}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's notes on opset choices are not for users
            torch.onnx.export(wrapped, tuple(sample[name] for name in inputs), str(work / MODEL_FILE),
                              input_names=inputs, output_names=["token_embeddings"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)
        transformer.tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
        meta = {"format": FORMAT, "key": key, "inputs": inputs, "max_tokens": int(st_model.max_seq_length),
                "prompts": prompts, "dim": int(_dimension(st_model)),
                "torch": torch.__version__}
        (work / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        probe = QueryEncoder(work, threads=1)
        worst = 1.0
        for kind, prompt in prompts.items():
            reference = st_model.encode([prompt + t for t in _PROBES], normalize_embeddings=True).tolist()
            got = probe.encode(_PROBES, prompt=kind)
            worst = min(worst, *(sum(a * b for a, b in zip(x, y)) for x, y in zip(got, reference)))
        if worst < _MIN_COSINE:
            log.warning("The ONNX query encoder differs from the model (cosine %.6f); questions use the model.", worst)
            return None
        try:
            os.replace(work, target)
        except OSError:  # another process finished first: use its copy
            pass
        return target if read_meta(target) is not None else None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _dimension(st_model) -> int:
    get = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    return get()


def _pipeline(st_model):
    """(transformer module, {"query": prompt, "text": prompt}) for transformer -> mean pooling (-> normalize)."""
    modules = list(st_model)
    kinds = [type(m).__name__ for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None) or (
        "mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else None)
    transformer = modules[0]
    if mode != "mean" or not hasattr(transformer, "auto_model") or not hasattr(transformer.tokenizer, "backend_tokenizer"):
        return None
    known = getattr(st_model, "prompts", None) or {}
    prompts = {kind: known.get(kind) or "" for kind in ("query", "text")}
    if any(prompts.values()) and not getattr(pooling, "include_prompt", True):  # pooling skips the prompt's tokens
        return None
    return transformer, prompts


def _token_embeddings(auto_model, inputs: list[str]):
    """A torch module taking the tokenizer's tensors positionally and returning the token embeddings."""
    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = auto_model

        def forward(self, *tensors):
            return self.model(**dict(zip(inputs, tensors))).last_hidden_state

    return TokenEmbeddings()


class QueryEncoder:
    """Encodes texts with an exported model: same vectors as sentence-transformers, unit length.

    >>> enc = QueryEncoder(export_dir(cache, key))           # doctest: +SKIP
    >>> [round(x, 3) for x in enc.encode(["What do juniors earn?"])[0][:3]]  # doctest: +SKIP
    [-0.021, 0.034, 0.057]
    """

    def __init__(self, folder: str | Path, threads: int | None = None):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = read_meta(folder)
        if meta is None:
            raise ValueError(f"{folder} holds no export of format {FORMAT}")
        self.dim = int(meta["dim"])
        self.prompts = meta.get("prompts") or {}
        self._inputs = meta["inputs"]
        self._np = np
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(int(meta["max_tokens"]))
        self._tokenizer.no_padding()  # padded per batch below, to the longest text in it
        options = ort.SessionOptions()
        # Every core while idle, and threads that sleep rather than spin when another process is busy.
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._lock = threading.Lock()

    def encode(self, texts: list[str], prompt: str = "query", batch_size: int = 16) -> list[list[float]]:
        """Unit vectors for `texts` in order, after the model's `prompt` ("query" or "text") if it has one.

        Batches hold texts of similar length, so little is padded.
        """
        np = self._np
        texts = [self.prompts.get(prompt, "") + t for t in texts]
        encodings = self._tokenizer.encode_batch(texts) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            feeds = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self._inputs}
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                for name, values in (("input_ids", e.ids), ("attention_mask", e.attention_mask), ("token_type_ids", e.type_ids)):
                    if name in feeds:
                        feeds[name][r, :n] = values
            with self._lock:
                tokens = self._session.run(None, feeds)[0]
            mask = feeds["attention_mask"][..., None].astype(np.float32) if "attention_mask" in feeds else np.ones((*tokens.shape[:2], 1), np.float32)
            mean = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[rows] = mean / np.clip(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12, None)
        return out.tolist()
