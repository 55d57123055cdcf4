"""dbt's unit tests run only when the project changed since they last all passed on the warehouse.

They never read warehouse data (their rows are fixtures in the project's YAML), so skipping them on an
unchanged project changes nothing a build checks; the data tests run on every build that can change what they
read (tests/test_build_untouched.py).
"""

from __future__ import annotations

import shutil

from tests.helpers.rebuild import unchanged_rebuild  # noqa: F401  (the shared fixture)
from warehouse.build.project_state import passed_hash, project_hash, remember_passed
from warehouse.build.runner import ROOT


def test_a_rebuild_of_an_unchanged_project_skips_the_unit_tests_not_the_data_tests(unchanged_rebuild):  # noqa: F811
    """The shared second build of the built warehouse, after a load (tests/helpers/rebuild.py, also read by
    test_build_unchanged_project.py and test_build_untouched.py): its unit tests skipped, the data tests and models
    of what the load can have changed run (exactly those: test_build_untouched.py)."""
    assert passed_hash(unchanged_rebuild.built) == project_hash(ROOT)  # the fixture's build ran them all and passed
    assert unchanged_rebuild.exit_code == 0, unchanged_rebuild.output
    result = unchanged_rebuild
    assert result.report["ok"] and result.report["unit_tests_skipped"]
    assert result.count("unit_test") == 0 and result.count("test", "pass") >= 10 and result.count("model") > 10
    assert passed_hash(result.db) == project_hash(ROOT)  # still valid for the next build


def test_the_hash_follows_every_project_file(tmp_path):
    project = tmp_path / "project"
    for part in ("models", "macros", "seeds", "snapshots", "data-tests"):
        shutil.copytree(ROOT / part, project / part)
    shutil.copy(ROOT / "dbt_project.yml", project / "dbt_project.yml")
    before = project_hash(project)
    assert before == project_hash(ROOT)
    for changed in (
        "models/marts/annual_report/enterprise_size.sql",
        "macros/in_own_group_and_all.sql",
        "seeds/activity_types.csv",
        "dbt_project.yml",
    ):
        path = project / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert project_hash(project) != before, changed
        path.write_bytes(original)
    (project / "models" / "new_model.sql").write_text("select 1 as x\n")
    assert project_hash(project) != before


def test_the_passed_hash_is_kept_in_meta(tmp_path):
    import duckdb

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    assert passed_hash(db) is None
    remember_passed(db, "abc")
    remember_passed(db, "def")
    assert passed_hash(db) == "def"
