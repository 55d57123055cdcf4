"""A build after any sequence of loads gives exactly the tables of one full build of the same raw data.

This is the check on the incremental models (fct_learner_completions by completion, the activity tables by
activity, the year-partitioned models by reporting year: macros/incremental): each build merges only what changed
since the model's last build, and the result must equal building everything at once. The sequence, at a tiny scale:

1. the first months of 2022, in one load, and the first build (a full one);
2. the remaining months up to the export date, in two loads: new versions of 2022 (activities closing), and the
   year 2023 appearing;
3. two late exports, loaded in 2024: a full export of 2022 that deletes 2022 activities (with their records),
   child records of activities that stay, and completions, and corrects child records and completions, but
   changes no activity row; and an incremental export that moves 2022 activities to 2023 (one that rebuilt only
   their new year keeps them in 2022), moves 2023 activities to another provider, changes providers' state and
   organization type (in every row of their activities) and corrects 2023 activities;
4. one incremental build of all that, with every data test; then the same raw layer built from nothing (models
   only), and every table and view compared.

Months are merged into a few loads (merge_exports: each record's latest version, as if they had been sent
together) because a load costs about a second whatever its size, and what the builds see between two of them is
the raw layer, whatever the number of loads that wrote it. Steps 2 and 3 share one build (a dbt build costs 8-15 s
of CPU even at this scale): with two reporting years, every year is touched either way (the activities that close
in 2023 and the moves touch 2022 and 2023), so an incremental build between them rebuilt the same years; the
completions (incremental by completion) see new, deleted, corrected and moved records in the one build.

The first build runs every data test, so the last one checks only the rows the loads since can have changed
(warehouse/build/check_scope.py); the intermediate build runs the models only, the last one every data test too
(the unit tests read no warehouse data: test_build_unit_test_gate.py). A build of an unchanged project also
leaves its views and seeds out (warehouse/build/runner.py, test_build_unchanged_project.py): a changed view or
seed rebuilds everything (test_build_changed_project.py).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.helpers import copy_export, fingerprint, query, set_manifest
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from tests.helpers.replay import MODELS_ONLY, UNIT_TESTS, _read, _write, differences, keep_and_clear_built
from warehouse.build import build
from warehouse.contract import FILES
from warehouse.load import load_export
from warehouse.synth import generate
from warehouse.synth.months import split_months

#: The first build: after this many months (January to September 2022).
FIRST_BUILD_AFTER = 9
#: The files of a full export that hold one activity's records (everything but providers and decisions).
ACTIVITY_FILES = (
    "activity_commercial_supporters",
    "activity_joint_providers",
    "activity_moc_registrations",
    "activity_rems",
    "activity_learner_professions",
    "learner_completions",
)


def merge_exports(parts: list[Path], out: Path) -> Path:
    """One incremental export holding what the monthly exports `parts` hold, loaded in order: per file, each
    key's row from the last part that has it; the manifest of the last part."""
    out.mkdir(parents=True)
    for spec in FILES:
        frames = [pl.read_csv(p / f"{spec.name}.csv", infer_schema=False) for p in parts]
        merged = pl.concat(frames).unique(list(spec.key), keep="last", maintain_order=True)
        merged.write_csv(out / f"{spec.name}.csv", quote_style="necessary", line_terminator="\n")
    shutil.copy(parts[-1] / "manifest.json", out / "manifest.json")
    set_manifest(out, export_id=f"{out.name}-merged")
    return out


def late_full_export(export: Path, out: Path, year: int, exported_at: str) -> dict[str, int]:
    """A full export of `year` alone, sent late, that changes no activity row: every tenth activity is deleted
    (with its records and completions), every fifth completion of the rest is deleted, every third earns other
    credits, every seventh is corrected to a date 200 days after its activity ended (most into the next year: the
    MOC marts count it in another year of completion), and every fourth profession count changes. Only the
    deletions and the child records say that the year changed."""
    copy_export(export, out, suffix=f"-late-{year}")
    set_manifest(out, kind="full", reporting_years=[year], exported_at=exported_at, export_id=f"{exported_at}-late")
    header, activities = _read(out / "activities.csv")
    of_year = [r for r in activities if r["reporting_year"] == str(year)]
    deleted = {r["activity_id"] for n, r in enumerate(of_year) if n % 10 == 0}
    _write(out / "activities.csv", header, [r for r in of_year if r["activity_id"] not in deleted])
    counts = {"activities_deleted": len(deleted)}
    live = {r["activity_id"] for r in of_year} - deleted
    for name in ACTIVITY_FILES:
        header, rows = _read(out / f"{name}.csv")
        rows = [r for r in rows if r["activity_id"] in live]
        if name == "learner_completions":
            counts["completions_deleted"] = len(rows[::5])
            rows = [r for n, r in enumerate(rows) if n % 5]
            for r in rows[::3]:
                r["credits"] = "0.25" if r["credits"] != "0.25" else "0.50"
            counts["completions_changed"] = len(rows[::3])
            ends = {r["activity_id"]: date.fromisoformat(r["end_date"]) for r in of_year}
            moved = 0
            for r in rows[1::7]:
                done = ends[r["activity_id"]] + timedelta(days=200)  # the window ends a year after the activity
                moved += done.year != date.fromisoformat(r["completion_date"]).year
                r["completion_date"], r["reported_date"] = done.isoformat(), (done + timedelta(days=5)).isoformat()
            counts["completions_moved_to_another_year"] = moved
        if name == "activity_learner_professions":
            for r in rows[::4]:
                r["learner_count"] = str(int(r["learner_count"] or 0) + 3)
            counts["professions_changed"] = len(rows[::4])
        if name in ("activity_joint_providers", "activity_commercial_supporters"):
            # child records deleted from activities that stay (the full export no longer holds them)
            counts[f"{name}_deleted"] = len(rows[2::5])
            rows = [r for n, r in enumerate(rows) if n % 5 != 2]
        _write(out / f"{name}.csv", header, rows)
    header, rows = _read(out / "program_summaries.csv")
    _write(out / "program_summaries.csv", header, [r for r in rows if r["reporting_year"] == str(year)])
    return counts


def late_corrections(export: Path, out: Path, moved_from: int, year: int, exported_at: str) -> dict[str, int]:
    """An incremental export of `year` holding activity and provider rows only: some activities of `moved_from`
    (not deleted by late_full_export) moved to `year`, every seventh activity of `year` with another title, more
    learners and (enduring ones) the other enduring type, every thirteenth of the others moved to another provider,
    and every fifth provider in another state (another census region) with another organization type (both joined
    into every row of its activities and of their child facts)."""
    copy_export(export, out, suffix=f"-corrections-{year}")
    set_manifest(
        out, kind="incremental", reporting_years=[year], exported_at=exported_at, export_id=f"{exported_at}-fix"
    )
    header, activities = _read(out / "activities.csv")
    earlier = [r for r in activities if r["reporting_year"] == str(moved_from)]
    moved = [r for n, r in enumerate(earlier) if n % 10 and n % 11 == 1]
    for r in moved:
        r["reporting_year"] = str(year)
    corrected = [r for r in activities if r["reporting_year"] == str(year)][::7]
    for r in corrected:
        r["activity_type"] = {"EM": "IEM", "IEM": "EM"}.get(r["activity_type"], r["activity_type"])
        r["title"] = r["title"] + " (corrected)"
        r["physician_learners"] = str(int(r["physician_learners"] or 0) + 17)
    provider_header, providers = _read(out / "providers.csv")
    ids = [r["provider_id"] for r in providers]
    others = [r for r in activities if r["reporting_year"] == str(year) and r not in corrected + moved][::13]
    for r in others:
        r["provider_id"] = ids[(ids.index(r["provider_id"]) + 1) % len(ids)]
    _write(out / "activities.csv", header, moved + corrected + others)
    types = sorted({r["organization_type"] for r in providers})
    changed = providers[::5]
    for r in changed:
        r["state"] = "WA" if r["state"] in ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA") else "NY"
        r["organization_type"] = types[(types.index(r["organization_type"]) + 1) % len(types)]
    _write(out / "providers.csv", provider_header, changed)
    for path in out.glob("*.csv"):
        if path.name not in ("activities.csv", "providers.csv"):
            header, _ = _read(path)
            _write(path, header, [])
    return {
        "activities_moved": len(moved),
        "activities_corrected": len(corrected),
        "activities_moved_to_another_provider": len(others),
        "providers_changed": len(changed),
    }


@pytest.mark.parametrize("scale", [0.002])  # tiny: the point is the sequence of builds, not the volume
def test_a_build_after_any_sequence_of_loads_gives_the_tables_of_one_full_build(tmp_path, scale, dbt_work):  # noqa: F811
    export = tmp_path / "export"
    generate(export, scale=scale, years=(2022, 2023), seed=5)
    months = split_months(export, tmp_path / "months")
    late = late_full_export(export, tmp_path / "late-2022", 2022, "2024-06-30T02:00:00Z")
    fixes = late_corrections(export, tmp_path / "fixes-2023", 2022, 2023, "2024-07-31T02:00:00Z")
    assert all(late.values()) and all(fixes.values()), (late, fixes)

    later = months[FIRST_BUILD_AFTER:]
    half = len(later) // 2
    # the replay's warehouse, and then the full build's: the worker's dbt folder (tests/helpers/dbtwork.py), where
    # dbt's parse of the project is kept between builds
    replay = clear(dbt_work)
    load_export(merge_exports(months[:FIRST_BUILD_AFTER], tmp_path / "first-months"), replay)
    # every data test too: the last build then checks only what the loads after this one can have changed
    result = build(replay, exclude=UNIT_TESTS)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    watermarks = query(replay, "select model, load_id from meta.build_watermarks")
    assert watermarks and {load for _, load in watermarks} == {1}  # the incremental models saw the first load
    open_2022 = "select count(*) from staging.stg_pars__activities where reporting_year = 2022 and status <> 'Closed'"
    of_2023 = "select count(*) from staging.stg_pars__activities where reporting_year = 2023"
    opened, early = query(replay, open_2022)[0][0], query(replay, of_2023)[0][0]
    load_export(merge_exports(later[:half], tmp_path / "next-months"), replay)
    load_export(merge_exports(later[half:], tmp_path / "last-months"), replay)
    assert query(replay, open_2022)[0][0] < opened and query(replay, of_2023)[0][0] > early  # 2022 closes, 2023 appears
    load_export(tmp_path / "late-2022", replay, allow_deletions="100%")
    load_export(tmp_path / "fixes-2023", replay)
    # the loads did what the test needs: the corrections and the moves are live
    corrected = "select count(*) from staging.stg_pars__activities where title like '%(corrected)'"
    assert query(replay, corrected) == [(fixes["activities_corrected"],)]
    moved = "select count(*) from staging.stg_pars__activities where reporting_year = 2023 and activity_id like '2022%'"
    assert query(replay, moved) == [(fixes["activities_moved"],)]
    # one incremental build after the new months and the late deletions and corrections, every data test run
    result = build(replay, exclude=UNIT_TESTS)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert not result.full_refresh and result.unchanged_skipped  # incremental: the project is unchanged
    assert result.checks_since_load == 1  # the checks read the rows the loads after the first build changed
    # every check of what reads a source these loads wrote (80 when written); the providers and the quarantine
    # were not written: what reads only those is left out (test_build_untouched.py)
    assert result.count("test") > 75 and set(result.untouched_sources) <= {"pars.providers", "pars.quarantine"}
    assert {load for _, load in query(replay, "select model, load_id from meta.build_watermarks")} == {5}
    # the completions each load changed, found once (meta.stg_pars__completion_changes): the first build (a full
    # one) wrote only where the table starts; then every completion a later load wrote a version of, and every
    # completion of an activity it wrote (deleted, moved), with the years of all its versions
    changes = "meta.stg_pars__completion_changes"
    assert query(replay, f"select load_id from {changes} where completion_id is null") == [(1,)]
    written = "select _load_id, completion_id from raw.learner_completions where _load_id > 1"
    assert query(replay, f"select count(*) from ({written} except select load_id, completion_id from {changes})") == [
        (0,)
    ]
    deleted = "select activity_id from raw.activities where _load_id = 4 and _is_deleted"
    moved_activities = "select activity_id from raw.activities where _load_id = 5 and activity_id like '2022%'"
    for load, activities in ((4, deleted), (5, moved_activities)):
        of_activities = (
            f"select distinct completion_id from raw.learner_completions where activity_id in ({activities})"
        )
        missing = f"{of_activities} except select completion_id from {changes} where load_id = {load}"
        assert query(replay, f"select count(*) from ({of_activities})")[0][0] > 0
        assert query(replay, f"select count(*) from ({missing})") == [(0,)], load
    both_years = (
        f"select completion_id from {changes} where load_id = 4 group by completion_id "
        "having count(distinct completion_year) = 2"
    )
    assert len(query(replay, both_years)) >= late["completions_moved_to_another_year"]
    # the completions' tally per activity (read by the completeness rules) recomputed the activities of those
    # completions (here nearly all: every month wrote completions of most activities), the deleted ones too
    recomputed = "select activity_id from meta.affected_activities__int_review__completion_tally"
    with_completions = f"select activity_id from raw.learner_completions where activity_id in ({deleted})"
    assert query(replay, f"select count(*) from ({with_completions})")[0][0] > 0
    assert query(replay, f"select count(*) from ({with_completions} except {recomputed})") == [(0,)]

    # the same raw layer, built once from nothing, at the same path (dbt's partial-parse state is reused)
    replayed = keep_and_clear_built(replay, tmp_path / "replay.duckdb")
    assert [t for t in fingerprint(replay) if not t.startswith(("raw.", "main."))] == []  # main: the seeds
    result = build(replay, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert differences(replayed, replay) == []
    # the replayed warehouse's activities each load changed, found once (meta.stg_pars__activity_changes, read by the
    # models incremental by activity and their checks): a full build writes only where the table starts; then every
    # activity whose row, child record (a deletion too) or provider a later load wrote
    activity_changes = "meta.stg_pars__activity_changes"
    assert query(replayed, f"select load_id from {activity_changes} where activity_id is null") == [(1,)]
    child_deleted = (
        "select activity_id from raw.activity_joint_providers where _load_id = 4 and _is_deleted union "
        "select activity_id from raw.activity_commercial_supporters where _load_id = 4 and _is_deleted"
    )
    of_changed_providers = (
        "select activity_id from intermediate.int_activities_base where provider_id in "
        "(select provider_id from raw.providers where _load_id = 5)"
    )
    moved_provider = (
        "select activity_id from raw.activities as a where _load_id = 5 and provider_id <> (select provider_id from "
        "raw.activities as b where b.activity_id = a.activity_id and b._load_id < 5 order by _load_id desc limit 1)"
    )
    for load, activities, expected in (
        (4, child_deleted, late["activity_joint_providers_deleted"]),
        (5, of_changed_providers, fixes["providers_changed"]),
        (5, moved_provider, fixes["activities_moved_to_another_provider"]),
    ):
        assert query(replayed, f"select count(distinct activity_id) from ({activities})")[0][0] >= min(expected, 1)
        missing = f"{activities} except select activity_id from {activity_changes} where load_id = {load}"
        assert query(replayed, f"select count(*) from ({missing})") == [(0,)], (load, activities)
    # the models incremental by activity recomputed those activities alone (not every activity of a touched year)
    all_changed = f"select distinct activity_id from {activity_changes} where load_id > 1"
    for model in ("int_activities_base", "int_activity_children_summarized", "fct_activity_joint_providers"):
        recomputed = f"select activity_id from meta.affected_activities__{model}"
        assert query(replayed, f"select count(*) from (({all_changed}) except ({recomputed}))") == [(0,)], model
        assert query(replayed, f"select count(*) from (({recomputed}) except ({all_changed}))") == [(0,)], model
    unchanged = f"select count(*) from intermediate.int_activities_base where activity_id not in ({all_changed})"
    assert query(replayed, unchanged)[0][0] > 0
    # the activities' child summary is a table (evaluated once per build, read by int_activities_base and its
    # check), rebuilt by every build: compared above with the other tables
    kind = "select table_type from information_schema.tables where table_name = 'int_activity_children_summarized'"
    assert query(replay, kind) == [("BASE TABLE",)]

    # the comparison sees a changed mart row (so an empty list above means the marts are the same); the same
    # comparison, of one schema's relations (every relation again cost 2-3 s of CPU)
    changed = query(replay, "select count(*) from annual_report.activity_rollup where report_year = 2022")[0][0]
    con = duckdb.connect(str(replay))
    con.sql("update annual_report.activity_rollup set activities = activities + 1 where report_year = 2022")
    con.close()
    assert changed > 0
    assert differences(replayed, replay, schemas=("annual_report",)) == [
        f"annual_report.activity_rollup: {2 * changed} row(s) differ"
    ]
