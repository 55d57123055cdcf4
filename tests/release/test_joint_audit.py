"""The register's joint audit of tables and activities releases (anonymize/release/joint/; issue 13, item 3).

A real tables release of the built warehouse (the run's shipped one) is registered; candidate activities releases
are crafted from the warehouse's own rows as the activities release could publish them, and audited with
`register.joint_audit` (a new activities release vs the registered tables release); the other order (a registered
activities release, then `make_release("tables")`) goes through the real release path. Before: the register's only
joint audit was secret reuse, so every combination below was accepted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from anonymize.release import ReleaseError, make_release, register
from tests.helpers.releases import tables_content

ALL = "All"
TYPE_ORG = "activities_by_type_organization_year"
CELL = ["activity_type", "organization_type", "report_year"]


@pytest.fixture(scope="module")
def made(attack_releases, built_warehouse, tmp_path_factory) -> dict:
    """A copy of the built warehouse whose register holds one real tables release: the run's shipped tables release
    (`attack_releases`: `pars release tables` of a copy of the built warehouse, tests/release/conftest.py), its
    register entry copied alone (the shipped activities release registered before it is left out: the candidates
    below are audited against the tables release only). A tables release does not depend on what the register
    holds (the register only refuses or accepts it), so this is the release a fresh copy would get, less its cost."""
    root = tmp_path_factory.mktemp("joint")
    db = root / "warehouse.duckdb"
    shutil.copy(built_warehouse, db)
    assert attack_releases["refused"] is None, attack_releases["refused"]
    shipped = [r for r in register.entries(attack_releases["db"]) if r.entry["profile"] == "tables"]
    register.register_dir(db).mkdir(mode=0o700)
    shutil.copytree(shipped[0].folder, register.register_dir(db) / shipped[0].folder.name)
    assert [r.entry["profile"] for r in register.entries(db)] == ["tables"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql(
            "select report_year, activity_type, activity_format_group, organization_type, "
            "accreditor_type, physician_interactions, other_learner_interactions, provider_id "
            "from research.activities order by activity_id"
        ).pl()
    finally:
        con.close()
    tables = attack_releases["tables"]
    table = pl.read_parquet(tables / "data" / f"{TYPE_ORG}.parquet")
    return {"root": root, "db": db, "rows": rows, "table": table, "built": built_warehouse, "tables": tables}


def hidden(table: pl.DataFrame, margins: bool) -> pl.DataFrame:
    """Suppressed interior cells (margins=False) or suppressed (type, All, year) margins (margins=True)."""
    org = (pl.col("organization_type") == ALL) if margins else (pl.col("organization_type") != ALL)
    return table.filter(
        pl.col("activities").is_null() & (pl.col("activity_type") != ALL) & org & (pl.col("report_year") != ALL)
    )


def contract(made: dict, star_margins: bool = True, keep: dict | None = None) -> pl.DataFrame:
    """The activities rows as the activities release's contract publishes them: no provider, no state or region,
    organization_type `*` on the rows of every suppressed cell (except `keep`), and with `star_margins` the
    activity type and format group `*` too on the rows of every suppressed (type, All, year) margin."""
    rows = made["rows"].drop("provider_id").with_columns(pl.col("report_year").cast(pl.Utf8))
    cells = hidden(made["table"], False).select(CELL).with_columns(pl.lit(True).alias("_h"))
    if keep:
        cells = cells.filter(~pl.all_horizontal(pl.col(k) == v for k, v in keep.items()))
    rows = rows.join(cells, on=CELL, how="left").with_columns(
        pl.when(pl.col("_h")).then(pl.lit("*")).otherwise(pl.col("organization_type")).alias("organization_type")
    )
    rows = rows.drop("_h")
    if star_margins:
        margins = (
            hidden(made["table"], True).select("activity_type", "report_year").with_columns(pl.lit(True).alias("_m"))
        )
        rows = (
            rows.join(margins, on=["activity_type", "report_year"], how="left")
            .with_columns(
                pl.when(pl.col("_m")).then(pl.lit("*")).otherwise(pl.col(c)).alias(c)
                for c in ("activity_type", "activity_format_group", "organization_type")
            )
            .drop("_m")
        )
    return rows


def audit(made: dict, rows: pl.DataFrame) -> list[str]:
    candidate = register.Candidate("activities", [], "crafted", False, {"activities": rows})
    return register.joint_audit(candidate, register.entries(made["db"]))


def registered_then_tables(made: dict, rows: pl.DataFrame, name: str) -> tuple[Path, Path, str | None]:
    """The other order: `rows` registered as an activities release of a fresh copy, then `make_release tables`."""
    root = made["root"] / name
    db = root / "warehouse.duckdb"
    root.mkdir()
    shutil.copy(made["built"], db)
    register.record(
        db,
        {
            "release_id": f"{name[:6]:0<6}000000",
            "released_at": register.now(),
            "profile": "activities",
            "key_id": "crafted",
            "reused_secret": False,
            "years": [],
            "files": [],
            "policy_sha256": "-",
            "output_path": "-",
        },
        {"activities": rows},
    )
    try:
        make_release("tables", db, root / "tables", root / "tables.key")
        return db, root, None
    except ReleaseError as exc:
        return db, root, str(exc)


def test_rows_showing_every_organization_type_are_refused_in_both_orders(made):
    rows = made["rows"].drop("provider_id")
    reasons = audit(made, rows)
    assert reasons, "activity rows with every organization type shown were accepted next to the tables release"
    assert TYPE_ORG in reasons[0] and "derivable into [1, 10]" in reasons[0] and "registered release" in reasons[0]
    db, root, refused = registered_then_tables(made, rows, "shown")
    assert refused and "refused by the joint audit" in refused and "the new tables release" in refused, refused
    assert not (root / "tables").exists() and not (root / "tables.key").exists()
    assert len(register.entries(db)) == 1


def test_the_suppressed_cells_of_one_type_and_year_left_unstarred_are_refused_naming_the_cell(made):
    """Un-starring one suppressed cell's rows alone is not a disclosure (starred rows of the same type and year
    may be in that cell too: the LP gives [its rows, more than 10]); un-starring every suppressed cell of one
    (type, year) whose margin is published makes each of them a plain count of rows."""
    table, truth = made["table"], made["rows"].with_columns(pl.col("report_year").cast(pl.Utf8))
    counts = truth.group_by(CELL).len()
    margins = hidden(table, True).select("activity_type", "report_year")
    small = (
        hidden(table, False)
        .select(CELL)
        .join(counts, on=CELL)
        .filter(pl.col("len").is_between(1, 10))
        .join(margins, on=["activity_type", "report_year"], how="anti")
    )
    assert small.height, "no suppressed interior cell of 1-10 activities: the test data lost its point"
    keep = small.sort(CELL).row(0, named=True)
    line = {"activity_type": keep["activity_type"], "report_year": keep["report_year"]}
    reasons = audit(made, contract(made, keep=line))
    cell = (
        f"activity_type={keep['activity_type']}, organization_type={keep['organization_type']}, "
        f"report_year={keep['report_year']}"
    )
    assert any(cell in r and f"activities in [{keep['len']}, {keep['len']}]" in r for r in reasons), reasons


def test_starring_only_the_organization_type_leaves_suppressed_type_margins_counted(made):
    margins = hidden(made["table"], True)
    assert margins.height, "no suppressed (type, All, year) margin: the test data lost its point"
    reasons = audit(made, contract(made, star_margins=False))
    assert reasons and "organization_type=All" in reasons[0], reasons


def test_the_contract_rows_pass_in_both_orders(made):
    rows = contract(made)
    assert (rows["organization_type"] == "*").any() and (rows["organization_type"] != "*").any()
    assert audit(made, rows) == []
    # the helper the activities profile can call makes the same rows
    from anonymize.release.joint import star_for_tables

    helper = star_for_tables(made["rows"].drop("provider_id"), made["table"])
    helper = helper.with_columns(pl.col("report_year").cast(pl.Utf8))
    assert helper.sort(helper.columns).equals(rows.sort(rows.columns))
    db, root, refused = registered_then_tables(made, rows, "safe")
    assert refused is None, refused
    assert (root / "tables" / "manifest.json").is_file() and len(register.entries(db)) == 2


def test_an_activities_release_with_provider_pseudonyms_is_refused_in_both_orders(made):
    rows = contract(made).with_columns(pl.lit("P-000000000000").alias("provider"))
    reasons = audit(made, rows)
    assert reasons and "pseudonym fit" in reasons[0] and "'provider' column" in reasons[0], reasons
    db, root, refused = registered_then_tables(made, rows, "linked")
    assert refused and "pseudonym fit" in refused and "the new tables release" in refused, refused
    assert not (root / "tables").exists() and len(register.entries(db)) == 1


def test_a_tables_release_of_other_years_is_audited_with_the_registered_one(made):
    """Years 2021-2022 after 2020-2022: the new release's year margin (All = 2021 + 2022) against the registered
    one's cells and margins gives suppressed cells away (differencing across tables releases)."""
    tables = tables_content(made["built"], [2021, 2022])
    reasons = register.joint_audit(
        register.Candidate("tables", [2021, 2022], "k", False, tables), register.entries(made["db"])
    )
    # which side gives cells away (the new release's or the registered one's) depends on the two suppression
    # patterns (the dominance rule changed them): either refuses
    assert reasons and all(
        "become derivable" in r and ("of the new tables release" in r or "of registered release" in r) for r in reasons
    ), reasons
    assert TYPE_ORG in reasons[0] and "activity rows" not in reasons[0]
    # the registered release itself again (same years, same data) gives nothing new away
    same = {p.stem: pl.read_parquet(p) for p in (made["tables"] / "data").glob("*.parquet")}
    assert (
        register.joint_audit(
            register.Candidate("tables", [2020, 2021, 2022], "k", False, same), register.entries(made["db"])
        )
        == []
    )


def test_a_registered_release_whose_data_cannot_be_read_stops_the_audit_with_one_line(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    cells = {"activities": [1], "physician_interactions": [1], "other_learner_interactions": [1]}
    tables = {
        TYPE_ORG: pl.DataFrame(
            {"activity_type": ["All"], "organization_type": ["All"], "report_year": ["All"], **cells}
        ),
        "activities_by_state_year": pl.DataFrame({"provider_state": ["All"], "report_year": ["All"], **cells}),
    }
    folder = register.record(
        db,
        {
            "release_id": "0123456789ab",
            "released_at": register.now(),
            "profile": "tables",
            "key_id": "k",
            "reused_secret": False,
        },
        tables,
    )
    (folder / "data" / f"{TYPE_ORG}.parquet").write_bytes(b"not parquet\nat all")
    rows = pl.DataFrame(
        {
            "report_year": [2022],
            "activity_type": ["C"],
            "activity_format_group": ["Live"],
            "organization_type": ["*"],
            "physician_interactions": [3],
            "other_learner_interactions": [0],
        }
    )
    candidate = register.Candidate("activities", [2022], "k2", False, {"activities": rows})
    with pytest.raises(register.RegisterError, match="cannot be read for the joint audit") as raised:
        register.joint_audit(candidate, register.entries(db))
    assert "\n" not in str(raised.value)
