"""Time from starting `streamlit run` on a set-up checkout to the first page being interactive
(chat input visible in a real browser). A script that prints numbers, not a test.
Usage: .venv/bin/python benchmarks/ui_bench.py   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(runs: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    timings = []
    for _ in range(runs):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app/ui/main.py", "--server.headless",
                                 "true", "--server.address", "127.0.0.1", "--server.port", str(port),
                                 "--browser.gatherUsageStats", "false"], cwd=ROOT, env=dict(os.environ),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
                page = browser.new_page()
                while True:
                    try:
                        page.goto(f"http://127.0.0.1:{port}", timeout=2000)
                        break
                    except Exception:  # server not up yet
                        time.sleep(0.2)
                page.wait_for_selector('[data-testid="stChatInput"] textarea', timeout=60_000)
                timings.append(time.perf_counter() - started)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print("first page interactive after start (s): " + ", ".join(f"{t:.1f}" for t in timings)
          + f"  (max {max(timings):.1f})")


if __name__ == "__main__":
    main()
