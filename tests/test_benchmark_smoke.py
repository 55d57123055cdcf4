"""The benchmark harness works end to end at a tiny scale (it checks the harness, never the timings)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import run as bench  # noqa: E402


def test_tiny_benchmark_writes_results(tmp_path):
    out = tmp_path / "results"
    assert bench.main(["--scales", "0.002", "--repeat", "1", "--out", str(out), "--work", str(tmp_path / "w"),
                       "--markdown", str(tmp_path / "RESULTS.md")]) == 0
    result = json.loads(next(out.glob("*-0.002.json")).read_text())
    assert set(result["steps"]) == {"synth", "floor_duckdb_read", "load", "reload_unchanged", "build_full",
                                    "build_after_one_month"}
    assert all(s["seconds"] > 0 and s["peak_mib"] > 0 for s in result["steps"].values())
    assert result["ratios"]["load_vs_floor_read"] > 0
    builds = [result["steps"][k] for k in ("build_full", "build_after_one_month")]
    assert all(0 < b["dbt_startup_seconds"] < b["dbt_seconds"] < b["seconds"] for b in builds)
    assert result["ratios"]["build_after_one_month_vs_full"] == pytest.approx(
        builds[1]["seconds"] / builds[0]["seconds"], abs=0.001)
    assert result["machine"]["cores"] >= 1
    assert "| 0.002 | 2022 |" in (tmp_path / "RESULTS.md").read_text()
