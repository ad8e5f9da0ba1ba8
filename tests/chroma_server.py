"""A real `chroma run` server on 127.0.0.1 for tests: started on a free port, stopped afterwards.

    with chroma_server(tmp_path / "chroma") as url:
        bot = Assistant(corpus_dir=..., index_dir=..., chroma_url=url)

The server is the `chroma` command installed with chromadb, next to the running Python.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def chroma_command() -> str | None:
    """The `chroma` executable beside this interpreter, else on PATH; None when absent."""
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chroma_server(path: Path, timeout: float = 30.0):
    """Run `chroma run --path PATH --host 127.0.0.1 --port FREE`; yields its URL once the heartbeat answers."""
    command = chroma_command()
    if command is None:
        raise RuntimeError("the `chroma` command is not installed (it comes with chromadb)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(path).with_suffix(".log")
    Path(path).mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [command, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        _wait_for_heartbeat(url, proc, timeout, log)
        yield url
    finally:
        _stop(proc)


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def _wait_for_heartbeat(url: str, proc: subprocess.Popen, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`chroma run` exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with _DIRECT.open(f"{url}/api/v2/heartbeat", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    _stop(proc)
    raise RuntimeError(f"`chroma run` did not answer its heartbeat within {timeout:.0f} s")


def _stop(proc: subprocess.Popen):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
