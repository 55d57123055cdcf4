"""The reports' Python API (imported by the CLI, the dashboards and the benchmarks).

Every function reads the published warehouse read-only, under DuckDB's memory cap (`memory_limit`: default
$PARS_MEMORY_LIMIT, else 2GB), and writes its files atomically into `out`.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.paths import confined, safe_name

from .data import ReportError, Warehouse
from .excel import write_csvs, write_workbook
from .render import render_html, write_pdf

__all__ = ["ReportError", "all_review_packets", "annual_report", "moc_report", "rems_report", "review_packet"]


def _as_of_text(w: Warehouse) -> str:
    as_of = w.data_as_of()
    return f"Data as of {as_of:%-d %B %Y}" if as_of else "No PARS export loaded"


def _write_all(name: str, template: str, sheets, out: Path, **context) -> dict[str, Path]:
    """The PDF, workbook and CSV folder of a report; every path is checked to stay in `out` before any is written."""
    out, name = Path(out), safe_name(name)
    pdf, xlsx = confined(out, f"{name}.pdf"), confined(out, f"{name}.xlsx")
    confined(out, f"{name}-csv")
    written = {"xlsx": write_workbook(sheets, xlsx), "csv_dir": write_csvs(sheets, out / f"{name}-csv")}
    for t in sheets:  # the files above have every row; the PDF shows the first rows of a long list
        if t.pdf_limit is not None and len(t.rows) > t.pdf_limit:
            t.note = (
                f"The first {t.pdf_limit:,} of {len(t.rows):,} rows; the full table is in {name}.xlsx and "
                f"{name}-csv/ beside this PDF. " + t.note
            ).strip()
            t.rows = t.rows[: t.pdf_limit]
    return {"pdf": write_pdf(render_html(template, **context), pdf), **written}


def _yearly(
    context, tables, name: str, template: str, title: str, db: Path, year: int, out: Path, memory_limit: str | None
) -> dict[str, Path]:
    """A report of one year: its context read from the warehouse (closed before rendering), then its files."""
    with Warehouse(db, memory_limit) as w:
        ctx = context(w, year)
        as_of = _as_of_text(w)
    return _write_all(name, template, tables(ctx), out, doc_title=title, as_of_text=as_of, **ctx)


def _tables(ctx: dict) -> list:
    return ctx["tables"]


def annual_report(db: Path, year: int, out: Path, memory_limit: str | None = None) -> dict[str, Path]:
    """The annual Data Report for `year`: <out>/data-report-<year>.pdf, .xlsx and a folder of CSVs."""
    from .annual import all_tables, build_context

    return _yearly(
        build_context,
        all_tables,
        f"data-report-{year}",
        "annual.html",
        f"ACCME Data Report {year}",
        db,
        year,
        out,
        memory_limit,
    )


def moc_report(db: Path, year: int, out: Path, memory_limit: str | None = None) -> dict[str, Path]:
    """MOC report for `year` (board by board, providers needing follow-up): PDF, workbook and CSVs."""
    from .moc_rems import moc_context

    return _yearly(
        moc_context,
        _tables,
        f"moc-report-{year}",
        "moc.html",
        f"CME for MOC: board report {year}",
        db,
        year,
        out,
        memory_limit,
    )


def rems_report(db: Path, year: int, out: Path, memory_limit: str | None = None) -> dict[str, Path]:
    """Opioid Analgesic REMS report for `year` (the FDA submission's summary and activity list)."""
    from .moc_rems import rems_context

    return _yearly(
        rems_context,
        _tables,
        f"rems-report-{year}",
        "rems.html",
        f"Opioid Analgesic REMS report {year}",
        db,
        year,
        out,
        memory_limit,
    )


def review_packet(db: Path, provider_id: str, out: Path, memory_limit: str | None = None) -> Path:
    """The review packet of one provider: <out>/review-<safe form of provider_id>.pdf (see `packet_name`)."""
    from .review import render_one

    return render_one(Path(db), provider_id, Path(out), memory_limit)


def all_review_packets(
    db: Path, out: Path, workers: int = 2, progress=None, memory_limit: str | None = None
) -> list[Path]:
    """Every provider's review packet, rendered in `workers` processes; progress(done, total) after each.
    `memory_limit` is for the whole command: each worker's DuckDB gets an equal share of it."""
    from .review import render_all

    return render_all(Path(db), Path(out), workers=workers, progress=progress, memory_limit=memory_limit)
