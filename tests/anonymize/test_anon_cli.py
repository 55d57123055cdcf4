"""`pars anonymize`: the Adult round trip writes the files; an impossible policy writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from warehouse.cli import main

ROOT = Path(__file__).resolve().parents[2]
ADULT = (ROOT / ".." / "shared" / "datasets" / "adult").resolve()
pytestmark = pytest.mark.skipif(not (ADULT / "adult.csv").is_file(), reason="shared/datasets/adult not beside the repo")


def test_round_trip_on_adult(tmp_path):
    out = tmp_path / "adult"
    args = [
        "anonymize",
        "--input",
        str(ADULT / "adult.csv"),
        "--policy",
        str(ROOT / "anonymize" / "examples" / "adult_k11.yaml"),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "anonymized.csv",
        "anonymized.parquet",
        "policy.yaml",
        "risk_report.json",
    ]
    report = json.loads((out / "risk_report.json").read_text())
    assert list(report["levels"].values()) == [0, 3, 0, 2, 2, 1, 1, 2, 0]
    assert (
        report["search"]["evaluated"] + report["search"]["pruned_not_anonymous"] + report["search"]["pruned_by_bound"]
        == report["search"]["nodes"]
    )
    assert report["risk"]["k"] >= 11 and "local_recoding" in report
    table = pl.read_parquet(out / "anonymized.parquet")
    assert table.height == 30162 and table.equals(pl.read_csv(out / "anonymized.csv", infer_schema=False))
    assert (out / "policy.yaml").read_text() == (ROOT / "anonymize" / "examples" / "adult_k11.yaml").read_text()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "already exists" in again.output


def test_impossible_policy_writes_nothing(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"quasi_identifiers:\n  sex: {ADULT / 'adult_hierarchy_sex.csv'}\nk: 40000\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "anonymize",
            "--input",
            str(ADULT / "adult.csv"),
            "--policy",
            str(policy),
            "--out",
            str(out),
            "--no-local-recoding",
        ],
    )
    assert result.exit_code == 1
    assert "k=40000 but the table has only 30162 records" in result.output and "nothing was written" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [policy]
