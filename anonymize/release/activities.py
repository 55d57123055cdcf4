"""Profile `activities`: one row per counted activity, with no provider link; k counts providers.

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

import dataclasses

import duckdb
import polars as pl

from anonymize.engine import anonymize
from anonymize.per_class import generalize, read_tree
from anonymize.tables.linear_audit import ALL

from .activity_rows import ActivityRows
from .content import Content, describe_columns, forbid_money
from .profiles import Profile, ReleaseError, load_profile

#: the tables release's table whose cells the rows are counted in, and its dimensions
CELLS_TABLE = "activities_by_type_organization_year"
CELL = ("activity_type", "organization_type", "report_year")
#: provider columns shown as `*` on the rows of a suppressed cell (the directory ties accreditor to organization
#: type, so an accreditor left on such a row would tell which suppressed cell it belongs to)
PROVIDER_COLUMNS = ("organization_type", "accreditor_type")
TYPE_COLUMNS = ("activity_type", "activity_format_group")
SUPPRESSED = "*"
#: how the provider classes are made (profile key `provider_classes`; see `provider_classes`)
METHODS = ("per_class", "full_domain")


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    """The release, computed in DuckDB: Python holds one row per provider, the tables release's cells and the
    released table, which arrives sorted in record batches (`ActivityRows.released`). The activity rows as read never
    become a polars frame: at a decade (2.3 million rows) their copies took the release past the memory cap."""
    policy = profile.policy
    qis = policy.qi_names
    unit = profile.get("unit")
    if profile.get("pseudonyms"):
        raise ReleaseError(
            f"{profile.path}: the activities profile carries no provider pseudonym since version 2 "
            "(one singled providers out); remove `pseudonyms`"
        )
    years = profile.get("years")
    rows = ActivityRows(con, profile)
    if not rows.count():
        if years:
            raise ReleaseError(f"{profile.get('source')} has no activity in the years {years}")
        raise ReleaseError(f"{profile.get('source')} is empty: build the warehouse from a loaded export first")
    try:
        providers, weights = rows.providers()
        result = provider_classes(providers, profile, weights)
        cells = tables_cells(con, years, secret)
        hidden = cells.filter(pl.col("activities").is_null())
        hidden = hidden.select(CELL)
        rows.classes(result.table.select([unit, *qis]))
        hiding = rows.hide_suppressed_cells(hidden)
        narrowed = narrowed_groups(rows.shown_groups(), cells, policy, unit, result.table, providers)
        hiding["rows_type_hidden_for_k_with_zero_cells"] = rows.narrow(narrowed)
        sensitive = profile.get("sensitive", [])
        l_required = int(profile.get("l", 1))
        l_found = rows.l_diversity(sensitive)
        for name, value in l_found.items():
            if value < l_required:
                raise ReleaseError(
                    f"l-diversity: a class of providers has only {value} distinct value(s) of {name!r} over its "
                    f"activities; the profile requires l >= {l_required}"
                )
        forbidden = rows.identifiers()
        released = rows.released()
        forbid_money(released)
        names = [*qis, *TYPE_COLUMNS]
        utility = column_utility_counts(rows.kept_before_hiding(names), released, rows.source_values(names), names)
    finally:
        rows.close()
    risk = result.report["risk"]
    placed = placed_in_suppressed(released, hidden)
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


def provider_classes(providers: pl.DataFrame, profile: Profile, rows: dict | None = None):
    """Each provider's released class (organization type, accreditor type), every class >= k providers.

    The profile's `provider_classes` says how: `per_class` (the default) gives each provider its own
    generalization, any mix of hierarchy levels, so that every released tuple holds >= k providers and no column is
    `*` for everyone when that can be avoided (`anonymize.per_class`); `full_domain` is version 2's single level
    per column for all providers (`engine.anonymize`, with the policy's suppression and local recoding). `rows`
    (provider -> activity rows) makes per_class keep detail where the rows are.
    """
    policy = profile.policy
    method = profile.get("provider_classes", "per_class")
    if method not in METHODS:
        raise ReleaseError(
            f"{profile.path}: provider_classes: expected one of {', '.join(METHODS)}, got {str(method)[:40]!r}"
        )
    try:
        if method == "full_domain":
            return anonymize(providers, policy)
        plain = [q.name for q in policy.quasi_identifiers if q.kind != "hierarchy"]
        if plain:
            raise ReleaseError(
                f"{profile.path}: provider_classes per_class needs a hierarchy file for every "
                f"quasi-identifier; {plain} have none"
            )
        trees = {q.name: read_tree(q.params["path"]) for q in policy.quasi_identifiers}
        return generalize(providers, profile.get("unit"), trees, policy.k, rows)
    except ReleaseError:
        raise
    except ValueError as exc:
        raise ReleaseError(f"providers cannot be made {policy.k}-anonymous: {exc}") from None


def tables_cells(con: duckdb.DuckDBPyConnection, years: list[int] | None, secret: bytes) -> pl.DataFrame:
    """The (activity type, organization type, year) cells, margins included, of the tables release (the shipped
    profile, the same years) with their published activities (null = suppressed): computed by the tables release's
    own code, so the two always agree."""
    from . import tables

    profile = load_profile("tables")
    systems = {n: s for n, s in profile.get("systems").items() if CELLS_TABLE in s["tables"]}
    raw = {**profile.raw, "systems": systems, **({"years": sorted(years)} if years else {})}
    content = tables.build(con, dataclasses.replace(profile, raw=raw), secret)
    return content.tables[CELLS_TABLE].select(*[pl.col(c).cast(pl.Utf8) for c in CELL], "activities")


def narrowed_groups(
    shown: pl.DataFrame, cells: pl.DataFrame, policy, unit: str, classes: pl.DataFrame, providers: pl.DataFrame
) -> pl.DataFrame:
    """The (activity type, year, provider class) groups whose rows get activity type and format `*`: those fewer
    than k providers could have made, given the cells the tables release publishes as 0.

    A published zero (type t, organization type o, year y) tells that no provider of type o made an activity of
    type t in y. The adversary knows the directory and the (public) method, so it knows which providers form each
    released class (`classes`: provider -> its released values), not merely which are consistent with it: with
    per-class generalization a class `(*, ACCME)` beside `(Academic or health care delivery, State)` holds only the
    providers given that class. A row of type t in y showing class c can come from a provider of class c whose
    cell (t, o, y) is published and not 0, or, when c is `*` everywhere, from any provider whose cell is suppressed
    (its rows show `*`). Where those are fewer than k, the row's type is hidden (its count stays the published
    margin minus the rows shown, so no suppressed cell becomes countable).

    `shown`: the distinct (activity type, year, class) of the rows whose type is still shown (text); `providers`:
    each provider's latest raw quasi-identifiers (its organization type decides its cell).
    """
    qis = policy.qi_names
    published = {
        tuple(r[:3]): r[3]
        for r in cells.filter(pl.all_horizontal(pl.col(c) != ALL for c in CELL)).select(*CELL, "activities").rows()
    }
    member = {r[0]: tuple(r[1:]) for r in classes.select(unit, *qis).iter_rows()}
    organization = {p: str(o or "None") for p, o in providers.select(unit, "organization_type").iter_rows()}
    everywhere = tuple(SUPPRESSED for _ in qis)
    narrowed = []
    for group in shown.to_dicts():
        value = tuple(group[q] for q in qis)
        fitting = 0
        for provider, own in member.items():
            cell = published.get((group["activity_type"], organization[provider], group["report_year"]), 0)
            fitting += (own == value and cell is not None and cell > 0) or (value == everywhere and cell is None)
        if fitting < policy.k:
            narrowed.append(group)
    return pl.DataFrame(narrowed, schema=shown.schema)


def placed_in_suppressed(released: pl.DataFrame, hidden: pl.DataFrame) -> int:
    """Released rows that show exactly a suppressed interior cell, or the type and year of a suppressed margin."""
    interior = hidden.filter(
        (pl.col("organization_type") != ALL) & (pl.col("activity_type") != ALL) & (pl.col("report_year") != ALL)
    )
    margins = hidden.filter(
        (pl.col("organization_type") == ALL) & (pl.col("activity_type") != ALL) & (pl.col("report_year") != ALL)
    ).select("activity_type", "report_year")
    shown = released.select(*[pl.col(c).cast(pl.Utf8) for c in CELL])
    return (
        shown.join(interior, on=list(CELL), how="semi").height
        + shown.join(margins, on=["activity_type", "report_year"], how="semi").height
    )


def column_utility_counts(
    before: dict[str, int], released: pl.DataFrame, source: dict[str, pl.Series], names: list[str]
) -> dict:
    """Per column, the shares of rows that keep the value exactly, generalized (a group), suppressed (`*`) for k
    over providers, and hidden (`*`) with the tables release's suppressed cells though k would have kept them.

    `before`: per column, the rows not `*` once the provider classes were applied (before any cell was hidden);
    `source`: per column, the distinct values of the source (a released value among them is exact)."""
    total = released.height
    out = {"rows": total, "columns": {}}
    for name in names:
        kept = int((released[name] != SUPPRESSED).sum())
        exact = int(released[name].is_in(source[name].cast(pl.Utf8).unique().implode()).sum())
        out["columns"][name] = {
            "kept": round(kept / total, 4),
            "exact": round(exact / total, 4),
            "generalized": round((kept - exact) / total, 4),
            "suppressed_for_k": round((total - before[name]) / total, 4),
            "hidden_with_tables_cells": round((before[name] - kept) / total, 4),
        }
    return out


def tenths(hours: pl.Expr) -> pl.Expr:
    """Hours rounded to 0.1 at publication, half up (hours are never negative), without float noise: the value
    is taken to whole thousandths first (absorbing binary error such as 2.05 * 10 = 20.4999...), then to tenths
    as an integer, and divided once, so it prints as at most one decimal."""
    thousandths = (hours * 1000).round(0).cast(pl.Int64)
    return from_tenths((thousandths + 50) // 100).alias(hours.meta.output_name())


def from_tenths(tenths: pl.Expr) -> pl.Expr:
    """Whole tenths (an integer) as hours, the double nearest to the decimal (so it prints as one decimal).

    Through the decimal text, because polars divides by 10 as a multiplication by 0.1 (4429 -> 442.90000000000003).
    """
    return pl.format("{}.{}", tenths // 10, tenths % 10).cast(pl.Float64)


def _levels_text(policy, name: str) -> str:
    qi = next(q for q in policy.quasi_identifiers if q.name == name)
    return f"hierarchy {qi.params.get('path', '').name}" if "path" in qi.params else qi.kind
