"""Widget load benchmark: how soon the chat launcher is on screen after navigation starts.

    .venv/bin/python bench/widget_load.py [--json] [--loads 30] [--url URL --key PUBLIC_KEY]

Without --url it starts its own Seabridge (`seabridge serve` on a loopback port, SQLite in a
temporary directory, evals/store imported). A plain store page is served by a second local
HTTP server (another origin, like a real store), in two versions that differ only by the
widget's script tag (`async`, as sellers are told to embed it). Each load is a fresh browser
context (cold cache, a first visit) in Debian's Chromium, headless.

Measured per load, from navigation start (performance.timeOrigin):
- launcher: the widget's launcher painted: the frame after widget.js inserted it
  (`seabridge:ready`, then requestAnimationFrame, then a task: the paint has happened);
- baseline, same run: first contentful paint of the same page without the widget.
Reports p50/p95 of both and the ratio launcher p50 / baseline p50.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SEABRIDGE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]
PAINTED = """
window.__sb = new Promise(done => addEventListener("seabridge:ready",
  () => requestAnimationFrame(() => setTimeout(() => done(performance.now())))));
"""
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,">
<style>body{font:16px system-ui;margin:2rem}</style></head><body><h1>A store page</h1>
<p>Products, prices and a basket would be here.</p>%s</body></html>"""


@contextmanager
def seabridge() -> Iterator[tuple[str, str]]:
    """A fresh Seabridge with the evaluation store; yields (url, widget key)."""
    with tempfile.TemporaryDirectory(prefix="sb-widget-bench-") as tmp:
        env = {
            **os.environ,
            "SEABRIDGE_DATA_DIR": tmp,
            "SEABRIDGE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/seabridge.db",
            "SEABRIDGE_SECRET_KEY": "bench-widget",
            "SEABRIDGE_LOG_LEVEL": "WARNING",
            "SEABRIDGE_AGENT_ENGINE": "off",
        }
        cli = [sys.executable, "-m", "seabridge"]
        subprocess.run([*cli, "store", "import", str(ROOT / "evals" / "store"), "--store", "harbor"], env=env,
                       check=True, capture_output=True)  # fmt: skip
        listed = subprocess.run([*cli, "store", "list", "--json"], env=env, check=True, capture_output=True, text=True)
        key = next(s["public_key"] for s in json.loads(listed.stdout) if s["slug"] == "harbor")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = str(probe.getsockname()[1])
        proc = subprocess.Popen([*cli, "serve", "--port", port], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)  # fmt: skip
        try:
            assert proc.stdout is not None
            url = ""
            for line in proc.stdout:
                match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
                if match and "listening" in line:
                    url = match.group(1)
                    break
            if not url:
                raise SystemExit("seabridge serve did not start")
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            yield url, key
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@contextmanager
def store_pages(widget_tag: str) -> Iterator[str]:
    """Serves /with (the widget's tag) and /without (none) on another loopback origin."""
    pages = {"/with": (PAGE % widget_tag).encode(), "/without": (PAGE % "").encode()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(url: str, key: str, loads: int) -> dict[str, Any]:
    tag = f'<script src="{url}/widget.js" data-store="{key}" async></script>'
    launcher: list[float] = []
    baseline: list[float] = []
    with store_pages(tag) as shop, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for i in range(loads + 2):  # two warm-up loads (server caches, browser processes)
                for with_widget in (True, False):
                    context = browser.new_context()
                    page = context.new_page()
                    if with_widget:
                        page.add_init_script(PAINTED)
                        page.goto(f"{shop}/with")
                        value = float(page.evaluate("window.__sb"))
                    else:
                        page.goto(f"{shop}/without")
                        value = float(
                            page.evaluate(
                                "new Promise(done => new PerformanceObserver((l, o) => {"
                                " const e = l.getEntries().find(x => x.name === 'first-contentful-paint');"
                                " if (e) { o.disconnect(); done(e.startTime); } })"
                                ".observe({type: 'paint', buffered: true}))"
                            )
                        )
                    context.close()
                    if i >= 2:
                        (launcher if with_widget else baseline).append(value)
        finally:
            browser.close()
    return {
        "loads": loads,
        "launcher_ms": {"p50": round(statistics.median(launcher), 1), "p95": round(pct(launcher, 0.95), 1)},
        "baseline_fcp_ms": {"p50": round(statistics.median(baseline), 1), "p95": round(pct(baseline, 0.95), 1)},
        "ratio_p50": round(statistics.median(launcher) / statistics.median(baseline), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--loads", type=int, default=30)
    parser.add_argument("--url", help="a running Seabridge (else one is started)")
    parser.add_argument("--key", help="the widget key of a store on --url")
    args = parser.parse_args()
    if args.url:
        if not args.key:
            parser.error("--url needs --key")
        result = measure(args.url.rstrip("/"), args.key, args.loads)
    else:
        with seabridge() as (url, key):
            result = measure(url, key, args.loads)
    if args.json:
        print(json.dumps(result))
        return
    print(f"launcher painted   p50 {result['launcher_ms']['p50']} ms   p95 {result['launcher_ms']['p95']} ms")
    print(f"baseline FCP       p50 {result['baseline_fcp_ms']['p50']} ms   p95 {result['baseline_fcp_ms']['p95']} ms")
    print(f"ratio (p50)        {result['ratio_p50']}   over {result['loads']} loads")


if __name__ == "__main__":
    main()
