"""Load: concurrent chat sessions against the running app through gradio_client, while an ingest runs.

    python benchmarks/load.py                         # starts app.py on a free port with its own folders
    python benchmarks/load.py --url http://127.0.0.1:7860 --pid 12345   # an app already running

For --seconds (default 60) `--sessions` (default 25) clients, each its own browser session, ask the
dev-set questions in a loop through the chat endpoint. A few seconds in, another session uploads
documents through the upload endpoint, so the index grows while questions are answered. Then a
burst of more requests than the queue holds checks that the overflow gets a clear "busy" message.

Reports: requests, failures, p50 / p90 / p99 latency, the app's memory at start and end, and the
queue-full message. Exits 1 when a request failed, memory grew more than 10 %, or the burst got no
clear busy message. Bounded: it stops at --seconds plus the time to drain what is in flight, and
stops any app it started. Writes only under a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEV, GUIDE, ROOT, load_jsonl, machine, offline, percentile, table  # noqa: E402

MEMORY_GROWTH_LIMIT = 0.10
ANSWERER = "extractive"  # the page's chat handler takes the Settings tab's choice after the question
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app (default: start app.py on a free port)")
    parser.add_argument("--pid", type=int, help="the running app's process id, to watch its memory")
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--chat-api", default="/ask", help="the chat endpoint's api_name")
    parser.add_argument("--upload-api", default="/upload", help="the upload endpoint's api_name ('' for no ingest)")
    parser.add_argument("--uploads", type=int, default=40, help="documents uploaded during the run")
    parser.add_argument("--burst", type=int, default=0, help="requests fired at once at the end (default: queue size + sessions)")
    parser.add_argument("--timeout", type=float, default=300.0, help="the longest one request may take")
    parser.add_argument("--json", dest="json_out", help="write the results to this file")
    args = parser.parse_args(argv)
    offline()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    work = Path(tempfile.mkdtemp(prefix="assistant-load-"))
    app = None
    try:
        if args.url:
            url, pid = args.url.rstrip("/"), args.pid
        else:
            app, url = _start_app(work)
            pid = app.pid
        results = _run(args, url, pid, work)
    finally:
        if app is not None:
            app.terminate()
            try:
                app.wait(timeout=20)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        shutil.rmtree(work, ignore_errors=True)
    _print(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0 if results["ok"] else 1


# -- the app -----------------------------------------------------------------------------------


def _start_app(work: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (work / "corpus").mkdir()
    shutil.copy(GUIDE, work / "corpus" / GUIDE.name)
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(work / "corpus"), "ASSISTANT_INDEX_DIR": str(work / "index"),
           "ASSISTANT_DATA_DIR": str(work / "data"), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_TEMP_DIR": str(work / "gradio-tmp")}
    log = open(work / "app.log", "wb")
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit(f"app.py exited with {app.returncode}:\n{(work / 'app.log').read_text(errors='replace')[-3000:]}")
        try:
            with _DIRECT.open(url + "/", timeout=2) as response:
                if response.status == 200:
                    return app, url
        except OSError:
            time.sleep(0.5)
    app.kill()
    raise SystemExit("app.py did not serve its page within 180 s")


def _rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# -- the run -----------------------------------------------------------------------------------


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


def _questions() -> list[str]:
    try:
        return [item["question"] for item in load_jsonl(DEV)]
    except OSError:
        return ["What do junior ML engineers earn?", "Which city leads for ML roles?", "Which vector databases are mentioned?"]


def _answer_text(output) -> str:
    """The last assistant message of the chat endpoint's output (the chatbot value comes first)."""
    messages = output[0] if isinstance(output, (list, tuple)) and output and isinstance(output[0], list) else output
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "assistant":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _session(url, api, questions, stop_at, timeout, latencies, failures, lock, seed):
    rng = random.Random(seed)
    try:
        client = _client(url)
    except Exception as exc:
        with lock:
            failures.append(f"session could not connect: {type(exc).__name__}: {exc}")
        return
    while time.monotonic() < stop_at:
        question = rng.choice(questions)
        started = time.monotonic()
        try:
            job = client.submit(question, ANSWERER, api_name=api)
            output = job.result(timeout=timeout)
            text = _answer_text(output)
            if not text or "Something went wrong" in text:
                raise RuntimeError(f"no answer in the reply: {text[:120]!r}")
        except Exception as exc:
            with lock:
                failures.append(f"{question[:50]!r}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        with lock:
            latencies.append(time.monotonic() - started)


def _ingest(url, api, work: Path, count: int, start_after: float, done: dict):
    """Upload `count` small documents one request at a time, as a user adding notes would."""
    from gradio_client import handle_file

    time.sleep(start_after)
    folder = work / "uploads"
    folder.mkdir(exist_ok=True)
    client = _client(url)
    started = time.monotonic()
    for i in range(count):
        path = folder / f"city-notes-{i:03d}.txt"
        path.write_text(
            f"City Notes {i}\nCommute\nThe commute to tech park {i} takes {20 + i % 40} minutes at peak hours.\n"
            f"Housing\nA one-bedroom flat near tech park {i} rents for about {15 + i % 20} thousand rupees a month.\n",
            encoding="utf-8",
        )
        try:
            client.predict([handle_file(str(path))], api_name=api)
            done["uploaded"] += 1
        except Exception as exc:
            done["errors"].append(f"upload {i}: {type(exc).__name__}: {str(exc)[:200]}")
    done["seconds"] = round(time.monotonic() - started, 1)


def _burst(url: str, api: str, n: int, timeout: float) -> dict:
    """Fire `n` requests at once; those over the queue's size must be told the app is busy."""
    clients = [_client(url) for _ in range(min(n, 8))]
    jobs = [clients[i % len(clients)].submit("What do junior ML engineers earn?", ANSWERER, api_name=api) for i in range(n)]
    busy, answered, other = [], 0, []
    for job in jobs:
        try:
            job.result(timeout=timeout)
            answered += 1
        except Exception as exc:
            message = str(exc)
            (busy if "queue is full" in message.lower() or "busy" in message.lower() else other).append(message[:200])
    return {"fired": n, "answered": answered, "busy": len(busy), "busy_message": busy[0] if busy else "", "other_errors": other[:5]}


def _run(args, url: str, pid: int | None, work: Path) -> dict:
    questions = _questions()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    _client(url).predict(questions[0], ANSWERER, api_name=args.chat_api)  # warm: the model and index are loaded
    memory = [(0.0, _rss_mb(pid))]
    started = time.monotonic()
    stop_at = started + args.seconds
    threads = [
        threading.Thread(target=_session, args=(url, args.chat_api, questions, stop_at, args.timeout, latencies, failures, lock, i), daemon=True)
        for i in range(args.sessions)
    ]
    ingest = {"uploaded": 0, "errors": [], "seconds": None}
    if args.upload_api:
        threads.append(threading.Thread(target=_ingest, args=(url, args.upload_api, work, args.uploads, 5.0, ingest), daemon=True))
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and time.monotonic() < stop_at + args.timeout:
        time.sleep(1.0)
        memory.append((round(time.monotonic() - started, 1), _rss_mb(pid)))
    elapsed = time.monotonic() - started
    hung = sum(t.is_alive() for t in threads)
    burst = _burst(url, args.chat_api, args.burst or 64 + args.sessions + 16, args.timeout)
    rss = [m for _, m in memory if m is not None]
    growth = (rss[-1] - rss[0]) / rss[0] if len(rss) > 1 else None
    ok = (not failures and not hung and not ingest["errors"] and burst["busy"] > 0 and not burst["other_errors"]
          and (growth is None or growth <= MEMORY_GROWTH_LIMIT))
    return {
        "machine": machine(), "url": url, "sessions": args.sessions, "seconds": round(elapsed, 1),
        "requests": len(latencies) + len(failures), "failed": len(failures), "failures": failures[:10], "hung_sessions": hung,
        "p50_s": _round(percentile(latencies, 0.5)), "p90_s": _round(percentile(latencies, 0.9)), "p99_s": _round(percentile(latencies, 0.99)),
        "throughput_per_min": round(len(latencies) / elapsed * 60, 1) if elapsed else None,
        "rss_start_mb": _round(rss[0] if rss else None), "rss_end_mb": _round(rss[-1] if rss else None),
        "rss_max_mb": _round(max(rss) if rss else None), "memory_growth": _round(growth, 3),
        "ingest": ingest, "burst": burst, "ok": ok,
    }


def _round(value, digits: int = 2):
    return None if value is None or value != value else round(value, digits)


def _print(r: dict):
    print(r["machine"])
    print(table(
        ["sessions", "seconds", "requests", "failed", "p50 s", "p90 s", "p99 s", "answers/min", "RSS start→end MB", "growth", "uploaded during run"],
        [[r["sessions"], r["seconds"], r["requests"], r["failed"], r["p50_s"], r["p90_s"], r["p99_s"], r["throughput_per_min"],
          f"{r['rss_start_mb']} → {r['rss_end_mb']}", f"{(r['memory_growth'] or 0) * 100:.1f} %" if r["memory_growth"] is not None else "n/a",
          f"{r['ingest']['uploaded']} files in {r['ingest']['seconds']} s"]],
    ))
    b = r["burst"]
    print(f"\nburst of {b['fired']}: {b['answered']} answered, {b['busy']} told busy ({b['busy_message']!r})")
    for line in r["failures"] + r["ingest"]["errors"] + b["other_errors"]:
        print("  failed:", line)
    print("\nPASS" if r["ok"] else "\nFAIL")


if __name__ == "__main__":
    sys.exit(main())
