"""Replaying a year month by month, with a build after each month, gives the tables of one full build.

This is the check on the incremental models: each build after a month only merges what changed, and
the result must equal building everything at once. It builds after every third month, so it runs at a tiny scale.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from warehouse.build import build
from warehouse.load import load_export
from warehouse.synth import generate
from warehouse.synth.months import split_months

#: Build bookkeeping, not published data: when each incremental model last ran (differs by design).
NOT_COMPARED = ("raw", "meta")
#: Intermediate builds run the models only; the last one runs every test too.
MODELS_ONLY = "resource_type:test resource_type:unit_test"
#: A build after every third month (and the last): each build merges one or more months into the incremental
#: models, which is what must equal a full build; a build after every month took ~3x as long for no other case.
BUILD_EVERY = 3


def differences(a: Path, b: Path) -> list[str]:
    """Tables and views of every schema but raw and meta that differ as multisets of rows (or exist once)."""
    con = duckdb.connect()
    try:
        for path in (a, b):
            con.sql(f"attach '{path}' (read_only)")  # as its file stem: the catalog its views refer to
        names = {}
        for cat in (a.stem, b.stem):
            names[cat] = {
                (s, t)
                for s, t in con.sql(
                    "select table_schema, table_name from information_schema.tables where table_catalog = ?",
                    params=[cat],
                ).fetchall()
                if s not in NOT_COMPARED
            }
        out = [f"only in {cat}: {s}.{t}" for cat in names for s, t in names[cat] - set.intersection(*names.values())]
        for schema, table in sorted(set.intersection(*names.values())):
            x, y = f'"{a.stem}"."{schema}"."{table}"', f'"{b.stem}"."{schema}"."{table}"'
            n = con.sql(
                f"select (select count(*) from (from {x} except all from {y})) + "
                f"(select count(*) from (from {y} except all from {x}))"
            ).fetchall()[0][0]
            if n:
                out.append(f"{schema}.{table}: {n} row(s) differ")
        return out
    finally:
        con.close()


@pytest.mark.parametrize("scale", [0.002])  # tiny: the point is the number of builds, not the volume
def test_replaying_months_gives_the_tables_of_one_full_build(tmp_path, scale):
    export = tmp_path / "export"
    generate(export, scale=scale, years=(2022, 2022), seed=5)
    months = split_months(export, tmp_path / "months")
    replay = tmp_path / "replay.duckdb"
    builds = 0
    for k, month in enumerate(months):
        load_export(month, replay)
        last = k == len(months) - 1
        if k % BUILD_EVERY != BUILD_EVERY - 1 and not last:
            continue  # the next build merges this month together with the ones after it
        result = build(replay, exclude=None if last else MODELS_ONLY)
        builds += 1
        assert result.ok, (month.name, result.error, [f.as_dict() for f in result.failures])
    assert builds >= 4  # the incremental models merged several times, not once
    assert result.count("test") > 0 and result.count("unit_test") > 0  # the last build tested everything

    full = tmp_path / "full.duckdb"  # the same raw layer, built once from nothing
    shutil.copyfile(replay, full)
    con = duckdb.connect(str(full))
    for (schema,) in con.sql(
        "select schema_name from information_schema.schemata where catalog_name = 'full' "
        "and schema_name not in ('raw', 'main')"
    ).fetchall():
        con.sql(f'drop schema "{schema}" cascade')
    con.close()
    result = build(full, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert differences(replay, full) == []

    # and the full export itself, loaded at once (same path: dbt's partial parse is reused): the marts are
    # the same; staging, intermediate and ops (the loads' own figures) differ only in load lineage (load ids,
    # export ids, load count)
    for path in full.parent.glob("full.duckdb*"):
        if path.is_file():
            path.unlink()
    load_export(export, full)
    result = build(full, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    lineage = [d for d in differences(replay, full) if d.split(".")[0] in ("staging", "intermediate", "ops")]
    assert differences(replay, full) == lineage
    assert any("stg_pars__load_history" in d for d in lineage)  # the comparison sees lineage, so it sees marts
