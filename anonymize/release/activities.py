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
    data = con.sql(f"select * from {profile.get('source')} order by activity_id").pl()
    if data.is_empty():
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
        "within this release, unlinkable to other releases.",
        **{q: f"The provider's {q.replace('_', ' ')}, generalized ({_levels_text(policy, q)}); '*' = suppressed."
           for q in qis},
        "competencies": "Competency codes addressed, separated by ';'.",
        "moc_board_list": "Boards the activity is registered with for MOC, separated by ';'.",
    })
    return Content(
        tables={"activities": released},
        risk={"tables": {"activities": table_risk}, "guarantees": guarantees},
        columns={"activities": columns},
        forbidden=forbidden,
    )


def _levels_text(policy, name: str) -> str:
    qi = next(q for q in policy.quasi_identifiers if q.name == name)
    return f"hierarchy {qi.params.get('path', '').name}" if "path" in qi.params else qi.kind
