"""`generate`: one seeded, deterministic PARS export (spec v1), written year by year.

Static files (providers, decisions, findings) are written first, then each reporting year's files
are appended in load order (parents before children), so defect bookkeeping can follow references
without holding more than one year in memory.
"""

from __future__ import annotations

import datetime as dt
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.contract import FILES_BY_NAME

from . import activities, moc, support
from .defects import Defects
from .providers import build_universe, program_summaries
from .util import part_rng, reporting_deadline, to_day
from .writer import ExportWriter, to_raw, write_json

Progress = Callable[[str, float], None]
#: Rows turned into text at once (a year's activities at 10x are 2.3 million rows of about 40 columns).
EMIT_ROWS = 250_000
#: Days between the last reporting deadline and the export (issue: "mid-April of last_year+1").
EXPORT_AFTER_DEADLINE_DAYS = 14


def export_timestamp(last_year: int, salt: str = "") -> str:
    """`exported_at`: two weeks after the last year's deadline, in the 02:00 hour (UTC).

    The minute and second come from `salt` (the generator's arguments), so two different exports of
    the same years get different export_ids (a loader treats an id seen with other contents as an
    error), while the same arguments always give the same id.
    """
    day = reporting_deadline(last_year) + dt.timedelta(days=EXPORT_AFTER_DEADLINE_DAYS)
    offset = zlib.crc32(salt.encode()) % 3600 if salt else 0
    return f"{day.isoformat()}T02:{offset // 60:02d}:{offset % 60:02d}Z"


def _check_args(out: Path, scale: float, years: tuple[int, int], defects: float) -> None:
    if not 0 < scale <= 100:
        raise ValueError(f"scale must be in (0, 100], got {scale}")
    if not (1990 <= years[0] <= years[1] <= 2090):
        raise ValueError(f"years must be an increasing range within 1990-2090, got {years}")
    if not 0 <= defects <= 0.5:
        raise ValueError(f"defects must be within 0..0.5, got {defects}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} exists and is not an empty directory")


def generate(
    out: Path,
    scale: float = 0.01,
    years: tuple[int, int] = (2022, 2022),
    seed: int = 1,
    defects: float = 0.0,
    progress: Progress | None = None,
) -> dict:
    """Write one full export to `out` (created) and return rows per file and seconds taken.

    Same arguments give byte-identical files. With `defects` > 0, rule-breaking rows of every kind
    of docs/loading.md are added and `expected.json` states what a correct loader must report.
    """
    started = time.perf_counter()
    out = Path(out)
    _check_args(out, scale, years, defects)
    out.mkdir(parents=True, exist_ok=True)
    first, last = years
    report = progress or (lambda _msg, _frac: None)
    exported_at = export_timestamp(last, f"{seed}|{scale!r}|{first}|{last}|{defects!r}")
    export_id = f"{exported_at}-full"
    export_day = to_day(dt.date.fromisoformat(exported_at[:10]))

    report("providers and accreditation histories", 0.0)
    universe = build_universe(seed, scale, first, last, export_day)
    pool = moc.learner_pool(seed, scale)
    partners = support.partner_pool(seed, scale)
    injector = Defects(defects, seed, first, last)
    writer = ExportWriter(out)

    def emit(name: str, typed: pl.DataFrame, **ctx: object) -> None:
        # Without defects, the text of at most EMIT_ROWS rows at a time (the same bytes: rows are appended in
        # order); with defects, one chunk per call as always (the injector draws per chunk).
        step = EMIT_ROWS if injector.rate == 0 else max(typed.height, 1)
        for start in range(0, max(typed.height, 1), step):
            raw = to_raw(typed.slice(start, step), FILES_BY_NAME[name])
            raw, extra, n_extra = injector.process(name, raw, ctx)
            writer.write(name, raw, extra, n_extra)

    try:
        emit("providers", universe.providers)
        emit("accreditation_decisions", universe.decisions)
        emit("decision_findings", universe.findings)
        n_years = last - first + 1
        for k, year in enumerate(range(first, last + 1)):
            report(f"reporting year {year}", k / n_years)
            _emit_year(emit, seed, year, scale, universe, pool, partners, export_day)
    finally:
        writer.close()
    write_json(
        out / "manifest.json",
        {
            "format_version": 1,
            "export_id": export_id,
            "exported_at": exported_at,
            "kind": "full",
            "reporting_years": list(range(first, last + 1)),
            "files": writer.manifest_files(),
        },
    )
    write_json(out / "expected.json", injector.expected(export_id))
    report("done", 1.0)
    return {
        "export_id": export_id,
        "out": str(out),
        "rows": dict(writer.rows),
        "seconds": round(time.perf_counter() - started, 3),
        "scale": scale,
        "years": [first, last],
        "seed": seed,
        "defects": defects,
    }


def _emit_year(
    emit: Callable[..., None],
    seed: int,
    year: int,
    scale: float,
    universe,
    pool: moc.LearnerPool,
    partners: list[str],
    export_day: np.datetime64,
) -> None:
    deadline = to_day(reporting_deadline(year))
    acts = activities.build(seed, year, scale, universe, deadline, export_day)
    sup = support.supporters(seed, year, scale, acts)
    per_provider = acts.group_by("p").agg(pl.len().alias("n_activities"))
    prov = (
        universe.providers.select("p", "provider_id", "org_i")
        .join(per_provider, on="p", maintain_order="left")
        .sort("p")
    )
    support_by_p = sup.group_by("p").agg(pl.col("monetary_amount").sum().alias("support"))
    summaries = program_summaries(
        part_rng(seed, year, "summaries"), year, scale, prov, support_by_p, deadline, export_day
    )
    emit("program_summaries", summaries, year=year)
    context = acts.select(
        "activity_id", "provider_id", "reporting_year", "start_date", "end_date", "other_learners", "activity_type"
    )
    regs = moc.registrations(seed, year, acts)
    moc_keys = regs.select("activity_id", "board")
    emit("activities", acts, year=year, activities=context, moc=moc_keys)
    emit("activity_commercial_supporters", sup, year=year, activities=context)
    emit("activity_joint_providers", support.joint_providers(seed, year, acts, partners), year=year, activities=context)
    emit("activity_moc_registrations", regs, year=year, activities=context)
    emit("activity_rems", support.rems(seed, year, scale, acts), year=year, activities=context)
    emit("activity_learner_professions", support.professions(seed, year, acts), year=year, activities=context)
    for batch in moc.completions(seed, year, scale, regs, pool, export_day):
        emit("learner_completions", batch, year=year, activities=context, moc=moc_keys)
