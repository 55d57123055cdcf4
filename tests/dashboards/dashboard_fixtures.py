"""Fixtures of the dashboard tests: a users file made with `pars users add`, releases made with `pars release`, and
the one `pars serve` of a worker that the browser tests needing no fresh server share (`shared_server`).

Not a conftest.py: the browser tests of tests/security use them too, so the test modules import these fixtures;
each is made once per session (kept under the session's base temporary directory) whichever module asks first;
the releases once for the whole run, whichever xdist worker asks first.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from reports.render import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("staff", "reviewer", "researcher")
#: The browser of every browser test (Debian's chromium through Playwright), its flags and the tests' patience.
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = CHROMIUM_ARGS  # the review packets' browser flags (reports/render.py)
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser():
    """One headless Debian chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pars(*args: str):
    """Run a `pars` command in-process (the real click command, without a new interpreter's start-up)."""
    from click.testing import CliRunner

    from warehouse.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def dash_users(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A users file with one user per role (passwords from files), and the passwords."""
    root = tmp_path_factory.getbasetemp() / "dash-users"
    users = root / "users.json"
    passwords = {f"{role}1": f"{role}-pw-{role[::-1]}" for role in ROLES}
    if users.exists():
        return users, passwords
    root.mkdir(parents=True, exist_ok=True)
    for role in ROLES:
        password = f"{role}-pw-{role[::-1]}"
        (root / f"{role}.pw").write_text(password + "\n")
        result = pars(
            "users",
            "add",
            f"{role}1",
            "--role",
            role,
            "--users",
            str(users),
            "--password-file",
            str(root / f"{role}.pw"),
        )
        assert result.exit_code == 0, result.output
        passwords[f"{role}1"] = password
    return users, passwords


@pytest.fixture(scope="session")
def dash_releases(built_warehouse, tmp_path_factory) -> Path:
    """Real releases of the built warehouse: `pars release activities` and `pars release tables`.

    Made once for the whole run, whichever xdist worker asks first, from a private copy of the built warehouse (the
    register beside it records them): the run's shipped releases (tests/helpers/releases.py), which the release
    tests read too; read them only.
    """
    from tests.helpers.releases import shipped_releases

    root = shipped_releases(built_warehouse, tmp_path_factory)
    assert not (root / "refused.txt").is_file(), (root / "refused.txt").read_text()
    return root / "releases"


@contextmanager
def serving(db: Path, releases: Path, users: Path, audit_log: Path, log_path: Path) -> Iterator[str]:
    """`pars serve` (python -m warehouse serve) on a free loopback port, in its own process, until it answers:
    yields its URL and stops it after."""
    from dashboards.serve import healthy

    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "warehouse", "serve", "--db", str(db), "--releases", str(releases)]
            + ["--users", str(users), "--audit-log", str(audit_log), "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"pars serve did not start: {log_path.read_text()}")
                time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def utility_page_releases(made: dict, target: Path) -> Path:
    """The releases of the researcher's utility view (tests/release/utility_fixtures.py `made`) in `target`: the
    learners profile as shipped, the one with every quasi-identifier suppressed, and `older`, a copy of the first
    without its utility block (a release made before utility was measured)."""
    for name in ("learners", "suppressed"):
        shutil.copytree(made[name], target / name)
    shutil.copytree(made["learners"], target / "older")
    risk = json.loads((target / "older" / "risk_report.json").read_text())
    risk.pop("utility")
    (target / "older" / "risk_report.json").write_text(json.dumps(risk))
    return target


#: This worker's shared server (see `shared_server`), made by the first module that asks.
_SHARED: dict[str, dict] = {}


def shared_server(request, built_warehouse: Path, dash_users, dash_releases: Path, tmp_path_factory) -> dict:
    """One `pars serve` per worker for test_dashboard_browser, test_dashboard_live and test_dashboard_utility:
    over the built warehouse, serving the `pars release` releases (activities, tables) and the utility view's
    (learners, suppressed, older), with the users of `dash_users` and one audit log. Each module started its own
    server before (a start, and a first run of every page with cold caches, per module); none of their tests is
    about a fresh server. Stopped when the run ends."""
    if "server" not in _SHARED:
        from tests.release.utility_fixtures import utility_releases

        users, passwords = dash_users
        root = tmp_path_factory.mktemp("dash-server")
        releases = root / "releases"
        for name in ("activities", "tables"):
            shutil.copytree(dash_releases / name, releases / name)
        utility_page_releases(utility_releases(built_warehouse, tmp_path_factory), releases)
        stack = ExitStack()
        log = root / "audit.jsonl"
        url = stack.enter_context(serving(built_warehouse, releases, users, log, root / "serve.log"))
        request.config.add_cleanup(stack.close)
        shots = Path(os.environ["PARS_DASH_SCREENSHOTS"]) if os.environ.get("PARS_DASH_SCREENSHOTS") else None
        _SHARED["server"] = {
            "url": url,
            "db": built_warehouse,
            "releases": releases,
            "passwords": passwords,
            "audit": log,
            "shots": shots,
            "tmp": root,
        }
    return _SHARED["server"]


def sign_in(pg, url: str, name: str, password: str) -> None:
    """Sign in through the form: signed out, every page's URL shows it (then opens that page)."""
    pg.goto(url)
    pg.get_by_role("textbox", name="User name").fill(name)
    pg.get_by_role("textbox", name="Password").fill(password)
    pg.get_by_role("button", name="Sign in").click()
