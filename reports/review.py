"""Review packets: one PDF per provider for the reviewers of its reaccreditation (review marts)."""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.util
import sys
import types
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from warehouse import resources
from warehouse.paths import confined, safe_name

from .data import ReportError, Warehouse
from .excel import write_csvs
from .labels import label, pdf_kind
from .render import ChromiumPdf, render_html
from .tables import Column, Table
from .wording import source

# Long lists (the term's activities, the per-activity problems) show at most this many rows in the PDF; the full
# lists go to CSV files beside it. WeasyPrint spends ~0.3 s per page of a long table, and at scale 1 the biggest
# providers have thousands of activities: full lists would make `--all` take hours for no reader's benefit.
PDF_LIST_LIMIT = 50


def _src(mart: str) -> dict:
    return {"source": source(mart), "lineage": mart}


#: the peer comparison's positions in words
POSITIONS = {
    "above p75": "above the 75th percentile",
    "median to p75": "median to 75th percentile",
    "p25 to median": "25th percentile to median",
    "below p25": "below the 25th percentile",
}


def _peer_rows(rows: list[dict]) -> list[dict]:
    """Measures by their labels, each figure in its measure's format: a count as a count ("732", not "732.0"),
    hours to a tenth; the peers' quartiles (interpolated) to a tenth."""
    out = []
    for r in rows:
        kind = pdf_kind(r["measure"])
        out.append(
            {
                **r,
                "measure": label(r["measure"]),
                "position_among_peers": POSITIONS.get(r["position_among_peers"], r["position_among_peers"]),
                "_kinds": {"provider_value": kind},
            }
        )
    return out


def packet_context(w: Warehouse, provider_id: str) -> dict:
    term = w.one("select * from review.current_term where provider_id = ?", [provider_id])
    if term is None:
        raise ReportError(f"provider {provider_id!r} is not in the warehouse (review.current_term)")
    p = [provider_id]
    history = Table(
        "t-history",
        "Accreditation history and findings",
        [
            Column("decision_sequence", "#", "int"),
            Column("decision_date", "Date", "date"),
            Column("decision_type", "Decision", "text"),
            Column("accreditation_status", "Status", "text"),
            Column("term_end_date", "Term ends", "date"),
            Column("findings", "Findings", "int"),
            Column("noncompliance_findings", "Noncompliant findings", "int"),
            Column("commendation_criteria_met", "Commendation criteria met", "int"),
            Column("noncompliant_criteria", "Noncompliant criteria", "list"),
        ],
        w.rows("select * from review.accreditation_history where provider_id = ? order by decision_sequence", p),
        **_src("review.accreditation_history"),
        small=True,
    )
    profile = Table(
        "t-profile",
        "Current term profile by year and activity type",
        [
            Column("report_year", "Year", "code"),
            Column("activity_type", "Type", "code"),
            Column("activities", "Activities", "int"),
            Column("activities_not_closed", "Not closed", "int"),
            Column("hours_of_instruction", "Hours", "num1"),
            Column("physician_interactions", "Physicians", "int"),
            Column("other_learner_interactions", "Other learners", "int"),
            Column("jointly_provided_activities", "Joint", "int"),
            Column("commercially_supported_activities", "Supported", "int"),
            Column("commercial_support_income", "Support income", "money"),
            Column("moc_registered_activities", "MOC", "int"),
            Column("rems_activities", "REMS", "int"),
        ],
        w.rows("select * from review.term_profile where provider_id = ? order by report_year, activity_type", p),
        **_src("review.term_profile"),
        note="Counted (Closed) activities; 'Not closed' counts the term's others.",
    )
    activities = Table(
        "t-activities",
        "Activities of the current term",
        [
            Column("activity_id", "Activity", "code"),
            Column("provider_activity_id", "Own key", "code"),
            Column("report_year", "Year", "code"),
            Column("title", "Title", "text"),
            Column("activity_type", "Type", "code"),
            Column("start_date", "Start", "date"),
            Column("end_date", "End", "date"),
            Column("activity_status", "Status", "text"),
            Column("physician_interactions", "Physicians", "int"),
            Column("other_learner_interactions", "Other", "int"),
            Column("is_jointly_provided", "Joint", "bool"),
            Column("has_commercial_support", "Support", "bool"),
            Column("is_moc_registered", "MOC", "bool"),
        ],
        w.rows("select * from review.term_activities where provider_id = ? order by start_date, activity_id", p),
        **_src("review.term_activities"),
        small=True,
        wide=True,
    )
    rules = Table(
        "t-rules",
        "Data completeness by rule",
        [
            Column("rule_description", "Rule", "text"),
            Column("activities_flagged", "Activities", "int"),
            Column("affected_records", "Records", "int"),
        ],
        w.rows("select * from review.data_completeness_by_provider where provider_id = ? order by rule_order", p),
        **_src("review.data_completeness_by_provider"),
    )
    problems = Table(
        "t-problems",
        "Data-completeness problems by activity",
        [
            Column("activity_id", "Activity", "code"),
            Column("report_year", "Year", "code"),
            Column("title", "Title", "text"),
            Column("activity_status", "Status", "text"),
            Column("message", "Problem", "text"),
        ],
        w.rows(
            "select d.* from review.data_completeness d join review.data_completeness_by_provider r "
            "using (provider_id, rule_code) where provider_id = ? order by r.rule_order, d.activity_id",
            p,
        ),
        **_src("review.data_completeness"),
        small=True,
        wide=True,
    )
    pip = Table(
        "t-pip",
        "Performance-in-practice sample",
        [
            Column("sample_position", "#", "int"),
            Column("activity_id", "Activity", "code"),
            Column("report_year", "Year", "code"),
            Column("title", "Title", "text"),
            Column("activity_type", "Type", "code"),
            Column("stratum_key", "Stratum", "text"),
            Column("selection_reason", "Picked for", "text"),
        ],
        w.rows("select * from review.pip_sample where provider_id = ? order by sample_position", p),
        **_src("review.pip_sample"),
    )
    peers = Table(
        "t-peers",
        f"Peer comparison ({term['organization_type']})",
        [
            Column("report_year", "Year", "code"),
            Column("measure", "Measure", "text"),
            Column("provider_value", "Provider", "num1"),
            Column("peer_providers", "Peers", "int"),
            Column("peer_p25", "Peer 25th pct.", "num1"),
            Column("peer_median", "Peer median", "num1"),
            Column("peer_p75", "Peer 75th pct.", "num1"),
            Column("position_among_peers", "Position", "text"),
        ],
        _peer_rows(
            w.rows("select * from review.peer_comparison where provider_id = ? order by report_year desc, measure", p)
        ),
        **_src("review.peer_comparison"),
    )
    moc = Table(
        "t-moc",
        "MOC participation: completions reported by board",
        [
            Column("report_year", "Year", "code"),
            Column("board", "Board", "code"),
            Column("completions", "Completions", "int"),
            Column("completions_rejected", "Rejected", "int"),
            Column("late_completions", "Late", "int"),
            Column("late_rate", "Late rate", "share"),
            Column("rejection_rate", "Rejection rate", "share"),
            Column("median_days_to_report", "Median days", "num1"),
        ],
        w.rows("select * from moc.provider_reporting_timeliness where provider_id = ? order by report_year, board", p),
        **_src("moc.provider_reporting_timeliness"),
    )
    rems = Table(
        "t-rems",
        "REMS participation: activities with a REMS record",
        [
            Column("activity_id", "Activity", "code"),
            Column("report_year", "Year", "code"),
            Column("title", "Title", "text"),
            Column("activity_status", "Status", "text"),
            Column("rems_designation", "Designation", "text"),
            Column("is_rpc_funded", "RPC funded", "bool"),
            Column("physician_interactions", "Physicians", "int"),
            Column("other_learner_interactions", "Other learners", "int"),
        ],
        w.rows("select * from rems.activity_list where provider_id = ? order by report_year, activity_id", p),
        **_src("rems.activity_list"),
    )
    return {
        "provider_id": provider_id,
        "term": term,
        "tables": [history, profile, rules, pip, peers, moc, rems, problems, activities],
    }


def packet_name(provider_id: str) -> str:
    """The file name stem of a provider's packet: review-<id>, the id made one inert name (`safe_name`): an id such
    as `../../x` can never name a file outside the output folder. Ordinary ids ([A-Za-z0-9_-]) are kept as they are."""
    return f"review-{safe_name(provider_id)}"


def render_packet(w: Warehouse, provider_id: str, out: Path, pdf: ChromiumPdf) -> Path:
    ctx = packet_context(w, provider_id)
    name = packet_name(provider_id)
    target = confined(out, f"{name}.pdf")  # both paths checked before anything is written or deleted
    confined(out, f"{name}-csv")
    long_lists = [t for t in ctx["tables"] if t.id in ("t-activities", "t-problems")]
    for t in long_lists:
        if len(t.rows) > PDF_LIST_LIMIT:
            t.note = (
                f"The first {PDF_LIST_LIMIT} of {len(t.rows):,} rows; the full list is in "
                f"{name}-csv/ beside this PDF. " + t.note
            ).strip()
    if any(len(t.rows) > PDF_LIST_LIMIT for t in long_lists):
        write_csvs(long_lists, Path(out) / f"{name}-csv")
    for t in long_lists:
        t.rows = t.rows[:PDF_LIST_LIMIT]
    as_of = ctx["term"]["data_as_of_date"]
    title = f"Review packet {provider_id}: {ctx['term']['provider_name']}"
    if hasattr(as_of, "strftime"):
        as_of = f"{as_of:%-d %B %Y}"
    as_of_text = f"Data as of {as_of}" if as_of else ""
    html = render_html("review.html", doc_title=title, as_of_text=as_of_text, **ctx)
    return pdf.write(html, target, header=title, footer=as_of_text)


_worker: dict = {}


def _init(db: str, out: str, memory_limit: str | None = None) -> None:
    try:
        w = Warehouse(Path(db), memory_limit)
        _worker["w"] = w
        w.con.sql("set threads = 1")  # two workers on two cores: DuckDB must not start threads of its own each
        _worker.update(out=Path(out), pdf=ChromiumPdf().__enter__())
    except Exception as exc:  # reported by the worker's first packet (_one), as one line in the parent
        _close_worker()
        _worker["error"] = f"a review packet worker could not start: {exc}"
        return
    # Pool workers leaving normally (pool.close + join) run this: the browser must not outlive its worker.
    mp.util.Finalize(None, _close_worker, exitpriority=10)


def _close_worker() -> None:
    if "pdf" in _worker:
        _worker.pop("pdf").close()
    if "w" in _worker:
        _worker.pop("w").close()


def _one(provider_id: str) -> str:
    if "error" in _worker:
        raise ReportError(_worker["error"])
    return str(render_packet(_worker["w"], provider_id, _worker["out"], _worker["pdf"]))


def render_one(db: Path, provider_id: str, out: Path, memory_limit: str | None = None) -> Path:
    with Warehouse(db, memory_limit) as w:
        if w.one("select provider_id from review.current_term where provider_id = ?", [provider_id]) is None:
            raise ReportError(f"provider {provider_id!r} is not in the warehouse (review.current_term)")
        with ChromiumPdf() as pdf:
            return render_packet(w, provider_id, Path(out), pdf)


@contextmanager
def _neutral_main() -> Iterator[None]:
    """A spawned worker first re-runs the parent's `__main__` file. Under Streamlit (and its AppTest) `__main__` is a
    page script, which must not run in a packet worker (it stopped the worker at once: found when the test suite's
    AppTests had run first). The workers need nothing from `__main__`, so they get an empty one while they start."""
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def render_all(db: Path, out: Path, workers: int = 2, progress=None, memory_limit: str | None = None) -> list[Path]:
    """Every provider's packet in `workers` processes (spawned: no DuckDB handle crosses a fork), each with one
    read-only warehouse connection and one headless Chromium that it reuses for all its packets.

    `memory_limit` caps the command's DuckDB memory as a whole: each worker's connection gets an equal share
    (`resources.share`); the parent's connection, which only lists the providers, is closed before they start."""
    with Warehouse(db, memory_limit) as w:
        ids = [r["provider_id"] for r in w.rows("select provider_id from review.current_term order by 1")]
    out.mkdir(parents=True, exist_ok=True)
    done: list[Path] = []
    if progress:
        progress(0, len(ids))
    limit = resources.memory_limit(memory_limit)
    if workers <= 1:
        _init(str(db), str(out), limit)
        try:
            for pid in ids:
                done.append(Path(_one(pid)))
                if progress:
                    progress(len(done), len(ids))
        finally:
            _close_worker()
        return done
    # concurrent.futures, not multiprocessing.Pool: a worker that cannot start (its initializer raises: the
    # warehouse locked, Chromium missing) or dies mid-packet breaks the pool with an error here, where a Pool
    # would start replacement workers forever and never return.
    with (
        _neutral_main(),
        ProcessPoolExecutor(
            workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init,
            initargs=(str(db), str(out), resources.share(limit, workers)),
        ) as pool,
    ):
        try:
            for path in pool.map(_one, ids, chunksize=8):
                done.append(Path(path))
                if progress:
                    progress(len(done), len(ids))
        except BrokenProcessPool as exc:
            raise ReportError(f"a review packet worker stopped ({exc}); nothing more was rendered") from None
    return sorted(done)
