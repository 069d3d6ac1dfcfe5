"""A real browser: `streamlit run` on a free loopback port, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESCRIPTION = ("ShopHelp is the customer-support chatbot on our public web shop. It runs on GPT-4o through the "
               "OpenAI API and answers from our help-centre articles. Anyone can use it without logging in. "
               "<script>alert('x')</script>")

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Debian chromium not installed (.ci/run installs it)")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def app_url(tmp_path: Path, built_index):  # type: ignore[no-untyped-def]
    shutil.copytree(built_index.path, tmp_path / "index")
    port = free_port()
    env = {**os.environ, "THREATSCRIBE_WORKSPACE": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "ui" / "main.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def shots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("THREATSCRIBE_SCREENSHOTS") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(500)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)


def test_interview_draft_and_threats_in_a_real_browser(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    shots = shots_dir(tmp_path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)
        page.wait_for_selector('[data-testid="stChatInput"] textarea', timeout=60_000)
        first = page.locator('[data-testid="stChatMessageContent"]').first
        assert "ThreatScribe" in first.inner_text()
        page.screenshot(path=str(shots / "01-interview-start.png"))
        box = page.locator('[data-testid="stChatInput"] textarea')
        box.fill(DESCRIPTION)
        box.press("Enter")
        page.wait_for_function("document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= 3",
                               timeout=60_000)
        wait_idle(page)
        messages = page.locator('[data-testid="stChatMessageContent"]')
        assert "<script>" in messages.nth(1).inner_text()  # shown as text, not run
        assert "Noted" in messages.nth(2).inner_text()
        page.screenshot(path=str(shots / "02-interview-facts.png"), full_page=True)
        page.get_by_role("button", name="Draft now").click()
        page.wait_for_selector("text=is ready", timeout=180_000)
        wait_idle(page)
        page.get_by_role("link", name="Threat model").click()
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
        wait_idle(page)
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        assert page.locator('[data-testid="stExpander"]').count() >= 5
        page.screenshot(path=str(shots / "03-threat-model.png"), full_page=True)
        page.locator('[data-testid="stExpander"]').nth(1).click()
        page.wait_for_timeout(800)
        page.screenshot(path=str(shots / "04-threat-details.png"), full_page=True)
        for name, file in (("Pictures", "05-pictures.png"), ("Export", "06-export.png"),
                           ("Sessions", "07-sessions.png"), ("Settings", "08-settings.png")):
            page.get_by_role("link", name=name).click()
            page.wait_for_timeout(1500)
            wait_idle(page)
            page.screenshot(path=str(shots / file), full_page=True)
        browser.close()
