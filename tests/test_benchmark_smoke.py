"""The benchmark harness works end to end at a tiny scale (it checks the harness, never the timings), and its
baselines compute exactly the marts' annual tables, or the harness refuses to report any time.

Every test here reads ONE tiny benchmark run (`tiny`, made once per test run): `python -m benchmarks.run` at scale
0.002 over two years without the builds after one month, its build narrowed to the two annual marts the baselines are
checked against (`--build-select`, without data and unit tests: tests/test_build*.py build the whole project), then one
run of each product-step code path on a copy of the run's shared built warehouse (tests/conftest.py; at 0.002 there
are 3 providers, too few for the activities release's k=11): the activities release (the releases and the annual
report run through the same code; a benchmark run times every product) and the dashboard's filter latency (1 session
changing a filter twice instead of a run's 5 sessions x 20). Each test asserts its own part of that run.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from benchmarks import run as bench
from benchmarks.baselines.check import compare
from tests.helpers import query
from tests.helpers.shared import made_once, shared_root

ROOT = Path(__file__).resolve().parents[1]
SCALE, YEARS = "0.002", ("2021", "2022")
#: concurrent dashboard sessions of the product step (a benchmark run has 5; each is one more signed-in page load) and
#: the filter changes of each (a run has 20): different numbers, so that the two cannot be swapped unseen
DASHBOARD_SESSIONS, DASHBOARD_ROUNDS = 1, 2
#: the build of the tiny run (`--build-select`, `--build-exclude`): what the baselines and answer_from_marts read
BUILD_SELECT, BUILD_EXCLUDE = "+enterprise_size +activity_matrix", "resource_type:unit_test resource_type:test"
#: rows of both annual tables per year: enterprise_size (4 groups) and activity_matrix (4 x 8 x 13, zero filled)
ROWS_PER_YEAR = 4 + 4 * 8 * 13


class Tiny:
    """The folder of the one tiny benchmark run and what it wrote."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.work = folder / "w"
        self.export = self.work / f"export-{SCALE}"
        self.db = self.work / f"w-{SCALE}.duckdb"  # the benchmark's published warehouse
        self.baselines = self.work / f"baselines-{SCALE}"  # each baseline's tables, as the run wrote them
        [result] = (folder / "results").glob(f"*-{SCALE}-{'-'.join(YEARS)}.json")
        self.result = json.loads(result.read_text())
        self.markdown = (folder / "RESULTS.md").read_text()
        self.products_db = folder / "products.duckdb"  # the copy of the built warehouse the product steps ran on
        self.products = folder / "p"
        self.product_steps = json.loads((folder / "products.json").read_text())


def run_tiny_benchmark(folder: Path, warehouse: Path) -> None:
    args = ["--scales", SCALE, "--years", "-".join(YEARS), "--repeat", "1", "--out", str(folder / "results")]
    args += ["--work", str(folder / "w"), "--markdown", str(folder / "RESULTS.md"), "--note", "Machine shared."]
    args += ["--build-select", BUILD_SELECT, "--build-exclude", BUILD_EXCLUDE]
    # the builds after one month (about 20 builds even at a tiny scale) are left out here to keep the suite
    # short: test_build_replay checks the incremental builds, test_build_unit_test_gate the unit-test gate
    assert bench.main([*args, "--no-products", "--no-monthly"]) == 0
    db = folder / "products.duckdb"
    shutil.copyfile(warehouse, db)
    steps = bench.bench_products(
        [sys.executable, "-m", "warehouse"],
        db,
        folder / "p",
        repeat=1,
        profiles=["activities"],
        others=("dashboard_filter_latency",),
        rounds=DASHBOARD_ROUNDS,
        sessions=DASHBOARD_SESSIONS,
    )
    (folder / "products.json").write_text(json.dumps(steps))


@pytest.fixture(scope="module")
def tiny(built_warehouse, tmp_path_factory) -> Tiny:
    """The one tiny benchmark run of this test run (read it, never change it)."""
    return Tiny(
        made_once(
            shared_root(tmp_path_factory), "tiny-benchmark", lambda folder: run_tiny_benchmark(folder, built_warehouse)
        )
    )


def test_tiny_benchmark_writes_results(tiny):
    result = tiny.result
    timed = {
        "synth",
        "floor_duckdb_read",
        "load",
        "reload_unchanged",
        "build_full",
        *bench.BASELINES,
        "answer_from_marts",
    }
    assert set(result["steps"]) == timed
    steps = result["steps"]
    for name in timed - {"answer_from_marts"}:  # each step ran once (--repeat 1): its one run is its median
        assert steps[name]["runs"] == [steps[name]["seconds"]] and steps[name]["peak_mib"] > 0, (name, steps[name])
    # the ratios are of the steps they name
    assert result["ratios"]["load_vs_floor_read"] == round(
        steps["load"]["seconds"] / steps["floor_duckdb_read"]["seconds"], 2
    )
    peak = max(steps["load"]["peak_mib"], steps["build_full"]["peak_mib"])
    assert result["ratios"]["peak_load_build_vs_pandas_peak"] == round(peak / steps["baseline_pandas"]["peak_mib"], 2)
    export = tiny.export
    assert result["csv_mib"] == round(sum(f.stat().st_size for f in export.glob("*.csv")) / 2**20, 1)
    assert result["export_id"] == json.loads((export / "manifest.json").read_text())["export_id"]
    full = result["steps"]["build_full"]
    assert 0 < full["dbt_startup_seconds"] < full["dbt_seconds"] < full["seconds"]
    assert full["unit_tests_skipped"] is False  # from scratch the unit-test gate skips nothing
    # the build ran as narrowed, and says so: only the selected models (and seeds), no data or unit test
    assert (full["dbt_select"], full["dbt_exclude"]) == (BUILD_SELECT, BUILD_EXCLUDE)
    report = json.loads((tiny.work / f"build-{SCALE}.json").read_text())
    assert report["ok"] and (report["select"], report["exclude"]) == (BUILD_SELECT, BUILD_EXCLUDE), report
    assert "unit_test" not in report["counts"] and "test" not in report["counts"], report["counts"]
    assert set(report["counts"]["model"]) == {"success"}, report["counts"]
    assert 2 < report["counts"]["model"]["success"] < len(list((ROOT / "models").rglob("*.sql"))), report["counts"]
    answer = result["steps"]["answer_from_marts"]
    assert answer["reported_rows"] == len(YEARS) * ROWS_PER_YEAR and answer["repeats"] == bench.MARTS_REPEATS
    for name in bench.BASELINES:
        assert 0 < result["steps"][name]["reported_seconds"] < result["steps"][name]["seconds"]
        assert result["ratios"][f"{name}_vs_answer_from_marts"] == pytest.approx(
            result["steps"][name]["reported_seconds"] / answer["seconds"], rel=0.06, abs=0.1
        )
    assert result["machine"]["cores"] >= 1
    text = tiny.markdown
    assert f"| {SCALE} | {'-'.join(YEARS)} |" in text and "Machine shared." in text
    assert "baseline_pandas_vs_answer_from_marts" in text and f"dbt_select {BUILD_SELECT}" in text


def test_every_baseline_equals_the_marts(tiny):
    """Each baseline's tables (written by the run over two years) equal the marts of the run's warehouse."""
    steps = tiny.result["steps"]
    assert {*bench.BASELINES, "answer_from_marts"} <= set(steps)
    for name in bench.BASELINES:
        assert compare(tiny.db, tiny.baselines / name, name) == []
        with (tiny.baselines / name / "enterprise_size.csv").open() as fh:
            rows = list(csv.DictReader(fh))
        assert {r["report_year"] for r in rows} == set(YEARS) and len(rows) == 4 * len(YEARS)
        for year in YEARS:
            assert sum(
                int(r["activities"]) for r in rows if r["accreditor_group"] == "All" and r["report_year"] == year
            )
    assert steps["answer_from_marts"]["reported_rows"] == len(YEARS) * ROWS_PER_YEAR


@pytest.mark.parametrize(
    "table, column, change",
    [
        ("activity_matrix", "activities", lambda v: str(int(v) + 1)),
        ("enterprise_size", "commercial_support_income", lambda v: f"{float(v) + 0.01:.2f}"),
    ],
)
def test_a_wrong_baseline_is_named_and_refused(tiny, tmp_path, monkeypatch, table, column, change):
    wrong = tmp_path / "wrong"
    shutil.copytree(tiny.baselines / "baseline_polars_lazy", wrong)
    path = wrong / f"{table}.csv"
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    target = next(
        i
        for i, r in enumerate(rows)
        if r["accreditor_group"] != "All" and r["report_year"] == YEARS[0] and int(r["activities"]) > 0
    )
    group = rows[target]["accreditor_group"]
    rows[target][column] = change(rows[target][column])
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    problems = compare(tiny.db, wrong, "wrong")
    assert len(problems) == 1
    assert problems[0].startswith(f"wrong: {table}: key {{'report_year': '{YEARS[0]}', 'accreditor_group': '{group}'")
    assert f"column {column}: baseline {rows[target][column]}" in problems[0]

    # the harness itself refuses: a "baseline" that writes these tables stops the run before any time
    script = tmp_path / "wrong_baseline.py"
    script.write_text(
        textwrap.dedent(f"""
        import shutil, sys
        shutil.copytree({str(wrong)!r}, sys.argv[sys.argv.index('--out') + 1])
        print('{{"seconds": 0.001}}')
    """)
    )
    monkeypatch.setattr(bench, "BASELINES", {"baseline_wrong": [script]})
    with pytest.raises(bench.BaselineMismatch, match=f"baseline_wrong: {table}: .*column {column}"):
        bench.bench_baselines(tiny.export, tiny.db, tmp_path / "b", repeat=1)


def test_product_steps_are_measured(tiny):
    """A release and the dashboard are each timed in their own process (a failure is reported)."""
    steps, db = tiny.product_steps, tiny.products_db
    assert set(steps) == {"release_activities", "dashboard_filter_latency"}
    for name, step in steps.items():
        assert "failed" not in step and step["runs"] == [step["seconds"]] and step["peak_mib"] > 0, (name, step)
    dashboard = steps["dashboard_filter_latency"]
    # every filter change of every session was timed (the sessions x rounds asked), and the statistics are ordered
    assert (dashboard["reported_sessions"], dashboard["reported_rounds"]) == (DASHBOARD_SESSIONS, DASHBOARD_ROUNDS)
    assert dashboard["reported_filter_changes"] == DASHBOARD_SESSIONS * DASHBOARD_ROUNDS, dashboard
    assert (
        0
        < dashboard["reported_filter_p50_ms"]
        <= dashboard["reported_filter_p95_ms"]
        <= dashboard["reported_filter_max_ms"]
    ), dashboard
    assert dashboard["reported_server_ready_ms"] < dashboard["reported_cold_start_to_first_complete_page_ms"], dashboard
    # what was timed is the product itself: the whole release
    released = pl.read_parquet(tiny.products / "releases" / "activities" / "data" / "activities.parquet")
    assert released.height == query(db, "select count(*) from research.activities")[0][0] > 0


def test_a_product_that_fails_is_reported_as_failed_not_timed(tiny, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(tiny.products_db, db)
    steps = bench.bench_products(
        [sys.executable, "-m", "warehouse"], db, tmp_path / "p", repeat=1, profiles=["nope"], others=()
    )
    assert list(steps) == ["release_nope"]
    assert set(steps["release_nope"]) == {"failed"}  # no seconds, no peak
    assert "nope" in steps["release_nope"]["failed"], steps


def test_the_dbt_floor_project_has_the_shape_it_is_given(tmp_path):
    """benchmarks/dbt_floor.py: a project of trivial nodes, node for node the shape asked (here a small one)."""
    import duckdb

    from benchmarks.dbt_floor import shape_of, time_builds, write_project

    shape = {"seed": 2, "table": 3, "view": 2, "incremental": 1, "test": 20}
    project = write_project(tmp_path / "floor", shape)
    db = tmp_path / "floor.duckdb"
    duckdb.connect(str(db)).close()
    seconds, startup = time_builds(db, None, project, repeat=1)
    assert len(seconds) == 1 and 0 < startup[0] < seconds[0]
    manifest = json.loads((tmp_path / "floor.duckdb.dbt" / "target" / "manifest.json").read_text())
    assert shape_of(tmp_path / "floor.duckdb.dbt" / "target" / "manifest.json") == shape
    run_results = json.loads((tmp_path / "floor.duckdb.dbt" / "target" / "run_results.json").read_text())
    assert len(run_results["results"]) == sum(shape.values())  # every node ran
    assert all(r["status"] in ("success", "pass") for r in run_results["results"])
    assert manifest["metadata"]["project_name"] == "floor"
    # the shape of what one run ran (--ran): here every node, then a run that ran two tables and three tests
    target = tmp_path / "floor.duckdb.dbt" / "target"
    assert shape_of(target / "manifest.json", target / "run_results.json") == shape
    ran = [r for r in run_results["results"] if r["unique_id"].startswith("model.") and "m_table_" in r["unique_id"]]
    ran = ran[:2] + [r for r in run_results["results"] if r["unique_id"].startswith("test.")][:3]
    (tmp_path / "part.json").write_text(json.dumps({"results": ran}))
    part = shape_of(target / "manifest.json", tmp_path / "part.json")
    assert part == {"seed": 0, "table": 2, "view": 0, "incremental": 0, "test": 3}
    # a shape without seeds (what a build after a load runs) is a project whose first models select their rows
    seedless = write_project(tmp_path / "seedless", {**shape, "seed": 0})
    assert "values" in (seedless / "models" / "m_table_0.sql").read_text()
    assert "seed_" not in (seedless / "models" / "schema.yml").read_text()
