"""Loads and builds while the dashboards read the warehouse (issue 12, item 9), in a real browser.

With staff sessions open, `pars load` and `pars build` (separate processes, as an operator runs them) succeed, and
the open sessions then show the new data: the app holds no DuckDB connection (and so no file lock) between
queries. A load starting while a dashboard query is in flight waits for it instead of failing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import query, read_manifest

from .dashdata_server import ROOT, Server, expect_text, new_page, settle, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))
from dashboard_fixtures import CHROMIUM, TIMEOUT_MS, browser, dash_users  # noqa: E402, F401  (fixture)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
#: The mart the data operations page shows the loads and the latest export from.
SHOWN = "operations_summary"


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
