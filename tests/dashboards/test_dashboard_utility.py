"""The researcher page shows each release's utility per column beside its guarantees, with the warnings visible:
with AppTest (every figure against risk_report.json) and in Debian's chromium (what a researcher sees).

Releases (tests/release/utility_fixtures.py): the learners profile as shipped (one column mostly suppressed at this
scale), the learners profile with k = every learner (every quasi-identifier entirely suppressed), and a copy of the
first without its utility block (a release made before utility was measured).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from release.utility_fixtures import utility_releases
from streamlit.testing.v1 import AppTest

from anonymize.release.utility import percent
from dashboards import ui
from tests.helpers.apptest import app_test

from dashboard_fixtures import (  # noqa: F401  (fixtures)
    CHROMIUM,
    TIMEOUT_MS,
    browser,
    dash_releases,
    dash_users,
    shared_server,
    sign_in,
    utility_page_releases,
)

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
JOINER = "\u2060"  # ui.plain puts an invisible WORD JOINER after every ':'


@pytest.fixture(scope="module")
def releases(built_warehouse, tmp_path_factory) -> Path:
    made = utility_releases(built_warehouse, tmp_path_factory)
    return utility_page_releases(made, tmp_path_factory.mktemp("utility-page") / "releases")


def risk(releases: Path, name: str) -> dict:
    return json.loads((releases / name / "risk_report.json").read_text())


@pytest.fixture
def signed_in(built_warehouse, dash_users, releases, tmp_path, monkeypatch) -> AppTest:
    users, passwords = dash_users
    monkeypatch.setenv("PARS_DASH_DB", str(built_warehouse))
    monkeypatch.setenv("PARS_DASH_RELEASES", str(releases))
    monkeypatch.setenv("PARS_DASH_USERS", str(users))
    monkeypatch.setenv("PARS_DASH_AUDIT", str(tmp_path / "audit.jsonl"))
    at = app_test(APP)
    at.run()
    at.text_input(key="sign-in-name").input("researcher1")
    at.text_input(key="sign-in-password").input(passwords["researcher1"])
    at.button[0].click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def utility_frame(at: AppTest):
    frames = [d.value for d in at.dataframe if "suppressed" in d.value.columns]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0]


def test_page_shows_utility_per_column_and_flags_an_entirely_suppressed_column(signed_in, releases):
    at = signed_in
    at.selectbox(key="f-release").select("suppressed").run()
    assert not at.exception
    report = risk(releases, "suppressed")["utility"]
    errors = [e.value for e in at.error]
    assert len(errors) == 1, "every entirely suppressed column in one message"
    for w in report["warnings"]:
        if w["level"] == "error":
            assert ui.plain(w["column"]) in errors[0]
    assert errors[0].startswith(ui.plain("Entirely suppressed (the column carries no information): learners: "))
    assert ui.plain("organization_types (100%)") in errors[0]
    frame = utility_frame(at)
    rows = {r["column"]: r for r in frame.to_dict("records")}
    for c in report["tables"]["learners"]["columns"]:
        row = rows[c["column"]]
        assert (row["full detail"], row["generalized"], row["suppressed"]) == (
            percent(c["full"]),
            percent(c["generalized"]),
            percent(c["suppressed"]),
        )
    assert rows["organization_types"]["flag"] == "entirely suppressed"
    assert rows["learner"]["flag"] == ""


def test_page_warns_of_a_mostly_suppressed_column_and_says_when_utility_is_not_reported(signed_in, releases):
    at = signed_in
    at.selectbox(key="f-release").select("learners").run()
    report = risk(releases, "learners")["utility"]
    flagged = [w for w in report["warnings"] if w["level"] == "warning"]
    assert flagged and len(at.warning) == 1, "the mostly suppressed columns in one warning, not one per column"
    for w in flagged:
        share = w["message"].split(": ")[1].split(" ")[0]
        assert ui.plain(f"{w['column']} ({share})") in at.warning[0].value
    assert not at.error
    flags = {r["column"]: r["flag"] for r in utility_frame(at).to_dict("records")}
    assert {c for c, f in flags.items() if f == "mostly suppressed"} == {
        w["column"] for w in report["warnings"] if w["level"] == "warning"
    }

    at.selectbox(key="f-release").select("older").run()
    assert not at.exception
    assert any("Utility per column: not reported" in i.value.replace("\\", "") for i in at.info)


def test_a_malformed_utility_block_is_read_as_not_reported():
    from dashboards import releases

    for risk in (None, [], {"utility": "x"}, {"utility": {"tables": []}}, {"utility": []}):
        assert releases.utility(risk) is None and releases.flag_summary(risk) == []
    odd = {
        "utility": {
            "tables": {"t": {"columns": [{"column": "c", "full": "x", "level": "error"}, 5]}, "u": 3},
            "warnings": [{"level": "error", "table": "t", "message": "c: 100% suppressed"}, "x", {}],
        }
    }
    assert releases.utility(odd) == [
        {
            "table": "t",
            "column": "c",
            "unit": "rows",
            "full detail": "not reported",
            "generalized": "not reported",
            "suppressed": "not reported",
            "flag": "entirely suppressed",
        }
    ]
    [(level, text)] = releases.flag_summary(odd)  # the malformed warnings ("x", {}) are skipped
    assert level == "error" and "t: c (100%)" in text


# ------------------------------------------------------------------------------------------- in the browser

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(request, built_warehouse, dash_users, dash_releases, tmp_path_factory):
    """The worker's shared `pars serve` (dashboard_fixtures.shared_server): it serves these releases too, beside
    the `pars release` ones (the test chooses its releases by name)."""
    return shared_server(request, built_warehouse, dash_users, dash_releases, tmp_path_factory)


def eventually(read, holds, timeout_ms: int = TIMEOUT_MS):
    """What `read()` returns once `holds` is true of it (read again until then): a list of texts read right after
    a rerun may be the list of the moment before."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not holds(value := read()):
        assert time.monotonic() < deadline, f"still {value!r} after {timeout_ms} ms"
        time.sleep(0.05)
    return value


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_researcher_sees_the_suppressed_column_warning_in_the_browser(browser, server):  # noqa: F811
    from test_dashboard_browser import choose, settle, shot

    context = browser.new_context(viewport={"width": 1400, "height": 2400})  # tall: the utility table in view
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    try:
        sign_in(pg, server["url"] + "/", "researcher1", server["passwords"]["researcher1"])
        playwright_api.expect(pg.locator("h1").first).to_have_text("Research releases")
        choose(pg, "f-release", "suppressed: MOC learners, anonymized")
        alerts = pg.locator('[data-testid="stAlertContentError"]')
        playwright_api.expect(alerts.first).to_be_visible()
        settle(pg)
        eventually(
            lambda: [t.replace(JOINER, "") for t in alerts.all_inner_texts()],
            lambda shown: any("learners: " in t and "organization_types (100%)" in t for t in shown),
        )
        shot(pg, server, "researcher-utility-errors")
        pg.get_by_role("tab", name="Risk report").click()
        playwright_api.expect(pg.get_by_text("Utility per column", exact=True)).to_be_visible()
        settle(pg)
        shot(pg, server, "researcher-utility-table")
        choose(pg, "f-release", "learners: MOC learners, anonymized")
        warnings = pg.locator('[data-testid="stAlertContentWarning"]')
        playwright_api.expect(warnings.first).to_be_visible()
        settle(pg)
        playwright_api.expect(pg.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
        eventually(
            lambda: [t.replace(JOINER, "") for t in warnings.all_inner_texts()],
            lambda shown: any("completions_by_year (" in t for t in shown),
        )
        shot(pg, server, "researcher-utility-warning")
    finally:
        context.close()
