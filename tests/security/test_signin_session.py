"""A sign-in that holds, in a real browser: it survives a reload (a signed, expiring, HttpOnly cookie), a deep link
opens its page after sign-in, a role change or a removed user takes effect at the next interaction, sign-out ends
the cookie on the server, and no unauthenticated endpoint tells more than health. Also the files' modes.
"""

from __future__ import annotations

import json
import stat
import time
import urllib.error
import urllib.request

import pytest

from dashboards import auth
from tests.helpers import query as q

from .signin_server import (
    Served,
    expect,
    heading,
    launch,
    make_users,
    needs_chromium,
    new_page,
    playwright_api,
    settle,
    submit,
)

pytestmark = needs_chromium
COOKIE = "pars_session"
OLD_LINE = '{"when": "2026-01-01T00:00:00.000Z", "user": "old", "role": "staff", "action": "sign-in"}\n'


@pytest.fixture(scope="module")
def served(built_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("signin-session")
    (root / "releases").mkdir()
    passwords = make_users(root, {"staff1": "staff", "staff2": "staff", "staff3": "staff", "reviewer1": "reviewer"})
    (root / "audit.jsonl").write_text(OLD_LINE)  # an existing log, created by someone else with a loose mode
    (root / "audit.jsonl").chmod(0o644)
    server = Served(root, built_warehouse, root / "releases")
    server.inode = (root / "audit.jsonl").stat().st_ino
    server.start()
    server.passwords = passwords
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def sign_in(browser, served, name: str, path: str = "/"):
    return sign_in_all(browser, served, [(name, path)])[0]


def sign_in_all(browser, served, who: list[tuple[str, str]]) -> list:
    """Sign in each (name, path) in a browser session of its own, side by side: every sign-in page is asked for
    before the first form is filled (the server runs one session's page while the browser loads the next)."""
    pages = [new_page(browser) for _ in who]
    for pg, (_, path) in zip(pages, who, strict=True):
        pg.goto(served.url + path)
    for pg, (name, _) in zip(pages, who, strict=True):
        submit(pg, name, served.passwords[name])
    return pages


def session_cookie(pg) -> dict:
    """The session cookie (the browser fetches it just after the sign-in: wait a little for it)."""
    deadline = time.monotonic() + 30  # a loaded machine: the browser's fetch can take seconds
    while not (found := [c for c in pg.context.cookies() if c["name"] == COOKIE]):
        assert time.monotonic() < deadline, f"no {COOKIE} cookie: {[c['name'] for c in pg.context.cookies()]}"
        time.sleep(0.1)
    return found[0]


def test_sign_in_survives_a_reload_with_a_signed_httponly_expiring_cookie(browser, served):
    pg = sign_in(browser, served, "staff1")
    expect(heading(pg)).to_have_text("Annual report explorer")
    cookie = session_cookie(pg)
    pg.reload()
    expect(heading(pg)).to_have_text("Annual report explorer")
    expect(pg.get_by_role("button", name="Sign in")).to_have_count(0)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert time.time() < cookie["expires"] <= time.time() + 12 * 3600  # it expires (a session lasts 8 hours)
    assert COOKIE not in pg.evaluate("document.cookie")  # page scripts cannot read it
    # a forged cookie (one character of its signature changed) signs nobody in
    forged = new_page(browser)
    value = cookie["value"][:-1] + ("A" if cookie["value"][-1] != "A" else "B")
    forged.context.add_cookies([{**cookie, "value": value}])
    forged.goto(served.url)
    expect(forged.get_by_role("button", name="Sign in")).to_be_visible()
    expect(forged.locator("h1").first).to_have_text("PARS Analytics")


def test_a_deep_link_opens_its_page_after_sign_in(browser, served):
    provider_id, name = q(
        served.db, "select provider_id, provider_name from review.current_term order by provider_id desc limit 1"
    )[0]
    # the role's first page, for one provider; and a page that is not the role's first
    pg, moc = sign_in_all(
        browser, served, [("reviewer1", f"/provider-review?provider={provider_id}"), ("staff1", "/moc")]
    )
    expect(heading(pg)).to_have_text("Provider review")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{name} · {provider_id}")
    assert pg.url.endswith(f"?provider={provider_id}")  # (the role's first page shows as the root URL)
    expect(heading(moc)).to_have_text("CME that counts for MOC")
    expect(moc.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)
    for opened in (pg, moc):
        opened.context.close()


def test_a_role_change_and_a_removed_user_take_effect_at_the_next_interaction(browser, served):
    pg, removed = sign_in_all(browser, served, [("staff2", "/"), ("staff3", "/")])  # (staff3: removed below)
    expect(heading(pg)).to_have_text("Annual report explorer")
    settle(pg)
    session_cookie(pg)  # the browser holds its cookie (fetched just after the sign-in) before the reload below
    auth.add_user(served.users, "staff2", "reviewer", served.passwords["staff2"])  # demoted while signed in
    pg.get_by_role("link", name="MOC").click()  # the next interaction
    expect(heading(pg)).not_to_have_text("CME that counts for MOC")
    expect(heading(pg)).to_have_text("Provider review")
    expect(pg.get_by_role("link", name="MOC")).to_have_count(0)
    pg.reload()  # the cookie carries the user, never the role
    expect(heading(pg)).to_have_text("Provider review")

    pg.context.close()
    pg = removed
    expect(heading(pg)).to_have_text("Annual report explorer")
    settle(pg)
    users = json.loads(served.users.read_text())
    del users["users"]["staff3"]
    served.users.write_text(json.dumps(users))
    pg.get_by_role("link", name="Opioid REMS").click()
    expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
    expect(pg.get_by_text("Opioid Analgesic REMS")).to_have_count(0)
    pg.context.close()


def test_sign_out_ends_the_cookie_on_the_server(browser, served):
    pg = sign_in(browser, served, "staff1")
    expect(heading(pg)).to_have_text("Annual report explorer")
    cookie = session_cookie(pg)
    settle(pg)
    pg.get_by_role("button", name="Sign out").click()
    expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
    assert not [c for c in pg.context.cookies() if c["name"] == COOKIE]  # the browser forgot it
    stolen = new_page(browser)  # and a copy kept from before the sign-out no longer works
    stolen.context.add_cookies([cookie])
    stolen.goto(served.url)
    expect(stolen.get_by_role("button", name="Sign in")).to_be_visible()
    expect(stolen.get_by_text("Annual report explorer")).to_have_count(0)
    actions = [(e["user"], e["action"]) for e in served.audit_lines()]
    assert ("staff1", "sign-out") in actions


def get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read(), r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("content-type", "")


def test_no_unauthenticated_endpoint_reveals_more_than_health(served):
    assert get(served.url + "/_stcore/health")[:2] == (200, b"ok")
    for path in [
        "/_stcore/metrics",
        "/_stcore/script-health-check",
        "/_stcore/agent/openapi.json",
        "/_stcore/agent/interact",
        "/_stcore/agent/mcp",
        "/_stcore/anything",
        "/_stcore/stream",
        "/_stcore/upload_file/x/y",
    ]:
        status, body, _ = get(served.url + path)
        assert status in (403, 404), (path, status, body[:200])
        assert b"session" not in body and b"openapi" not in body, path
    # the front end needs its host configuration: it holds no list of other hosts allowed to drive the app
    status, body, _ = get(served.url + "/_stcore/host-config")
    assert status == 200 and json.loads(body)["allowedOrigins"] == []
    # the sign-in route gives nothing for a missing, forged or reused ticket
    for path in ["/pars-auth/session", "/pars-auth/session?ticket=forged&next=/"]:
        status, _, _ = get(served.url + path)
        assert status in (400, 403, 404), path


def test_users_file_audit_log_and_sign_in_state_are_private_and_the_log_is_append_only(served):
    # (runs after the sign-ins above: the log has grown)
    lines = served.audit.read_text().splitlines(keepends=True)
    assert lines[0] == OLD_LINE and len(lines) > 1  # the existing line is kept, new ones appended after it
    assert served.audit.stat().st_ino == served.inode  # never rewritten (replaced)
    for path in [served.users, served.audit, *served.root.glob("users.*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert {p.name for p in served.root.glob("users.*")} >= {"users.json", "users.secret", "users.signin.json"}
