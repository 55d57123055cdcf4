"""Staff: every load attempt (refused ones with their message), quarantined rows by file and rule with what each
rule means and how to fix it, completeness problems by severity, and the follow-up list to send to providers."""

import streamlit as st

from dashboards import auth, data, downloads, ops, settings, ui, url_filters
from reports.wording import plural

auth.require("data_operations")
ui.warehouse_guard()

st.title("Data operations")

# red for errors only: warnings orange, info blue (the chart's bars and the table's share bars)
SEVERITY_COLOURS = {"Error": "#c0392b", "Warning": "#e69f00", "Info": "#0072b2"}
# the guides ship with PARS as documents (the app serves no documentation): the section is named in words
GUIDE = 'the section "When a load fails" of the PARS staff guide'


def two_lines(text: str, longest: int = 40) -> str:
    """A long sentence as two lines ("\\n" at the space nearest its middle), for a chart's axis label."""
    if len(text) <= longest or " " not in text:
        return text
    middle = len(text) // 2
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
    return text[:cut] + "\n" + text[cut + 1 :]


attempts = ops.load_attempts(settings.warehouse())
loads = data.select(
    "ops.load_history",
    columns=[
        "load_id",
        "export_id",
        "export_kind",
        "exported_at",
        "reporting_years",
        "loaded_at",
        "load_seconds",
        "source_path",
    ],
    order_by=["load_id desc"],
)
quarantine = data.select("ops.quarantine_summary", order_by=["load_id desc", "file_name", "rule_name"])
overview = data.select("ops.data_completeness_overview", order_by=["severity_order", "rule_order"])
severity = data.select("ops.completeness_by_severity", order_by=["severity_order"])
summary = data.select("ops.operations_summary").iloc[0]

failures = attempts[attempts["Outcome"].map(ops.is_failure)]
if not attempts.empty and ops.is_failure(attempts.iloc[0]["Outcome"]):
    latest = attempts.iloc[0]
    st.error(
        f"The latest load attempt ({ui.plain(latest['When (UTC)'])} UTC) was "
        f"{latest['Outcome'].lower()}: {ui.plain(latest['Message'])}. The warehouse was not changed. "
        f"What to do: {ui.plain(GUIDE)}."
    )

# tiles in a wrapping row, each as wide as its text: none is cut ("31 of 3…") at any width; the details go in the
# caption below (no help icons to crowd them)
ui.metric_row(
    {
        "loads": summary["loads"],
        "refused": len(failures),
        "quarantined": summary["quarantined_rows"],
        "errors": f"{ui.number(summary['providers_with_errors'])} of {ui.number(summary['providers_checked'])}",
    },
    [
        ("Loads", "loads", ui.number),
        ("Refused loads", "refused", ui.number),
        ("Quarantined rows", "quarantined", ui.number),
        ("Providers with errors", "errors", str),
    ],
    key="headline",
)
latest_load = (
    f"Latest load: export {summary['latest_export_id']}, loaded {str(summary['latest_loaded_at'])[:16]} UTC. "
    if summary["loads"]
    else ""
)
st.caption(
    ui.plain(latest_load) + "Refused loads: attempts stopped by a problem with a whole file or the export "
    "(nothing was loaded). Providers with errors: at least one data-completeness error; warnings (late or "
    f"rejected completions, activities left open) flag {summary['providers_with_warnings']:,} providers."
)

tabs = st.tabs(["Load attempts", "Quarantine", "Data completeness", "Follow-up list"], key="tab", bind="query-params")
with tabs[0]:
    if attempts.empty:
        st.info("No load attempt is recorded beside this warehouse yet (pars load records each one).")
    else:
        st.caption(
            f"{plural(len(attempts), 'attempt')} recorded, newest first; {len(failures):,} refused or failed. "
            f"A refused load changes nothing: fix the export as the message says ({ui.plain(GUIDE)}) "
            "and load it again."
        )
        st.dataframe(
            # an empty cell, not a greyed "None", where a loaded attempt has no message, rule or file
            attempts.astype({c: "object" for c in ("Message", "Rule", "File")}).fillna(
                {"Message": "", "Rule": "", "File": ""}
            ),
            hide_index=True,
            key="t-attempts",
            column_order=[
                "When (UTC)",
                "Outcome",
                "Message",
                "Export",
                "Load",
                "Rule",
                "File",
                "Line",
                "Rows quarantined",
                "Seconds",
                "Export folder",
            ],
            column_config={
                "Message": st.column_config.TextColumn(width="large"),
                "Seconds": st.column_config.NumberColumn(format="%.1f"),
            },
        )
        downloads.table_downloads(attempts, "load-attempts", what="load attempts", key="dl-attempts")
    st.subheader("Loads in the warehouse")
    history = loads.assign(
        reporting_years=loads["reporting_years"].map(
            lambda years: ", ".join(str(y) for y in sorted(years)) if years is not None else ""
        )
    )
    history = history.rename(
        columns={
            "load_id": "Load",
            "export_id": "Export",
            "export_kind": "Kind",
            "exported_at": "Exported",
            "reporting_years": "Reporting years",
            "loaded_at": "Loaded (UTC)",
            "load_seconds": "Seconds",
            "source_path": "Export folder",
        }
    )
    st.dataframe(history, hide_index=True, column_config={"Seconds": st.column_config.NumberColumn(format="%.1f")})
    downloads.table_downloads(history, "load-history", what="load history", key="dl-loads")

with tabs[1]:
    if quarantine.empty:
        st.success("No row has been quarantined.")
    else:
        by_rule = (
            quarantine.groupby(["rule_name", "rule_description"], as_index=False)["quarantined_rows"]
            .sum()
            .sort_values("quarantined_rows", ascending=False)
        )
        rule_axis = {
            "field": "rule_name",
            "type": "nominal",
            "sort": "-x",
            "title": "Rule",
            "axis": {"labelLimit": 260},
        }
        rows_axis = {
            "field": "quarantined_rows",
            "type": "quantitative",
            "title": "Quarantined rows",
            "axis": {"format": ",d", "tickMinStep": 1},
            "scale": {"nice": True},
        }
        st.vega_lite_chart(
            by_rule,
            {  # every rule labelled, its count written at the end of its bar
                "height": {"step": 22},
                "encoding": {"y": rule_axis, "x": rows_axis},
                "layer": [
                    {
                        "mark": {"type": "bar", "tooltip": True, "color": "#0072b2"},
                        "encoding": {
                            "tooltip": [
                                {"field": "rule_name", "title": "Rule"},
                                {"field": "rule_description", "title": "Meaning"},
                                {"field": "quarantined_rows", "title": "Rows", "format": ","},
                            ]
                        },
                    },
                    {
                        "mark": {"type": "text", "align": "left", "dx": 3},
                        "encoding": {"text": {"field": "quarantined_rows", "format": ","}},
                    },
                ],
            },
            width="stretch",
        )
        table = quarantine.rename(
            columns={
                "load_id": "Load",
                "export_id": "Export",
                "file_name": "File",
                "rule_name": "Rule",
                "quarantined_rows": "Rows",
                "columns_involved": "Columns",
                "first_line": "First line",
                "last_line": "Last line",
                "rule_stage": "Check",
                "rule_description": "What it means",
                "fix": "How to fix it",
            }
        )
        st.dataframe(
            table,
            hide_index=True,
            key="t-quarantine",
            column_order=[
                "Load",
                "File",
                "Rule",
                "Rows",
                "What it means",
                "How to fix it",
                "First line",
                "Last line",
                "Columns",
                "Check",
                "Export",
            ],
        )
        downloads.table_downloads(
            table, "quarantine-by-file-and-rule", what="quarantine by file and rule", key="dl-quarantine"
        )
        st.subheader("Quarantined rows")
        with st.container(horizontal=True):
            load = url_filters.url_select("Load", quarantine["load_id"].unique().tolist(), key="f-load", param="load")
            files = quarantine[quarantine["load_id"] == load]["file_name"].unique().tolist()
            file_name = url_filters.url_select("File", files, key="f-file", param="file")
            rules = quarantine[(quarantine["load_id"] == load) & (quarantine["file_name"] == file_name)]
            rule = url_filters.url_select("Rule", rules["rule_name"].unique().tolist(), key="f-rule", param="rule")
        url_filters.notices()
        selected = {"load_id": load, "file_name": file_name, "rule_name": rule}
        chosen = rules[rules["rule_name"] == rule].iloc[0]
        st.markdown(
            f"**{ui.plain(rule)}**: {ui.plain(chosen['rule_description'])} **How to fix it:** {ui.plain(chosen['fix'])}"
        )
        rows = data.select("ops.quarantined_rows", selected, order_by=["line_number"], limit=1000)
        st.caption(f"{len(rows):,} rows (at most 1,000 shown)")
        st.dataframe(rows, hide_index=True)
        downloads.table_downloads(
            rows,
            f"quarantine-{load}-{file_name.removesuffix('.csv')}-{rule}",
            what="quarantined rows",
            key="dl-quarantine-rows",
            details=selected,
        )
    with st.expander("Every quarantine rule: what it means and how to fix it"):
        catalogue = data.select("ops.quarantine_rule_catalogue", order_by=["rule_order"])
        st.dataframe(
            catalogue.rename(
                columns={
                    "rule_name": "Rule",
                    "rule_stage": "Check",
                    "rule_description": "What it means",
                    "fix": "How to fix it",
                }
            ),
            hide_index=True,
            key="t-quarantine-rules",
            column_order=["Rule", "What it means", "How to fix it", "Check"],
        )

with tabs[2]:
    checked = int(summary["providers_checked"])
    with st.container(horizontal=True, gap="medium", key="severity-figures"):  # wrapping tiles: none is cut
        for row in severity.itertuples():
            label = ops.SEVERITIES[row.severity]
            st.metric(
                f"{label}s" if label != "Info" else label,
                f"{row.providers_flagged:,} of {checked:,} providers",
                help=f"{row.activities_flagged:,} flagged activities under {row.rules_with_problems} of the "
                f"{row.rules} {label.lower()} rules",
                width="content",
                border=True,
            )
    st.caption(
        "Errors: data that is wrong or missing, so the Data Report counts are affected. Warnings: a "
        "reporting practice to correct (late or rejected completions, activities left open too long). "
        "Info: worth a look, possibly correct as it is."
    )
    chart = overview.assign(
        severity_label=overview["severity"].map(ops.SEVERITIES),
        rule_description=overview["rule_description"].map(two_lines),
    )
    st.vega_lite_chart(
        chart,
        {
            "height": {"step": 30},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {
                    "field": "rule_description",
                    "type": "nominal",
                    "sort": chart["rule_description"].tolist(),  # errors, then warnings, then info
                    "title": None,
                    # a long sentence on two lines (split at its middle space in the data): the bars keep room at 800 px
                    "axis": {"labelLimit": 0, "labelExpr": "split(datum.label, '\\n')"},
                },
                "x": {
                    "field": "providers_flagged",
                    "type": "quantitative",
                    "title": "Providers flagged",
                    "axis": {"format": ",d", "tickMinStep": 1},
                },
                "color": {
                    "field": "severity_label",
                    "type": "nominal",
                    "title": "Severity",
                    "scale": {"domain": list(SEVERITY_COLOURS), "range": list(SEVERITY_COLOURS.values())},
                    "legend": {"orient": "top", "direction": "horizontal", "labelLimit": 0, "symbolLimit": 0},
                },
                "tooltip": [
                    {"field": "rule_code", "title": "Rule"},
                    {"field": "severity_label", "title": "Severity"},
                    {"field": "providers_flagged", "title": "Providers"},
                    {"field": "activities_flagged", "title": "Activities"},
                ],
            },
        },
        width="stretch",
    )
    table = overview.assign(severity=overview["severity"].map(ops.SEVERITIES)).rename(
        columns={
            "rule_code": "Rule",
            "severity": "Severity",
            "rule_description": "What it finds",
            "fix": "What to fix",
            "providers_checked": "Providers checked",
            "providers_flagged": "Providers flagged",
            "share_of_providers_flagged": "Share of providers",
            "activities_flagged": "Activities flagged",
            "affected_records": "Records",
        }
    )
    # one table per severity, errors first: each share bar in its severity's colour (a grid column has one colour)
    for label, colour in SEVERITY_COLOURS.items():
        part = table[table["Severity"] == label]
        if part.empty:
            continue
        st.dataframe(
            ui.percent_points(part, ["Share of providers"]),
            hide_index=True,
            key=f"t-completeness-{label.lower()}",
            column_order=[  # the share bars before the long sentences: on screen at 800 px too
                "Severity",
                "Providers flagged",
                "Share of providers",
                "What it finds",
                "Activities flagged",
                "Records",
                "What to fix",
                "Rule",
            ],
            column_config={
                "Share of providers": st.column_config.ProgressColumn(
                    "Share of providers",
                    min_value=0,
                    max_value=100,
                    format=ui.STREAMLIT_FORMATS["percent"],
                    color=colour,
                ),
                "Activities flagged": st.column_config.NumberColumn(format=ui.STREAMLIT_FORMATS["integer"]),
                "Records": st.column_config.NumberColumn(format=ui.STREAMLIT_FORMATS["integer"]),
            },
        )
    downloads.table_downloads(
        table.drop(columns=["severity_order"]),  # (the order the rows are in)
        "data-completeness-overview",
        what="data completeness overview",
        key="dl-completeness",
    )

with tabs[3]:
    st.caption(
        "One row per provider and problem, errors first: what to send each provider, with the activities "
        "concerned (their own activity ids) and what to fix."
    )
    with st.container(horizontal=True):
        chosen = st.multiselect(
            "Severity", list(ops.SEVERITIES.values()), default=["Error", "Warning"], key="f-severity"
        )
    wanted = [code for code, label in ops.SEVERITIES.items() if label in chosen]
    follow = ops.follow_up(data.select("ops.completeness_follow_up", {"severity": wanted}))
    if follow.empty:
        st.info("No provider has a problem of the chosen severity." if wanted else "Choose at least one severity.")
    else:
        st.caption(f"{len(follow):,} problems at {follow['Provider'].nunique():,} providers.")
        st.dataframe(
            follow,
            hide_index=True,
            key="t-follow-up",
            column_config={
                "Provider": st.column_config.TextColumn(width="small"),
                "Provider name": st.column_config.TextColumn(width="medium"),
                "Severity": st.column_config.TextColumn(width="small"),
                "Problem": st.column_config.TextColumn(width="medium"),
                "Activities": st.column_config.NumberColumn(width="small"),
                "What to fix": st.column_config.TextColumn(width="large"),
            },
        )
        downloads.table_downloads(
            follow,
            "provider-follow-up",
            what="provider follow-up list",
            key="dl-follow-up",
            details={"severity": wanted},
        )
