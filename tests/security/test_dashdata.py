"""The dashboards as a curious user and an unlucky operator meet them (issue 12, items 9 and 11), in a real browser.

- Item 9: with staff sessions open, `pars load` and `pars build` (separate processes, as an operator runs them)
  succeed, and the open sessions then show the new data: the app holds no DuckDB connection (and so no file
  lock) between queries.
- Item 11: text from the data (a provider's name, a release's title, description and file names, an export id)
  carrying Markdown/HTML renders as that text: no image is fetched (a beacon server on loopback records every
  request), no link or image from it is in the page; and the table toolbar offers no "Download as CSV" (the
  only downloads are the app's audited, formula-guarded buttons).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from dashboards.serve import healthy
from tests.helpers import query, read_manifest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser, dash_users, free_port  # noqa: E402, F401  (fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
ROOT = Path(__file__).resolve().parents[2]
#: The mart the data operations page shows the loads and the latest export from.
SHOWN = "operations_summary"


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


def metric(pg, label: str):
    return (
        pg.locator('[data-testid="stMetric"]')
        .filter(has=pg.get_by_text(label, exact=True))
        .locator('[data-testid="stMetricValue"]')
    )


def goto_pages(sessions, pages: list[tuple[str, str]]) -> None:
    """Open each (link, title) page in every session in turn: the link is clicked in each session, then each
    session's page awaited."""
    for link, title in pages:
        for pg in sessions:
            pg.get_by_role("link", name=link).click()
        for pg in sessions:
            expect(pg.locator("h1").first).to_have_text(title, timeout=TIMEOUT_MS)
            settle(pg)


# ---------------------------------------------------------------------------------------------------- item 9


def next_empty_export(export: Path, target: Path) -> Path:
    """An incremental export a month after `export`, every file with its header only."""
    target.mkdir(parents=True)
    for path in sorted(export.glob("*.csv")):
        with path.open("rb") as fh:
            (target / path.name).write_bytes(fh.readline())
    manifest = read_manifest(export)
    before = datetime.fromisoformat(manifest["exported_at"].replace("Z", "+00:00"))
    later = (before + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest.pop("files", None)
    manifest.update(export_id=f"{later}-incremental", exported_at=later, kind="incremental")
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_load_and_build_succeed_while_staff_sessions_are_open_and_the_sessions_see_the_new_data(
    built_warehouse, dash_users, browser, tmp_path
):  # noqa: F811  (the imported fixture)
    users, passwords = dash_users
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    (tmp_path / "releases").mkdir()
    # the operator's next export, the smallest there is: a later incremental export (a new id and date) whose
    # files hold their header only (what the sessions must see is the new load, not more rows)
    export = next_empty_export(built_warehouse.parent / "export", tmp_path / "export2")
    later = read_manifest(export)["exported_at"]
    loads = query(db, "select count(*) from raw.load_history")[0][0]

    server = Server(db, tmp_path / "releases", users, tmp_path)
    try:
        sessions = [new_page(browser, server.url) for _ in range(2)]
        # two staff sessions, each having read every staff page; the two go side by side (each step is asked of
        # both before either is awaited: the server runs the two sessions' pages at once)
        for pg in sessions:
            sign_in(pg, server.url, "staff1", passwords["staff1"])
        for pg in sessions:
            expect(pg.locator("h1").first).to_have_text("Annual report explorer", timeout=TIMEOUT_MS)
            settle(pg)
        goto_pages(
            sessions,
            [
                ("MOC", "CME that counts for MOC"),
                ("Opioid REMS", "Opioid Analgesic REMS"),
                ("Data operations", "Data operations"),
            ],
        )
        for pg in sessions:
            expect(metric(pg, "Loads")).to_have_text(f"{loads:,}", timeout=TIMEOUT_MS)

        served = db.stat().st_ino
        # the build: the mart the sessions show the loads from, to keep the test short (a full build publishes
        # the same way: a new file renamed over the served one, tests/test_build.py)
        for command in (["load", str(export), "--db", str(db)], ["build", "--db", str(db), "--select", SHOWN]):
            run = subprocess.run(
                [sys.executable, "-m", "warehouse", *command], cwd=ROOT, capture_output=True, text=True, timeout=600
            )
            assert run.returncode == 0, f"pars {command[0]} failed with sessions open:\n{run.stdout}\n{run.stderr}"
        assert query(db, "select count(*) from raw.load_history")[0][0] == loads + 1
        assert db.stat().st_ino != served, "the build did not publish a new file under the open sessions"

        # the same sessions, without signing in again: the new figures
        goto_pages(
            sessions, [("Annual report explorer", "Annual report explorer"), ("Data operations", "Data operations")]
        )
        for pg in sessions:
            expect(metric(pg, "Loads")).to_have_text(f"{loads + 1:,}", timeout=TIMEOUT_MS)
            # the caption under the tiles names the latest load's export (the "Latest export" tile of old)
            expect_text(
                pg.locator('[data-testid="stCaptionContainer"]').filter(has_text="Latest load"),
                f"Latest load: export {later}-incremental",
            )
            assert pg.outside_requests == []
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------- item 11


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


READER = """
import sys, time, duckdb
con = duckdb.connect(":memory:")  # what dashboards.data.Warehouse does for each query, in the app's process
con.execute("attach ? as wh (read_only)", [sys.argv[1]])
print("attached", flush=True)
time.sleep(2)
con.execute("detach wh")
print("released", flush=True)
"""


def test_a_load_waits_for_a_dashboard_query_in_flight_instead_of_failing(db, export_copy):
    """A dashboard query attaches the file read-only for its duration (a shared DuckDB lock, in the app's process):
    a load starting meanwhile waits for it (milliseconds; here 2 s) instead of failing "in use by another process"."""
    from warehouse.load import load_export

    loads = query(db, "select count(*) from raw.load_history")[0][0]
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "attached"
        load_export(export_copy, db)
        assert reader.wait(timeout=30) == 0 and reader.stdout.read().strip() == "released"
    finally:
        reader.kill()
        reader.wait()
    assert query(db, "select count(*) from raw.load_history")[0][0] == loads + 1
