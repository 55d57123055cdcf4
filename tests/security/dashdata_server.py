"""The served app and the browser pages of the dashboard data tests: `pars serve` in its own process, sign-in, waits.

Shared by test_dashdata_loads.py and test_dashdata_markup.py. A page records every request not served by the app
itself (`pg.outside_requests`).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboards.serve import healthy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_fixtures import TIMEOUT_MS, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """`pars serve` (python -m warehouse serve) on a free loopback port, in its own process."""

    def __init__(self, db: Path, releases: Path, users: Path, root: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "serve.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "warehouse",
                "serve",
                "--db",
                str(db),
                "--releases",
                str(releases),
                "--users",
                str(users),
                "--audit-log",
                str(root / "audit.jsonl"),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not healthy(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"pars serve did not start: {self.log_path.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def new_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.outside_requests = []  # every request not served by the app itself
    pg.on(
        "request",
        lambda r: (
            None if r.url.startswith(url) or r.url.startswith(("data:", "blob:")) else pg.outside_requests.append(r.url)
        ),
    )
    return pg


def sign_in(pg, url: str, name: str, password: str) -> None:
    pg.goto(url)
    pg.get_by_role("textbox", name="User name").fill(name)
    pg.get_by_role("textbox", name="Password").fill(password)
    pg.get_by_role("button", name="Sign in").click()


def settle(pg) -> None:
    """Wait until the app has finished its rerun (no element marked stale, no status widget running)."""
    pg.wait_for_function("""() => !document.querySelector('[data-stale="true"]')
                              && !document.querySelector('[data-testid="stStatusWidget"]')""")


def expect_text(locator, text: str) -> None:
    """Wait until the element shows `text` (spaces normalized; the app's invisible word joiners U+2060 ignored)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        shown = " ".join(locator.inner_text().replace("\u2060", "").split())
        if text in shown:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} is not shown as text; the page shows {shown!r}")
        time.sleep(0.05)
