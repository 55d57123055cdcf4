"""Dashboards a person can live in, in a real browser (`pars serve` + Debian's chromium through Playwright):
links carry the page and its filters (reload and sign-in keep them), tables and charts speak in labels, every
category is labelled, and every filter changes what it claims to. Screenshots at 800, 1024 and 1400 px go to
$PARS_DASH_SCREENSHOTS when it is set."""

from __future__ import annotations

import time

import pytest
from test_dashboard_browser import choose, heading, metric, server, settle, shot  # noqa: F401  (fixtures)

from dashboards.signin_state import COOKIE
from tests.helpers import query as q

from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser, dash_releases, dash_users  # noqa: F401  (fixtures)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine: a rerun can take longer than the default 5 s
pytestmark = pytest.mark.skipif(
    not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"
)


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


def headers(pg, index: int = 0) -> list[str]:
    """The column headers of the page's index-th table (the grid's accessible table)."""
    settle(pg)  # the page's tables as this rerun draws them, not those of the moment before
    grid = pg.locator('[data-testid="stDataFrame"]').nth(index)
    grid.locator('[role="columnheader"]').first.wait_for(state="attached")
    return [h.strip() for h in grid.locator('[role="columnheader"]').all_text_contents()]


def cells(pg, index: int = 0) -> list[str]:
    settle(pg)
    grid = pg.locator('[data-testid="stDataFrame"]').nth(index)
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    return [c.strip() for c in grid.locator('[role="gridcell"]').all_text_contents()]


def chart_texts(pg, index: int) -> list[str]:
    """Every text Vega drew in the page's index-th chart (axis labels, titles, legend entries)."""
    settle(pg)
    chart = pg.locator('[data-testid="stVegaLiteChart"]').nth(index)
    chart.locator("text").first.wait_for(state="attached")
    return [t for t in chart.locator("text").all_text_contents() if t.strip()]


def signed_in(pg, server, name: str, path: str) -> None:
    """Sign in at `path` and wait for the session cookie (fetched in the background), so that a reload or a goto
    stays signed in."""
    pg.goto(server["url"] + path)
    pg.get_by_role("textbox", name="User name").wait_for(timeout=3 * TIMEOUT_MS)  # a server's first page is slow
    pg.get_by_role("textbox", name="User name").fill(name)  # (on this page: a second goto cost a page load)
    pg.get_by_role("textbox", name="Password").fill(server["passwords"][name])
    pg.get_by_role("button", name="Sign in").click()
    heading(pg).wait_for()
    wait_for(lambda: any(c["name"] == COOKIE for c in pg.context.cookies()), "the session cookie")


def url(pg) -> str:
    """The address bar as the browser has it (page.url misses a replaceState made from the app's sync frame)."""
    return pg.evaluate("() => window.location.href")


def wait_for(predicate, what: str):
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def reload_when_run(pg, *params: str) -> None:
    """Reload once the rerun of a filter change has ended with `params` in the address bar, as a person does.

    A reload in the middle of that rerun (Streamlit has already pushed the new query) once opened the old
    selection in CI; not reproduced in 12 reloads under load. The address bar is checked again after the
    reload: a failure then says whether the URL or the page lost the filter."""
    settle(pg)
    wait_for(lambda: all(p in url(pg) for p in params), f"{params} in the URL after the rerun")
    pg.reload()
    heading(pg).wait_for()
    assert all(p in url(pg) for p in params), f"the reload lost {params}: {url(pg)}"


def test_a_link_carries_the_page_and_its_filters_through_sign_in_and_reload(context, server):
    pg, db = context.new_page(), server["db"]
    year, board = 2021, "ABIM"
    completions = q(db, "select completions from moc.board_summary where report_year = ? and board = ?", [year, board])[
        0
    ][0]
    # signed out, a shared link: the sign-in page keeps it and opens it after the sign-in
    signed_in(pg, server, "staff1", f"/moc?year={year}&board={board}")
    expect(heading(pg)).to_have_text("CME that counts for MOC")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{year} · boards {board}")
    expect(metric(pg, "Completions")).to_have_text(f"{completions:,}")
    # a filter chosen on the page goes into the URL; a reload (signed in by its cookie) opens the same selection
    choose(pg, "f-year", "2022")
    reload_when_run(pg, "year=2022", f"board={board}")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"2022 · boards {board}")
    later = q(db, "select completions from moc.board_summary where report_year = 2022 and board = ?", [board])[0][0]
    expect(metric(pg, "Completions")).to_have_text(f"{later:,}")
    expect(pg.get_by_text("Page not found")).to_have_count(0)
    # the year chosen here is the year of the next page that has one (filters persist between pages)
    pg.get_by_role("link", name="Annual report explorer").click()
    expect(heading(pg)).to_have_text("Annual report explorer")
    expect(pg.locator(".st-key-selection")).to_contain_text("2022 · accreditor")
    wait_for(lambda: "year=2022" in url(pg), "the explorer's year in the URL")
    # a filter of the explorer's fragment reaches the URL too, and a reload keeps it
    choose(pg, "f-group", "ACCME")
    reload_when_run(pg, "year=2022", "accreditor=ACCME")
    expect(pg.locator(".st-key-selection")).to_contain_text("2022 · accreditor ACCME")
    # a bookmark of the role's first page by its own path opens it (it is also "/"), with no "Page not found" box
    pg.goto(server["url"] + "/annual-report?year=2021")
    expect(pg.locator(".st-key-selection")).to_contain_text("2021 · accreditor")
    settle(pg)
    expect(pg.get_by_text("Page not found")).to_have_count(0)

    # every explorer filter from a link, in a new browser session
    state, activities = q(
        db,
        "select state, activities from annual_report.activity_rollup where report_year = 2021 "
        "and accreditor_group = 'ACCME' and state not in ('All', 'None') "
        "and organization_type = 'All' and activity_type = 'All' "
        "order by activities desc, state limit 1",
    )[0]
    other = context.browser.new_context(viewport={"width": 1400, "height": 1400})
    other.set_default_timeout(TIMEOUT_MS)
    pg2 = other.new_page()
    signed_in(pg2, server, "staff1", f"/annual-report?year=2021&accreditor=ACCME&state={state}")
    expect(pg2.locator(".st-key-selection")).to_contain_text(f"2021 · accreditor ACCME · state {state}")
    expect(metric(pg2, "Activities")).to_have_text(f"{activities:,}")
    # a value that is not an option (hostile or stale) falls back to the default, without an error
    pg2.goto(server["url"] + "/annual-report?year=1066&state=%3Cscript%3E")
    expect(pg2.locator(".st-key-selection")).to_contain_text("state All")
    expect(pg2.locator('[data-testid="stException"]')).to_have_count(0)
    other.close()


def test_tables_and_charts_show_labels_formats_and_every_category(context, server):
    pg, db = context.new_page(), server["db"]
    signed_in(pg, server, "staff1", "/moc?year=2021")
    expect(heading(pg)).to_have_text("CME that counts for MOC")
    summary = headers(pg, 0)
    assert "report_year" not in summary and "completions_accepted" not in summary, summary
    assert "Board" in summary and "Accepted" in summary

    def full_legend():  # the chart's texts once its legend has the three statuses
        texts = chart_texts(pg, 0)
        return texts if {"Accepted", "Rejected", "Pending"} <= set(texts) else None

    legend = wait_for(full_legend, "the legend's three statuses")
    assert "completions_accepted" not in legend, legend
    timeliness = headers(pg, 1)
    assert timeliness.index("Late rate") <= 3, timeliness  # the column that matters is on screen
    boards = {b for (b,) in q(db, "select distinct board from moc.board_summary")}
    # the legend lists every board
    wait_for(lambda: boards <= set(chart_texts(pg, 1)), "every board in the trend's legend")

    # the explorer: every activity type labelled on the breakdown, money formatted as dollars
    pg.goto(server["url"] + "/annual-report?year=2022&breakdown=activity+type")
    expect(heading(pg)).to_have_text("Annual report explorer")
    types = {
        t
        for (t,) in q(
            db,
            "select distinct activity_type from annual_report.activity_rollup "
            "where report_year = 2022 and accreditor_group = 'All' and state = 'All' "
            "and organization_type = 'All' and activity_type <> 'All'",
        )
    }
    assert len(types) == 13
    wait_for(lambda: types <= set(chart_texts(pg, 2)), "every activity type labelled on the breakdown")
    table = headers(pg, 0)
    assert "Reporting year" in table and "Providers reporting" in table and "providers_reporting" not in table
    settle(pg)  # no tab of the previous run left beside the new ones
    pg.get_by_role("tab", name="Income by organization type").click()
    wait_for(lambda: "Total income" in headers(pg, 0), "the income table")
    assert headers(pg, 0)[:2] == ["Organization type", "Total income"]  # (its dollar format: test_dashboard_formats)
    shot(pg, server, "live-explorer-income")


def test_every_filter_changes_what_it_claims(context, server):
    pg, db = context.new_page(), server["db"]
    year = q(db, "select max(report_year) from rems.summary")[0][0]
    signed_in(pg, server, "staff1", f"/rems?year={year}")
    expect(heading(pg)).to_have_text("Opioid Analgesic REMS")
    listed = {
        d: q(db, "select count(*) from rems.activity_list where report_year = ? and rems_designation = ?", [year, d])[
            0
        ][0]
        for d in ("Compliant", "Related")
    }
    listed_all = q(db, "select count(*) from rems.activity_list where report_year = ?", [year])[0][0]
    counted = q(db, "select count(*) from rems.activity_list where report_year = ? and is_counted", [year])[0][0]
    # Designation and "Counted only" act on the activity list, and the list's tile says how many it lists
    choose(pg, "f-designation", "Compliant")
    pg.locator(".st-key-f-counted label").click()  # every status
    expect(metric(pg, "Activities listed")).to_have_text(f"{listed['Compliant']:,}")
    choose(pg, "f-designation", "Related")
    expect(metric(pg, "Activities listed")).to_have_text(f"{listed['Related']:,}")
    choose(pg, "f-designation", "All")
    expect(metric(pg, "Activities listed")).to_have_text(f"{listed_all:,}")
    pg.locator(".st-key-f-counted label").click()  # counted only
    expect(metric(pg, "Activities listed")).to_have_text(f"{counted:,}")

    # MOC: the board filter changes the tiles
    totals = dict(q(db, "select board, completions from moc.board_summary where report_year = 2021"))
    pg.goto(server["url"] + "/moc?year=2021&board=ABP")
    expect(metric(pg, "Completions")).to_have_text(f"{totals['ABP']:,}")
    pg.goto(server["url"] + "/moc?year=2021&board=ABS")
    expect(metric(pg, "Completions")).to_have_text(f"{totals['ABS']:,}")

    # the explorer: with a state chosen, the income tiles say why they are not shown
    pg.goto(server["url"] + "/annual-report?year=2022&state=All")
    expect(metric(pg, "Total income")).to_be_visible()
    state = q(
        db,
        "select min(state) from annual_report.activity_rollup where report_year = 2022 "
        "and state not in ('All', 'None')",
    )[0][0]
    pg.goto(server["url"] + f"/annual-report?year=2022&state={state}")
    expect(pg.get_by_text("Income is reported by providers as a whole")).to_be_visible()
    expect(metric(pg, "Total income")).to_have_count(0)


def test_moc_and_rems_open_on_the_latest_complete_year(context, server):
    pg, db = context.new_page(), server["db"]
    years = [y for (y,) in q(db, "select distinct report_year from annual_report.enterprise_size order by 1")]
    signed_in(pg, server, "staff1", "/moc")
    expect(heading(pg)).to_have_text("CME that counts for MOC")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{years[-1]} · boards all")
    open_list(pg, "f-year")
    expect(pg.get_by_role("option")).to_have_text([str(y) for y in reversed(years)])  # no 2017, no partial 2023
    pg.keyboard.press("Escape")


def open_list(pg, key: str) -> None:
    """Open select box `key`'s list. CI twice saw no option for 30 s after one click on the box (its chromium 156,
    not Debian's): a click made while a rerun redraws the box, or one that only focuses it, leaves the list closed.
    So: wait for the rerun to end, click, and if the list has not opened press the arrow key that opens a focused
    box; then start again."""
    option = pg.get_by_role("option").first
    for _ in range(3):
        settle(pg)
        pg.locator(f".st-key-{key}").click()
        for opener in (None, "ArrowDown"):
            if opener:
                pg.keyboard.press(opener)
            try:
                option.wait_for(timeout=4_000)
                return
            except playwright_api.TimeoutError:
                pass
        pg.keyboard.press("Escape")
    raise AssertionError(f"the list of {key} never opened")


# Anything cut at this width: a tile's value or label ("31 of 3…"), a text of a chart drawn outside it (clipped, as
# "Hospital/Health Care Delivery Syste" and "Physician interactio" were at 800 px) or shortened by Vega ("…").
CUT = """() => {
    const over = e => [e, ...e.querySelectorAll('*')].some(x => x.scrollWidth > x.clientWidth + 1);
    const tiles = [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricLabel"]')];
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(c => c.checkVisibility());
    const outside = (c, t) => {
        const box = c.getBoundingClientRect(), r = t.getBoundingClientRect();
        // (4 px: a rotated axis title's glyph box overhangs the chart by 2 px, drawn whole)
        return r.width > 0 && (r.left < box.left - 4 || r.right > box.right + 4);
    };
    return [
        ...tiles.filter(over).map(e => e.textContent),
        ...charts.flatMap(c => [...c.querySelectorAll('text')].filter(t => outside(c, t) || t.textContent.endsWith('…'))
            .map(t => 'chart text: ' + t.textContent)),
    ];
}"""
# Charts that draw no mark one can see (at 800 px the explorer's breakdown drew its bars 0 px wide: labels only)
MARKLESS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.checkVisibility() && ![...c.querySelectorAll('path[aria-label]')].some(m => {
        const r = m.getBoundingClientRect(); return r.width > 0.5 && r.height > 0.5; }))
    .map(c => c.textContent.slice(0, 60))"""


def until_empty(pg, script: str) -> list:
    """What `script` finds, once it finds nothing or when the wait is over (then what it still finds)."""
    deadline = time.monotonic() + 5
    while (found := pg.evaluate(script)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_screens_at_three_widths(browser, server):
    """Every staff page at 800, 1024 and 1400 px: no tile's value or label is cut ("31 of 3…"), every chart draws its
    marks (at 800 px the explorer's breakdown drew labels only: no bar, no axis) and fits its place, and the sidebar
    leaves the page room. Each page is opened once and laid out at each width (a resize lays the page out again in
    the browser; a page load per width cost a run of the page in the server and a second sign-in)."""
    ctx = browser.new_context(viewport={"width": 1024, "height": 1200})
    ctx.set_default_timeout(TIMEOUT_MS)
    pg = ctx.new_page()
    signed_in(pg, server, "staff1", "/annual-report")
    for path in ("/annual-report", "/moc", "/rems", "/data-operations", "/data-operations?tab=Data+completeness"):
        if path != "/annual-report":  # (signed in there: the page is open)
            pg.goto(server["url"] + path)
        heading(pg).wait_for()
        pg.locator('[data-testid="stMetricValue"]').first.wait_for()
        settle(pg)
        for width in (800, 1024, 1400):
            pg.set_viewport_size({"width": width, "height": 1200})
            # the page as laid out at this width in its final fonts, its charts redrawn at their new width
            pg.evaluate(
                "() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => "
                "requestAnimationFrame(r))))"
            )
            assert pg.evaluate("() => window.innerWidth") == width
            # (Vega redraws a chart for its new width a moment after the resize: wait for it, then say what is left)
            assert until_empty(pg, MARKLESS) == [], ("charts without marks", path, width)
            assert until_empty(pg, CUT) == [], ("cut", path, width)
            sidebar = pg.locator('[data-testid="stSidebar"]').bounding_box()
            assert sidebar is None or sidebar["width"] <= 240 or sidebar["x"] + sidebar["width"] <= 0, sidebar
            shot(pg, server, f"live-{path.strip('/').replace('?tab=', '-').replace('+', '-')}-{width}")
    ctx.close()


def test_reviewer_link_opens_the_provider_and_the_packet_zip_holds_its_lists(context, server):
    import csv
    import io
    import zipfile

    from test_dashboard_browser import download

    pg, db = context.new_page(), server["db"]
    signed_in(pg, server, "reviewer1", "/provider-review")
    expect(heading(pg)).to_have_text("Provider review")
    soonest = headers(pg, 0)
    assert soonest[:2] == ["Term end", "Days left (as of the data)"], soonest  # the columns that matter, first
    provider_id, name, activities = q(
        db,
        "select provider_id, any_value(provider_name), count(*) "
        "from review.term_activities join review.current_term using (provider_id) "
        "group by provider_id order by count(*) desc, provider_id limit 1",
    )[0]
    # a shared link to one provider opens it, and a reload keeps it
    pg.goto(server["url"] + f"/provider-review?provider={provider_id}")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{name} · {provider_id}")
    pg.reload()
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{name} · {provider_id}")
    assert f"provider={provider_id}" in url(pg)
    history = headers(pg, 0)
    assert "decision_date" not in history and history[0] == "Decision date", history
    # the packet as a zip: the PDF and the full list of the term's activities as CSV
    file_name, body = download(pg, "dl-packet-zip", timeout_ms=120_000)
    assert file_name == f"review-packet-{provider_id}.zip"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        names = z.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == 1 and z.read(pdfs[0]).startswith(b"%PDF"), names
        listed = [n for n in names if n.endswith("activities_of_the_current_term.csv")]
        assert len(listed) == 1, names
        rows = list(csv.reader(io.StringIO(z.read(listed[0]).decode("utf-8"))))
    assert len(rows) - 1 == activities  # every activity of the term, not the PDF's first 50
    shot(pg, server, "live-reviewer-provider")


def tab_grid(pg, tab: str, index: int = 0):
    """The index-th table of an open tab (the hidden tabs' tables are in the page too)."""
    settle(pg)
    pg.get_by_role("tab", name=tab, exact=True).click()
    settle(pg)
    grid = pg.locator('[role="tabpanel"]:visible [data-testid="stDataFrame"]').nth(index)
    grid.locator('[role="gridcell"]').first.wait_for(state="attached")
    return grid


def grid_rows(grid) -> tuple[list[str], list[list[str]]]:
    """The headers and the drawn rows of a table, each row as its cells' texts."""
    head = [h.strip() for h in grid.locator('[role="columnheader"]').all_text_contents()]
    rows = grid.locator('[role="row"]').evaluate_all(
        "rows => rows.map(r => [...r.querySelectorAll('[role=gridcell]')].map(c => c.textContent.trim()))"
    )
    return head, [r for r in rows if r]


def test_reviewer_opens_a_provider_without_a_current_term(context, server):
    """A provider with no current term (Nonaccreditation) once crashed the page (a null 'days until term end' in
    a number formatter): its status, its tabs and its packet are all there."""
    pg, db = context.new_page(), server["db"]
    provider_id, name = q(
        db,
        "select provider_id, provider_name from review.current_term where term_start_date is null "
        "order by provider_id limit 1",
    )[0]
    signed_in(pg, server, "reviewer1", f"/provider-review?provider={provider_id}")
    expect(pg.locator(".st-key-selection")).to_contain_text(f"{name} · {provider_id}")
    expect(pg.locator(".st-key-selection")).to_contain_text("Current term: none")
    expect(pg.get_by_role("tab", name="History", exact=True)).to_be_visible()
    expect(metric(pg, "Days until term end")).to_have_text("no current term")
    for tab in ("History", "Term profile", "Completeness", "PIP sample", "Peer comparison"):
        pg.get_by_role("tab", name=tab, exact=True).click()
        settle(pg)
        expect(pg.locator('[data-testid="stException"]')).to_have_count(0)
    expect(pg.get_by_text("No activity in the current term.")).to_have_count(1)
    shot(pg, server, "live-reviewer-no-term")
    file_name, body = __import__("test_dashboard_browser").download(pg, "dl-packet", timeout_ms=120_000)
    assert body.startswith(b"%PDF") and file_name == f"review-packet-{provider_id}.pdf"


def test_reviewer_reads_words_dates_and_years_not_codes(context, server):
    """What a reviewer reads: days left counted from the data's date (and said so, with a word when the term has
    ended by today), rules by their sentence and severity (errors first), measures by their labels in their own
    formats, activity types with their names, the PIP sample's reasons explained, no internal decision ids, and the
    years the term profile covers."""
    import datetime as dt
    import re

    pg, db = context.new_page(), server["db"]
    years = sorted(y for (y,) in q(db, "select distinct report_year from review.term_profile"))
    provider_id, term_start, term_end, as_of = q(
        db,
        "select provider_id, t.term_start_date, t.term_end_date, t.data_as_of_date from review.current_term t "
        "join review.pip_sample using (provider_id) where year(t.term_start_date) < ? "
        "group by all order by count(*) desc, provider_id limit 1",
        [years[0]],
    )[0]
    signed_in(pg, server, "reviewer1", f"/provider-review?provider={provider_id}")
    expect(pg.locator(".st-key-selection")).to_contain_text(provider_id)
    days_label = f"Days until term end (as of the data, {as_of:%-d %B %Y})"
    expect(metric(pg, days_label)).to_be_visible()
    if term_end < dt.date.today():
        expect(pg.get_by_text(f"The term ended on {term_end}")).to_be_visible()

    head, rows = grid_rows(tab_grid(pg, "History"))
    assert "Decision" not in head and not any(re.fullmatch(r"AD\d+", c) for r in rows for c in r), head

    grid = tab_grid(pg, "Term profile")
    names = dict(q(db, "select activity_type, activity_type_name from core.dim_activity_types"))
    head, rows = grid_rows(grid)
    shown = {r[head.index("Activity type")] for r in rows}
    assert shown and shown <= {f"{t} ({n})" for t, n in names.items()}, shown
    first, last = years[0], years[-1]
    expect(pg.get_by_text(f"The data cover reporting years {first} to {last}")).to_be_visible()

    head, rows = grid_rows(tab_grid(pg, "Completeness"))
    assert head[:2] == ["Severity", "What is missing or wrong"], head
    rules = dict(q(db, "select distinct rule_description, severity from review.data_completeness_by_provider"))
    severities = [r[0] for r in rows]
    order = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=order.get) and {r[1] for r in rows} <= set(rules), rows
    codes = {c for (c,) in q(db, "select rule_code from review.data_completeness_by_provider")}
    assert not codes & {c for r in rows for c in r}

    tab_grid(pg, "PIP sample")
    expect(pg.get_by_text("coverage: picked because it adds")).to_be_visible()

    head, rows = grid_rows(tab_grid(pg, "Peer comparison"))
    measures = {r[head.index("Measure")] for r in rows}
    assert measures == {
        "Activities",
        "Hours of instruction",
        "Physician interactions",
        "Other learner interactions",
        "Total interactions",
    }, measures
    assert not any(re.search(r"\d\.\d\d\b", c) for r in rows for c in r), rows
    for r in rows:
        if r[head.index("Measure")] == "Activities":
            assert re.fullmatch(r"[\d,]+", r[head.index("Provider's value")]), r
    positions = {r[head.index("Position among peers")] for r in rows}
    assert positions and not any("p25" in p or "p75" in p for p in positions), positions
    shot(pg, server, "live-reviewer-words")


def test_the_soonest_list_says_days_count_from_the_data(context, server):
    pg, db = context.new_page(), server["db"]
    (as_of,) = q(db, "select max(data_as_of_date) from review.current_term")[0]
    signed_in(pg, server, "reviewer1", "/provider-review")
    expect(heading(pg)).to_have_text("Provider review")
    assert headers(pg, 0)[:2] == ["Term end", "Days left (as of the data)"]
    expect(
        pg.get_by_text(f"count from {as_of:%-d %B %Y}, the date of the newest export, not from today")
    ).to_be_visible()
