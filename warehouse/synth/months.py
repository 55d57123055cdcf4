"""Split a full export into monthly `incremental` exports that add up to it (`pars split-months`).

For the incremental-build benchmark and the replay test: loading `month-YYYY-MM/` exports in order gives
exactly the live state of loading the full export, while each month holds what would reach PARS that
month. Each record goes to the month of its own date, but never before its parent:

- providers by initial_accreditation_date; decisions by decision_date; findings with their decision;
- program summaries by submitted_date;
- activities by start_date; a Closed activity that closes in a later month first appears as Active
  (closed_date empty) and becomes Closed in the month of its closed_date: a real new version;
- supporters, joint providers, REMS and professions with their activity; MOC registrations by
  registered_date; learner completions by reported_date, not before their registration.

Months run from January of the first reporting year to the month of `exported_at`; earlier dates go to
the first month and later ones to the last. Values are copied as text, byte for byte where CSV allows.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl

from warehouse.contract import FILES, FILES_BY_NAME

from .writer import write_json

M = "_month"  # the helper column: months since year 0 (year * 12 + month - 1)
_ACTIVITY_CHILDREN = (
    "activity_commercial_supporters",
    "activity_joint_providers",
    "activity_rems",
    "activity_learner_professions",
)


def split_months(export: Path, out: Path, *, close_later: bool = True) -> list[Path]:
    """Write `out/month-YYYY-MM/` for every month of the export; returns them in load order.

    `close_later=False` puts each activity once, in its start month, with its final status.
    """
    return [path for path, _ in split_months_counted(export, out, close_later=close_later)]


def split_months_counted(export: Path, out: Path, *, close_later: bool = True) -> list[tuple[Path, dict]]:
    """As split_months, with the rows written per file for each month."""
    export, out = Path(export), Path(out)
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8-sig"))
    if any(export.glob("*.parquet")):
        raise ValueError(f"{export}: split_months reads CSV exports only")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} exists and is not an empty directory")
    exported_at = dt.datetime.fromisoformat(manifest["exported_at"].replace("Z", "+00:00"))
    lo = min(manifest["reporting_years"]) * 12
    hi = exported_at.year * 12 + exported_at.month - 1
    if hi < lo:
        raise ValueError(f"{export}: exported_at {manifest['exported_at']} is before its first reporting year")
    frames = _assign_months({spec.name: _read(export, spec.name) for spec in FILES}, lo, hi, close_later)
    written = []
    for month in range(lo, hi + 1):
        folder = out / f"month-{month // 12:04d}-{month % 12 + 1:02d}"
        folder.mkdir(parents=True)
        rows = {}
        for spec in FILES:
            part = frames[spec.name].filter(pl.col(M) == month).drop(M)
            part.write_csv(folder / f"{spec.name}.csv", quote_style="necessary", line_terminator="\n")
            rows[spec.name] = part.height
        write_json(folder / "manifest.json", _manifest(manifest, month, hi))
        written.append((folder, rows))
    return written


def _read(export: Path, name: str) -> pl.DataFrame:
    """A file as text columns in its own header order (an absent optional file as an empty one)."""
    path = export / f"{name}.csv"
    if not path.exists():
        return pl.DataFrame(schema={c: pl.String for c in FILES_BY_NAME[name].column_names})
    return pl.read_csv(path, infer_schema=False, encoding="utf8")


def _manifest(full: dict, month: int, last: int) -> dict:
    year, mon = divmod(month, 12)
    label = f"{year:04d}-{mon + 1:02d}"
    if month == last:
        exported_at = full["exported_at"]
    else:
        following = dt.date(year + (mon + 1) // 12, (mon + 1) % 12 + 1, 1)
        exported_at = f"{following.isoformat()}T02:00:00Z"
    return {
        "format_version": 1,
        "export_id": f"{full['export_id']}.month-{label}",
        "exported_at": exported_at,
        "kind": "incremental",
        "reporting_years": full["reporting_years"],
    }


def _month_of(column: str, lo: int, hi: int) -> pl.Expr:
    """The clamped month of an ISO date column (an empty or odd value counts as the first month)."""
    year = pl.col(column).str.slice(0, 4).cast(pl.Int32, strict=False)
    month = pl.col(column).str.slice(5, 2).cast(pl.Int32, strict=False)
    return (year * 12 + month - 1).clip(lo, hi).fill_null(lo)


def _not_before(own: pl.Expr, parent: str, lo: int) -> pl.Expr:
    return pl.max_horizontal(own, pl.col(parent).fill_null(lo)).alias(M)


def _with_parent(df: pl.DataFrame, parents: pl.DataFrame, on: list[str], own: pl.Expr, lo: int) -> pl.DataFrame:
    """`df` with M = max(own month, its parent's month); the order of `df` is kept."""
    joined = df.join(parents.rename({M: "_parent"}), on=on, how="left", maintain_order="left")
    return joined.with_columns(_not_before(own, "_parent", lo)).drop("_parent")


def _firsts(df: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The first month each key appears in (the month its children may start from)."""
    return df.group_by(key).agg(pl.col(M).min())


def _assign_months(files: dict[str, pl.DataFrame], lo: int, hi: int, close_later: bool) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    out["providers"] = files["providers"].with_columns(_month_of("initial_accreditation_date", lo, hi).alias(M))
    providers = out["providers"].select("provider_id", M)
    out["accreditation_decisions"] = _with_parent(
        files["accreditation_decisions"], providers, ["provider_id"], _month_of("decision_date", lo, hi), lo
    )
    decisions = out["accreditation_decisions"].select("decision_id", M)
    out["decision_findings"] = _with_parent(files["decision_findings"], decisions, ["decision_id"], pl.lit(lo), lo)
    out["program_summaries"] = _with_parent(
        files["program_summaries"], providers, ["provider_id"], _month_of("submitted_date", lo, hi), lo
    )
    opened = _with_parent(files["activities"], providers, ["provider_id"], _month_of("start_date", lo, hi), lo)
    out["activities"] = _activity_versions(opened, lo, hi) if close_later else opened
    activities = _firsts(out["activities"], ["activity_id"])
    for name in _ACTIVITY_CHILDREN:
        out[name] = _with_parent(files[name], activities, ["activity_id"], pl.lit(lo), lo)
    out["activity_moc_registrations"] = _with_parent(
        files["activity_moc_registrations"], activities, ["activity_id"], _month_of("registered_date", lo, hi), lo
    )
    registrations = out["activity_moc_registrations"].select("activity_id", "board", M)
    completions = _with_parent(files["learner_completions"], activities, ["activity_id"], pl.lit(lo), lo)
    out["learner_completions"] = _with_parent(  # not before the activity, nor before the registration
        completions.rename({M: "_activity"}),
        registrations,
        ["activity_id", "board"],
        pl.max_horizontal(_month_of("reported_date", lo, hi), pl.col("_activity")),
        lo,
    ).drop("_activity")
    return out


def _activity_versions(opened: pl.DataFrame, lo: int, hi: int) -> pl.DataFrame:
    """Closed activities that close after their first month: an Active version first, then the Closed one."""
    closes = _month_of("closed_date", lo, hi)
    indexed = opened.with_row_index("_row")
    later = (pl.col("status") == "Closed") & pl.col("closed_date").is_not_null() & (closes > pl.col(M))
    opening = indexed.filter(later).with_columns(
        pl.lit("Active").alias("status"),
        pl.lit(None, dtype=pl.String).alias("closed_date"),
        pl.lit(0).alias("_version"),
    )
    final = indexed.with_columns(pl.when(later).then(closes).otherwise(pl.col(M)).alias(M), pl.lit(1).alias("_version"))
    both = pl.concat([opening.select(final.columns), final])
    return both.sort("_row", "_version").drop("_row", "_version")
