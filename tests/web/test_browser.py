"""One real browser session (Playwright driving Debian's chromium): log in, open the queue,
decide a pair with the keyboard, find the decision in the audit log. Saves the screenshots
the README shows to docs/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import running_in_ci  # skipping is a failure in CI

from .conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots are refreshed on request (CRMHUB_SCREENSHOTS=docs/screenshots), so a
# test run does not rewrite tracked files; otherwise they go to a temporary folder.
SCREENSHOTS = Path(os.environ["CRMHUB_SCREENSHOTS"]).resolve() if os.environ.get("CRMHUB_SCREENSHOTS") else None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    port = _free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[object]:
    """A page in headless chromium (Debian's; Playwright's own download does not work here)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_a_steward_decides_a_pair_with_the_keyboard_and_sees_it_in_the_audit_log(
    server: str, browser_page, seeded, tmp_path
):
    page = browser_page
    shots = SCREENSHOTS or tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    page.goto(f"{server}/queue")
    assert page.url.startswith(f"{server}/login")
    page.fill("input[name=name]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 4
    assert "Mario Rossi" in rows.nth(0).inner_text()

    page.keyboard.press("j")  # select the first row
    page.keyboard.press("j")  # and move to the second
    page.keyboard.press("k")  # and back
    assert "selected" in (rows.nth(0).get_attribute("class") or "")
    page.screenshot(path=str(shots / "queue.png"), full_page=True)

    page.keyboard.press("Enter")
    first = seeded.pairs["C001/S-77"]
    page.wait_for_url(f"{server}/pairs/{first}?pos=0")
    assert page.locator("table.sidebyside tr.agree-one-sided").count() > 0
    page.screenshot(path=str(shots / "side-by-side.png"), full_page=True)

    page.keyboard.press("s")  # same customer
    page.wait_for_url(f"{server}/pairs/{seeded.pairs['L-9/C003']}**")
    assert f"Decision on pair {first} recorded" in page.inner_text("main")

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-box"

    page.goto(f"{server}/audit?kind=steward.decided")
    entry = page.locator("table.events tbody tr").first
    text = entry.inner_text()
    assert "sam" in text and "steward.decided" in text and f"pair {first}" in text
    assert "same" in text

    page.goto(f"{server}/customers/{seeded.golden_mario}")
    page.locator("details.lineage").first.locator("summary").click()
    page.screenshot(path=str(shots / "customer.png"), full_page=True)
    for name in ("queue.png", "side-by-side.png", "customer.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
