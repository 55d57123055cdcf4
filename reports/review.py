"""Review packets: one PDF per provider for the reviewers of its reaccreditation (review marts)."""

from __future__ import annotations

import datetime as dt
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

from .columns import (
    ACTIVITY,
    DESIGNATION,
    LATE_RATE,
    OTHER_LEARNERS,
    PHYSICIANS,
    REJECTION_RATE,
    STATUS,
    TITLE,
    TYPE,
    YEAR,
)
from .data import ReportError, Warehouse
from .excel import write_csvs
from .formats import format_value, pdf_kind
from .labels import POSITIONS, label
from .render import ChromiumPdf, render_html
from .tables import Table, TableSpec, col
from .wording import PIP_REASONS, long_date, source, term_end_note, years_note

# Long lists (the term's activities, the per-activity problems) show at most this many rows in the PDF; the full
# lists go to CSV files beside it. WeasyPrint spends ~0.3 s per page of a long table, and at scale 1 the biggest
# providers have thousands of activities: full lists would make `--all` take hours for no reader's benefit.
PDF_LIST_LIMIT = 50


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


#: the packet's tables read from one mart each for one provider, in the order printed: (id, title, spec)
PACKET_TABLES = [
    (
        "t-history",
        "Accreditation history and findings",
        TableSpec(
            "review.accreditation_history",
            "select * from {mart} where provider_id = ? order by decision_sequence",
            (
                col("decision_sequence", "#"),
                col("decision_date", "Date"),
                col("decision_type", "Decision"),
                col("accreditation_status", "Status"),
                col("term_end_date", "Term ends"),
                col("findings"),
                col("noncompliance_findings", "Noncompliant findings"),
                col("commendation_criteria_met"),
                col("noncompliant_criteria"),
            ),
            small=True,
        ),
    ),
    (
        "t-profile",
        "Current term profile by year and activity type",
        TableSpec(
            "review.term_profile",
            "select * from {mart} where provider_id = ? order by report_year, activity_type",
            (
                YEAR,
                TYPE,
                col("activities"),
                col("activities_not_closed", "Not closed"),
                col("hours_of_instruction", "Hours"),
                PHYSICIANS,
                OTHER_LEARNERS,
                col("jointly_provided_activities", "Joint"),
                col("commercially_supported_activities", "Supported"),
                col("commercial_support_income", "Support income"),
                col("moc_registered_activities", "MOC"),
                col("rems_activities", "REMS"),
            ),
            note="Counted (Closed) activities; 'Not closed' counts the term's others.",
        ),
    ),
    (
        "t-rules",
        "Data completeness by rule",
        TableSpec(
            "review.data_completeness_by_provider",
            "select * from {mart} where provider_id = ? order by severity_order, rule_order",
            (
                col("rule_description", "Rule"),
                col("severity", "Severity"),
                col("activities_flagged", "Activities"),
                col("affected_records", "Records"),
            ),
        ),
    ),
    (
        "t-pip",
        "Performance-in-practice sample",
        TableSpec(
            "review.pip_sample",
            "select * from {mart} where provider_id = ? order by sample_position",
            (
                col("sample_position", "#"),
                ACTIVITY,
                YEAR,
                TITLE,
                TYPE,
                col("stratum_key", "Stratum"),
                col("selection_reason", "Picked for"),
            ),
        ),
    ),
    (
        "t-peers",
        "Peer comparison ({organization_type})",
        TableSpec(
            "review.peer_comparison",
            "select * from {mart} where provider_id = ? order by report_year desc, measure",
            (
                YEAR,
                col("measure"),
                col("provider_value", "Provider", "num1"),
                col("peer_providers", "Peers"),
                col("peer_p25", "Peer 25th pct.", "num1"),
                col("peer_median", "Peer median", "num1"),
                col("peer_p75", "Peer 75th pct.", "num1"),
                col("position_among_peers", "Position"),
            ),
        ),
    ),
    (
        "t-moc",
        "MOC participation: completions reported by board",
        TableSpec(
            "moc.provider_reporting_timeliness",
            "select * from {mart} where provider_id = ? order by report_year, board",
            (
                YEAR,
                col("board", "Board", "code"),
                col("completions"),
                col("completions_rejected", "Rejected"),
                col("late_completions", "Late"),
                LATE_RATE,
                REJECTION_RATE,
                col("median_days_to_report", "Median days", "num1"),
            ),
        ),
    ),
    (
        "t-rems",
        "REMS participation: activities with a REMS record",
        TableSpec(
            "rems.activity_list",
            "select * from {mart} where provider_id = ? order by report_year, activity_id",
            (
                ACTIVITY,
                YEAR,
                TITLE,
                STATUS,
                DESIGNATION,
                col("is_rpc_funded", "RPC funded", "bool"),
                PHYSICIANS,
                OTHER_LEARNERS,
            ),
        ),
    ),
    (
        "t-problems",
        "Data-completeness problems by activity",
        TableSpec(
            "review.data_completeness",
            "select d.* from {mart} d join review.data_completeness_by_provider r using (provider_id, rule_code) "
            "where provider_id = ? order by r.severity_order, r.rule_order, d.activity_id",
            (
                ACTIVITY,
                YEAR,
                TITLE,
                STATUS,
                col("message", "Problem"),
            ),
            small=True,
            wide=True,
        ),
    ),
    (
        "t-activities",
        "Activities of the current term",
        TableSpec(
            "review.term_activities",
            "select * from {mart} where provider_id = ? order by start_date, activity_id",
            (
                ACTIVITY,
                col("provider_activity_id", "Own key", "code"),
                YEAR,
                TITLE,
                TYPE,
                col("start_date", "Start"),
                col("end_date", "End"),
                STATUS,
                PHYSICIANS,
                col("other_learner_interactions", "Other"),
                col("is_jointly_provided", "Joint", "bool"),
                col("has_commercial_support", "Support", "bool"),
                col("is_moc_registered", "MOC", "bool"),
            ),
            small=True,
            wide=True,
        ),
    ),
]


def activity_type_legend(table: Table, names: dict[str, str]) -> str:
    """ "Activity types: C Course; RSS Regularly Scheduled Series." for the codes a table with a type column shows,
    in the catalogue's order (the codes keep the wide tables narrow)."""
    if not any(c.key == "activity_type" for c in table.columns):
        return ""
    shown = {r.get("activity_type") for r in table.rows}
    codes = [f"{code} {name}" for code, name in names.items() if code in shown]
    return f"Activity types: {'; '.join(codes)}." if codes else ""


def packet_context(w: Warehouse, provider_id: str) -> dict:
    term = w.one("select * from review.current_term where provider_id = ?", [provider_id])
    if term is None:
        raise ReportError(f"provider {provider_id!r} is not in the warehouse (review.current_term)")
    tables = [
        spec.read(w, [provider_id], tid, title.format(**term), source(spec.mart)) for tid, title, spec in PACKET_TABLES
    ]
    years = [r["report_year"] for r in w.rows("select distinct report_year from annual_report.enterprise_size")]
    type_names = {
        r["activity_type"]: r["activity_type_name"]
        for r in w.rows("select activity_type, activity_type_name from core.dim_activity_types order by sort_order")
    }
    for t in tables:
        if legend := activity_type_legend(t, type_names):
            t.note = " ".join(x for x in (t.note, legend) if x)
        if t.id == "t-peers":
            t.rows = _peer_rows(t.rows)
        if t.id == "t-pip" and t.rows:
            t.note = " ".join(x for x in (t.note, PIP_REASONS) if x)
        if t.id == "t-profile" and (note := years_note(term["term_start_date"], years)):
            t.note = " ".join(x for x in (note, t.note) if x)
    today = dt.date.today()
    return {
        "provider_id": provider_id,
        "term": term,
        "tables": tables,
        # the days left, counted by the mart from the data's date: said in the value (a long label squeezed the
        # table's other columns)
        "days_text": f"{format_value(term['days_until_term_end'], 'integer')} "
        f"(from {long_date(term['data_as_of_date'])})",
        "ended_note": term_end_note(term["term_end_date"], term["data_as_of_date"], today, "this packet was made on"),
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
