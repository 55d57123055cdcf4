"""A failed data check or constraint is shown by `pars build` with its model, its rule and its failing rows.

The project's checks are column constraints on contracted tables (NOT NULL, CHECK: enforced by DuckDB at insert)
and one `checks` data test per model (macros/generic_tests/checks.sql). Bad rows are planted by replacing a few
models' SQL, in a copy of the project, with hand-written rows; only those models (and two seeds) are built.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.helpers import fingerprint
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from warehouse.cli import main

ROOT = Path(__file__).resolve().parents[1]
LITERALS = {"integer": "1", "bigint": "1", "double": "0.5", "date": "date '2022-01-01'", "boolean": "true"}


def planted(yml: Path, rows: list[dict]) -> str:
    """SQL giving `rows` in the model's contracted columns and types (columns not given get a harmless value)."""
    columns = yaml.safe_load(yml.read_text())["models"][0]["columns"]
    selects = []
    for row in rows:
        cells = []
        for column in columns:
            kind = column.get("data_type", "varchar")
            value = row.get(column["name"], LITERALS.get(kind, "'x'" if kind == "varchar" else "0"))
            cells.append(f"cast({value} as {kind}) as {column['name']}")
        selects.append("select " + ", ".join(cells))
    return "\nunion all\n".join(selects) + "\n"


PLANTS = {
    # a duplicate key in a contracted table: its checks test (unique) fails
    "models/marts/rems/summary": [{"report_year": "2022"}, {"report_year": "2022"}, {"report_year": "2021"}],
    # a value outside the board list: the CHECK constraint of board_summary.board fails at insert
    "models/marts/moc/board_summary": [{"report_year": "2022", "board": "'ABIM'"}, {"board": "'XBOARD'"}],
    # a NULL severity: the NOT NULL constraint of completeness_by_severity.severity fails at insert
    "models/marts/ops/completeness_by_severity": [{"severity": "'high'"}, {"severity": "null"}],
}
VIEW = "int_annual_report__counted_activities"
VIEW_ROWS = """
select * from (values
    ('A-OK', 'P1', 2022, 'ACCME', 'Hospital/Health Care Delivery System', 'C'),
    ('A-DUP', 'P1', 2022, 'ACCME', 'Hospital/Health Care Delivery System', 'C'),
    ('A-DUP', 'P1', 2022, 'ACCME', 'Hospital/Health Care Delivery System', 'C'),
    ('A-NULL', null, 2022, 'ACCME', 'Hospital/Health Care Delivery System', 'C'),
    ('A-GROUP', 'P1', 2022, 'NOGROUP', 'Hospital/Health Care Delivery System', 'C'),
    ('A-ORPHAN', 'P1', 2022, 'ACCME', 'Hospital/Health Care Delivery System', 'NOTYPE')
) as v(activity_id, provider_id, report_year, accreditor_type, organization_type, activity_type)
"""
SELECT = f"summary board_summary completeness_by_severity {VIEW} organization_types activity_types"


@pytest.fixture(scope="module")
def planted_project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("planted")
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, project / name)
    for folder in ("models", "macros", "seeds", "snapshots", "data-tests"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, project / folder)
    for model, rows in PLANTS.items():
        (project / f"{model}.sql").write_text(planted(ROOT / f"{model}.yml", rows))
    (project / f"models/intermediate/annual_report/{VIEW}.sql").write_text(VIEW_ROWS)
    return project


@pytest.fixture(scope="module")
def failed_build(planted_project, loaded_db, dbt_work) -> tuple[str, dict, Path]:  # noqa: F811
    """`pars build` of the planted models on a loaded warehouse: (output, --report JSON, warehouse).

    Only tests whose every parent is selected run (dbt's cautious indirect selection): the reconciliations and
    other marts' tests of the seeds would fail for want of their unbuilt tables. Built in the worker's dbt folder
    (tests/helpers/dbtwork.py), where dbt re-parses only the planted files."""
    work = dbt_work
    db = clear(work)
    shutil.copyfile(loaded_db, db)
    before = fingerprint(db)
    args = ["build", "--db", str(db), "--project-dir", str(planted_project), "--select", SELECT]
    args += ["--exclude", "resource_type:unit_test", "--report", str(work / "build.json")]
    out = CliRunner(env={"DBT_INDIRECT_SELECTION": "cautious"}).invoke(main, args)
    assert out.exit_code == 1, out.output
    assert "was not changed" in out.output and fingerprint(db) == before
    report = json.loads((work / "build.json").read_text())
    assert [f["name"] for f in report["failures"] if f["status"] == "error" and f["resource_type"] != "model"] == []
    return out.output, report, db


def failures_of(report: dict, model: str) -> list[dict]:
    """The failed nodes about `model`: the model itself, or a data test of its YAML file."""
    return [f for f in report["failures"] if f["name"] == model or f["path"].endswith(f"/{model}.yml")]


def shown_rows(failures: list[dict]) -> set[str]:
    return {cell for f in failures for row in f["rows"] for cell in row}


def test_a_duplicate_key_is_shown_with_its_model_rule_and_rows(failed_build):
    output, report, _ = failed_build
    failures = failures_of(report, "summary")
    assert [f["status"] for f in failures] == ["fail"]
    assert "unique" in failures[0]["name"] or any("unique(report_year)" in r for r in shown_rows(failures))
    assert "2022" in shown_rows(failures) and "2021" not in shown_rows(failures)
    assert f"FAIL: test {failures[0]['name']} (models/marts/rems/summary.yml)" in output


def test_each_broken_rule_of_a_view_is_named_with_its_rows(failed_build):
    """A view has no constraints: every rule of its checks is reported, each with the rows that break it."""
    output, report, _ = failed_build
    failures = failures_of(report, VIEW)
    assert failures and {f["status"] for f in failures} == {"fail"}
    named = " ".join(f["name"] for f in failures) + " ".join(r for r in shown_rows(failures))
    for rule in ("unique", "not_null", "accepted_values", "relationships"):
        assert rule in named, rule
    rows = shown_rows(failures)
    assert {"A-DUP", "NOGROUP", "NOTYPE"} <= rows and "A-OK" not in rows
    for f in failures:
        assert f"FAIL: test {f['name']} (models/intermediate/annual_report/{VIEW}.yml)" in output


def test_a_null_in_a_view_is_shown_with_the_key_of_its_row(failed_build):
    """dbt's not_null test showed only the NULL itself; the checks test names the row that holds it."""
    _, report, _ = failed_build
    (failure,) = failures_of(report, VIEW)
    assert ["not_null(provider_id)", "A-NULL", "None"] in failure["rows"]
    assert "not_null(provider_id): 1 row(s)" in failure["message"]


def test_a_null_in_a_not_null_column_fails_the_model_naming_its_column(failed_build):
    output, report, _ = failed_build
    failures = failures_of(report, "completeness_by_severity")
    assert [(f["resource_type"], f["status"]) for f in failures] == [("model", "error")]
    message = failures[0]["message"]
    assert "model completeness_by_severity: column severity is NULL" in message
    assert failures[0]["columns"] == ["failed_check", "failing_value", "row"]
    assert [r[0] for r in failures[0]["rows"]] == ["not_null(severity)"]
    assert '"severity":null' in failures[0]["rows"][0][2]
    assert "ERROR: model completeness_by_severity" in output and "column severity is NULL" in output


def test_a_value_outside_a_check_constraint_fails_the_model_naming_its_column(failed_build):
    output, report, db = failed_build
    failures = failures_of(report, "board_summary")
    assert [(f["resource_type"], f["status"]) for f in failures] == [("model", "error")]
    assert "model board_summary: column board breaks its check constraint" in failures[0]["message"]
    assert [r[:2] for r in failures[0]["rows"]] == [[r[0], "XBOARD"] for r in failures[0]["rows"]]
    assert len(failures[0]["rows"]) == 1 and failures[0]["rows"][0][0].startswith("check(board in (")
    assert "failed checks: check(board in (" in output
