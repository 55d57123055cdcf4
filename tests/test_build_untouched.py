"""A whole build of an unchanged project leaves out what reads only sources no load wrote since every data test
last passed (warehouse/build/sources.py), and still gives the tables of a full build.

The adversary is a stale mart: a node left out although a load wrote one of its sources keeps its old rows, and
nothing else would notice. So: the build runs exactly the nodes that descend from a source written since (checked
against dbt's own graph, not against the code's selection), the result equals a full build of the same raw layer,
the detection of a written source sees every kind of write (versions, quarantined rows, a load with no rows at
all), and a build with no load in between rebuilds nothing but the change logs.

The build after a load is the shared `unchanged_rebuild` (tests/helpers/rebuild.py): the built warehouse, a load
of corrected learner completions alone, then `pars build`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import copy_export, query
from tests.helpers.loadcases import read_rows, set_cell, write_rows
from tests.helpers.rebuild import completions_export, unchanged_rebuild  # noqa: F401  (the shared fixture)
from tests.helpers.replay import MODELS_ONLY, differences
from warehouse.build import build
from warehouse.build.project_state import project_hash
from warehouse.build.runner import CHANGE_LOGS, MANIFEST_STAMP, ROOT
from warehouse.build.sources import project_sources, written_since
from warehouse.build.workcopy import WorkPaths
from warehouse.load import load_export

#: The sources every load writes (its own row) or may write (rows it quarantined).
LOAD_BOOKS = ("load_history", "quarantine")


def _ran(target: Path) -> set[str]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"] for r in results if r["unique_id"].split(".")[0] in ("model", "test")}


def _expected(manifest: dict, written: set[str]) -> set[str]:
    """The models and data tests a whole build of an unchanged project must run after loads that wrote the
    sources `written` (table names): every one with such a source upstream, and the change logs; never a view,
    a seed, a unit test or what reads only seeds (left out by the runner already: test_build_unchanged_project.py)."""
    nodes = manifest["nodes"]
    memo: dict[str, set[str]] = {}

    def sources(key: str) -> set[str]:
        if key not in memo:
            if key.startswith("source."):
                memo[key] = {key.rsplit(".", 1)[1]}
            else:
                memo[key] = set().union(*(sources(d) for d in nodes[key].get("depends_on", {}).get("nodes", [])))
        return memo[key]

    out = set()
    for key, node in nodes.items():
        if node["resource_type"] not in ("model", "test") or node["config"].get("materialized") == "view":
            continue
        if sources(key) & written or (node["resource_type"] == "model" and node["name"] in CHANGE_LOGS):
            out.add(key)
    return out


def test_a_build_after_a_load_of_completions_alone_runs_exactly_what_reads_the_sources_it_wrote(
    unchanged_rebuild,  # noqa: F811  (the imported fixture)
):
    out = unchanged_rebuild
    assert out.exit_code == 0, out.output
    manifest = json.loads((out.target / "manifest.json").read_text())
    ran = _ran(out.target)
    expected = _expected(manifest, {"learner_completions", "load_history"})
    assert ran == expected, (sorted(ran - expected)[:10], sorted(expected - ran)[:10])
    # what was left out is what reads only what the load did not write: the decisions' marts among them
    assert "model.pars.accreditation_history" not in ran and "model.pars.fct_learner_completions" in ran
    untouched = out.report["untouched_sources"]
    assert "pars.learner_completions" not in untouched and "pars.load_history" not in untouched
    assert {"pars.providers", "pars.activities", "pars.accreditation_decisions", "pars.quarantine"} <= set(untouched)
    since = out.report["checks_since_load"]
    assert f"not rebuilt or checked: what reads only sources no load wrote since load {since}" in out.output
    assert "pars.providers" in out.output and out.count("test", "pass") >= 10
    # the project's sources as the build reads them (only the YAML files with a `sources:` key) are dbt's own
    declared = {(s["source_name"], s["name"], s["schema"], s["identifier"]) for s in manifest["sources"].values()}
    assert {(s.source, s.name, s.schema, s.identifier) for s in project_sources(ROOT)} == declared


def test_that_build_gives_the_tables_of_a_full_build_of_the_same_raw_layer(
    unchanged_rebuild,  # noqa: F811
    tmp_path,
):
    """The oracle: the same raw layer (the copy taken after the load) built from nothing, models only."""
    full = tmp_path / "full.duckdb"
    shutil.copyfile(unchanged_rebuild.loaded, full)
    result = build(full, full_refresh=True, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert differences(unchanged_rebuild.db, full) == []
    # and the corrected credits are in the marts (the comparison is not of two stale copies)
    changed = query(
        unchanged_rebuild.db,
        "select count(*) from core.fct_learner_completions c join raw.learner_completions r "
        "using (completion_id) where r._load_id = (select max(load_id) from raw.load_history) "
        "and c.credits = r.credits",
    )[0][0]
    assert changed > 10
    # the completeness rules that read the export's date were answered again for activities the load did not
    # change (int_review__completeness_problems is incremental by activity; the load is a month later, so open
    # activities untouched by it passed their deadline or age): compared above, and here shown to exist
    date_rules = "('open_after_deadline', 'enduring_open_past_3_years', 'rss_open_past_12_months')"
    problems = "intermediate.int_review__completeness_problems"
    rows = f"select activity_id, rule_code from {problems} where rule_code in {date_rules}"
    con = duckdb.connect(str(unchanged_rebuild.db), read_only=True)
    try:
        con.execute(f"attach '{unchanged_rebuild.loaded}' as before (read_only)")
        recomputed = "select activity_id from meta.affected_activities__int_review__completeness_problems"
        new_by_date = con.execute(
            f"select count(*) from (({rows}) except ({rows.replace(problems, 'before.' + problems)})) "
            f"where activity_id not in ({recomputed})"
        ).fetchone()[0]
    finally:
        con.close()
    assert new_by_date > 0


def test_a_build_with_no_load_since_the_last_one_rebuilds_only_the_change_logs(
    unchanged_rebuild,  # noqa: F811
    tmp_path,
):
    db = tmp_path / "again.duckdb"  # another name: differences() attaches each file as its stem
    shutil.copyfile(unchanged_rebuild.db, db)
    result = build(db)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert result.count("test") == 0 and result.count("model") == len(CHANGE_LOGS)
    assert len(result.untouched_sources) == len(project_sources(ROOT))  # every one, the load history too
    assert differences(unchanged_rebuild.db, db) == []
    # asked for, the unit tests all run: dbt runs one only with its model, so nothing is left out then, views
    # included (and the pass recorded for the project's unit tests is true)
    again = build(db, unit_tests="always")
    assert again.ok and again.untouched_sources == [] and not again.unchanged_skipped
    unit_tests = json.loads((unchanged_rebuild.target / "manifest.json").read_text())["unit_tests"]
    assert again.count("unit_test", "pass") == len(unit_tests) > 5, again.counts


def test_every_kind_of_write_marks_its_source_written(loaded_db, base_export, tmp_path):
    """A load with no rows writes the load history alone; a row it quarantines writes the quarantine (and not the
    file's own table); corrected versions write their table."""
    sources = project_sources(ROOT)
    assert {(s.schema, s.name) for s in sources} >= {("raw", "activities"), ("raw", "load_history")}
    names = {s.name for s in sources}
    assert len(names) == len(sources) == 13 and set(LOAD_BOOKS) <= names

    db = tmp_path / "w.duckdb"
    shutil.copyfile(loaded_db, db)
    since = query(db, "select max(load_id) from raw.load_history")[0][0]
    assert written_since(db, since, sources) == []

    def written(export: Path) -> set[str]:
        load_export(export, db)
        last = query(db, "select max(load_id) from raw.load_history")[0][0]
        return {s.name for s in written_since(db, last - 1, sources)}

    corrected = completions_export(base_export, tmp_path / "completions")
    assert written(corrected) == {"learner_completions", "load_history"}

    empty = completions_export(base_export, tmp_path / "empty")
    header, _ = read_rows(empty, "learner_completions")
    write_rows(empty, "learner_completions", header, [])
    _set_export_id(empty, "-empty")
    assert written(empty) == {"load_history"}

    bad = copy_export(base_export, tmp_path / "bad", suffix="-bad")
    _keep_first_row_only(bad, "providers")
    set_cell(bad, "providers", 0, "initial_accreditation_date", "not a date")
    assert written(bad) == {"load_history", "quarantine"}
    last = "select max(load_id) from raw.load_history"
    assert query(db, f"select count(*) from raw.quarantine where load_id = ({last})")[0][0] == 1
    # everything since the first load: each of the three loads' sources
    assert {s.name for s in written_since(db, since, sources)} == {"learner_completions", *LOAD_BOOKS}


def _set_export_id(export: Path, suffix: str) -> None:
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["export_id"] += suffix
    (export / "manifest.json").write_text(json.dumps(manifest))


def _keep_first_row_only(export: Path, name: str) -> None:
    """Make `export` an incremental export holding one row of `name` and nothing else."""
    for path in export.glob("*.csv"):
        header, rows = read_rows(export, path.stem)
        write_rows(export, path.stem, header, rows[:1] if path.stem == name else [])
    manifest = json.loads((export / "manifest.json").read_text())
    manifest.pop("files", None)
    manifest["kind"] = "incremental"
    (export / "manifest.json").write_text(json.dumps(manifest))


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])


def test_the_build_process_ends_with_its_artifacts_and_logs_whole(unchanged_rebuild):  # noqa: F811
    """`pars build` of an unchanged project is a process of its own here (tests/helpers/rebuild.py). It ends
    without the interpreter's teardown (warehouse.cli.entry), which may not cost what the user reads: its exit
    status is the build's; its last line is printed; dbt's log ends with dbt's last line (the file handler flushed
    before the process ended); run_results.json names exactly the nodes the --report counts. (The manifest kept by
    a build of an unchanged project: the test after this one.)"""
    out = unchanged_rebuild
    assert out.exit_code == 0, out.output
    assert out.output.rstrip().splitlines()[-1].startswith("published "), out.output[-500:]
    log = (out.target.parent / "logs" / "dbt.log").read_text().rstrip().splitlines()
    assert "Done. PASS=" in log[-1], log[-3:]
    results = json.loads((out.target / "run_results.json").read_text())
    assert results["metadata"]["dbt_schema_version"].endswith("/run-results/v6.json")
    ran = [r for r in results["results"] if r["unique_id"].split(".")[0] in ("model", "test")]
    assert len(ran) == out.count("model") + out.count("test") > 0
    manifest = json.loads((out.target / "manifest.json").read_text())
    assert {r["unique_id"] for r in ran} <= set(manifest["nodes"])


def test_a_build_that_skips_the_manifest_keeps_only_one_written_from_its_own_project(
    unchanged_rebuild,  # noqa: F811
    tmp_path,
):
    """The adversary is a stale manifest: dbt's folder beside the warehouse holds the manifest.json of another
    project's build (a failed build of another --project-dir publishes nothing, so the warehouse still names this
    project as built). A build of the unchanged project must write its own; the next one keeps it."""
    db = tmp_path / "stale.duckdb"
    shutil.copyfile(unchanged_rebuild.db, db)
    target = WorkPaths(db).target
    target.mkdir(parents=True)
    (target / "manifest.json").write_text(json.dumps({"nodes": {}, "note": "another project's"}))
    (target / MANIFEST_STAMP).write_text("the hash of another project")
    assert build(db).ok
    manifest = json.loads((target / "manifest.json").read_text())
    assert "model.pars.fct_learner_completions" in manifest["nodes"]
    assert (target / MANIFEST_STAMP).read_text() == project_hash(ROOT)
    written = (target / "manifest.json").stat().st_mtime_ns
    again = build(db)
    assert again.ok
    assert (target / "manifest.json").stat().st_mtime_ns == written  # written from this project: kept
    # run_results.json is the runner's own, of this build (the change logs), and names nodes of the kept manifest
    results = json.loads((target / "run_results.json").read_text())["results"]
    ran = [r for r in results if r["unique_id"].startswith("model.")]
    assert {r["unique_id"] for r in ran} == {f"model.pars.{name}" for name in CHANGE_LOGS}
    assert {r["unique_id"] for r in ran} <= set(manifest["nodes"])
