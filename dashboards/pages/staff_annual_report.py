"""Staff: the annual report explorer (annual_report.activity_rollup, enterprise_size, income_by_organization_type).

Kept fast on a filter change (target: p95 <= 300 ms at one year with 5 sessions; see benchmarks/dashboard.py):
- the filters and everything that depends on them are one fragment (st.fragment), so a filter change reruns only
  that part of the page, not the menu, the sign-in check and the reference lists;
- the charts are Vega-Lite specs written here (st.vega_lite_chart): st.line_chart / st.bar_chart build theirs with
  Altair and validate it against the Vega-Lite JSON schema on every rerun, about two thirds of a rerun's server time;
- the tabs run only the open tab (on_change="rerun"): the hidden tabs' tables are not built, sent or drawn.

Every filter is kept in the URL (url_filters.url_select): /annual-report?year=2021&accreditor=ACCME&state=TX opens that
selection, after a sign-in or a reload too.
"""

import pandas as pd
import streamlit as st

from dashboards import auth, charts, data, downloads, ui, url_filters
from dashboards.data import Exclude

auth.require("annual_report")
ui.warehouse_guard()

st.title("Annual report explorer")

ROLLUP = "annual_report.activity_rollup"
COLUMNS = [
    "report_year",
    "accreditor_group",
    "state",
    "organization_type",
    "activity_type",
    "activities",
    "providers_reporting",
    "hours_of_instruction",
    "physician_interactions",
    "other_learner_interactions",
    "total_interactions",
    "activities_with_commercial_support",
    "commercial_support_income",
]
FIGURES = [
    ("Activities", "activities", ui.number),
    ("Providers reporting", "providers_reporting", ui.number),
    ("Hours of instruction", "hours_of_instruction", ui.hours),  # to 0.1, as the tables
    ("Physician interactions", "physician_interactions", ui.number),
    ("Other learner interactions", "other_learner_interactions", ui.number),
    ("Commercial support income", "commercial_support_income", ui.money),
]
SIZE_FIGURES = [
    ("Providers accredited", "providers_accredited", ui.number),
    ("Total income", "total_income", ui.money),
    ("Registration fees", "registration_fees", ui.money),
    ("Advertising and exhibits", "advertising_exhibit_income", ui.money),
    ("Government grants", "government_grants", ui.money),
    ("Private donations", "private_donations", ui.money),
]
INTERACTIONS = {
    "physician_interactions": "Physician interactions",
    "other_learner_interactions": "Other learner interactions",
}
TABS = ["Selection table", "Year by year", "Income by organization type"]
YEAR_AXIS = {"field": "report_year", "type": "ordinal", "title": "Reporting year", "axis": {"labelAngle": 0}}
NUMBER = ",.0f"


def trend_charts(trend: pd.DataFrame) -> None:
    """Interactions (two lines) and activities (bars) by reporting year."""
    frame = ui.by_year(trend[["report_year", "activities", *INTERACTIONS]]).rename(columns=INTERACTIONS)
    labels = list(INTERACTIONS.values())
    st.vega_lite_chart(
        frame[["report_year", *labels]],
        {
            "transform": [{"fold": labels, "as": ["series", "interactions"]}],
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": YEAR_AXIS,
                "y": {"field": "interactions", "type": "quantitative", "title": "Interactions"},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": labels, "range": charts.PALETTE},
                    "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 0, "symbolLimit": 0},
                },
                "tooltip": [
                    {"field": "report_year", "title": "Year"},
                    {"field": "series", "title": "Series"},
                    {"field": "interactions", "type": "quantitative", "title": "Interactions", "format": NUMBER},
                ],
            },
        },
        height=280,
        key="c-trend-interactions",
    )
    st.vega_lite_chart(
        frame[["report_year", "activities"]],
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": YEAR_AXIS,
                "y": {"field": "activities", "type": "quantitative", "title": "Activities"},
                "tooltip": [
                    {"field": "report_year", "title": "Year"},
                    {"field": "activities", "type": "quantitative", "title": "Activities", "format": NUMBER},
                ],
            },
        },
        height=220,
        key="c-trend-activities",
    )


def breakdown_chart(parts: pd.DataFrame, dim: str, dim_label: str) -> None:
    """The year's activities by one dimension, largest first (horizontal bars)."""
    st.vega_lite_chart(
        parts[[dim, "activities"]],
        {
            "mark": {"type": "bar"},
            "encoding": {  # every category labelled: no label culled for overlap, none shortened
                "y": {
                    "field": dim,
                    "type": "nominal",
                    "sort": "-x",
                    "title": dim_label.capitalize(),
                    "axis": {**charts.AXIS, "title": None},
                },  # the subheader names the dimension; long labels need room
                "x": {"field": "activities", "type": "quantitative", "title": "Activities", "axis": {"format": ",d"}},
                "tooltip": [
                    {"field": dim, "title": dim_label.capitalize()},
                    {"field": "activities", "type": "quantitative", "title": "Activities", "format": NUMBER},
                ],
            },
        },
        height=max(220, 22 * len(parts) + 50),
        key="c-breakdown",
    )


@st.fragment
def explorer(years: list, org_types: list, activity_names: dict, states: list) -> None:
    """The filters and all they drive: a filter change reruns this function only."""
    auth.require("annual_report")  # a fragment rerun skips the page's own check: check again
    try:
        selection(years, org_types, activity_names, states)
    finally:
        # the filters just chosen, into the address bar (a fragment run skips app.py)
        url_filters.sync_url("url-sync-explorer")


def selection(years: list, org_types: list, activity_names: dict, states: list) -> None:
    with st.container(key="filters", horizontal=True):
        year = url_filters.url_select("Year", years[::-1], key="f-year", param="year")
        group = url_filters.url_select(
            "Accreditor", ["All", "ACCME", "State", "Joint"], key="f-group", param="accreditor"
        )
        org = url_filters.url_select("Organization type", ["All", *org_types], key="f-org", param="organization")
        act = url_filters.url_select(
            "Activity type",
            ["All", *activity_names],
            key="f-act",
            param="activity",
            format_func=lambda c: c if c == "All" else ui.activity_type(c, activity_names),
        )
        state = url_filters.url_select("State", ["All", *states], key="f-state", param="state")
    url_filters.notices()  # a link's value that is not an option: said, not silently dropped

    selection = {"accreditor_group": group, "state": state, "organization_type": org, "activity_type": act}
    trend = data.select(ROLLUP, selection, order_by=["report_year"])
    current = trend[trend["report_year"] == year]
    with st.container(key="selection"):
        st.caption(
            ui.plain(
                f"Selection: {year} · accreditor {group} · state {state} · organization type {org} · "
                f"activity type {act}"
            )
        )

    row = current.iloc[0] if len(current) else None
    if row is None:
        st.info(
            ui.plain(
                f"No counted activity in {year} for accreditor {group}, state {state}, organization type "
                f"{org} and activity type {act}: every figure of this selection is zero."
            )
        )
    ui.metric_row(row, FIGURES, key="figures")

    if state == "All" and org == "All" and act == "All":
        size = data.select("annual_report.enterprise_size", {"report_year": year, "accreditor_group": group})
        if len(size):
            ui.metric_row(size.iloc[0], SIZE_FIGURES, key="size-figures")
    else:
        st.caption(
            "Income is reported by providers as a whole, not by activity type, state or organization type: "
            "the income and accredited-provider figures are shown when none of these filters is set "
            "(income by organization type is in the tab below)."
        )

    if not len(trend):
        return  # nothing to chart or list: the message above says what is empty
    # full-width charts, one under the other (as on the MOC and REMS pages): side by side, at 800 px the breakdown's
    # labels took its whole column (no bar, no axis) and the trend's legend was cut
    st.subheader("Trend")
    trend_charts(trend)
    with st.container(key="breakdown"):
        dims = [
            ("organization_type", "organization type", org),
            ("activity_type", "activity type", act),
            ("state", "state", state),
        ]
        open_dims = [d for d in dims if d[2] == "All"] or [dims[0]]
        dim, dim_label, _ = open_dims[0]
        if len(open_dims) > 1:
            dim_label = url_filters.url_select(
                "Breakdown by",
                [d[1] for d in open_dims],
                key="f-breakdown",
                param="breakdown",
                radio=True,
                horizontal=True,
            )
            url_filters.notices()
            dim = next(d[0] for d in open_dims if d[1] == dim_label)
        parts = data.select(
            ROLLUP, {**selection, "report_year": year, dim: Exclude("All")}, order_by=["activities desc", dim]
        )
        if len(parts):
            st.subheader(ui.plain(f"{year} by {dim_label}"))
            breakdown_chart(parts, dim, dim_label)
        else:
            st.caption(ui.plain(f"No counted activity in {year} to break down by {dim_label}."))

    # Only the open tab runs: switching tabs reruns this fragment (on_change="rerun").
    parts_tab, trend_tab, income_tab = st.tabs(TABS, key="tab", on_change="rerun", bind="query-params")
    details = {"year": int(year), **selection}
    if parts_tab.open:
        with parts_tab:
            table = parts[COLUMNS] if len(parts) else parts
            ui.table(table, first=[dim, "activities", "providers_reporting"], key="t-parts")
            downloads.table_downloads(
                table,
                f"annual-report-{year}-by-{dim}",
                what=f"annual report {year} by {dim_label}",
                key="dl-parts",
                details=details,
            )
    if trend_tab.open:
        with trend_tab:
            ui.table(trend[COLUMNS], key="t-trend")
            downloads.table_downloads(
                trend[COLUMNS], "annual-report-trend", what="annual report trend", key="dl-trend", details=selection
            )
    if income_tab.open:
        with income_tab:
            income = data.select(
                "annual_report.income_by_organization_type",
                {"report_year": year, "accreditor_group": group},
                order_by=["organization_type"],
            )
            ui.table(
                income,
                first=["organization_type", "total_income", "providers_reporting"],
                hide=["report_year"],
                key="t-income",
            )
            downloads.table_downloads(
                income,
                f"income-by-organization-type-{year}",
                what=f"income by organization type {year}",
                key="dl-income",
                details={"year": int(year), "accreditor_group": group},
            )

    st.subheader("The annual report")
    downloads.report_downloads("annual", year, "annual report", key="dl-report")


years = data.distinct("annual_report.enterprise_size", "report_year")
if not years:
    st.info("The warehouse holds no reporting year yet.")
    st.stop()
org_types = data.select("core.dim_organization_types", order_by=["sort_order"])["organization_type"].tolist()
activity_names = ui.activity_type_names()
states = data.distinct(ROLLUP, "state", {"state": Exclude("All")})
explorer(years, org_types, activity_names, states)
