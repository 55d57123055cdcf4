"""`--memory-limit`: load and build cap DuckDB's memory and spill beside the warehouse, then clean up."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.helpers import query
from warehouse import resources
from warehouse.build import BuildError, build
from warehouse.cli import main
from warehouse.load import LoadError, load_export

ROOT = Path(__file__).resolve().parents[1]


def mib(setting: str) -> float:
    """DuckDB's display of a memory setting ('286.1 MiB', '1.8 GiB') in MiB."""
    number, unit = setting.split()
    return float(number) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


@pytest.mark.parametrize(
    "given, expected", [("2GB", "2GB"), ("1500mb", "1500MB"), (" 3 GiB ", "3GIB"), ("0.5GB", "0.5GB")]
)
def test_sizes_are_normalized(given, expected):
    assert resources.memory_limit(given) == expected


@pytest.mark.parametrize("bad", ["lots", "2", "-1GB", "0GB", "2 gigabytes"])
def test_a_size_duckdb_would_not_take_is_refused(bad):
    with pytest.raises(resources.MemoryLimitError, match="memory"):
        resources.memory_limit(bad)


def test_the_environment_sets_the_default(monkeypatch):
    monkeypatch.setenv(resources.ENV, "750MB")
    assert resources.memory_limit() == "750MB"
    assert resources.memory_limit("1GB") == "1GB"  # the flag wins
    monkeypatch.delenv(resources.ENV)
    assert resources.memory_limit() == resources.DEFAULT


def test_settings_reach_duckdb(tmp_path):
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    resources.apply(con, db, "300MB")
    limit, spill = con.sql("select current_setting('memory_limit'), current_setting('temp_directory')").fetchall()[0]
    con.close()
    assert 280 < mib(limit) < 300  # 300 MB is 286 MiB
    assert spill == str(tmp_path / "w.duckdb.spill")


def test_load_under_a_small_cap_loads_everything_and_leaves_no_spill_folder(base_export, tmp_path):
    capped, free = tmp_path / "capped.duckdb", tmp_path / "free.duckdb"
    out = CliRunner().invoke(main, ["load", str(base_export), "--db", str(capped), "--memory-limit", "64MB"])
    assert out.exit_code == 0, out.output
    load_export(base_export, free, memory_limit="4GB")
    for table in ("providers", "activities", "learner_completions", "quarantine"):
        assert query(capped, f"select count(*) from raw.{table}") == query(free, f"select count(*) from raw.{table}")
    assert not list(tmp_path.glob("*.spill"))


def test_a_bad_limit_stops_the_load_before_the_warehouse_exists(base_export, tmp_path):
    db = tmp_path / "w.duckdb"
    out = CliRunner().invoke(main, ["load", str(base_export), "--db", str(db), "--memory-limit", "plenty"])
    assert out.exit_code == 1
    assert "--memory-limit" in out.output and "'plenty' is not a size" in out.output
    assert not db.exists()
    with pytest.raises(LoadError, match="memory_limit|not a size"):
        load_export(base_export, db, memory_limit="plenty")


@pytest.fixture
def probe_project(tmp_path) -> Path:
    """A dbt project with the repo's profiles.yml and one model reporting DuckDB's settings."""
    project = tmp_path / "probe"
    (project / "models").mkdir(parents=True)
    shutil.copy(ROOT / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: pars\nmodel-paths: [models]\n"
    )
    (project / "models" / "duckdb_settings.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select current_setting('memory_limit') as memory_limit, "
        "current_setting('temp_directory') as temp_directory\n"
    )
    return project


def test_build_passes_the_limit_and_spill_folder_to_dbt(probe_project, tmp_path):
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    result = build(db, project_dir=probe_project, memory_limit="300MB")
    assert result.ok, result.error or result.failures
    [(limit, spill)] = query(db, "select memory_limit, temp_directory from main.duckdb_settings")
    assert 280 < mib(limit) < 300
    assert spill == str(db.with_name("w.duckdb.spill"))
    assert not db.with_name("w.duckdb.spill").exists()  # removed after the build

    out = CliRunner().invoke(
        main, ["build", "--db", str(db), "--project-dir", str(probe_project), "--memory-limit", "1GB"]
    )
    assert out.exit_code == 0, out.output
    [(limit,)] = query(db, "select memory_limit from main.duckdb_settings")
    assert 900 < mib(limit) < 1000


def test_a_bad_limit_stops_the_build_before_it_starts(probe_project, tmp_path):
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(BuildError, match="not a size"):
        build(db, project_dir=probe_project, memory_limit="huge")
    out = CliRunner().invoke(main, ["build", "--db", str(db), "--memory-limit", "huge"])
    assert out.exit_code == 1 and "not a size" in out.output and "was not changed" in out.output
