"""A changed project makes the next whole build a full one: its changed SQL, views and seeds reach every row.

Both tests build a copy of the run's shared built warehouse, with a copy of the project changed, in the worker's dbt
folder (tests/helpers/dbtwork.py).
"""

from __future__ import annotations

import json
import shutil

from tests.helpers import query
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from tests.helpers.replay import MODELS_ONLY, UNIT_TESTS
from warehouse.build import build
from warehouse.build.runner import ROOT


def test_a_changed_project_rebuilds_the_incremental_models_in_full(built_warehouse, tmp_path, dbt_work):  # noqa: F811
    """No load since the last build touches a year, so only a full rebuild can bring the changed SQL to old rows.

    The last build is the shared built warehouse's (a whole build of the repository's project, three years). The
    copy is built in the worker's dbt folder, where dbt re-parses only the changed files."""
    from warehouse.build.project_state import built_hash, models_hash
    from warehouse.build.workcopy import WorkPaths

    project = tmp_path / "project"
    # with the Python its models import (anonymize/): models_hash, what the build compares, covers it too
    for folder in ("models", "macros", "seeds", "snapshots", "data-tests", "anonymize"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, project / name)
    db = clear(dbt_work)
    shutil.copyfile(built_warehouse, db)
    assert built_hash(db) == models_hash(project)  # built with this project as it is before the change
    titles = "select count(*) filter (where title = upper(title)), count(*) from core.fct_activities"
    upper, activities = query(db, titles)[0]
    assert activities > 0 and upper < activities

    # an incremental model, a view and a seed change (a build of an unchanged project leaves views and seeds out)
    base = project / "models" / "intermediate" / "int_activities_base.sql"
    base.write_text(base.read_text().replace("activities.title,", "upper(activities.title) as title,"))
    view = project / "models" / "marts" / "core" / "fct_activities.sql"
    view.write_text(view.read_text().replace("as_of.data_as_of_date,", "as_of.data_as_of_date + 1 as data_as_of_date,"))
    seed = project / "seeds" / "activity_types.csv"
    seed.write_text(seed.read_text().replace(",Course,", ",Course (renamed),"))
    assert built_hash(db) != models_hash(project)
    result = build(db, project_dir=project, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert not result.unchanged_skipped and result.count("seed") > 0
    assert query(db, titles)[0] == (activities, activities)  # every year's rows, not only the touched ones
    days = (
        "select distinct f.data_as_of_date - a.data_as_of_date "
        "from core.fct_activities as f, intermediate.int_data_as_of as a"
    )
    assert query(db, days) == [(1,)]
    names = "select activity_type_name from core.dim_activity_types where activity_type = 'C'"
    assert query(db, names) == [("Course (renamed)",)]
    # and the child facts (incremental too) still have one row per record of a live activity
    assert query(db, "select count(*) from core.fct_activity_learner_professions") == query(
        db, "select count(*) from staging.stg_pars__activity_learner_professions"
    )
    # that build ran no data test: the changed project's rows were never checked, so the next build (the project
    # now unchanged) checks every row, and runs the checks of the seeds and of what reads only seeds
    assert query(db, "select count(*) from meta.checks_passed") == [(0,)]
    result = build(db, project_dir=project, exclude=UNIT_TESTS)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert result.unchanged_skipped and result.checks_since_load is None
    ran = {r["unique_id"] for r in json.loads((WorkPaths(db).target / "run_results.json").read_text())["results"]}
    assert any(".checks_activity_types." in k for k in ran) and any(".checks_dim_activity_types." in k for k in ran)


def test_a_selected_build_of_another_project_makes_the_next_whole_build_a_full_one(
    built_warehouse,
    tmp_path,
    dbt_work,  # noqa: F811
):
    """A --select build of a changed project rebuilds what it selects with the changed SQL but not the rest: the
    warehouse then holds neither project's models alone, so the next whole build must not leave anything out
    (views and seeds, or incremental years) on the strength of the hash recorded before."""
    from warehouse.build.project_state import built_hash, models_hash

    project = tmp_path / "project"
    for folder in ("models", "macros", "seeds", "snapshots", "data-tests"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, project / name)
    view = project / "models" / "marts" / "core" / "fct_activities.sql"
    view.write_text(view.read_text().replace("as_of.data_as_of_date,", "as_of.data_as_of_date + 1 as data_as_of_date,"))
    db = clear(dbt_work)
    shutil.copyfile(built_warehouse, db)
    assert built_hash(db) == models_hash(ROOT)
    result = build(db, project_dir=project, select="fct_activities", exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert built_hash(db) != models_hash(ROOT)  # the next build with ROOT recreates the view changed above
