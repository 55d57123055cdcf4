"""Staff: the Opioid Analgesic REMS figures (rems.summary) and the activity list for the FDA (rems.activity_list).

The year filter drives the whole page. Designation and "Counted activities only" sit with the activity list, the
only part they filter: the year's figures and charts are the summary's, which counts every counted REMS activity.
"""

import streamlit as st

from dashboards import auth, charts, data, downloads, ui, url_filters

auth.require("rems")
ui.warehouse_guard()

st.title("Opioid Analgesic REMS")

summary = data.select("rems.summary", order_by=["report_year"])
years = sorted(
    set(summary["report_year"]) & set(data.distinct("annual_report.enterprise_size", "report_year")), reverse=True
)
if summary.empty or not years:
    st.info("No REMS activity in the reporting years the warehouse holds.")
    st.stop()
summary = summary[summary["report_year"].isin(years)]
with st.container(key="filters", horizontal=True):
    year = url_filters.url_select("Year", years, key="f-year", param="year")
url_filters.notices()
with st.container(key="selection"):
    st.caption(ui.plain(f"Selection: {year} · counted REMS activities"))

# each tile's help is its column's description in the mart's yml (models/marts/rems/summary.yml): one definition
FIGURES = [
    ("REMS activities", "rems_activities"),
    ("Compliant", "compliant_activities"),
    ("Related", "related_activities"),
    ("RPC funded", "rpc_funded_activities"),
    ("Providers", "rems_providers"),
    ("Prescriber learners", "prescriber_learners"),
]
ui.metric_row(
    summary[summary["report_year"] == year].iloc[0],
    [(label, column, ui.number, ui.described("rems.summary", column)) for label, column in FIGURES],
)
st.caption(
    " ".join(
        f"**{label}**: {ui.plain(ui.described('rems.summary', column))}"
        for label, column in FIGURES
        if label in ("Compliant", "Related", "RPC funded")
    )
)

DESIGNATIONS = {"compliant_activities": "Compliant", "related_activities": "Related"}
LEARNERS = {
    "prescriber_learners": "Prescribers",
    "dea_registered_learners": "DEA-registered",
    "primary_care_learners": "Primary care",
    "pain_specialist_learners": "Pain specialists",
    "other_specialist_learners": "Other specialists",
}
by_year = ui.by_year(summary)
# full-width charts, one under the other: side by side, the learners' legend was cut at 1024 px
st.subheader("Counted activities by year")
long = by_year[["report_year", *DESIGNATIONS]].melt(
    id_vars=["report_year"], var_name="designation", value_name="activities"
)
long["designation"] = long["designation"].map(DESIGNATIONS)
charts.bar_chart(
    long,
    x="report_year",
    y="activities",
    color="designation",
    x_title="Year",
    y_title="Counted REMS activities",
    color_order=list(DESIGNATIONS.values()),
    key="c-rems-activities",
)
st.subheader("Learners by year")
long = by_year[["report_year", *LEARNERS]].melt(id_vars=["report_year"], var_name="learners", value_name="n")
long["learners"] = long["learners"].map(LEARNERS)
charts.line_chart(
    long,
    x="report_year",
    y="n",
    color="learners",
    x_title="Year",
    y_title="Learners",
    color_order=list(LEARNERS.values()),
    key="c-rems-learners",
)

st.subheader("Summary by year")
ui.table(summary, first=["report_year"])
downloads.table_downloads(summary, "rems-summary", what="REMS summary", key="dl-summary")

st.subheader(ui.plain(f"Activity list {year}"))
with st.container(key="list-filters", horizontal=True):
    designation = url_filters.url_select(
        "Designation", ["All", "Compliant", "Related"], key="f-designation", param="designation"
    )
    counted_only = url_filters.url_toggle("Counted activities only", key="f-counted", param="counted", default=True)
url_filters.notices()
filters = {"report_year": year}
if designation != "All":
    filters["rems_designation"] = designation
if counted_only:
    filters["is_counted"] = True
activities = data.select("rems.activity_list", filters, order_by=["provider_name", "activity_id"])
ui.metric_row(
    None if activities.empty else {"n": len(activities)}, [("Activities listed", "n", ui.number)], key="listed"
)
what = ui.plain(
    f"{designation.lower() + ' ' if designation != 'All' else ''}"
    f"{'counted ' if counted_only else ''}REMS activities in {year}"
)
if activities.empty:
    st.info(f"No {what}.")
else:
    ui.table(
        activities,
        first=[
            "provider_name",
            "title",
            "rems_designation",
            "is_counted",
            "activity_status",
            "start_date",
            "end_date",
            "prescriber_learners",
        ],
    )
    downloads.table_downloads(
        activities,
        f"rems-activity-list-{year}",
        what=f"REMS activity list {year}",
        key="dl-list",
        details={k: v for k, v in filters.items()},
    )

st.subheader("The REMS report")
downloads.report_downloads("rems", year, "REMS report", key="dl-report")
