"""Staff: the annual report explorer (annual_report.activity_rollup, enterprise_size, income_by_organization_type)."""

import streamlit as st

from dashboards import auth, data, ui
from dashboards.data import Exclude

auth.require("annual_report")
ui.warehouse_guard()

st.title("Annual report explorer")

ROLLUP = "annual_report.activity_rollup"
years = data.distinct("annual_report.enterprise_size", "report_year")
if not years:
    st.info("The warehouse holds no reporting year yet.")
    st.stop()
org_types = data.select("main.organization_types", order_by=["sort_order"])["organization_type"].tolist()
activity_names = dict(data.select("main.activity_types", columns=["activity_type", "activity_type_name"],
                                  order_by=["sort_order"]).itertuples(index=False))
states = data.distinct(ROLLUP, "state", {"state": Exclude("All")})

with st.container(key="filters", horizontal=True):
    year = st.selectbox("Year", years[::-1], key="f-year")
    group = st.selectbox("Accreditor", ["All", "ACCME", "State", "Joint"], key="f-group")
    org = st.selectbox("Organization type", ["All", *org_types], key="f-org")
    act = st.selectbox("Activity type", ["All", *activity_names], key="f-act",
                       format_func=lambda c: c if c == "All" else f"{c} ({activity_names[c]})")
    state = st.selectbox("State", ["All", *states], key="f-state")

selection = {"accreditor_group": group, "state": state, "organization_type": org, "activity_type": act}
trend = data.select(ROLLUP, selection, order_by=["report_year"])
current = trend[trend["report_year"] == year]
with st.container(key="selection"):
    st.caption(f"Selection: {year} · accreditor {group} · state {state} · organization type {org} · "
               f"activity type {act}")

row = current.iloc[0] if len(current) else None
cols = st.columns(6)
figures = [("Activities", "activities", ui.number), ("Providers reporting", "providers_reporting", ui.number),
           ("Hours of instruction", "hours_of_instruction", ui.number),
           ("Physician interactions", "physician_interactions", ui.number),
           ("Other learner interactions", "other_learner_interactions", ui.number),
           ("Commercial support income", "commercial_support_income", ui.money)]
for col, (label, column, fmt) in zip(cols, figures, strict=True):
    col.metric(label, fmt(row[column]) if row is not None else "0")

if row is None:
    st.info("No counted activity matches this selection in this year.")

if state == "All" and org == "All" and act == "All":
    size = data.select("annual_report.enterprise_size", {"report_year": year, "accreditor_group": group})
    if len(size):
        s = size.iloc[0]
        cols = st.columns(6)
        cols[0].metric("Providers accredited", ui.number(s["providers_accredited"]))
        cols[1].metric("Total income", ui.money(s["total_income"]))
        cols[2].metric("Registration fees", ui.money(s["registration_fees"]))
        cols[3].metric("Advertising and exhibits", ui.money(s["advertising_exhibit_income"]))
        cols[4].metric("Government grants", ui.money(s["government_grants"]))
        cols[5].metric("Private donations", ui.money(s["private_donations"]))

left, right = st.columns(2)
with left:
    st.subheader("Trend")
    if len(trend):
        by_year = ui.by_year(trend).set_index("report_year")
        st.line_chart(by_year[["physician_interactions", "other_learner_interactions"]],
                      x_label="Reporting year", y_label="Interactions", height=280)
        st.bar_chart(by_year[["activities"]], x_label="Reporting year",
                     y_label="Activities", height=220)
with right:
    dims = [("organization_type", "organization type", org), ("activity_type", "activity type", act),
            ("state", "state", state)]
    open_dims = [d for d in dims if d[2] == "All"] or [dims[0]]
    dim, dim_label, _ = open_dims[0]
    if len(open_dims) > 1:
        dim_label = st.radio("Breakdown by", [d[1] for d in open_dims], horizontal=True, key="f-breakdown")
        dim = next(d[0] for d in open_dims if d[1] == dim_label)
    st.subheader(f"{year} by {dim_label}")
    parts = data.select(ROLLUP, {**selection, "report_year": year, dim: Exclude("All")},
                        order_by=["activities desc", dim])
    if len(parts):
        st.bar_chart(parts, x=dim, y="activities", horizontal=True, sort="-activities", height=320,
                     x_label=dim_label.capitalize(), y_label="Activities")

tabs = st.tabs(["Selection table", "Year by year", "Income by organization type"])
columns = ["report_year", "accreditor_group", "state", "organization_type", "activity_type", "activities",
           "providers_reporting", "hours_of_instruction", "physician_interactions", "other_learner_interactions",
           "total_interactions", "activities_with_commercial_support", "commercial_support_income"]
details = {"year": int(year), **selection}
with tabs[0]:
    st.dataframe(parts[columns] if len(parts) else parts, hide_index=True, key="t-parts")
    ui.table_downloads(parts[columns] if len(parts) else parts, f"annual-report-{year}-by-{dim}",
                       what=f"annual report {year} by {dim_label}", key="dl-parts", details=details)
with tabs[1]:
    st.dataframe(trend[columns], hide_index=True)
    ui.table_downloads(trend[columns], "annual-report-trend", what="annual report trend", key="dl-trend",
                       details=selection)
with tabs[2]:
    income = data.select("annual_report.income_by_organization_type",
                         {"report_year": year, "accreditor_group": group}, order_by=["organization_type"])
    st.dataframe(income, hide_index=True)
    ui.table_downloads(income, f"income-by-organization-type-{year}", what=f"income by organization type {year}",
                       key="dl-income", details={"year": int(year), "accreditor_group": group})

st.subheader("The annual report")
ui.report_downloads("annual", year, "annual report", key="dl-report")
