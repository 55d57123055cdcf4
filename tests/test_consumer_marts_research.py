"""End to end: the research marts hold the export's closed activities and completions, tagged personal data."""

from __future__ import annotations

import json

import polars as pl

from tests.helpers import query
from tests.helpers.consumer import clean, export_file  # noqa: F401  (clean: the shared fixture)


def test_research_tables_exist_and_are_tagged_personal_data(clean):
    export, db, work = clean
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    research = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("schema") == "research"
    }
    assert set(research) == {"activities", "learner_completions", "provider_years"}
    for node in research.values():
        assert node["config"]["meta"]["contains_personal_data"] is True, node["name"]
        assert "personal_data" in node["config"]["tags"], node["name"]
    closed = export_file(export, "activities").filter(pl.col("status") == "Closed").select(pl.len()).collect().item()
    completions = export_file(export, "learner_completions").select(pl.len()).collect().item()
    counts = query(
        db,
        "select (select count(*) from research.activities), "
        "(select count(*) from research.learner_completions), "
        "(select count(*) from research.provider_years), (select count(*) from core.fct_provider_years)",
    )
    assert counts[0] == (closed, completions, counts[0][3], counts[0][3])
