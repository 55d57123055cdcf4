"""Tables speak in labels and formats (AppTest: the dataframe's own column configuration, which the browser's grid
draws on its canvas and does not expose as text): money as dollars without cents, rates as percent, counts with
separators, years without one, and the columns that matter first."""

from __future__ import annotations

import json

from test_dashboard_pages import PAGE, env, sign_in  # noqa: F401  (fixtures)

from tests.helpers import query as q

from dashboard_fixtures import dash_releases, dash_users  # noqa: F401  (fixtures)


def formats(table) -> dict[str, str | None]:
    """column label -> the number format the grid draws it with."""
    config = json.loads(table.proto.columns or "{}")
    out = {}
    for column in table.value.columns:
        entry = config.get(f"col:name:{column}") or config.get(column) or {}
        out[column] = (entry.get("type_config") or {}).get("format")
    return out


def test_explorer_tables_show_labels_and_dollars(env):
    at = sign_in(env, "staff1")
    parts = at.dataframe[0]
    assert list(parts.value.columns[:3]) == ["Organization type", "Activities", "Providers reporting"]
    assert "report_year" not in parts.value.columns and "Reporting year" in parts.value.columns
    shown = formats(parts)
    assert shown["Commercial support income"] == "$%,.0f" and shown["Activities"] == "%,d"
    assert shown["Reporting year"] == "%d" and shown["Hours of instruction"] == "%,.1f"


def test_moc_timeliness_puts_the_late_rate_first_as_percent(env):
    db = env["db"]
    at = sign_in(env, "staff1")
    at.switch_page(PAGE["moc"]).run()
    year = at.selectbox(key="f-year").value
    assert year == max(y for (y,) in q(db, "select report_year from annual_report.enterprise_size"))
    assert at.selectbox(key="f-year").options == [
        str(y) for (y,) in q(db, "select distinct report_year from annual_report.enterprise_size order by 1 desc")
    ]
    timeliness = at.dataframe[-1]
    assert list(timeliness.value.columns[:3]) == ["Provider", "Board", "Late rate"]
    assert formats(timeliness)["Late rate"] == "%.1f%%"  # one decimal, every rate (reports.formats)
    summary = at.dataframe[0]
    assert "completions_accepted" not in summary.value.columns and "Accepted" in summary.value.columns


def test_an_empty_selection_says_what_is_empty(env):
    db = env["db"]
    at = sign_in(env, "staff1")
    year = at.selectbox(key="f-year").value
    org, act = q(
        db,
        "select organization_type, activity_type from annual_report.activity_matrix m "
        "where report_year = ? and accreditor_group = 'All' and activities = 0 and not exists ("
        "select 1 from annual_report.activity_rollup r where r.report_year = m.report_year "
        "and r.accreditor_group = 'All' and r.state = 'All' and r.organization_type = m.organization_type "
        "and r.activity_type = m.activity_type) order by 1, 2 limit 1",
        [year],
    )[0]
    at.selectbox(key="f-org").select(org).run()
    at.selectbox(key="f-act").select(act).run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Commercial support income"] == "$0" and shown["Activities"] == "0"  # "$0", not "0"
    assert any(f"No counted activity in {year}" in i.value and act in i.value for i in at.info)
    assert "Trend" not in [s.value for s in at.subheader]  # no heading over a blank chart
