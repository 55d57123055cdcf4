"""The test oracle: anonymize/release/activities.py of version 3 (before its rows moved to DuckDB, issue 16), kept
unchanged but for its imports; the helpers the DuckDB version kept as they were are imported from it, not copied.
Profile `activities`: one row per counted activity, with no provider link.

Rows carry no provider pseudonym (version 1 did, and an adversary knowing one or two of a provider's activities from
a public catalogue found its pseudonym and with it all its other activities; two releases linked through identical
rows). Each row carries only its provider's class: organization type and accreditor type, anonymized on one row per
provider (its latest year's values), so every class holds at least k providers: per class by default (each provider
its own mix of hierarchy levels, `anonymize.per_class`), or one level per column with the suppressed class counted.
The sensitive attribute's l-diversity is checked over the activity rows of each class.

The rows must not give away what the tables release suppresses: they are counted by the same (activity type,
organization type, year) cells. So the tables release's suppression pattern for the same years is computed here,
and a row whose cell is suppressed shows organization and accreditor type `*`; a row whose (type, All, year) margin
is suppressed also shows activity type and format `*`. Every count or sum over the rows then equals a sum of
published cells and margins (docs/releases.md, "activities").
"""

from __future__ import annotations

import duckdb
import polars as pl

# what the DuckDB move left as it was is not copied here: the oracle checks the rows, not these
from anonymize.release.activities import (
    CELL,
    PROVIDER_COLUMNS,
    SUPPRESSED,
    TYPE_COLUMNS,
    _levels_text,
    placed_in_suppressed,
    provider_classes,
    tables_cells,
    tenths,
)
from anonymize.release.content import Content, describe_columns, forbid_money, l_diversity
from anonymize.release.profiles import Profile, ReleaseError
from anonymize.tables.linear_audit import ALL


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    policy = profile.policy
    qis = policy.qi_names
    unit = profile.get("unit")
    if profile.get("pseudonyms"):
        raise ReleaseError(
            f"{profile.path}: the activities profile carries no provider pseudonym since version 2 "
            "(one singled providers out); remove `pseudonyms`"
        )
    years = profile.get("years")
    only_years = "where report_year in (select unnest($y))" if years else ""
    data = con.sql(
        f"select {_read_columns(con, profile)} from {profile.get('source')} {only_years} order by activity_id",
        params={"y": years} if years else None,
    ).pl()
    if data.is_empty():
        if years:
            raise ReleaseError(f"{profile.get('source')} has no activity in the years {years}")
        raise ReleaseError(f"{profile.get('source')} is empty: build the warehouse from a loaded export first")
    providers = (
        data.sort(["report_year", "activity_id"])
        .group_by(unit, maintain_order=True)
        .agg(pl.col(q).last() for q in qis)
        .sort(unit)
    )
    weights = dict(data.group_by(unit).len().rows())
    result = provider_classes(providers, profile, weights)
    rows = data.drop(qis).join(result.table.select([unit, *qis]), on=unit, how="left")
    cells = tables_cells(con, years, secret)
    hidden = cells.filter(pl.col("activities").is_null()).select(CELL)
    anonymized = rows.select([*qis, *TYPE_COLUMNS])
    rows, hiding = hide_suppressed_cells(rows, data, hidden)
    classes = result.table.select([unit, *qis])
    rows, hiding["rows_type_hidden_for_k_with_zero_cells"] = hide_narrowed_types(
        rows, data, cells, policy, unit, classes
    )
    sensitive = profile.get("sensitive", [])
    l_required = int(profile.get("l", 1))
    l_found = l_diversity(rows, qis, sensitive)
    for name, value in l_found.items():
        if value < l_required:
            raise ReleaseError(
                f"l-diversity: a class of providers has only {value} distinct value(s) of {name!r} over its "
                f"activities; the profile requires l >= {l_required}"
            )
    # a Series, not a set of Python strings: a decade has 2.3 million activity ids
    forbidden = pl.concat([data["activity_id"].cast(pl.Utf8), data[unit].cast(pl.Utf8)]).unique()
    released = rows.drop([unit, *profile.get("drop", [])], strict=False)
    if "hours_of_instruction" in released.columns:
        released = released.with_columns(tenths(pl.col("hours_of_instruction")))
    first = ["report_year", *qis]
    released = released.select(first + [c for c in released.columns if c not in first])
    released = released.sort(released.columns)
    forbid_money(released)
    risk = result.report["risk"]
    placed = placed_in_suppressed(released, hidden)
    utility = column_utility(anonymized, released, data, [*qis, *TYPE_COLUMNS])
    table_risk = {
        **risk,
        "unit": "provider",
        "l": l_found,
        "activity_rows": released.height,
        "levels": result.report["levels"],
        "loss_per_attribute": result.report["quality"]["loss_per_attribute"],
        "granularity": result.report["quality"]["granularity"],
        "local_recoding": "local_recoding" in result.report,
        "tables_cells_hidden": hiding,
        "utility": utility,
    }
    guarantees = [
        {
            "name": "k-anonymity over providers (suppressed class counted)",
            "required": policy.k,
            "achieved": risk["k"],
            "ok": risk["k"] >= policy.k,
        },
        {
            "name": "highest prosecutor risk",
            "required": round(1 / policy.k, 6),
            "achieved": round(risk["prosecutor_risk"]["max"], 6),
            "ok": risk["prosecutor_risk"]["max"] <= 1 / policy.k,
        },
        *(
            {"name": f"distinct l-diversity of {n}", "required": l_required, "achieved": v, "ok": v >= l_required}
            for n, v in l_found.items()
        ),
        {
            "name": "suppressed providers (share)",
            "required": policy.suppression_limit,
            "achieved": risk["suppressed_share"],
            "ok": risk["suppressed_share"] <= policy.suppression_limit,
        },
        {
            "name": "rows linked to a provider (pseudonym or identifier)",
            "required": 0,
            "achieved": len({c for c in released.columns if c in (unit, "provider")}),
            "ok": not {unit, "provider"} & set(released.columns),
        },
        {
            "name": "rows placed in a cell or margin the tables release suppresses",
            "required": 0,
            "achieved": placed,
            "ok": placed == 0,
        },
        {"name": "provider dollar amounts released", "required": 0, "achieved": 0, "ok": True},
    ]
    hidden_note = (
        f"'*' = suppressed so that every class holds at least {policy.k} providers, or hidden because the "
        "tables release suppresses this row's (activity type, organization type, year) cell"
    )
    columns = describe_columns(
        "activities",
        released.columns,
        {
            "organization_type": "The provider's organization type, generalized "
            f"({_levels_text(policy, 'organization_type')}); {hidden_note}. Rows carry no provider identifier or "
            "pseudonym: the activities of one provider cannot be told apart from those of the other providers of its "
            "class. An activity appears with the same values in every release that covers its year, so the same row "
            "can be found in two releases; its provider is then in both rows' classes.",
            "accreditor_type": f"The provider's accreditor type (ACCME, State or Joint), generalized "
            f"({_levels_text(policy, 'accreditor_type')}); {hidden_note}.",
            "activity_type": "Activity type code (spec section 3); '*' = hidden because the tables release suppresses "
            "this type's total for the year.",
            "activity_format_group": "Live (C, RSS, IL), Enduring (EM, IEM, JN) or Other; '*' with activity type.",
            "competencies": "Competency codes addressed, separated by ';'.",
            "hours_of_instruction": "Hours of instruction of the activity, rounded half up to 0.1 at publication (a "
            "sum over these rows can differ from the tables release, whose hours are rounded after summing).",
            "moc_board_list": "Boards the activity is registered with for MOC, separated by ';'.",
        },
    )
    return Content(
        tables={"activities": released},
        risk={"tables": {"activities": table_risk}, "guarantees": guarantees},
        columns={"activities": columns},
        forbidden=forbidden,
    )


def _read_columns(con: duckdb.DuckDBPyConnection, profile: Profile) -> str:
    """The source's columns the release uses, in the source's order: the profile's dropped columns are left in the
    warehouse (but activity_id and the unit, which the cells and identifier checks need), and lists arrive joined by
    ';' as they are released, so a decade's 2.3 million rows reach Python once, and only as wide as needed."""
    keep = {"activity_id", profile.get("unit")}
    unused = set(profile.get("drop", [])) - keep
    described = con.sql(f"select * from {profile.get('source')} limit 0")
    selected = []
    for name, kind in zip(described.columns, described.types, strict=True):
        if name in unused:
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        selected.append(f"array_to_string({quoted}, ';') as {quoted}" if str(kind).endswith("[]") else quoted)
    return ", ".join(selected)


def hide_suppressed_cells(rows: pl.DataFrame, data: pl.DataFrame, hidden: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """Rows of a suppressed interior cell: organization and accreditor type `*`; rows of a suppressed
    (type, All, year) margin: activity type and format `*`. A suppressed national total of a year cannot be
    hidden (the rows are the activities): the release is refused."""
    national = hidden.filter((pl.col("activity_type") == ALL) & (pl.col("organization_type") == ALL))
    if national.height:
        raise ReleaseError(
            f"the tables release suppresses the national total of year(s) "
            f"{sorted(national['report_year'].to_list())}, which the activity rows would count: "
            f"release other years"
        )
    interior = hidden.filter(
        (pl.col("activity_type") != ALL) & (pl.col("organization_type") != ALL) & (pl.col("report_year") != ALL)
    )
    margins = hidden.filter(
        (pl.col("activity_type") != ALL) & (pl.col("organization_type") == ALL) & (pl.col("report_year") != ALL)
    )
    # the cell each row is counted in by the tables release: its raw organization type ("None" when missing)
    keys = data.select(
        "activity_id",
        pl.col("activity_type").cast(pl.Utf8).alias("_t"),
        pl.col("organization_type").cast(pl.Utf8).fill_null("None").alias("_o"),
        pl.col("report_year").cast(pl.Utf8).alias("_y"),
    )
    keys = keys.join(
        interior.select(
            pl.col("activity_type").alias("_t"),
            pl.col("organization_type").alias("_o"),
            pl.col("report_year").alias("_y"),
            pl.lit(True).alias("_in_cell"),
        ),
        on=["_t", "_o", "_y"],
        how="left",
    )
    keys = keys.join(
        margins.select(
            pl.col("activity_type").alias("_t"), pl.col("report_year").alias("_y"), pl.lit(True).alias("_hide_type")
        ),
        on=["_t", "_y"],
        how="left",
    )
    # a row of a suppressed margin whose own cell is published keeps its provider class: the rows showing type `*`
    # and organization type o then add up to published cells (type in the margin's types, o, year)
    keys = keys.select(
        "activity_id",
        pl.col("_in_cell").fill_null(False).alias("_hide_provider"),
        pl.col("_hide_type").fill_null(False),
    )
    marked = rows.join(keys, on="activity_id", how="left")
    summary = {
        "suppressed_cells": interior.height,
        "suppressed_type_year_margins": margins.height,
        "rows_provider_hidden": int(marked["_hide_provider"].sum()),
        "rows_type_hidden": int(marked["_hide_type"].sum()),
    }
    marked = marked.with_columns(
        *[
            pl.when(pl.col("_hide_provider")).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c)).alias(c)
            for c in PROVIDER_COLUMNS
        ],
        *[pl.when(pl.col("_hide_type")).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c)).alias(c) for c in TYPE_COLUMNS],
    )
    return marked.drop("_hide_provider", "_hide_type"), summary


def hide_narrowed_types(
    rows: pl.DataFrame, data: pl.DataFrame, cells: pl.DataFrame, policy, unit: str, classes: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Activity type and format `*` on the rows whose (type, year, provider class) fewer than k providers could
    have made, given the cells the tables release publishes as 0.

    A published zero (type t, organization type o, year y) tells that no provider of type o made an activity of
    type t in y. The adversary knows the directory and the (public) method, so it knows which providers form each
    released class (`classes`: provider -> its released values), not merely which are consistent with it: with
    per-class generalization a class `(*, ACCME)` beside `(Academic or health care delivery, State)` holds only the
    providers given that class. A row of type t in y showing class c can come from a provider of class c whose
    cell (t, o, y) is published and not 0, or, when c is `*` everywhere, from any provider whose cell is suppressed
    (its rows show `*`). Where those are fewer than k, the row's type is hidden (its count stays the published
    margin minus the rows shown, so no suppressed cell becomes countable).
    """
    qis = policy.qi_names
    published = {
        tuple(r[:3]): r[3]
        for r in cells.filter(pl.all_horizontal(pl.col(c) != ALL for c in CELL)).select(*CELL, "activities").rows()
    }
    member = {r[0]: tuple(r[1:]) for r in classes.select(unit, *qis).iter_rows()}
    latest = (
        data.sort(["report_year", "activity_id"])
        .group_by(unit, maintain_order=True)
        .agg(pl.col("organization_type").last())
    )
    organization = {p: str(o or "None") for p, o in latest.iter_rows()}
    everywhere = tuple(SUPPRESSED for _ in qis)
    shown = (
        rows.filter(pl.col("activity_type") != SUPPRESSED)
        .select(pl.col("activity_type").cast(pl.Utf8), pl.col("report_year").cast(pl.Utf8), *qis)
        .unique()
    )
    narrowed = []
    for group in shown.to_dicts():
        value = tuple(group[q] for q in qis)
        fitting = 0
        for provider, own in member.items():
            cell = published.get((group["activity_type"], organization[provider], group["report_year"]), 0)
            fitting += (own == value and cell is not None and cell > 0) or (value == everywhere and cell is None)
        if fitting < policy.k:
            narrowed.append(group)
    if not narrowed:
        return rows, 0
    flagged = pl.DataFrame(narrowed, schema=shown.schema).with_columns(pl.lit(True).alias("_narrowed"))
    keyed = rows.with_columns(
        pl.col("activity_type").cast(pl.Utf8).alias("_t"), pl.col("report_year").cast(pl.Utf8).alias("_y")
    )
    keyed = keyed.join(
        flagged.rename({"activity_type": "_t", "report_year": "_y"}),
        on=["_t", "_y", *qis],
        how="left",
        nulls_equal=True,
    ).with_columns(pl.col("_narrowed").fill_null(False))
    count = int(keyed["_narrowed"].sum())
    keyed = keyed.with_columns(
        pl.when(pl.col("_narrowed")).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c)).alias(c) for c in TYPE_COLUMNS
    )
    return keyed.drop("_t", "_y", "_narrowed"), count


def column_utility(anonymized: pl.DataFrame, released: pl.DataFrame, data: pl.DataFrame, names: list[str]) -> dict:
    """Per column, the shares of rows that keep the value exactly, generalized (a group), suppressed (`*`) for k
    over providers, and hidden (`*`) with the tables release's suppressed cells though k would have kept them."""
    total = released.height
    out = {"rows": total, "columns": {}}
    for name in names:
        before = int((anonymized[name] != SUPPRESSED).sum())
        kept = int((released[name] != SUPPRESSED).sum())
        exact = int(released[name].is_in(data[name].cast(pl.Utf8).unique().implode()).sum())
        out["columns"][name] = {
            "kept": round(kept / total, 4),
            "exact": round(exact / total, 4),
            "generalized": round((kept - exact) / total, 4),
            "suppressed_for_k": round((total - before) / total, 4),
            "hidden_with_tables_cells": round((before - kept) / total, 4),
        }
    return out
