"""How long a fresh `python app.py` takes to serve a ready chat page.

Each run starts app.py in a new process with its own index, data and cache folders (so the first
run builds the index and exports the query encoder, as a new Space does) and measures, from the
moment the process is started:
  http_s  until GET / answers 200;
  page_s  until headless Chromium, already running, shows the question box of the loaded page.
A second run per round reuses the index and the export the first one made (a restart): it never
imports sentence-transformers. The budget is 20 s.

    python benchmarks/page_cold_start.py [--rounds 3]

Prints one line per run, a summary line per kind of run and the machine's load average;
exits 1 if any page took longer than the budget.
Writes only under a temporary folder, and stops the servers it started.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 20.0
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer in time")


def run_once(browser, work: Path, label: str, timeout: float = 120.0) -> dict:
    port = _free_port()
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(work / "gradio"), HF_HUB_OFFLINE="1",
               ASSISTANT_INDEX_DIR=str(work / "index"), ASSISTANT_DATA_DIR=str(work / "data"),
               ASSISTANT_CACHE_DIR=str(work / "cache"))
    url = f"http://127.0.0.1:{port}/"
    log = open(work / f"{label}.log", "w")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(url, proc, t0 + timeout)
        http_s = time.monotonic() - t0
        page = browser.new_page()
        page.goto(url, timeout=timeout * 1000)
        page.locator("#question textarea").wait_for(timeout=timeout * 1000)
        page_s = time.monotonic() - t0
        page.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    return {"run": label, "http_s": round(http_s, 2), "page_s": round(page_s, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--chromium", default=os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for i in range(args.rounds):
            work = Path(tmp) / f"round{i}"
            work.mkdir()
            for label in ("no-index", "with-index"):  # the second reuses the index the first built
                r = run_once(browser, work, label)
                results.append(r)
                print(f"round {i} {r['run']:<10} http {r['http_s']:6.2f} s   page ready {r['page_s']:6.2f} s", flush=True)
        browser.close()
    for label in ("no-index", "with-index"):
        pages = [r["page_s"] for r in results if r["run"] == label]
        print(f"{label}: page ready median {statistics.median(pages):.2f} s, max {max(pages):.2f} s "
              f"over {len(pages)} runs (budget {BUDGET_S:.0f} s, {os.cpu_count()} cores)")
    # Other work on the machine slows a start-up a lot on 2 cores: say how busy it was.
    print("load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0 if all(r["page_s"] <= BUDGET_S for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
