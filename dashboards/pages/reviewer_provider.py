"""Reviewer: find a provider and see its history, term profile, completeness, PIP sample and peers (review.*).

The URL carries the search and the provider: /provider-review?provider=P0001 opens that provider (a link to share,
a reload that keeps it), and ?search=Academy the list of providers whose name holds it.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards import auth, charts, data, downloads, reporting, ui, url_filters
from reports import formats, labels, wording

auth.require("provider_review")
ui.warehouse_guard()

st.title("Provider review")

if "search" not in st.query_params and st.query_params.get("provider") and "f-provider-search" not in st.session_state:
    st.session_state["f-provider-search"] = st.query_params["provider"][:100]  # a link to one provider
text = url_filters.url_text(
    "Find a provider by name or number",
    key="f-provider-search",
    param="search",
    placeholder="e.g. 'Academy' or a provider number",
)
if not text.strip():
    if "provider" in st.query_params:
        del st.query_params["provider"]
    upcoming = data.select(
        "review.current_term",
        {"is_currently_accredited": True},
        columns=[
            "provider_id",
            "provider_name",
            "organization_type",
            "accreditor_type",
            "state",
            "current_accreditation_status",
            "term_end_date",
            "days_until_term_end",
        ],
        order_by=["term_end_date", "provider_id"],
        limit=25,
    )
    today = dt.date.today()
    as_of = data.select("review.current_term", columns=["data_as_of_date"], limit=1)
    as_of = as_of.iloc[0]["data_as_of_date"] if len(as_of) else None
    ended = sum(1 for end in upcoming["term_end_date"] if end is not None and not pd.isna(end) and end < today)
    st.caption("Terms ending soonest (type a name or number above to find any provider):")
    st.caption(
        ui.plain(
            f"Days left count from {wording.long_date(as_of)}, the date of the newest export, not from today "
            f"({wording.long_date(today)})"
            + (f": {wording.plural(ended, 'term')} of this list ended since (term end before today)." if ended else ".")
        )
    )
    ui.table(upcoming, first=["term_end_date", "days_until_term_end", "provider_name", "provider_id"])
    st.stop()

matches = data.find_providers(text)
if matches.empty:
    st.warning(f"No provider's number is {ui.plain(repr(text.strip()))} and no provider's name contains it.")
    st.stop()
choices = {r.provider_id: f"{r.provider_name} ({r.provider_id}, {r.state or 'no state'})" for r in matches.itertuples()}
provider_id = url_filters.url_select(
    f"{len(matches)} matching provider(s)", list(choices), format_func=choices.get, key="f-provider", param="provider"
)
if text.strip() == provider_id and "search" in st.query_params:
    del st.query_params["search"]  # the search was the number itself: ?provider=... says it all

term = data.select("review.current_term", {"provider_id": provider_id}).iloc[0]
with st.container(key="selection"):
    st.subheader(ui.plain(f"{term['provider_name']} · {provider_id}"))
    st.caption(
        ui.plain(
            f"{term['organization_type']} · {term['accreditor_type']} · {term['state'] or 'no state'} · "
            f"data as of {term['data_as_of_date']}"
        )
    )
    has_term = term["term_start_date"] is not None and not pd.isna(term["term_start_date"])
    st.markdown(
        f"**Status:** {ui.plain(term['current_accreditation_status'] or 'no decision')} · **Current term:** "
        + ui.plain(f"{term['term_start_date']} to {term['term_end_date']}" if has_term else "none")
    )
with st.container(horizontal=True, gap="medium", key="term-figures"):  # tiles as wide as their text: never cut
    if has_term:
        st.metric(
            wording.days_left_label(term["data_as_of_date"]),
            ui.number(term["days_until_term_end"]),
            help="Counted from the date of the newest export, not from today.",
            width="content",
        )
    else:
        st.metric("Days until term end", "no current term", width="content")
    st.metric("Decisions", ui.number(term["decisions"]), width="content")
    st.metric(
        "Noncompliance findings",
        ui.number(term["term_decision_noncompliance_findings"]),
        help="Of the decision that opened the current term.",
        width="content",
    )
    st.metric("Probation ever", "yes" if term["has_been_on_probation"] else "no", width="content")
if has_term and (ended := wording.term_end_note(term["term_end_date"], term["data_as_of_date"], dt.date.today())):
    st.warning(ui.plain(ended))

where = {"provider_id": provider_id}
FIGURES = ["provider_value", "peer_p25", "peer_median", "peer_p75"]


def peer_text(peers: pd.DataFrame) -> pd.DataFrame:
    """The peer comparison in words: measures by their labels, the provider's value in its measure's format (a count
    as a whole number, hours to a tenth), the interpolated percentiles to a tenth, the position in words."""
    out = peers.copy()
    out["provider_value"] = [
        formats.format_value(v, formats.kind(m)) for v, m in zip(peers["provider_value"], peers["measure"], strict=True)
    ]
    for column in FIGURES[1:]:
        out[column] = [formats.format_value(v, "hours") for v in peers[column]]
    out["measure"] = peers["measure"].map(labels.label)
    out["position_among_peers"] = peers["position_among_peers"].map(lambda p: labels.POSITIONS.get(p, p))
    return out


tabs = st.tabs(
    ["History", "Term profile", "Completeness", "PIP sample", "Peer comparison"], key="tab", bind="query-params"
)  # the open tab is in the URL too (?tab=PIP+sample)
with tabs[0]:
    history = data.select("review.accreditation_history", where, order_by=["decision_sequence"])
    ui.table(
        history,
        first=[
            "decision_date",
            "decision_type",
            "accreditation_status",
            "term_start_date",
            "term_end_date",
            "noncompliance_findings",
            "noncompliant_criteria",
        ],
        hide=["provider_id", "decision_id"],  # the warehouse's decision key: nothing a reviewer looks up
    )
    downloads.table_downloads(
        history, f"history-{provider_id}", what=f"accreditation history {provider_id}", key="dl-history", details=where
    )
with tabs[1]:
    profile = data.select("review.term_profile", where, order_by=["report_year", "activity_type"])
    years = data.distinct("annual_report.enterprise_size", "report_year") if has_term else []
    if note := wording.years_note(term["term_start_date"] if has_term else None, years):
        st.caption(ui.plain(note))
    if profile.empty:
        st.info("No activity in the current term.")
    else:
        named = ui.with_activity_type_names(profile)
        charts.bar_chart(
            ui.by_year(named),
            x="report_year",
            y="activities",
            color="activity_type",
            x_title="Reporting year",
            y_title="Counted activities",
            key="c-term-profile",
        )
        ui.table(named, first=["report_year", "activity_type", "activities"], hide=["provider_id"])
    downloads.table_downloads(
        profile, f"term-profile-{provider_id}", what=f"term profile {provider_id}", key="dl-profile", details=where
    )
with tabs[2]:
    by_rule = data.select(
        "review.data_completeness_by_provider", where, order_by=["severity_order", "rule_order"]
    )  # errors first: what the provider must correct (docs/guide-reviewers.md)
    if not by_rule["activities_flagged"].any():
        st.success("No completeness rule flags an activity of this provider.")
    st.caption(
        "Errors are data the provider must correct in PARS; warnings are reporting practices to discuss; info is "
        "worth a question."
    )
    ui.table(by_rule[["severity", "rule_description", "activities_flagged", "affected_records"]])
    problems = data.select("review.data_completeness", where, order_by=["report_year", "activity_id"])
    if len(problems):
        rank = {code: i for i, code in enumerate(by_rule["rule_code"])}
        shown = problems.merge(by_rule[["rule_code", "severity"]], on="rule_code", how="left")
        shown = shown.sort_values(
            ["rule_code", "report_year", "activity_id"], key=lambda c: c.map(rank) if c.name == "rule_code" else c
        )
        st.caption(f"{len(problems):,} flagged activities")
        ui.table(
            ui.with_activity_type_names(shown),
            first=["severity", "message", "report_year", "title"],
            hide=["provider_id", "rule_code", "rule_description", "data_as_of_date"],
        )
    downloads.table_downloads(
        problems,
        f"completeness-{provider_id}",
        what=f"completeness problems {provider_id}",
        key="dl-problems",
        details=where,
    )
with tabs[3]:
    sample = data.select("review.pip_sample", where, order_by=["sample_position"])
    if sample.empty:
        st.info("No performance-in-practice sample: no current term or no closed activity in it.")
    else:
        ui.table(
            ui.with_activity_type_names(sample),
            first=["sample_position", "activity_id", "title", "activity_type", "report_year", "selection_reason"],
            hide=["provider_id"],
        )
        st.caption(wording.PIP_REASONS)  # our own words: no data in them
    downloads.table_downloads(
        sample, f"pip-sample-{provider_id}", what=f"PIP sample {provider_id}", key="dl-pip", details=where
    )
with tabs[4]:
    peers = data.select("review.peer_comparison", where, order_by=["report_year", "measure"])
    if peers.empty:
        st.info("No peer comparison: the provider reported no activity in its current term.")
    else:
        ui.table(
            peer_text(peers),
            first=["report_year", "measure", "provider_value", "peer_median", "position_among_peers"],
            hide=["provider_id", "organization_type"],
            text=FIGURES,
        )
        st.caption(
            ui.plain(
                f"Peers: the reporting providers of the same organization type ({term['organization_type']}) "
                "that year. Counts are whole numbers, hours to a tenth; the peers' percentiles are interpolated, "
                "to a tenth."
            )
        )
    downloads.table_downloads(
        peers, f"peer-comparison-{provider_id}", what=f"peer comparison {provider_id}", key="dl-peers", details=where
    )

st.subheader("Review packet")
if reporting.available():
    with st.container(horizontal=True):
        downloads.download(
            "Review packet (PDF)",
            lambda: reporting.review_packet(provider_id),
            f"review-packet-{provider_id}.pdf",
            downloads.PDF,
            what=f"review packet {provider_id}",
            key="dl-packet",
            details=where,
        )
        downloads.download(
            "Packet with its lists (zip: PDF and CSVs)",
            lambda: reporting.review_packet_zip(provider_id),
            f"review-packet-{provider_id}.zip",
            "application/zip",
            what=f"review packet {provider_id} (zip)",
            key="dl-packet-zip",
            details=where,
        )
    st.caption(
        "The zip holds the PDF and, as CSV files, the full lists the PDF shortens (the term's activities and "
        "the flagged activities)."
    )
else:
    st.caption("The review packet needs the reports package (reports.api), which this installation lacks.")
