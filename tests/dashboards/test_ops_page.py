"""The data operations page staff can act on (issue 14, item 4), with AppTest on a copy of the built warehouse.

A load refused for a bad header (whose names carry Markdown and a link) is on the page: an error box with the
message, the count of refused attempts and the attempt's row; the headline counts providers with errors (not every
provider with a late completion); each quarantine rule is shown with its sentence and fix; the follow-up list is
the mart's, in words, and its CSV holds exactly those rows.

Old code: the page read raw.load_history only (no trace of the refused load: no error box, no "Refused loads"
metric), headlined "Providers with problems" (every provider with any flag), showed rule codes only and
had no follow-up list.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from security.snapcases import error_line, run_load
from streamlit.testing.v1 import AppTest

from dashboards import auth, exports, ops, ui
from tests.helpers import copy_export, query
from tests.helpers.apptest import app_test
from warehouse.contract import RULES
from warehouse.load import attempts

from dashboard_fixtures import dash_users  # noqa: F401  (fixture)

PAGE = str(Path(__file__).resolve().parents[2] / "dashboards" / auth.PAGES["data_operations"][0])
HOSTILE = "**bold** [click](http://evil.example/x) <b>"


@pytest.fixture
def refused(built_warehouse, base_export, dash_users, tmp_path, monkeypatch):  # noqa: F811
    """A copy of the built warehouse after one refused load; the page's environment points at it."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(built_warehouse, db)
    export = copy_export(base_export, tmp_path / "export", suffix="-bad")
    path = export / "activities.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(header.replace("title", f'"{HOSTILE}"', 1) + "\n" + rest, encoding="utf-8")
    out = run_load(export, db)
    assert out.exit_code == 1
    message = error_line(out).removeprefix("Error: ").removesuffix("; the warehouse was not changed")
    users, _ = dash_users
    monkeypatch.setenv("PARS_DASH_DB", str(db))
    monkeypatch.setenv("PARS_DASH_RELEASES", str(tmp_path / "releases"))
    monkeypatch.setenv("PARS_DASH_USERS", str(users))
    monkeypatch.setenv("PARS_DASH_AUDIT", str(tmp_path / "audit.jsonl"))
    return db, message


def page() -> AppTest:
    at = app_test(PAGE)  # one scan of the installed components per process (tests/helpers/apptest.py)
    at.session_state["user"] = {"name": "staff1", "role": "staff", "via": "password"}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_a_refused_load_is_on_the_page_with_its_message(refused):
    db, message = refused
    assert "click" in message  # the message quotes the hostile header name
    at = page()
    assert len(at.error) == 1
    box = at.error[0].value
    assert "was refused" in box and ui.plain(message) in box  # as plain text: no link, no bold
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Refused loads"] == "1"
    attempts = frame_with(at, "Message")
    assert attempts.iloc[0]["Outcome"] == "Refused" and attempts.iloc[0]["Message"] == message
    assert attempts.iloc[0]["File"] == "activities.csv" and attempts.iloc[0]["Export"].endswith("-bad")
    assert len(attempts) == 1  # the copy's own record: the refused load only


def test_the_headline_counts_providers_with_errors_not_any_flag(refused):
    db, _ = refused
    errors, problems, warnings = query(
        db, "select providers_with_errors, providers_with_problems, providers_with_warnings from ops.operations_summary"
    )[0]
    at = page()
    metrics = {m.label: m.value for m in at.metric}
    assert "Providers with problems" not in metrics
    checked = query(db, "select providers_checked from ops.operations_summary")[0][0]
    assert metrics["Providers with errors"] == f"{errors:,} of {checked:,}"
    assert metrics["Warnings"] == f"{warnings:,} of {checked:,} providers"
    only_warnings = query(
        db,
        """select count(*) from (select provider_id from ops.completeness_follow_up
                                 group by provider_id having bool_and(severity <> 'error'))""",
    )[0][0]
    assert errors == problems - only_warnings


def test_each_quarantine_rule_has_its_sentence_and_fix_on_the_page(refused):
    at = page()
    catalogue = frame_with(at, "What it means")
    assert sorted(catalogue["Rule"]) == sorted(RULES)
    assert catalogue["What it means"].str.len().min() > 20 and catalogue["How to fix it"].str.len().min() > 20


def test_the_follow_up_list_and_its_csv(refused):
    db, _ = refused
    at = page()
    shown = frame_with(at, "Activities concerned")
    expected = query(
        db,
        "select provider_id, rule_code, severity, activities_flagged, fix "
        "from ops.completeness_follow_up where severity in ('error', 'warning') "
        "order by severity_order, provider_id, rule_order",
    )
    assert list(shown.columns) == list(ops.FOLLOW_UP_COLUMNS.values())
    assert [(r["Provider"], r["Severity"], r["Activities"], r["What to fix"]) for _, r in shown.iterrows()] == [
        (p, ops.SEVERITIES[s], n, fix) for p, _, s, n, fix in expected
    ]
    rows = list(csv.reader(io.StringIO(exports.to_csv(shown).decode("utf-8"), newline="")))
    assert rows[0] == list(ops.FOLLOW_UP_COLUMNS.values())
    assert len(rows) == len(expected) + 1
    at.multiselect(key="f-severity").set_value(["Info"]).run()
    info = (
        frame_with(at, "Activities concerned")
        if any("Activities concerned" in d.value.columns for d in at.dataframe)
        else None
    )
    n_info = query(db, "select count(*) from ops.completeness_follow_up where severity = 'info'")[0][0]
    assert (0 if info is None else len(info)) == n_info


def test_a_warehouse_without_a_record_says_so(refused):
    db, _ = refused
    db.with_name(db.name + ".loads.jsonl").unlink()
    at = page()
    assert not at.error
    assert {m.label: m.value for m in at.metric}["Refused loads"] == "0"
    assert any("No load attempt is recorded" in i.value for i in at.info)


def test_completeness_is_grouped_by_severity_with_one_percent_format_and_red_for_errors_only(refused):
    """Old code: rules in rule order (Error, Error, Info, Warning, Warning, Error...) in the chart and the table, every
    share bar red, shares in Streamlit's "percent" ("55.88%" beside "100%")."""
    db, _ = refused
    at = page()
    expected = query(
        db,
        "select severity, rule_code, share_of_providers_flagged from ops.data_completeness_overview "
        "order by case severity when 'error' then 1 when 'warning' then 2 else 3 end, rule_order",
    )
    tables = [df for df in at.dataframe if "Share of providers" in df.value.columns]
    shown = pd.concat([t.value for t in tables])
    assert list(zip(shown["Severity"], shown["Rule"], strict=True)) == [(ops.SEVERITIES[s], r) for s, r, _ in expected]
    assert shown["Share of providers"].tolist() == pytest.approx([100 * share for *_, share in expected])
    red = set()
    for table in tables:
        (severity,) = set(table.value["Severity"])
        config = json.loads(table.proto.columns)["Share of providers"]["type_config"]
        assert config["format"] == "%.1f%%" and config["max_value"] == 100  # 55.9%, 100.0%
        if config["color"] == "#c0392b":
            red.add(severity)
    assert red == {"Error"}
    # the chart lists its rules in the same order, errors first
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    order = [" ".join(label.split("\n")) for label in spec["encoding"]["y"]["sort"]]
    described = dict(query(db, "select rule_code, rule_description from ops.data_completeness_overview"))
    assert order == [described[r] for _, r, _ in expected]


def test_a_loaded_attempt_shows_empty_cells_and_the_guide_is_named_in_words(refused):
    """Old code: a greyed "None" in the Message, Rule and File cells of a load that went through; "What to do: the
    staff guide (docs/guide-staff.md)", a file path nobody can open from the page."""
    db, _ = refused
    at = page()  # the refused load's box and the attempts' caption say where to look
    words = [at.error[0].value, *(c.value for c in at.caption)]
    assert not [w for w in words if "docs/" in w or ".md" in w], words
    assert all(any("When a load fails" in w and "staff guide" in w for w in ws) for ws in ([words[0]], words[1:]))
    attempts.record(db, outcome="loaded", export_id="2024-01-01T00:00:00Z-full", load_id=2, quarantined=0, seconds=1.5)
    shown = frame_with(page(), "Message")
    loaded = shown[shown["Outcome"] == "Loaded"].iloc[0]
    assert (loaded["Message"], loaded["Rule"], loaded["File"]) == ("", "", "")
