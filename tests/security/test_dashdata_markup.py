"""Text from the data that carries Markdown/HTML renders as that text (issue 12, item 11), in a real browser.

A provider's name, a release's title, description and file names, an export id: no image is fetched (a beacon
server on loopback records every request), no link or image from it is in the page; and the table toolbar offers
no "Download as CSV" (the only downloads are the app's audited, formula-guarded buttons). The served copy with the
markup (the module fixture `hostile`) is made once, for the tests of this file.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from tests.helpers import query

from .dashdata_server import Server, expect_text, new_page, settle, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser, dash_users  # noqa: E402, F401  (fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


class Beacon:
    """A tiny HTTP server on loopback that records every request it gets (a tracker an attacker would run)."""

    def __init__(self):
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def payload(self, where: str) -> str:
        """Markdown and HTML that would fetch from the beacon or show a live link if rendered as markup."""
        b = self.base
        return (
            f"Evil {where} ![x]({b}/md-image-{where}) [click]({b}/md-link-{where}) "
            f'<img src="{b}/html-image-{where}"> <a href="{b}/html-link-{where}">a</a> '
            f"{b}/autolink-{where} **bold** :red[red] $x^2$"
        )

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def hostile(built_warehouse, dash_users, tmp_path_factory):  # noqa: F811  (the imported fixture)
    """A served copy of the built warehouse whose text carries markup: a provider's name, the latest export id,
    and a release whose title, description, table names and file name do too."""
    users, passwords = dash_users
    root = tmp_path_factory.mktemp("dashdata-hostile")
    beacon = Beacon()
    db = root / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    provider_id = query(
        db, "select provider_id from review.current_term where is_currently_accredited order by provider_id limit 1"
    )[0][0]
    name, export_id = beacon.payload("provider"), beacon.payload("export")
    con = duckdb.connect(str(db))
    try:
        for schema, table in con.sql(
            "select table_schema, table_name from information_schema.columns "
            "join information_schema.tables using (table_schema, table_name) "
            "where column_name = 'provider_name' and table_type = 'BASE TABLE'"
        ).fetchall():
            con.execute(f'update "{schema}"."{table}" set provider_name = ? where provider_id = ?', [name, provider_id])
        con.execute("update ops.operations_summary set latest_export_id = ?", [export_id])
    finally:
        con.close()

    release = root / "releases" / "evil"
    (release / "data").mkdir(parents=True)
    (release / "data" / "x.csv").write_text("a\n1\n")
    file_name = "data/x.csv"
    (release / "manifest.json").write_text(
        json.dumps(
            {
                "release": "evil",
                "title": beacon.payload("title"),
                "description": beacon.payload("description"),
                "profile": beacon.payload("profile"),
                "data_as_of": "2023-01-01",
                "row_counts": {beacon.payload("table"): 1},
                "files": [{"path": file_name, "bytes": 4}],
            }
        )
    )
    (release / "risk_report.json").write_text(json.dumps({"epsilon": beacon.payload("epsilon")}))

    server = Server(db, root / "releases", users, root)
    yield {
        "url": server.url,
        "beacon": beacon,
        "provider_id": provider_id,
        "name": name,
        "export_id": export_id,
        "passwords": passwords,
        "release_title": beacon.payload("title"),
    }
    server.stop()
    beacon.stop()


def assert_inert(pg, hostile) -> None:
    """No request reached the beacon and no element from the payload made a link or an image."""
    settle(pg)
    time.sleep(0.5)  # an image fetch would be under way by now
    base = hostile["beacon"].base
    linked = pg.evaluate(
        """(base) => [...document.querySelectorAll('a[href], img[src], [src], [href]')]
        .map(e => e.getAttribute('href') || e.getAttribute('src')).filter(u => u.includes(base))""",
        base,
    )
    hits = list(hostile["beacon"].hits)
    assert (linked, hits) == ([], []), f"the data became markup: links/images {linked}; fetched {hits}"
    assert pg.outside_requests == [], pg.outside_requests
    expect(pg.locator("strong", has_text="bold")).to_have_count(0)  # **bold** stays as typed


def test_a_provider_name_with_markup_renders_as_text(browser, hostile):
    pg = new_page(browser, hostile["url"])
    sign_in(pg, hostile["url"], "reviewer1", hostile["passwords"]["reviewer1"])
    expect(pg.locator("h1").first).to_have_text("Provider review", timeout=TIMEOUT_MS)
    pg.get_by_role("textbox", name="Find a provider by name or number").fill(hostile["provider_id"])
    pg.keyboard.press("Enter")
    expect_text(pg.locator(".st-key-selection"), hostile["provider_id"])
    assert_inert(pg, hostile)
    # the name shows as the very text it is
    expect_text(pg.locator(".st-key-selection"), f"{hostile['name']} · {hostile['provider_id']}")
    # a search text with markup is echoed as text too
    pg.get_by_role("textbox", name="Find a provider by name or number").fill(hostile["beacon"].payload("search"))
    pg.keyboard.press("Enter")
    expect(pg.get_by_text("No provider's number is")).to_be_visible(timeout=TIMEOUT_MS)
    assert_inert(pg, hostile)
    expect_text(pg.get_by_text("No provider's number is"), hostile["beacon"].payload("search"))
    pg.context.close()


def test_an_export_id_with_markup_renders_as_text_in_a_tooltip(browser, hostile):
    """The data operations page names the latest load's export in the caption under its tiles (a tooltip before)."""
    pg = new_page(browser, hostile["url"])
    # signed in at the page's own link: it opens after the sign-in (not the explorer first, the heaviest page)
    sign_in(pg, hostile["url"] + "/data-operations", "staff1", hostile["passwords"]["staff1"])
    expect(pg.locator("h1").first).to_have_text("Data operations", timeout=TIMEOUT_MS)
    settle(pg)
    caption = pg.locator('[data-testid="stCaptionContainer"]').filter(has_text="Latest load")
    expect(caption).to_contain_text("loaded", timeout=TIMEOUT_MS)
    assert_inert(pg, hostile)
    expect_text(caption, hostile["export_id"])
    pg.context.close()


def test_a_release_with_markup_renders_as_text(browser, hostile):
    pg = new_page(browser, hostile["url"])
    sign_in(pg, hostile["url"], "researcher1", hostile["passwords"]["researcher1"])
    expect(pg.locator("h1").first).to_have_text("Research releases", timeout=TIMEOUT_MS)
    expect(pg.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=TIMEOUT_MS)
    assert_inert(pg, hostile)
    expect_text(pg.locator(".st-key-selection"), hostile["release_title"])
    expect_text(pg.locator(".st-key-selection"), hostile["beacon"].payload("description"))
    expect_text(pg.locator('[data-testid="stMetric"]').first, hostile["beacon"].payload("table"))
    for tab in ("Risk report", "Downloads"):
        pg.get_by_role("tab", name=tab).click()
        assert_inert(pg, hostile)
    pg.context.close()


def test_the_table_toolbar_offers_no_csv_download(browser, hostile):
    pg = new_page(browser, hostile["url"])
    sign_in(pg, hostile["url"] + "/rems", "staff1", hostile["passwords"]["staff1"])  # (its own link, as above)
    expect(pg.locator("h1").first).to_have_text("Opioid Analgesic REMS", timeout=TIMEOUT_MS)
    settle(pg)
    table = pg.locator('[data-testid="stElementContainer"]').filter(has=pg.locator('[data-testid="stDataFrame"]')).first
    table.hover()
    toolbar = table.locator('[data-testid="stElementToolbar"]')
    # the table's toolbar is shown
    expect(toolbar.get_by_role("button", name="Search")).to_be_visible(timeout=TIMEOUT_MS)
    expect(toolbar.get_by_role("button", name="Download as CSV")).to_have_count(0)
    # the app's own, audited buttons remain
    expect(pg.locator(".st-key-dl-summary-csv button")).to_be_visible(timeout=TIMEOUT_MS)
    pg.context.close()
