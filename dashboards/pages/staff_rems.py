"""Staff: the Opioid Analgesic REMS figures (rems.summary) and the activity list for the FDA (rems.activity_list)."""

import streamlit as st

from dashboards import auth, data, ui

auth.require("rems")
ui.warehouse_guard()

st.title("Opioid Analgesic REMS")

summary = data.select("rems.summary", order_by=["report_year"])
if summary.empty:
    st.info("No REMS activity in the warehouse.")
    st.stop()
years = sorted(summary["report_year"].tolist(), reverse=True)
with st.container(key="filters", horizontal=True):
    year = st.selectbox("Year", years, key="f-year")
    designation = st.selectbox("Designation", ["All", "Compliant", "Related"], key="f-designation")
    counted_only = st.toggle("Counted activities only", value=True, key="f-counted")
with st.container(key="selection"):
    st.caption(ui.plain(f"Selection: {year} · {designation} · {'counted only' if counted_only else 'every status'}"))

ui.metric_row(summary[summary["report_year"] == year].iloc[0], [
    ("REMS activities", "rems_activities", ui.number), ("Compliant", "compliant_activities", ui.number),
    ("Related", "related_activities", ui.number), ("RPC funded", "rpc_funded_activities", ui.number),
    ("Providers", "rems_providers", ui.number), ("Prescriber learners", "prescriber_learners", ui.number)])

left, right = st.columns(2)
with left:
    st.subheader("Activities by year")
    st.bar_chart(ui.by_year(summary), x="report_year", y=["compliant_activities", "related_activities"], x_label="Year",
                 y_label="Counted REMS activities", height=280)
with right:
    st.subheader("Learners by year")
    st.line_chart(ui.by_year(summary), x="report_year", y=["prescriber_learners", "dea_registered_learners",
                                               "primary_care_learners", "pain_specialist_learners"],
                  x_label="Year", y_label="Learners", height=280)

st.subheader("Summary")
st.dataframe(summary, hide_index=True)
ui.table_downloads(summary, "rems-summary", what="REMS summary", key="dl-summary")

st.subheader(ui.plain(f"Activity list {year}"))
filters = {"report_year": year}
if designation != "All":
    filters["rems_designation"] = designation
if counted_only:
    filters["is_counted"] = True
activities = data.select("rems.activity_list", filters, order_by=["provider_name", "activity_id"])
st.dataframe(activities, hide_index=True)
ui.table_downloads(activities, f"rems-activity-list-{year}", what=f"REMS activity list {year}", key="dl-list",
                   details={k: v for k, v in filters.items()})

st.subheader("The REMS report")
ui.report_downloads("rems", year, "REMS report", key="dl-report")
