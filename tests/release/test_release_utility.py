"""Utility is visible: every release reports, per released column, the share published at full detail, generalized
and suppressed, warns when a column is mostly suppressed and flags one that is entirely suppressed (risk_report.json,
risk_report.pdf, the data dictionary and `pars release`'s output). The numbers are checked against a count made
here, independently, from the released Parquet and the hierarchy files."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest

from anonymize.hierarchy import from_levels
from warehouse.contract import codes

from .utility_fixtures import utility_releases

HIERARCHIES = Path(__file__).resolve().parents[2] / "anonymize" / "release" / "hierarchies"


@pytest.fixture(scope="module")
def made(built_warehouse, tmp_path_factory, attack_releases) -> dict:
    """The three profiles' releases: activities and tables shared with the attack tests, learners made here."""
    return {
        **utility_releases(built_warehouse, tmp_path_factory),
        "activities": attack_releases["activities"],
        "tables": attack_releases["tables"],
    }


def risk(folder: Path) -> dict:
    return json.loads((folder / "risk_report.json").read_text())


def pdf_text(folder: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(folder / "risk_report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout


# ------------------------------------------------------------------------------ an independent count


def leaves(name: str) -> set[str]:
    return {line.split(";")[0] for line in (HIERARCHIES / f"{name}.csv").read_text().splitlines() if line.strip()}


def _all_in(parts: list[str], allowed) -> bool:
    return all(p in allowed for p in parts)


LEARNER_LEAF = {  # what a learners value looks like at full detail (level 0 of its derived hierarchy)
    "board": lambda v: v in leaves("board"),
    "completions_by_year": lambda v: re.fullmatch(r"\d{4}:\d+(;\d{4}:\d+)*", v) is not None,
    "credits_by_year": lambda v: re.fullmatch(r"\d{4}:\d+(\.\d+)?(;\d{4}:\d+(\.\d+)?)*", v) is not None,
    "activity_types": lambda v: _all_in(v.split("+"), codes.ACTIVITY_TYPES),
    "organization_types": lambda v: _all_in(v.split(" | "), codes.ORGANIZATION_TYPES),
}


def expected_counts(profile: str, table: str, frame: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Per column {full, generalized, suppressed}, counted row by row from the released values."""
    out = {}
    for column in frame.columns:
        values = frame[column].to_list()
        if profile == "tables":  # a count table: an empty cell is suppressed, anything else published
            suppressed = sum(v is None for v in values)
            out[column] = {"full": len(values) - suppressed, "generalized": 0, "suppressed": suppressed}
            continue
        if profile == "learners":
            is_leaf = LEARNER_LEAF.get(column)
        elif (HIERARCHIES / f"{column}.csv").exists():
            is_leaf = leaves(column).__contains__
        else:
            is_leaf = None
        full = generalized = suppressed = 0
        for v in values:
            if v == "*":
                suppressed += 1
            elif is_leaf is None or v is None or is_leaf(v):
                full += 1
            else:
                generalized += 1
        out[column] = {"full": full, "generalized": generalized, "suppressed": suppressed}
    return out


# ------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("profile", ["activities", "learners", "tables"])
def test_risk_report_has_utility_per_released_column_matching_an_independent_count(made, profile):
    folder = made[profile]
    report = risk(folder)["utility"]
    data = {p.stem: pl.read_parquet(p) for p in sorted((folder / "data").glob("*.parquet"))}
    assert sorted(report["tables"]) == sorted(data)
    for table, frame in data.items():
        block = report["tables"][table]
        assert block["unit"] == ("cell" if profile == "tables" else "row") and block["count"] == frame.height
        assert [c["column"] for c in block["columns"]] == frame.columns
        expected = expected_counts(profile, table, frame)
        for c in block["columns"]:
            assert c["counts"] == expected[c["column"]], (table, c["column"])
            for part in ("full", "generalized", "suppressed"):
                assert c[part] == pytest.approx(c["counts"][part] / frame.height, abs=1e-6)
            share = c["counts"]["suppressed"] / frame.height
            assert c["level"] == ("error" if share == 1 else "warning" if share > 0.5 else "ok"), c
            assert (c["warning"] is None) == (c["level"] == "ok")
    flagged = {(w["table"], w["column"]) for w in report["warnings"]}
    assert flagged == {
        (t, c["column"]) for t, b in report["tables"].items() for c in b["columns"] if c["level"] != "ok"
    }


def test_learners_local_recoding_is_counted_row_by_row(made):
    """The learners release mixes levels within a column (local recoding): all three kinds occur in one column."""
    columns = {c["column"]: c["counts"] for c in risk(made["learners"])["utility"]["tables"]["learners"]["columns"]}
    assert any(sum(v > 0 for v in counts.values()) >= 2 for counts in columns.values()), columns
    assert columns["learner"] == {"full": columns["learner"]["full"], "generalized": 0, "suppressed": 0}


def test_an_entirely_suppressed_column_is_flagged_in_json_pdf_dictionary_and_cli(made):
    folder = made["suppressed"]
    report = risk(folder)["utility"]
    columns = {c["column"]: c for c in report["tables"]["learners"]["columns"]}
    for name in ("board", "completions_by_year", "credits_by_year", "activity_types", "organization_types"):
        assert columns[name]["suppressed"] == 1.0 and columns[name]["level"] == "error"
        assert columns[name]["warning"].startswith(f"{name}: 100% suppressed")
    assert columns["learner"]["level"] == "ok" and columns["learner"]["full"] == 1.0

    text = pdf_text(folder)
    assert "Utility per column" in text
    assert "organization_types: 100% suppressed" in text  # the warning list at the top of the section
    row = next(line for line in text.splitlines() if line.strip().startswith("organization_types"))
    assert re.search(r"0\.0%\s+0\.0%\s+100\.0%\s+ENTIRELY SUPPRESSED", row), row

    dictionary = {r["column"]: r for r in json.loads((folder / "data_dictionary.json").read_text())}
    assert dictionary["organization_types"]["utility"].startswith("full 0.0%, generalized 0.0%, suppressed 100.0%")
    assert "ENTIRELY SUPPRESSED" in dictionary["organization_types"]["utility"]
    markdown = (folder / "data_dictionary.md").read_text()
    assert re.search(r"\| organization_types \| .* \| full 0\.0%, generalized 0\.0%, suppressed 100\.0%", markdown)

    output = made["outputs"]["suppressed"]
    assert "utility of learners" in output
    assert "ERROR: organization_types: 100% suppressed" in output


def test_the_cli_prints_the_utility_summary_and_warnings_of_a_normal_release(made):
    output = made["outputs"]["learners"]
    report = risk(made["learners"])["utility"]
    assert re.search(r"utility of learners \([\d,]+ rows; full / generalized / suppressed\):", output)
    for w in report["warnings"]:
        assert f"{w['level'].upper()}: {w['message']}" in output
    assert output.count("WARNING:") + output.count("ERROR:") == len(report["warnings"])


def test_utility_counts_rows_against_each_columns_hierarchy():
    """On hand-made rows: leaves are full, labels of a higher level generalized, `*` suppressed, per row."""
    from anonymize.release import utility

    h = from_levels("org", "test", [["A1", "A", "*"], ["A2", "A", "*"], ["B1", "B", "*"]])
    frame = pl.DataFrame({"org": ["A1", "A", "*", "B1", "B", "A2", "*", "*"], "n": [1, 2, 3, 4, 5, 6, 7, 8]})
    block = utility.table_utility(frame, {"org": h}, unit="row")
    org, n = block["columns"]
    assert org["counts"] == {"full": 3, "generalized": 2, "suppressed": 3} and org["level"] == "ok"
    assert n["counts"] == {"full": 8, "generalized": 0, "suppressed": 0}
    mostly = utility.table_utility(
        frame.with_columns(pl.lit("*").alias("org")).head(5).vstack(frame.head(3)), {"org": h}, unit="row"
    )["columns"][0]
    assert mostly["suppressed"] == pytest.approx(6 / 8) and mostly["level"] == "warning"
    assert mostly["warning"] == "org: 75.0% suppressed (more than half of the rows are '*')"
    cells = utility.table_utility(
        pl.DataFrame({"year": ["2020", "All"], "count": [None, None]}, schema={"year": pl.Utf8, "count": pl.Int64}),
        {},
        unit="cell",
    )
    assert cells["columns"][1]["level"] == "error" and cells["columns"][1]["warning"].startswith(
        "count: 100% suppressed (every cell is empty"
    )
    assert cells["columns"][0]["counts"] == {"full": 2, "generalized": 0, "suppressed": 0}
