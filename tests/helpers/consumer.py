"""What the consumer-marts tests share: the clean built warehouse (`clean`) and an export's file.

`clean` is a module fixture defined here, as `dbt_work` is in tests/helpers/dbtwork.py: a test file that uses it
imports it by name, `from tests.helpers.consumer import clean  # noqa: F401`, and gets its own copy (a copy of the
run's shared built warehouse: a few hundredths of a second).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest


def export_file(export: Path, name: str) -> pl.LazyFrame:
    """One CSV file of the export as text (empty fields null)."""
    return pl.scan_csv(export / f"{name}.csv", infer_schema=False)


@pytest.fixture(scope="module")
def clean(built_warehouse, tmp_path_factory) -> tuple[Path, Path, Path]:
    """A clean generated export (three years at scale 0.01) and its fully built warehouse: a copy of the run's shared
    built warehouse (tests/conftest.py) with dbt's target folder of that build (its manifest), in a folder of its
    own (the PIP sample test reruns a model in it)."""
    tmp = tmp_path_factory.mktemp("consumer_clean")
    shutil.copyfile(built_warehouse, tmp / "w.duckdb")
    shutil.copytree(built_warehouse.with_name(built_warehouse.name + ".dbt") / "target", tmp / "target")
    return built_warehouse.parent / "export", tmp / "w.duckdb", tmp
