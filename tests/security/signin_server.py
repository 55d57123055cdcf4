"""The served app and the browser for the sign-in tests: `pars serve` on a free port, Debian's chromium.

Each test module starts its own server with its own users file (the tests change users and lock them out), over
the session's built warehouse. Settings that only the new code reads are passed in the environment, so the same
tests run unchanged against the old code (and fail on their assertions, not on a start-up error).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboards import auth
from dashboards.serve import healthy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_fixtures import BROWSER_ARGS, CHROMIUM, TIMEOUT_MS, free_port  # noqa: E402, F401  (shared)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=30_000)  # the app's first run can take seconds on a busy machine (default 5 s)
ROOT = Path(__file__).resolve().parents[2]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def make_users(root: Path, roles: dict[str, str]) -> dict[str, str]:
    """A users file in root with these users (name -> role); returns name -> password."""
    passwords = {}
    for name, role in roles.items():
        passwords[name] = f"{name}-pass-{role}"
        auth.add_user(root / "users.json", name, role, passwords[name])
    return passwords


class Served:
    """`pars serve` as a subprocess; start() again after stop() serves the same files (a restart)."""

    def __init__(self, root: Path, db: Path, releases: Path, env: dict[str, str] | None = None):
        self.root, self.db, self.releases = root, db, releases
        self.users, self.audit = root / "users.json", root / "audit.jsonl"
        self.env = {**os.environ, **(env or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.root / "serve.log").open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "warehouse",
                "serve",
                "--db",
                str(self.db),
                "--releases",
                str(self.releases),
                "--users",
                str(self.users),
                "--audit-log",
                str(self.audit),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while not healthy(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"pars serve did not start: {(self.root / 'serve.log').read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def audit_lines(self) -> list[dict]:
        if not self.audit.exists():
            return []
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line.strip()]


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def settle(pg) -> None:
    """Wait until the app has finished its rerun (no element marked stale, no status widget running)."""
    pg.wait_for_function("""() => !document.querySelector('[data-stale="true"]')
                              && !document.querySelector('[data-testid="stStatusWidget"]')""")


def submit(pg, name: str, password: str) -> None:
    """Fill the sign-in form of the page shown and submit it."""
    expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
    settle(pg)
    pg.get_by_role("textbox", name="User name").fill(name)
    pg.get_by_role("textbox", name="Password").fill(password)
    pg.get_by_role("button", name="Sign in").click()


def heading(pg):
    return pg.locator("h1").first
