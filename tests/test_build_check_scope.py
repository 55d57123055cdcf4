"""A build after loads checks the rows those loads can have changed, and a broken row among them still fails it.

warehouse/build/check_scope.py and macros/incremental/check_scope.sql: a whole build that ran every data test
and passed records its last load; the next incremental build's `checks` tests given `changed_rows` read only the
rows of the reporting years (the staging rows, the completions) that later loads can have changed. Bad rows are
planted, in a copy of the project used for every build of the module (so the project is unchanged between them
and the second build is incremental), in two models whose SQL misbehaves from the second load on:

- fct_activity_joint_providers (made year-partitioned here) repeats the rows of the activities the second load
  wrote: a duplicate key in a touched year, which the month build's scoped check must still report with its rows
  (its checks are given report years and no year_of here, so the key is checked over every row that shares it
  with a touched row);
- fct_activity_learner_professions (incremental by activity, as in the project) repeats the rows of the activities
  the second load wrote: its check, scoped to the activities later loads changed (read from
  meta.stg_pars__activity_changes), must report them with their rows;
- core.fct_learner_completions (incremental by completion) repeats the completions the second load wrote: the
  month build's scoped checks of it (and of research.learner_completions, a view of it), which read the changed
  completions from meta.stg_pars__completion_changes, must report them with their rows;
- annual_report.activity_rollup (made a full table here) repeats the rows of 2018, a year the last month does not
  touch:
  the month build does not read them again (its checks passed on that year, which no load changed since), and a
  build that checks every row (here a --select build) reports them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.incremental import split_last_month
from tests.helpers import query
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from tests.helpers.rebuild import completions_export
from warehouse.build import build
from warehouse.build.runner import ROOT
from warehouse.load import load_export

UNIT_TESTS = "resource_type:unit_test"
UNTOUCHED = 2018
JOINT = "models/marts/core/fct_activity_joint_providers.sql"
ROLLUP = "models/marts/annual_report/activity_rollup.sql"
PROFESSIONS = "models/marts/core/fct_activity_learner_professions.sql"
COMPLETIONS = "models/marts/core/fct_learner_completions.sql"

PLANTED_JOINT = """{{ report_year_incremental() }}
with
    records as (
        select * exclude (loaded_by_load_id, loaded_from_export_id)
        from {{ ref('stg_pars__activity_joint_providers') }}
    ),
    activities as (select * from {{ ref('int_activity_context') }} where {{ in_touched_report_years() }}),
    joined as (
        select records.*, activities.* exclude (activity_id) from records inner join activities using (activity_id)
    )
select * from joined
union all
-- planted: the rows of the activities a later load wrote, twice
select * from joined
where activity_id in (select activity_id from {{ source('pars', 'activities') }} where _load_id > 1)
"""

PLANTED_PROFESSIONS = """{{ activity_incremental() }}
with
    records as (
        select * exclude (loaded_by_load_id, loaded_from_export_id)
        from ({{ current_records('stg_pars__activity_learner_professions') }}) as current_records
    ),
    activities as (select * from {{ ref('int_activity_context') }} where {{ in_changed_activities() }}),
    joined as (
        select records.*, activities.* exclude (activity_id) from records inner join activities using (activity_id)
    )
select * from joined
union all
-- planted: the rows of the activities a later load wrote, twice
select * from joined
where activity_id in (select activity_id from {{ source('pars', 'activities') }} where _load_id > 1)
"""


@pytest.fixture(scope="module")
def planted_project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("scoped")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, project / name)
    for folder in ("models", "macros", "seeds", "snapshots", "data-tests"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder)
    (project / JOINT).write_text(PLANTED_JOINT)
    assert "activity_child_fact('stg_pars__activity_learner_professions')" in (ROOT / PROFESSIONS).read_text()
    (project / PROFESSIONS).write_text(PLANTED_PROFESSIONS)
    assert "changed_rows: {activities: activity_id}" in (project / PROFESSIONS.replace(".sql", ".yml")).read_text()
    completions = (ROOT / COMPLETIONS).read_text()
    assert completions.rstrip().endswith("select *\nfrom joined")
    (project / COMPLETIONS).write_text(
        completions.rstrip()
        + "\nunion all\n-- planted: the completions a later load wrote, twice\nselect * from joined where completion_id"
        + " in (select completion_id from {{ source('pars', 'learner_completions') }} where _load_id > 1)\n"
    )
    # without year_of, its key (activity_id, joint_provider_name) is checked over every row sharing a key with a
    # row of a touched year: the path a unique key without a year column takes
    yml = project / JOINT.replace(".sql", ".yml")
    scoped = "changed_rows: {activities: activity_id}"
    assert scoped in yml.read_text()
    yml.write_text(yml.read_text().replace(scoped, "changed_rows: {report_years: report_year}"))
    rollup = (ROOT / ROLLUP).read_text()
    assert rollup.rstrip().endswith("select *\nfrom final") and "{{ report_year_incremental() }}" in rollup
    # a full table here (every year recomputed by every build), so that the planted rows of 2018 are written
    rollup = rollup.replace("{{ report_year_incremental() }}", "{{ config(materialized='table') }}")
    (project / ROLLUP).write_text(
        rollup.rstrip()
        + f"\nunion all\nselect * from final where report_year = {UNTOUCHED}"
        + " and (select max(load_id) from {{ source('pars', 'load_history') }}) > 1\n"
    )
    return project


@pytest.fixture(scope="module")
def month_build(planted_project, multi_year_export, tmp_path_factory, dbt_work):  # noqa: F811
    """All months of 2018-2020 but the last, loaded and built (every data test: all pass), then the last month
    loaded and built: (the month build's result, the warehouse, the planted project)."""
    halves = split_last_month(multi_year_export, tmp_path_factory.mktemp("halves"))
    db = clear(dbt_work)
    load_export(halves[0], db)
    first = build(db, project_dir=planted_project, exclude=UNIT_TESTS)
    assert first.ok, (first.error, [f.as_dict() for f in first.failures])
    assert first.checks_since_load is None  # the first build checks every row
    load_export(halves[1], db)
    result = build(db, project_dir=planted_project, exclude=UNIT_TESTS)
    return result, db, planted_project


def result_target(db: Path) -> Path:
    """dbt's target folder of the builds of `db` (its compiled and run SQL)."""
    return db.with_name(db.name + ".dbt") / "target"


def failed_checks(result) -> dict[str, list[tuple]]:
    return {f.name: f.rows for f in result.failures}


def test_a_build_after_loads_checks_the_rows_they_can_have_changed(month_build):
    result, db, _ = month_build
    assert result.unchanged_skipped  # incremental: the project is unchanged since the first build
    assert result.checks_since_load == 1  # the first build ran every data test, on load 1
    assert query(db, "select load_id from meta.checks_passed") == [(1,)]  # the published file: the first build's


def test_a_broken_row_in_a_touched_year_still_fails_the_build_with_its_rows(month_build):
    result, db, _ = month_build
    assert not result.ok and not result.published
    failed = failed_checks(result)
    assert "checks_fct_activity_joint_providers" in failed, sorted(failed)
    rows = failed["checks_fct_activity_joint_providers"]
    assert rows and all(row[0] == "unique(activity_id, joint_provider_name)" for row in rows)
    assert all(row[2] == "2 rows" for row in rows)
    # the duplicated keys are those of the activities the month wrote
    written = {a for (a,) in query(db, "select activity_id from raw.activities where _load_id = 2")}
    assert {row[1].split(" | ")[0] for row in rows} <= written


def test_a_duplicated_row_of_a_changed_activity_still_fails_the_build_with_its_rows(month_build):
    """The activity facts' checks read the rows of the activities the month changed (from
    meta.stg_pars__activity_changes, found once per build): a duplicate among them is reported with its rows."""
    result, db, _ = month_build
    rows = failed_checks(result).get("checks_fct_activity_learner_professions")
    assert rows, sorted(failed_checks(result))
    assert {row[0] for row in rows} == {"unique(activity_id, profession)"} and {row[2] for row in rows} == {"2 rows"}
    written = {a for (a,) in query(db, "select activity_id from raw.activities where _load_id = 2")}
    assert {row[1].split(" | ")[0] for row in rows} <= written
    sql = (
        result_target(db) / "run" / "pars" / "models" / "marts" / "core" / "fct_activity_learner_professions.yml"
    ).glob("*.sql")
    assert any("stg_pars__activity_changes" in path.read_text() for path in sql)


def test_a_duplicated_changed_completion_still_fails_the_build_with_its_rows(month_build):
    """The completions' checks read the completions the month changed from meta.stg_pars__completion_changes (found
    once per build): a duplicate among them is reported, by the fact's checks and by the research view's."""
    result, db, _ = month_build
    written = {c for (c,) in query(db, "select completion_id from raw.learner_completions where _load_id = 2")}
    assert written
    counts = set()
    for check in ("checks_fct_learner_completions", "checks_learner_completions"):
        failure = next((f for f in result.failures if f.name == check), None)
        assert failure is not None and failure.rows, (check, sorted(failed_checks(result)))
        assert {row[0] for row in failure.rows} == {"unique(completion_id)"}
        assert {row[2] for row in failure.rows} == {"2 rows"}
        assert {row[1] for row in failure.rows} <= written  # completions the month wrote
        counts.add(failure.failures)
    assert len(counts) == 1 and counts.pop() > 0  # the same duplicates, seen through the research view too
    sql = (result_target(db) / "run" / "pars" / "models" / "marts" / "core" / "fct_learner_completions.yml").glob(
        "*.sql"
    )
    assert any("stg_pars__completion_changes" in path.read_text() for path in sql)


def test_a_selected_build_after_loads_rebuilds_the_years_they_touched(month_build):
    """stg_pars__report_year_changes is a table, incremental by load: a --select build of a year-partitioned model
    builds it too, or the model's years touched by the month would never be rebuilt (its watermark moves on)."""
    _, db, project = month_build
    years_of_month = "select count(*) from staging.stg_pars__report_year_changes where load_id = 2"
    assert query(db, years_of_month) == [(0,)]  # the month build failed: not published
    result = build(db, project_dir=project, select="fct_activity_moc_registrations", exclude=UNIT_TESTS)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert query(db, years_of_month)[0][0] > 0
    built = "select activity_id, board from core.fct_activity_moc_registrations"
    current = (
        "select activity_id, board from staging.stg_pars__activity_moc_registrations "
        "inner join intermediate.int_activity_context using (activity_id)"
    )
    assert query(db, f"select count(*) from (({built}) except all ({current}))") == [(0,)]
    assert query(db, f"select count(*) from (({current}) except all ({built}))") == [(0,)]


def test_the_rows_of_untouched_years_are_not_read_again(month_build):
    result, db, project = month_build
    assert "checks_activity_rollup" not in failed_checks(result)
    # the planted rows are there: a build that checks every row (a --select build does) reports them
    selected = build(db, project_dir=project, select="activity_rollup", exclude=UNIT_TESTS)
    assert selected.checks_since_load is None
    rows = failed_checks(selected).get("checks_activity_rollup")
    assert rows and {row[1].split(" | ")[0] for row in rows} == {str(UNTOUCHED)}


def test_the_staging_views_are_checked_from_the_versions_later_loads_wrote(month_build, multi_year_export, tmp_path):
    """checks_stg_pars__learner_completions and checks_stg_pars__activities (`changed_rows: latest_versions`) read
    only the versions loads after the last pass wrote (macros/incremental/check_scope.sql, changed_rows_scoped).
    That is right only while the staging view's latest version of a key is the one of its newest load: then, for
    a key a later load wrote, it is among those versions. The adversary is a change of that rule (a version ordered
    by its export's date, say): here every key a later load wrote, those with versions of the earlier load among
    them, must have as its staging row (or, deleted, no row) exactly the newest of the later loads' versions."""
    result, built, _ = month_build
    since = result.checks_since_load
    staging = result_target(built) / "run" / "pars" / "models" / "staging"
    for name in ("stg_pars__learner_completions", "stg_pars__activities"):
        [sql] = (staging / f"{name}.yml").glob(f"checks_{name}*.sql")
        assert f"where _load_id > {since}" in sql.read_text(), name
    # the month load wrote new versions of activities of the first load
    assert_latest_of_later_loads(built, since, "stg_pars__activities", "stg_pars__activity_versions", "activity_id")
    # one more load, of new versions of completions the first load wrote (the staging views read raw as it is)
    db = tmp_path / "w.duckdb"
    shutil.copyfile(built, db)
    load_export(completions_export(multi_year_export, tmp_path / "corrected"), db)
    assert_latest_of_later_loads(
        db, since, "stg_pars__learner_completions", "stg_pars__learner_completion_versions", "completion_id"
    )


def assert_latest_of_later_loads(db: Path, since: int, view: str, versions: str, key: str) -> None:
    """The staging `view`'s rows of the keys loads after `since` wrote are the newest of those loads' versions
    (compared by key and the load of the version: the view renames and decodes the versions' other columns)."""
    later = f"""
        select {key}, _load_id
        from staging.{versions}
        where _load_id > {since}
        qualify row_number() over (partition by {key} order by _load_id desc) = 1 and not _is_deleted"""
    current = f"""
        select {key}, loaded_by_load_id
        from staging.{view}
        where {key} in (select {key} from staging.{versions} where _load_id > {since})"""
    rewritten = query(
        db,
        f"select count(distinct {key}) from staging.{versions} where _load_id > {since} "
        f"and {key} in (select {key} from staging.{versions} where _load_id <= {since})",
    )[0][0]
    assert rewritten > 0, view  # keys with an earlier version are among them: the case the rule decides
    assert query(db, f"select count(*) from (({later}) except all ({current}))")[0][0] == 0, view
    assert query(db, f"select count(*) from (({current}) except all ({later}))")[0][0] == 0, view
    assert query(db, f"select count(*) from ({current})")[0][0] > 0, view
