"""Profile `tables`: public count tables with every margin, suppressed and audited as linked systems.

Tables of one system share cells (the activity tables share the national total per year), so they are stacked into
one table over the union of their dimensions (a table's missing dimensions set to `All`) and suppressed and audited
together: the relations of each table and the identity of the shared cells are then all in one linear system, and
no table can give away what the other hides.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from anonymize.tables.dominance import aligned, contributions, dominated, protection_levels
from anonymize.tables.linear_audit import ALL, with_margins
from anonymize.tables.suppression import TableExposedError, suppress
from warehouse.contract import codes

from .activities import from_tenths
from .content import Content, forbid_money
from .profiles import Profile, ReleaseError

HOURS = "hours_of_instruction"
#: The public key set of each dimension (every value gets a row, zero or not); years come from the warehouse.
KEYS = {
    "activity_type": list(codes.ACTIVITY_TYPES),
    "organization_type": list(codes.ORGANIZATION_TYPES),
    "board": list(codes.BOARDS),
}
DESCRIPTIONS = {
    "activity_type": "Activity type code (spec section 3); All = every type.",
    "organization_type": "The provider's organization type; All = every type.",
    "provider_state": "The provider's USPS state code; None = no US state (outside the US); All = every state.",
    "report_year": "Reporting year; All = every year in the release.",
    "board": "Certifying board; All = every board.",
    "activities": "Counted activities (closed, latest version: the Data Report's counting rule, so a year's "
    "national total equals the Data Report's). Empty = suppressed.",
    "hours_of_instruction": "Hours of instruction to 0.1: each interior cell is its exact sum rounded down or up "
    "to a tenth so that a year's cells add up to the year's exact total rounded half up "
    "(equal to the Data Report's hours for that year, which it prints as whole hours); "
    "every margin is the sum of its rounded cells. Empty = suppressed with the cell.",
    "physician_interactions": "Physician learner interactions. Empty = suppressed.",
    "other_learner_interactions": "Other learner interactions. Empty = suppressed.",
    "completions": "Accepted learner completions dated in the year (year of completion, not the activity's "
    "reporting year: the MOC report's basis, so a year's national total, board All, equals the MOC report's "
    "accepted completions for that year). Empty = suppressed (with --dp: a noisy count, see the risk report).",
    "completions_error_95": "With --dp: the cell's error bound at 95% (|noisy - true| <= this with probability 0.95).",
}

#: A table's own meaning of a shared column name.
TABLE_DESCRIPTIONS = {
    "completions_by_board_year": {
        "report_year": "Year of completion (the year of the learner's completion date, as in the MOC report), "
        "whatever the completed activity's reporting year; only the release's years; All = every year in the release."
    },
}


def reporting_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Every reporting year of the loaded exports (raw.load_history)."""
    rows = con.sql("select distinct unnest(reporting_years) from raw.load_history order by 1").fetchall()
    return [int(r[0]) for r in rows]


def interior(
    con: duckdb.DuckDBPyConnection, system: dict, dims: list[str], years: list[int] | None = None
) -> pl.DataFrame:
    """The interior cells of one table: every combination of its dimensions' key sets, zeros included.

    Hours come back as whole tenths (see `round_hours`), so every margin summed from them is exact.
    """
    source = system["source"]
    if "activities" in system["measures"]:
        # hours as exact ten-thousandths (an integer): rounded to tenths below, after the exact sums
        aggregates = (
            "count(*)::bigint as activities, "
            "(sum(hours_of_instruction::decimal(18, 4)) * 10000)::bigint as hours_of_instruction, "
            "sum(physician_interactions)::bigint as physician_interactions, "
            "sum(other_learner_interactions)::bigint as other_learner_interactions"
        )
        where = ""
    else:
        aggregates = "count(*)::bigint as completions"
        where = "where completion_status in (select unnest($s))"
    params = {"s": system.get("statuses", [])} if where else {}
    if years:
        year_column = system.get("columns", {}).get("report_year", "report_year")
        where = (
            f"{where} and {year_column} in (select unnest($y))"
            if where
            else f"where {year_column} in (select unnest($y))"
        )
        params["y"] = years
    # a provider without a state (outside the US) counts under "None" rather than vanishing from the table
    selected = ", ".join(f"coalesce({system.get('columns', {}).get(d, d)}::varchar, 'None') as {d}" for d in dims)
    cells = con.sql(f"select {selected}, {aggregates} from {source} {where} group by all", params=params or None).pl()
    cells = cells.with_columns(pl.col(d).cast(pl.Utf8) for d in dims)
    spine = None
    for d in dims:
        values = KEYS.get(d) or sorted(cells[d].unique().to_list())
        values = sorted(set(values) | set(cells[d].unique().to_list()), key=lambda v: (v not in values, v))
        frame = pl.DataFrame({d: values}, schema={d: pl.Utf8})
        spine = frame if spine is None else spine.join(frame, how="cross")
    measures = system["measures"]
    full = spine.join(cells, on=dims, how="left").with_columns(pl.col(m).fill_null(0) for m in measures)
    if HOURS in measures:
        full = round_hours(full, "report_year" if "report_year" in dims else None)
    return full.select([*dims, *measures])


def round_hours(cells: pl.DataFrame, by: str | None) -> pl.DataFrame:
    """Hours (exact ten-thousandths) to whole tenths by largest-remainder rounding within each year.

    Each cell goes down or up to a neighbouring tenth, and the cells of a year add up to that year's exact total
    rounded half up to a tenth: so the national hours of a year are the same in every table of the release and
    equal the Data Report's (annual_report marts), and every margin, summed from the rounded cells, equals the sum
    of its cells exactly.
    """
    frame = (
        cells.with_row_index("_i")
        .with_columns(pl.col("_i").cast(pl.Int64))
        .with_columns((pl.col(HOURS) // 1000).alias("_floor"), (pl.col(HOURS) % 1000).alias("_rest"))
    )
    group = [by] if by else []
    target = (pl.col(HOURS).sum() + 500) // 1000
    if group:
        frame = frame.with_columns((target.over(group) - pl.col("_floor").sum().over(group)).alias("_need"))
        rank = pl.struct(pl.col("_rest"), -pl.col("_i")).rank("ordinal", descending=True).over(group)
    else:
        frame = frame.with_columns((target - pl.col("_floor").sum()).alias("_need"))
        rank = pl.struct(pl.col("_rest"), -pl.col("_i")).rank("ordinal", descending=True)
    frame = frame.with_columns((pl.col("_floor") + (rank <= pl.col("_need")).cast(pl.Int64)).alias(HOURS))
    return frame.sort("_i").drop("_i", "_floor", "_rest", "_need")


def stack(tables: dict[str, pl.DataFrame], dims: dict[str, list[str]]) -> tuple[pl.DataFrame, list[str]]:
    union = list(dict.fromkeys(d for ds in dims.values() for d in ds))
    union = [d for d in union if d != "report_year"] + [d for d in union if d == "report_year"]
    parts = [t.with_columns(pl.lit(ALL).alias(d) for d in union if d not in dims[name]) for name, t in tables.items()]
    measures = [c for c in next(iter(tables.values())).columns if c not in dims[next(iter(tables))]]
    stacked = pl.concat([p.select([*union, *measures]) for p in parts]).unique(subset=union, keep="first")
    return stacked.sort(union), union


def dominance_stats(
    con: duckdb.DuckDBPyConnection, system: dict, dims: dict[str, list[str]], years: list[int] | None
) -> tuple[pl.DataFrame, list[str]]:
    """Per cell of the stacked table (margins included), each magnitude's total, largest and second-largest
    contribution per provider and the number of contributing providers; hours in tenths, like the table."""
    rule = system["dominance"]
    union = list(dict.fromkeys(d for ds in dims.values() for d in ds))
    columns = system.get("columns", {})
    selected = ", ".join(f"coalesce({columns.get(d, d)}::varchar, 'None') as {d}" for d in union)
    magnitudes = ", ".join(
        f"({m}::double * 10) as {m}" if m == HOURS else f"{m}::double as {m}" for m in rule["measures"]
    )
    where, params = "", None
    if years:
        where, params = f"where {columns.get('report_year', 'report_year')} in (select unnest($y))", {"y": years}
    rows = con.sql(
        f"select {selected}, {rule['unit']}::varchar as unit, {magnitudes} from {system['source']} {where}",
        params=params,
    ).pl()
    per_table = {t: contributions(rows, ds, rule["measures"], "unit") for t, ds in dims.items()}
    return stack(per_table, dims)


def dominance_protection(
    stats: pl.DataFrame, stacked: pl.DataFrame, union: list[str], rule: dict
) -> dict[str, np.ndarray]:
    """Per magnitude, the protection each cell of `stacked` needs (0 = passes the rule)."""
    lined = aligned(stats, stacked, union)
    p, least = float(rule.get("p", 10)), int(rule.get("min_providers", 3))
    return {m: protection_levels(lined, m, dominated(lined, m, p, least).to_numpy(), p) for m in rule["measures"]}


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes, dp: dict | None = None) -> Content:
    low, high = int(profile.get("low", 1)), int(profile.get("high", 10))
    published: dict[str, pl.DataFrame] = {}
    systems_report: dict[str, dict] = {}
    columns: dict[str, dict[str, str]] = {}
    dp_tables = set((dp or {}).get("tables", []))
    years = profile.get("years")
    for name, system in profile.get("systems").items():
        dims = system["tables"]
        # a system counted by a year other than the reporting year (completions: year of completion) keeps the
        # release's years only: without it a release would count completions dated before or after them
        system_years = years or (reporting_years(con) if system.get("within_reporting_years") else None)
        full = {
            t: with_margins(interior(con, system, ds, system_years), ds, system["measures"]) for t, ds in dims.items()
        }
        if dp is not None and set(dims) <= dp_tables:
            from .dp import noisy_tables

            noisy, report = noisy_tables(con, system, dims, dp)
            published.update(noisy)
            systems_report[name] = report
        else:
            stacked, union = stack(full, dims)
            protection = None
            if system.get("dominance"):
                stats, _ = dominance_stats(con, system, dims, system_years)
                protection = dominance_protection(stats, stacked, union, system["dominance"])
            try:
                result = suppress(stacked, union, system["disclosure"], low, high, protection)
            except TableExposedError as exc:
                raise ReleaseError(f"table system {name!r}: {exc}") from None
            for table, ds in dims.items():
                others = [d for d in union if d not in ds]
                part = (
                    result.published.filter(pl.all_horizontal(pl.col(d) == ALL for d in others))
                    if others
                    else result.published
                )
                published[table] = part.drop(others).sort(ds)
                if HOURS in published[table].columns:  # whole tenths -> hours without float noise
                    published[table] = published[table].with_columns(from_tenths(pl.col(HOURS)).alias(HOURS))
            report = result.report()
            # the published report gives each suppressed cell's derivable interval, never its true value
            report["intervals"] = [{k: v for k, v in i.items() if k != "value"} for i in report["intervals"]]
            report["tables"] = list(dims)
            report["exposed"] = sum(v["exposed"] for v in report["audited_measures"].values())
            if protection is not None:
                rule = system["dominance"]
                sensitive = np.logical_or.reduce([n > 0 for n in protection.values()])
                report["dominance"] = {
                    "rule": f"a magnitude cell ({', '.join(rule['measures'])}) with fewer than "
                    f"{rule.get('min_providers', 3)} contributing providers, or whose total minus its two "
                    f"largest provider contributions is less than {rule.get('p', 10)}% of the largest, is "
                    f"suppressed; its LP interval must reach {rule.get('p', 10)}% of the largest contribution "
                    "below and above its value",
                    "p": rule.get("p", 10),
                    "min_providers": rule.get("min_providers", 3),
                    "sensitive_cells": int(sensitive.sum()),
                    "primary_suppressed": result.dominance_primary,
                    "published_sensitive": int((sensitive & ~result.mask).sum()),
                }
            systems_report[name] = report
        for table in dims:
            forbid_money(published[table])
            columns[table] = {
                c: {**DESCRIPTIONS, **TABLE_DESCRIPTIONS.get(table, {})}[c] for c in published[table].columns
            }
    dominance = [r["dominance"] for r in systems_report.values() if "dominance" in r]
    audit_ok = all(r.get("all_protected", True) and not r.get("exposed") for r in systems_report.values())
    published_small = {
        t: int(
            sum(
                ((f[m] >= low) & (f[m] <= high)).sum()
                for m in f.columns
                if m in DESCRIPTIONS and f[m].dtype.is_integer()
            )
        )
        for t, f in published.items()
        if t not in dp_tables
    }
    guarantees = [
        {
            "name": f"published cells in [{low}, {high}]",
            "required": 0,
            "achieved": sum(published_small.values()),
            "ok": not any(published_small.values()),
        },
        {
            "name": f"suppressed cells whose LP interval lies inside [{low}, {high}]",
            "required": 0,
            "achieved": sum(r.get("exposed", 0) for r in systems_report.values()),
            "ok": audit_ok,
        },
    ]
    if dominance:
        guarantees.append(
            {
                "name": f"published magnitude cells failing the p% rule (p = {dominance[0]['p']}) or with fewer than "
                f"{dominance[0]['min_providers']} providers",
                "required": 0,
                "achieved": sum(d["published_sensitive"] for d in dominance),
                "ok": not any(d["published_sensitive"] for d in dominance),
            }
        )
    if dp is not None:
        total = sum(r.get("epsilon", 0) for r in systems_report.values())
        guarantees.append(
            {
                "name": "differential privacy, total epsilon (privacy unit: learner)",
                "required": dp["epsilon"],
                "achieved": round(total, 6),
                "ok": total <= dp["epsilon"] + 1e-9,
            }
        )
    return Content(
        tables=published,
        risk={"systems": systems_report, "guarantees": guarantees, "published_cells_in_range": published_small},
        columns=columns,
        forbidden=set(),
    )
