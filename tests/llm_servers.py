"""Servers on 127.0.0.1 for the LLM tests: a real llama.cpp server and a fault server.

`llama_server(model)` runs `python -m llama_cpp.server` on a free port and yields its URL once
it answers. `FaultServer` speaks just enough of the OpenAI chat API to misbehave on purpose;
the first path segment picks the fault, so `server.url("cut") + "/v1"` is an OpenAI base URL:

    hang     accept the request and never answer (until the server stops)
    stall    send the headers and one piece of the reply, then go quiet
    error500 answer HTTP 500, echoing the request's Authorization header into the body
             (a careless server; the client must still not leak the key)
    empty    a well-formed stream whose only content is ""
    cut      a chunked stream closed mid-way, without the final chunk
    nofinish a stream that ends cleanly but without a finish reason or [DONE]
    scripted a well-formed stream of `FaultServer(script=...)`, word by word: a model whose
             reply is known, to test what verification makes of it
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def llama_server(model: Path, *, n_ctx: int = 2048, startup: float = 90.0) -> Iterator[str]:
    """A llama.cpp OpenAI-compatible server for `model`; yields "http://127.0.0.1:PORT"."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile("w+", prefix="llama-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "2"],
        stdout=log, stderr=subprocess.STDOUT, env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ},
    )
    try:
        deadline = time.monotonic() + startup
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {Path(log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _chunk(content: str, finish: str | None = None) -> bytes:
    body = {
        "id": "fault", "object": "chat.completion.chunk", "created": 0, "model": "fault",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content},
                     "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = self.path.strip("/").split("/")[0]
        released = self.server.released  # type: ignore[attr-defined]
        if mode == "hang":
            released.wait(30)
            self.close_connection = True
            return
        if mode == "error500":
            body = json.dumps({"error": {"message": "internal error for "
                                         + self.headers.get("Authorization", "")}}).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if mode in ("cut", "stall"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = _chunk("Junior ML engineers earn")
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            if mode == "stall":
                released.wait(30)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_header("Connection", "close")
        self.end_headers()
        if mode == "empty":
            self.wfile.write(_chunk("", "stop") + b"data: [DONE]\n\n")
        elif mode == "scripted":
            for word in re.findall(r"\S+\s*", self.server.script):  # type: ignore[attr-defined]
                self.wfile.write(_chunk(word))
            self.wfile.write(_chunk("", "stop") + b"data: [DONE]\n\n")
        else:  # nofinish
            self.wfile.write(_chunk("Junior ML engineers earn ") + _chunk("well [1]."))
        self.close_connection = True


class FaultServer:
    """A misbehaving OpenAI-compatible server on a free loopback port, run in a thread."""

    def __init__(self, script: str = ""):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.script = script  # type: ignore[attr-defined]
        self._httpd.released = threading.Event()  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{mode}"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.released.set()  # type: ignore[attr-defined]
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
