"""End to end in a real browser: `pars serve` on a free port, Debian's chromium driven by Playwright.

Sign in as each role, apply filters and see the marts' numbers, download files (checked against the marts and the
release manifest, and found in the audit log), and fail to reach another role's page by menu and by URL.
Screenshots go to $PARS_DASH_SCREENSHOTS when it is set (none otherwise).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from dashboards import audit, releases
from tests.helpers import query as q

import dashboard_fixtures
from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser, dash_releases, dash_users, shared_server  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(request, built_warehouse, dash_users, dash_releases, tmp_path_factory):
    """The worker's shared `pars serve` (dashboard_fixtures.shared_server; test_dashboard_live uses it too)."""
    return shared_server(request, built_warehouse, dash_users, dash_releases, tmp_path_factory)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    pg.outside_requests = []  # anything not served by the app (telemetry, fonts, CDNs) would land here
    pg.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(server["url"]) or r.url.startswith(("data:", "blob:"))
            else pg.outside_requests.append(r.url)
        ),
    )
    yield pg
    context.close()


def sign_in(pg, server, name: str, path: str = "/") -> None:
    dashboard_fixtures.sign_in(pg, server["url"] + path, name, server["passwords"][name])


def heading(pg):
    return pg.locator("h1").first


def metric(pg, label: str):
    return (
        pg.locator('[data-testid="stMetric"]')
        .filter(has=pg.get_by_text(label, exact=True))
        .locator('[data-testid="stMetricValue"]')
    )


def chart_marks(pg, index: int) -> list[str]:
    """The text alternatives (aria-label) of the marks Vega drew in the page's index-th chart: their data."""
    return (
        pg.locator('[data-testid="stVegaLiteChart"]')
        .nth(index)
        .locator("path[aria-label]")
        .evaluate_all("marks => marks.map(m => m.getAttribute('aria-label'))")
    )


def expect_marks(pg, index: int, expected: set[str]) -> None:
    """Wait until the index-th chart draws exactly these marks (Vega draws new data asynchronously)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while set(marks := chart_marks(pg, index)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"chart {index} draws {sorted(marks)}, not {sorted(expected)}")
        time.sleep(0.1)


def choose(pg, key: str, option: str) -> None:
    settle(pg)
    for _ in range(3):  # a rerun may redraw the box just as it opens: open it again
        pg.locator(f".st-key-{key}").click()
        pg.keyboard.type(option)  # long lists are virtualized: filter so that the option is drawn
        try:
            pg.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except playwright_api.TimeoutError:
            pg.keyboard.press("Escape")
    raise AssertionError(f"cannot choose {option!r} in {key}")


QUIET = """() => {
    const busy = document.querySelector('[data-stale="true"]')
        || document.querySelector('[data-testid="stStatusWidget"]');
    const now = performance.now();
    if (busy) { window.__parsQuietSince = null; return false; }
    if (window.__parsQuietSince == null) window.__parsQuietSince = now;
    return now - window.__parsQuietSince >= 400;
}"""


def settle(pg) -> None:
    """Wait until the app has finished its rerun: no element marked stale and no status widget running, for 400 ms
    on end (Streamlit shows its running widget a moment after a rerun starts: a single look right after a click
    could fall before it, and a button clicked then is replaced under the click)."""
    pg.evaluate("window.__parsQuietSince = null")
    pg.wait_for_function(QUIET)


def download(pg, key: str, timeout_ms: int = 45_000) -> tuple[str, bytes]:
    """The file a download button gives. A deferred download that has not started 20 s after the click (twice in
    full suite runs, the machine busy with the other worker's build) is clicked once more, as a user would."""
    settle(pg)
    try:
        with pg.expect_download(timeout=20_000) as info:
            pg.locator(f".st-key-{key} button").click()
    except playwright_api.TimeoutError:
        settle(pg)
        with pg.expect_download(timeout=timeout_ms) as info:
            pg.locator(f".st-key-{key} button").click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def shot(pg, server, name: str) -> Path | None:
    """A full-page screenshot into $PARS_DASH_SCREENSHOTS, for a person to look at; none when it is not set (the
    tests assert on the page itself: a PNG per page, encoded and written where nobody looked, cost CPU only)."""
    settle(pg)
    if server["shots"] is None:
        return None
    server["shots"].mkdir(parents=True, exist_ok=True)
    path = server["shots"] / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def audited(server, user: str, file_name: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the on_click callback runs in the rerun that follows the download
        for entry in reversed(audit.read(server["audit"])):
            if entry["user"] == user and entry["file"] == file_name and entry["action"] == "download":
                return entry
        time.sleep(0.05)
    raise AssertionError(f"no audit line for {user} downloading {file_name}: {audit.read(server['audit'])[-3:]}")


def test_staff_filters_show_the_marts_numbers_and_downloads_are_audited(page, server):
    pg, db = page, server["db"]
    sign_in(pg, server, "staff1")
    playwright_api.expect(heading(pg)).to_have_text("Annual report explorer")
    year = max(r[0] for r in q(db, "select report_year from annual_report.enterprise_size"))

    def size(group):
        return q(
            db,
            "select activities, providers_accredited from annual_report.enterprise_size "
            "where report_year = ? and accreditor_group = ?",
            [year, group],
        )[0]

    activities, accredited = size("All")
    playwright_api.expect(metric(pg, "Activities")).to_have_text(f"{activities:,}")
    playwright_api.expect(metric(pg, "Providers accredited")).to_have_text(f"{accredited:,}")
    shot(pg, server, "staff-explorer")

    choose(pg, "f-group", "ACCME")
    activities, accredited = size("ACCME")
    playwright_api.expect(metric(pg, "Activities")).to_have_text(f"{activities:,}")
    playwright_api.expect(metric(pg, "Providers accredited")).to_have_text(f"{accredited:,}")

    state, state_activities = q(
        db,
        "select state, activities from annual_report.activity_rollup where report_year = ? "
        "and accreditor_group = 'ACCME' and state not in ('All', 'None') "
        "and organization_type = 'All' and activity_type = 'All' "
        "order by activities desc, state limit 1",
        [year],
    )[0]
    choose(pg, "f-state", state)
    playwright_api.expect(pg.locator(".st-key-selection")).to_contain_text(f"state {state}")
    playwright_api.expect(metric(pg, "Activities")).to_have_text(f"{state_activities:,}")
    # the filters rerun only the explorer's fragment: its charts are redrawn with the selection's numbers too
    # (charts: 0 interactions by year, 1 activities by year, 2 the year by organization type)
    by_type = q(
        db,
        "select organization_type, activities from annual_report.activity_rollup where report_year = ? "
        "and accreditor_group = 'ACCME' and state = ? and activity_type = 'All' "
        "and organization_type <> 'All'",
        [year, state],
    )
    expect_marks(
        pg,
        1,
        {
            f"Reporting year: {y}; Activities: {a}; Year: {y}"
            for y, a in q(
                db,
                "select report_year, activities from annual_report.activity_rollup where accreditor_group = 'ACCME' "
                "and state = ? and organization_type = 'All' and activity_type = 'All'",
                [state],
            )
        },
    )
    expect_marks(pg, 2, {f"Activities: {a}; Organization type: {o}" for o, a in by_type})
    shot(pg, server, "staff-explorer-accme-state")

    name, body = download(pg, "dl-parts-csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert sorted((r["organization_type"], int(r["activities"])) for r in rows) == sorted(by_type)
    entry = audited(server, "staff1", name)
    assert entry["role"] == "staff" and entry["details"] == {
        "year": year,
        "accreditor_group": "ACCME",
        "state": state,
        "organization_type": "All",
        "activity_type": "All",
    }

    # the tabs run only the open tab: opening another one draws its table, for the current filters
    settle(pg)  # no tab of the previous run left beside the new ones
    pg.get_by_role("tab", name="Income by organization type").click()
    name, body = download(pg, "dl-income-csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    income = q(
        db,
        "select organization_type, total_income from annual_report.income_by_organization_type "
        "where report_year = ? and accreditor_group = 'ACCME'",
        [year],
    )
    assert (
        sorted((r["organization_type"], round(float(r["total_income"]), 2)) for r in rows)
        == sorted((o, round(float(v), 2)) for o, v in income)
        and name == f"income-by-organization-type-{year}.csv"
    )

    # the other staff pages, by the menu
    for title, header in [
        ("MOC", "CME that counts for MOC"),
        ("Opioid REMS", "Opioid Analgesic REMS"),
        ("Data operations", "Data operations"),
    ]:
        pg.get_by_role("link", name=title).click()
        playwright_api.expect(heading(pg)).to_have_text(header)
        shot(pg, server, f"staff-{title.lower().replace(' ', '-')}")
    loads = q(db, "select count(*) from raw.load_history")[0][0]
    playwright_api.expect(metric(pg, "Loads")).to_have_text(f"{loads:,}")

    # Streamlit's XSRF protection is on (its cookie is set), and nothing left the machine (no telemetry)
    assert "_streamlit_xsrf" in {c["name"] for c in pg.context.cookies()}
    assert pg.outside_requests == []


def test_reviewer_sees_a_provider_and_cannot_reach_staff_pages(page, server):
    pg, db = page, server["db"]
    provider_id, name, sample = q(
        db,
        "select provider_id, any_value(provider_name), count(*) from review.pip_sample "
        "join review.current_term using (provider_id) group by provider_id "
        "order by count(*) desc, provider_id limit 1",
    )[0]
    sign_in(pg, server, "reviewer1")
    playwright_api.expect(heading(pg)).to_have_text("Provider review")
    # by menu: no staff page is listed
    playwright_api.expect(pg.get_by_role("link", name="Annual report explorer")).to_have_count(0)
    playwright_api.expect(pg.get_by_text("Data operations")).to_have_count(0)

    pg.get_by_role("textbox", name="Find a provider by name or number").fill(provider_id)
    pg.keyboard.press("Enter")
    playwright_api.expect(pg.locator(".st-key-selection")).to_contain_text(f"{name} · {provider_id}")
    settle(pg)  # no tab of the previous run left beside the new ones
    pg.get_by_role("tab", name="PIP sample").click()
    shot(pg, server, "reviewer-provider")
    file_name, body = download(pg, "dl-pip-csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == sample and {r["provider_id"] for r in rows} == {provider_id}
    assert audited(server, "reviewer1", file_name)["role"] == "reviewer"
    # the review packet (reports.api), rendered on click: a real PDF about this provider
    file_name, body = download(pg, "dl-packet", timeout_ms=90_000)
    assert body.startswith(b"%PDF") and file_name == f"review-packet-{provider_id}.pdf"
    pdf = server["tmp"] / file_name
    pdf.write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert name in text and provider_id in text
    assert audited(server, "reviewer1", file_name)["what"] == f"review packet {provider_id}"

    # by URL: a new browser session (still signed in by its cookie) gets the reviewer's own page with a word of
    # explanation (no "Page not found" box); signed out and in again at that URL, the same, never the staff page
    pg.goto(server["url"] + "/annual-report")
    playwright_api.expect(heading(pg)).to_have_text("Provider review")
    playwright_api.expect(pg.get_by_text("is not open to the role reviewer")).to_be_visible()
    settle(pg)
    playwright_api.expect(pg.get_by_text("Page not found")).to_have_count(0)
    playwright_api.expect(pg.locator('[data-testid="stMetric"]')).to_have_count(0)
    shot(pg, server, "reviewer-annual-report-url-not-found")
    pg.get_by_role("button", name="Sign out").click()
    playwright_api.expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(pg, server, "reviewer1", "/annual-report")
    playwright_api.expect(heading(pg)).to_have_text("Provider review")
    settle(pg)
    playwright_api.expect(pg.get_by_role("link", name="Annual report explorer")).to_have_count(0)
    playwright_api.expect(pg.locator('[data-testid="stMetric"]')).to_have_count(0)
    shot(pg, server, "reviewer-refused-annual-report-url")


def test_researcher_downloads_a_release_file_and_sees_no_staff_page(page, server):
    pg = page
    manifest = json.loads((server["releases"] / "activities" / "manifest.json").read_text())
    sign_in(pg, server, "researcher1")
    playwright_api.expect(heading(pg)).to_have_text("Research releases")
    choose(pg, "f-release", f"activities: {manifest['title']}")
    playwright_api.expect(pg.locator(".st-key-selection h2")).to_have_text(manifest["title"])
    for table, rows in manifest["row_counts"].items():
        playwright_api.expect(metric(pg, f"{releases.table_label(table)} (rows)")).to_have_text(f"{rows:,}")
    settle(pg)  # the rerun after the choice can still show the previous tabs beside the new ones (seen: 2 elements)
    pg.get_by_role("tab", name="Risk report").click()
    playwright_api.expect(pg.get_by_text("Guarantees")).to_be_visible()
    shot(pg, server, "researcher-risk-report")
    # the manifest itself (s12 item 2): its SHA-256 shown where the guide says to cite it, and its exact bytes
    exact = (server["releases"] / "activities" / "manifest.json").read_bytes()
    sha = hashlib.sha256(exact).hexdigest()
    pg.get_by_role("tab", name="Manifest").click()
    playwright_api.expect(pg.locator(".st-key-manifest-sha256 code")).to_have_text(sha)
    playwright_api.expect(pg.locator(".st-key-citation code")).to_contain_text(f"manifest.json SHA-256 {sha}")
    file_name, body = download(pg, "dl-manifest")
    assert body == exact and file_name == "activities-manifest.json"
    assert audited(server, "researcher1", file_name)["details"] == {"release": "activities", "sha256": sha}
    shot(pg, server, "researcher-manifest")
    pg.get_by_role("tab", name="Downloads").click()
    assert download(pg, "dl-manifest-file")[1] == exact
    first = manifest["files"][0]
    file_name, body = download(pg, "dl-file-0")
    assert hashlib.sha256(body).hexdigest() == first["sha256"] and len(body) == first["bytes"]
    entry = audited(server, "researcher1", file_name)
    assert entry["details"] == {"release": "activities", "sha256": first["sha256"]}
    shot(pg, server, "researcher-downloads")

    pg.context.clear_cookies()  # signed out: another role's page by URL, then signed in
    sign_in(pg, server, "researcher1", "/data-operations")
    playwright_api.expect(heading(pg)).to_have_text("Research releases")
    playwright_api.expect(pg.get_by_text("Quarantine")).to_have_count(0)


def test_sign_out_and_wrong_password(page, server):
    pg = page
    pg.goto(server["url"])
    pg.get_by_role("textbox", name="User name").fill("staff1")
    pg.get_by_role("textbox", name="Password").fill("wrong-password")
    pg.get_by_role("button", name="Sign in").click()
    playwright_api.expect(pg.get_by_text("Unknown user name or wrong password.")).to_be_visible()
    shot(pg, server, "sign-in-refused")
    sign_in(pg, server, "staff1")
    playwright_api.expect(heading(pg)).to_have_text("Annual report explorer")
    pg.get_by_role("button", name="Sign out").click()
    playwright_api.expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
