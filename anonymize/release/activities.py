"""Profile `activities`: one row per counted activity; providers are pseudonyms, k counts providers.

The provider's quasi-identifiers (organization type, accreditor type, census region) are anonymized on one row per
provider, so every provider pseudonym shares its released attributes with at least k-1 other providers (the
suppressed class counted too); the activity rows then carry their provider's released attributes. The sensitive
attribute's l-diversity is checked over the activity rows of each provider class.
"""

from __future__ import annotations

import duckdb
import polars as pl

from anonymize.engine import anonymize

from .content import Content, describe_columns, forbid_money, l_diversity
from .profiles import Profile, ReleaseError
from .pseudonyms import pseudonymize


def build(con: duckdb.DuckDBPyConnection, profile: Profile, secret: bytes) -> Content:
    policy = profile.policy
    qis = policy.qi_names
    unit = profile.get("unit")
    years = profile.get("years")
    only_years = "where report_year in (select unnest($y))" if years else ""
    data = con.sql(f"select * from {profile.get('source')} {only_years} order by activity_id",
                   params={"y": years} if years else None).pl()
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
    try:
        result = anonymize(providers, policy)
    except ValueError as exc:
        raise ReleaseError(f"providers cannot be made {policy.k}-anonymous: {exc}") from None
    rows = data.drop(qis).join(result.table.select([unit, *qis]), on=unit, how="left")
    sensitive = profile.get("sensitive", [])
    l_required = int(profile.get("l", 1))
    l_found = l_diversity(rows, qis, sensitive)
    for name, value in l_found.items():
        if value < l_required:
            raise ReleaseError(
                f"l-diversity: a class of providers has only {value} distinct value(s) of {name!r} over its "
                f"activities; the profile requires l >= {l_required}"
            )
    forbidden = set(data["activity_id"].to_list()) | set(data[unit].to_list())
    pseudonym = profile.get("pseudonyms")[unit]
    released = rows.with_columns(
        pseudonymize(rows[unit], secret, pseudonym["prefix"], pseudonym["length"]).alias(pseudonym["name"])
    ).drop([unit, *profile.get("drop", [])])
    released = released.with_columns(
        pl.col(c).list.join(";") for c, t in released.schema.items() if isinstance(t, pl.List)
    )
    if "hours_of_instruction" in released.columns:
        released = released.with_columns(tenths(pl.col("hours_of_instruction")))
    first = [pseudonym["name"], "report_year", *qis]
    released = released.select(first + [c for c in released.columns if c not in first])
    released = released.sort(released.columns)
    forbid_money(released)
    risk = result.report["risk"]
    table_risk = {
        **risk,
        "unit": "provider",
        "l": l_found,
        "activity_rows": released.height,
        "levels": result.report["levels"],
        "loss_per_attribute": result.report["quality"]["loss_per_attribute"],
        "granularity": result.report["quality"]["granularity"],
        "local_recoding": "local_recoding" in result.report,
    }
    guarantees = [
        {"name": "k-anonymity over providers (suppressed class counted)", "required": policy.k,
         "achieved": risk["k"], "ok": risk["k"] >= policy.k},
        {"name": "highest prosecutor risk", "required": round(1 / policy.k, 6),
         "achieved": round(risk["prosecutor_risk"]["max"], 6), "ok": risk["prosecutor_risk"]["max"] <= 1 / policy.k},
        *({"name": f"distinct l-diversity of {n}", "required": l_required, "achieved": v, "ok": v >= l_required}
          for n, v in l_found.items()),
        {"name": "suppressed providers (share)", "required": policy.suppression_limit,
         "achieved": risk["suppressed_share"], "ok": risk["suppressed_share"] <= policy.suppression_limit},
        {"name": "provider dollar amounts released", "required": 0, "achieved": 0, "ok": True},
    ]
    columns = describe_columns("activities", released.columns, {
        pseudonym["name"]: "Keyed pseudonym of the provider (HMAC-SHA256 under this release's secret): the same "
        "within this release. Releases made with different secrets (pseudonym_key_id in the manifest) share no "
        "pseudonym, so they cannot be joined on this column; but the activity rows themselves can link releases "
        "(the same activity appears with the same values in releases that cover its year), so providers are NOT "
        "unlinkable across releases. Releases with the same key id share pseudonyms; the register's joint audit "
        "proved k=11 over providers on their combined attributes.",
        **{q: f"The provider's {q.replace('_', ' ')}, generalized ({_levels_text(policy, q)}); '*' = suppressed."
           for q in qis},
        "competencies": "Competency codes addressed, separated by ';'.",
        "hours_of_instruction": "Hours of instruction of the activity, rounded half up to 0.1 at publication (a "
        "sum over these rows can differ from the tables release, whose hours are rounded after summing).",
        "moc_board_list": "Boards the activity is registered with for MOC, separated by ';'.",
    })
    return Content(
        tables={"activities": released},
        risk={"tables": {"activities": table_risk}, "guarantees": guarantees},
        columns={"activities": columns},
        forbidden=forbidden,
    )


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
