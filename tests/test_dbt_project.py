"""The dbt project parses offline, and its raw sources match the export contract column for column."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from warehouse.contract import FILES
from warehouse.load.raw import META_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def test_sources_match_the_contract():
    doc = yaml.safe_load((ROOT / "models/staging/_pars__sources.yml").read_text())
    tables = {t["name"]: t for t in doc["sources"][0]["tables"]}
    for spec in FILES:
        cols = [c["name"] for c in tables[spec.name]["columns"] if not c["name"].startswith("_")]
        assert cols == list(spec.column_names), spec.name
        meta = tuple(c["name"] for c in tables[spec.name]["columns"] if c["name"].startswith("_"))
        assert meta == META_COLUMNS, spec.name
    assert tables["learner_completions"]["meta"]["contains_personal_data"] is True


def test_dbt_project_parses(tmp_path):
    from dbt.cli.main import dbtRunner

    os.environ["DBT_PROFILES_DIR"] = str(ROOT)
    os.environ["PARS_DB"] = str(tmp_path / "w.duckdb")
    result = dbtRunner().invoke(["parse", "--project-dir", str(ROOT), "--target-path", str(tmp_path / "target"),
                                 "--log-path", str(tmp_path / "logs"), "--quiet"])
    assert result.success, result.exception
    assert "source.pars.pars.activities" in result.result.sources
