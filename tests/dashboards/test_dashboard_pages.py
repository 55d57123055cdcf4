"""Every page for every role with streamlit.testing.v1.AppTest, against the built warehouse and real releases.

Each figure a page shows is compared with the mart it comes from, or recomputed from the core tables.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

from dashboards import audit, auth, releases, ui
from reports.formats import format_value
from tests.helpers import query as q
from tests.helpers.apptest import app_test

from dashboard_fixtures import dash_releases, dash_users  # noqa: F401  (fixtures)

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PAGE = {key: str(Path(APP).parent / page[0]) for key, page in auth.PAGES.items()}


@pytest.fixture
def env(built_warehouse, dash_users, dash_releases, tmp_path, monkeypatch):
    users, passwords = dash_users
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("PARS_DASH_DB", str(built_warehouse))
    monkeypatch.setenv("PARS_DASH_RELEASES", str(dash_releases))
    monkeypatch.setenv("PARS_DASH_USERS", str(users))
    monkeypatch.setenv("PARS_DASH_AUDIT", str(log))
    return {"db": built_warehouse, "releases": dash_releases, "passwords": passwords, "audit": log}


def app() -> AppTest:
    at = app_test(APP)  # (AppTest.from_file without a scan of every installed package per AppTest)
    at.run()
    return at


def sign_in(env, name: str, password: str | None = None) -> AppTest:
    return sign_in_on(env, app(), name, password)


def sign_in_on(env, at: AppTest, name: str, password: str | None = None) -> AppTest:
    """Sign in on `at`, an app already run (at a link's URL, say)."""
    at.text_input(key="sign-in-name").input(name)
    at.text_input(key="sign-in-password").input(password or env["passwords"][name])
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_url(at: AppTest, key: str) -> AppTest:
    """Request a page by its URL path, as a browser does (AppTest.switch_page only knows the menu's pages)."""
    at._page_hash = calc_hash(auth.PAGES[key][3])  # st.Page's script hash is the hash of its url_path
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def n(text: str) -> int:
    return int(text.replace(",", ""))


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


# ------------------------------------------------------------------------------------------------- sign-in


def test_signed_out_sees_only_the_sign_in_page(env):
    at = app()
    assert titles(at) == ["PARS Analytics"]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE["annual_report"])  # not in the menu
    open_url(at, "annual_report")  # by URL: the sign-in page runs instead
    assert titles(at) == ["PARS Analytics"] and not at.metric


def test_wrong_password_is_refused_and_audited(env):
    at = sign_in(env, "staff1", "not-the-password")
    assert "wrong password" in at.error[0].value
    assert titles(at) == ["PARS Analytics"] and "user" not in at.session_state
    entry = audit.read(env["audit"])[-1]
    assert entry["action"] == "sign-in failed" and entry["user"] == "staff1"


def test_each_role_lands_on_its_own_pages(env):
    expected = {"staff1": "Annual report explorer", "reviewer1": "Provider review", "researcher1": "Research releases"}
    for name, title in expected.items():
        at = sign_in(env, name)
        assert titles(at) == [title], name
        assert at.session_state["user"]["role"] == name.removesuffix("1")
    assert [e["user"] for e in audit.read(env["audit"]) if e["action"] == "sign-in"] == list(expected)


@pytest.mark.parametrize("name", ["reviewer1", "researcher1"])
def test_another_roles_page_is_not_reachable(env, name):
    at = sign_in(env, name)
    own = titles(at)
    for key in auth.ROLE_PAGES["staff"]:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE[key])  # not in this role's menu
        open_url(at, key)  # by URL: st.navigation does not know the page, the role's default page runs
        assert titles(at) == own and not at.exception and not at.metric or own == ["Research releases"]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("reviewer1", "annual_report"),
        ("researcher1", "data_operations"),
        ("staff1", "releases"),
        ("staff1", "provider_review"),
    ],
)
def test_pages_refuse_other_roles_themselves(env, name, key):
    """The page checks the role itself (not only the menu): run the page file directly as a signed-in user."""
    at = app_test(PAGE[key])
    at.session_state["user"] = {"name": name, "role": name.removesuffix("1"), "via": "password"}
    at.run()
    assert at.error and "Not allowed" in at.error[0].value
    assert not at.metric and not at.dataframe and not at.title


# ------------------------------------------------------------------------------------------------- staff


def test_explorer_shows_the_marts_numbers_for_each_filter(env):
    db = env["db"]
    at = sign_in(env, "staff1")
    year = max(r[0] for r in q(db, "select report_year from annual_report.enterprise_size"))
    size = q(
        db,
        "select activities, providers_reporting, providers_accredited, physician_interactions "
        "from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'",
        [year],
    )[0]
    m = metrics(at)
    assert at.selectbox(key="f-year").value == year
    assert (
        n(m["Activities"]),
        n(m["Providers reporting"]),
        n(m["Providers accredited"]),
        n(m["Physician interactions"]),
    ) == size

    at.selectbox(key="f-group").select("State").run()
    state_group = q(
        db,
        "select activities from annual_report.enterprise_size where report_year = ? and accreditor_group = 'State'",
        [year],
    )[0][0]
    assert n(metrics(at)["Activities"]) == state_group

    # organization type x activity type: the cell of annual_report.activity_matrix
    org, act, activities, physicians = q(
        db,
        """
        select organization_type, activity_type, activities, physician_interactions from annual_report.activity_matrix
        where report_year = ? and accreditor_group = 'State' and activities > 0 order by activities desc limit 1""",
        [year],
    )[0]
    at.selectbox(key="f-org").select(org).run()
    at.selectbox(key="f-act").select(act).run()
    m = metrics(at)
    assert (n(m["Activities"]), n(m["Physician interactions"])) == (activities, physicians)

    # a state: recomputed from the core tables (counted activities of the state's State-accredited providers)
    at.selectbox(key="f-org").select("All").run()
    at.selectbox(key="f-act").select("All").run()
    state, counted, providers = q(
        db,
        """
        select p.state, count(*), count(distinct a.provider_id) from core.fct_activities a
        join core.dim_providers p using (provider_id)
        where a.is_counted and a.report_year = ? and p.accreditor_type = 'State' and p.state is not null
        group by p.state order by count(*) desc, p.state limit 1""",
        [year],
    )[0]
    at.selectbox(key="f-state").select(state).run()
    m = metrics(at)
    assert (n(m["Activities"]), n(m["Providers reporting"])) == (counted, providers)
    assert not at.exception


def test_explorer_breakdown_table_is_the_rollup(env):
    db = env["db"]
    at = sign_in(env, "staff1")
    year = at.selectbox(key="f-year").value
    table = at.dataframe[0].value
    expected = q(
        db,
        "select organization_type, activities from annual_report.activity_rollup where report_year = ? "
        "and accreditor_group = 'All' and state = 'All' and activity_type = 'All' "
        "and organization_type <> 'All'",
        [year],
    )
    assert sorted(zip(table["Organization type"], table["Activities"], strict=True)) == sorted(expected)
    # the breakdown follows the radio: by activity type, the activity types' parts add up to the year's total
    at.radio(key="f-breakdown").set_value("activity type").run()
    by_type = at.dataframe[0].value
    total = q(
        db,
        "select activities from annual_report.enterprise_size where report_year = ? and accreditor_group = 'All'",
        [year],
    )[0][0]
    assert set(by_type["Organization type"]) == {"All"} and by_type["Activities"].sum() == total


def test_downloads_are_audited_when_served(env):
    """A download's bytes are made on click (deferred); the audit line is written as they are served."""
    from dashboards import downloads

    calls = []
    serve = downloads.audited(
        lambda: calls.append(1) or b"a,b\n", {"name": "staff1", "role": "staff"}, "x table", "x.csv", {"year": 2022}
    )
    assert calls == [] and audit.read(env["audit"]) == []  # nothing made or logged before the click
    assert serve() == b"a,b\n"
    entry = audit.read(env["audit"])[-1]
    assert (entry["user"], entry["role"], entry["action"], entry["file"], entry["details"]) == (
        "staff1",
        "staff",
        "download",
        "x.csv",
        {"year": 2022},
    )

    def broken():
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        downloads.audited(broken, {"name": "staff1", "role": "staff"}, "y", "y.pdf", None)()
    assert len(audit.read(env["audit"])) == 1  # a failed download is not logged as served


def test_moc_rems_and_operations_pages(env):
    db = env["db"]
    at = sign_in(env, "staff1")
    at.switch_page(PAGE["moc"]).run()
    assert titles(at) == ["CME that counts for MOC"] and not at.exception
    year = at.selectbox(key="f-year").value
    board, completions, learners = q(
        db,
        "select board, completions, distinct_learners from moc.board_summary "
        "where report_year = ? order by completions desc limit 1",
        [year],
    )[0]
    at.multiselect(key="f-boards").select(board).run()
    m = metrics(at)
    assert (n(m["Completions"]), n(m["Distinct learners"])) == (completions, learners)

    at.switch_page(PAGE["rems"]).run()
    assert titles(at) == ["Opioid Analgesic REMS"] and not at.exception
    year = at.selectbox(key="f-year").value
    rems = q(
        db,
        "select rems_activities, compliant_activities, rems_providers from rems.summary where report_year = ?",
        [year],
    )[0]
    m = metrics(at)
    assert (n(m["REMS activities"]), n(m["Compliant"]), n(m["Providers"])) == rems
    listed = at.dataframe[-1].value
    assert (
        len(listed)
        == q(db, "select count(*) from rems.activity_list where report_year = ? and is_counted", [year])[0][0]
        == rems[0]
    )

    at.switch_page(PAGE["data_operations"]).run()
    assert titles(at) == ["Data operations"] and not at.exception
    m = metrics(at)
    assert n(m["Loads"]) == q(db, "select count(*) from raw.load_history")[0][0]
    assert n(m["Quarantined rows"]) == q(db, "select count(*) from raw.quarantine")[0][0]
    errors, checked = q(db, "select providers_with_errors, providers_checked from ops.operations_summary")[0]
    assert m["Providers with errors"] == f"{errors:,} of {checked:,}"  # by severity: tests/dashboards/test_ops_page.py
    overview = pd.concat([df.value for df in at.dataframe if "Activities flagged" in df.value.columns])
    flagged = dict(q(db, "select rule_code, count(*) from review.data_completeness group by rule_code"))
    shown = dict(zip(overview["Rule"], overview["Activities flagged"], strict=True))
    assert {rule: count for rule, count in shown.items() if count} == flagged


def vega_specs(at: AppTest) -> list[dict]:
    """The Vega-Lite specs of the page's charts, in page order."""
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def grid_formats(table) -> dict[str, dict]:
    """column label -> the grid's type configuration of the column (format, colour)."""
    config = json.loads(table.proto.columns or "{}")
    entries = {c: config.get(f"col:name:{c}") or config.get(c) or {} for c in table.value.columns}
    return {c: entry.get("type_config") or {} for c, entry in entries.items()}


def test_staff_figures_read_in_one_format_with_their_own_colours_and_definitions(env):
    """Old code: hours of instruction as "28,276" beside the tables' 28,275.8; rates in Streamlit's "percent"
    ("33.33%" beside "100%"); median days as "159.00"; the MOC statuses in the boards' palette (orange: ABIM in
    one chart, "Rejected" in the next); REMS tiles without a word on what "RPC funded" or "Related" mean."""
    db = env["db"]
    at = sign_in(env, "staff1")
    year = at.selectbox(key="f-year").value
    hours = q(
        db,
        "select hours_of_instruction from annual_report.enterprise_size where report_year = ? "
        "and accreditor_group = 'All'",
        [year],
    )[0][0]
    assert metrics(at)["Hours of instruction"] == format_value(hours, "hours")  # "30,334.0", as the tables

    at.switch_page(PAGE["moc"]).run()
    timeliness = at.dataframe[-1]
    shown = grid_formats(timeliness)
    assert shown["Late rate"]["format"] == shown["Rejection rate"]["format"] == "%.1f%%"  # 33.3%, 100.0%
    assert shown["Median days to report"]["format"] == "%,.0f"  # whole days
    rates = q(
        db,
        "select late_rate from moc.provider_reporting_timeliness where report_year = ? "
        "order by late_rate desc, completions desc, provider_id, board",
        [at.selectbox(key="f-year").value],
    )
    assert timeliness.value["Late rate"].tolist() == pytest.approx([100 * r for (r,) in rates])  # percent points
    status, trend = vega_specs(at)[:2]
    status_colours = status["encoding"]["color"]["scale"]["range"]
    board_colours = trend["encoding"]["color"]["scale"]["range"]
    assert status["encoding"]["color"]["scale"]["domain"] == ["Accepted", "Rejected", "Pending"]
    assert not set(status_colours[:3]) & set(board_colours), (status_colours, board_colours)

    at.switch_page(PAGE["rems"]).run()
    spec = yaml.safe_load((APP.parents[1] / "models" / "marts" / "rems" / "summary.yml").read_text())
    described = {c["name"]: " ".join(c["description"].split()) for c in spec["models"][0]["columns"]}
    helps = {m.label: m.proto.help for m in at.metric}
    for label, column in [
        ("Compliant", "compliant_activities"),
        ("Related", "related_activities"),
        ("RPC funded", "rpc_funded_activities"),
    ]:
        assert helps[label] == described[column], label
        assert ui.plain(described[column]) in " ".join(c.value for c in at.caption), label


def test_a_links_unknown_filter_value_is_said_not_dropped(env):
    """Old code: /annual-report?year=...&state=WY (WY has no data) showed every state without a word."""
    db = env["db"]
    at = app()
    year = max(y for (y,) in q(db, "select report_year from annual_report.enterprise_size"))
    at.query_params["year"] = str(year)
    at.query_params["state"] = "WY"
    at.run()
    at = sign_in_on(env, at, "staff1")
    assert at.selectbox(key="f-state").value == "All" and at.selectbox(key="f-year").value == year
    notices = [w.value for w in at.warning]
    assert any("state" in w and "WY" in w and "All" in w for w in notices), notices
    assert not any(str(year) in w for w in notices), notices  # the year was found: no word about it
    at.selectbox(key="f-state").select("All").run()  # said once: the next run has no notice
    assert not [w.value for w in at.warning if "WY" in w.value]


# ------------------------------------------------------------------------------------------------- reviewer


def test_reviewer_finds_a_provider_and_sees_its_review(env):
    db = env["db"]
    provider_id, name = q(
        db,
        "select provider_id, provider_name from review.pip_sample join review.current_term "
        "using (provider_id) group by all order by count(*) desc, provider_id limit 1",
    )[0]
    at = sign_in(env, "reviewer1")
    at.text_input(key="f-provider-search").input(provider_id).run()
    assert not at.exception
    assert at.selectbox(key="f-provider").value == provider_id
    assert any(name in s.value for s in at.subheader)
    frames = {tuple(df.value.columns)[:3]: df.value for df in at.dataframe}
    history = next(v for v in frames.values() if "Decision type" in v.columns)  # labels (reports.labels)
    assert "Decision" not in history.columns  # the decision id is internal: not shown to reviewers
    assert (
        len(history)
        == q(db, "select count(*) from core.fct_accreditation_decisions where provider_id = ?", [provider_id])[0][0]
    )
    sample = next(v for v in frames.values() if "Sample no." in v.columns)
    assert sample["Activity number"].tolist() == [
        r[0]
        for r in q(
            db,
            "select activity_id from review.pip_sample where provider_id = ? order by sample_position",
            [provider_id],
        )
    ]
    # a part of the name finds it too
    at.text_input(key="f-provider-search").input(name.split()[0].lower()).run()
    assert provider_id in at.selectbox(key="f-provider").options or provider_id in [
        o.split("(")[-1].split(",")[0] for o in at.selectbox(key="f-provider").options
    ]


# ------------------------------------------------------------------------------------------------- researcher


def test_researcher_catalogue_reads_only_the_releases(env, monkeypatch):
    monkeypatch.setenv("PARS_DASH_DB", str(env["db"].with_name("no-such-warehouse.duckdb")))
    at = sign_in(env, "researcher1")
    assert not at.exception and not at.error
    manifests = {p.parent.name: json.loads(p.read_text()) for p in env["releases"].glob("*/manifest.json")}
    listed = at.dataframe[0].value
    assert list(listed.columns) == ["Release", "Title", "Profile", "Data as of", "Tables"]  # headers in words
    assert sorted(listed["Release"]) == sorted(manifests)
    for release, manifest in manifests.items():
        at.selectbox(key="f-release").select(release).run()
        assert any(ui.plain(manifest["title"]) == h.value for h in at.header)  # data as text (ui.plain)
        m = metrics(at)
        for table, rows in manifest["row_counts"].items():
            assert n(m[ui.plain(f"{releases.table_label(table)} (rows)")]) == rows
            assert "_" not in releases.table_label(table)
        dictionary = json.loads((env["releases"] / release / "data_dictionary.json").read_text())
        assert len(at.dataframe[1].value) == len(dictionary)
        risk = json.loads((env["releases"] / release / "risk_report.json").read_text())
        guarantees = at.table[0].value
        assert guarantees["guarantee"].tolist() == [g["name"] for g in risk["guarantees"]]
        assert all(guarantees["what it means"].str.len() > 0), "every guarantee explained in one line"
        for shown, g in zip(guarantees.to_dict("records"), risk["guarantees"], strict=True):
            if isinstance(g["achieved"], float) and 0 < g["achieved"] < 1:  # a share: a percentage, not 0.0909
                assert shown["achieved"].endswith("%"), shown
        flags = [w for w in risk.get("utility", {}).get("warnings", []) if w["level"] == "warning"]
        assert len(at.warning) == (1 if flags else 0), "the mostly-suppressed warnings collapse into one"
        for w in flags:
            assert ui.plain(w["column"]) in at.warning[0].value
        if risk.get("tables"):
            figures = {r["figure"]: r for r in at.table[1].value.to_dict("records")}
            for t in risk["tables"].values():
                highest = figures["Highest re-identification risk (prosecutor)"]
                assert highest["value"] == f"{100 * t['prosecutor_risk']['max']:.3g}%" and highest["what it means"]
        assert any("LP interval" in md.value for md in at.markdown), "the glossary explains the report's terms"
        # the manifest itself: its SHA-256 (exact bytes) where the guide says to cite it, and downloadable
        sha = hashlib.sha256((env["releases"] / release / "manifest.json").read_bytes()).hexdigest()
        assert sha in [c.value for c in at.code]
        assert any(c.value.endswith(f"manifest.json SHA-256 {sha}.") for c in at.code), "the suggested citation"
        buttons = at.get("download_button")  # (what a click serves and audits: the browser test)
        assert len(buttons) == len(manifest["files"]) + 2 + (
            "risk_report.pdf" not in [f["path"] for f in manifest["files"]]
        )


def test_release_reader_is_tolerant(env, tmp_path, monkeypatch):
    releases = tmp_path / "releases"
    shutil.copytree(env["releases"] / "activities", releases / "full")
    (releases / "bare").mkdir()
    (releases / "bare" / "manifest.json").write_text(
        json.dumps({"release": "bare", "files": [{"path": "../../etc/passwd"}, {"path": "data/missing.csv"}]})
    )
    (releases / "broken").mkdir()
    (releases / "broken" / "manifest.json").write_text("{not json")
    (releases / "not-a-release").mkdir()
    monkeypatch.setenv("PARS_DASH_RELEASES", str(releases))
    at = sign_in(env, "researcher1")
    assert sorted(at.dataframe[0].value["Release"]) == ["bare", "broken", "full"]
    at.selectbox(key="f-release").select("bare").run()
    assert not at.exception
    assert len(at.get("download_button")) == 2  # its manifest.json only: a path outside it or a missing file never
    assert any("not reported" in i.value for i in at.info)
    at.selectbox(key="f-release").select("broken").run()
    assert any("cannot be read" in w.value for w in at.warning)


# ------------------------------------------------------------------------------------------------- swaps


def test_app_follows_a_warehouse_swapped_underneath(env, tmp_path, monkeypatch):
    served = tmp_path / "served.duckdb"
    shutil.copy(env["db"], served)
    monkeypatch.setenv("PARS_DASH_DB", str(served))
    at = sign_in(env, "staff1")
    before = n(metrics(at)["Activities"])
    # a "rebuild": a new file with other numbers, os.replace()d over the served one as `pars build` does
    rebuilt = tmp_path / "rebuilt.duckdb"
    shutil.copy(env["db"], rebuilt)
    con = duckdb.connect(str(rebuilt))
    con.sql("update annual_report.activity_rollup set activities = activities + 1000")
    con.close()
    os.replace(rebuilt, served)
    at.run()
    assert n(metrics(at)["Activities"]) == before + 1000
    assert hashlib.sha256(served.read_bytes()).hexdigest()  # the served file is the new one, readable
