"""An attacker guessing passwords in a real browser: the lockout holds across reloads, new sessions and a restart.

Reproduces issue 12's finding (the 5-failure lockout lived in the browser session, so a reload reset it: 20 wrong
passwords in 25 s, then the right one worked) and checks that every failed and refused attempt is audited with its
client address.
"""

from __future__ import annotations

import re
import time

import pytest

from .signin_server import Served, expect, heading, launch, make_users, needs_chromium, new_page, playwright_api, submit

pytestmark = needs_chromium
REFUSED = re.compile("too many failed", re.IGNORECASE)
USER_LIMIT, ADDRESS_LIMIT = 5, 8  # the second is lowered for the test (default 20) through the environment


@pytest.fixture(scope="module")
def served(built_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("signin-lockout")
    (root / "releases").mkdir()
    passwords = make_users(root, {"staff1": "staff", "reviewer1": "reviewer"})
    server = Served(
        root,
        built_warehouse,
        root / "releases",
        env={"PARS_DASH_LOCKOUT_USER": str(USER_LIMIT), "PARS_DASH_LOCKOUT_ADDRESS": str(ADDRESS_LIMIT)},
    )
    server.start()
    server.passwords = passwords
    yield server
    server.stop()


def failures(server) -> list[dict]:
    return [e for e in server.audit_lines() if e["action"] == "sign-in failed"]


def fail_once(pg, server, name: str) -> None:
    """One wrong password, and wait until the server has audited it."""
    before = len(failures(server))
    submit(pg, name, "not-the-password")
    deadline = time.monotonic() + 20
    while len(failures(server)) == before:
        assert time.monotonic() < deadline, "the failed sign-in was not audited"
        time.sleep(0.1)


def expect_refused(pg) -> None:
    expect(pg.get_by_text(REFUSED)).to_be_visible(timeout=15_000)
    expect(heading(pg)).to_have_text("PARS Analytics")  # still the sign-in page
    assert not [c for c in pg.context.cookies() if c["name"] == "pars_session"]


def test_lockout_by_user_and_address_survives_reloads_new_sessions_and_a_restart(served):
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        pg = new_page(browser)
        pg.goto(served.url)
        for _ in range(USER_LIMIT):
            fail_once(pg, served, "staff1")
        # a reload is a new Streamlit session: the lock is the server's, so the right password is refused
        pg.reload()
        submit(pg, "staff1", served.passwords["staff1"])
        expect_refused(pg)
        # a new browser (no cookies, new session) is refused too
        pg2 = new_page(browser)
        pg2.goto(served.url)
        submit(pg2, "staff1", served.passwords["staff1"])
        expect_refused(pg2)

        # the address: wrong passwords spread over other names lock every name from this address
        for i in range(ADDRESS_LIMIT - USER_LIMIT):
            fail_once(pg2, served, f"intruder{i}")
        pg3 = new_page(browser)
        pg3.goto(served.url)
        submit(pg3, "reviewer1", served.passwords["reviewer1"])
        expect_refused(pg3)

        # a restart keeps the lock (it is persisted beside the users file)
        served.stop()
        served.start()
        pg4 = new_page(browser)
        pg4.goto(served.url)
        submit(pg4, "staff1", served.passwords["staff1"])
        expect_refused(pg4)
        browser.close()

    log = served.audit_lines()
    failed = [e for e in log if e["action"] == "sign-in failed"]
    refused = [e for e in log if e["action"] == "sign-in refused"]
    assert len(failed) == ADDRESS_LIMIT
    assert [e["user"] for e in refused] == ["staff1", "staff1", "reviewer1", "staff1"]
    assert all(e["details"]["address"] == "127.0.0.1" for e in failed + refused)
    assert [e["details"]["reason"] for e in refused] == [
        "locked: user",
        "locked: user",
        "locked: address",
        "locked: user",
    ]
    assert not [e for e in log if e["action"] == "sign-in"]  # nobody got in
