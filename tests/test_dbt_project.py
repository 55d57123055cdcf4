"""The dbt project parses offline and follows the house conventions (checked over the parsed manifest)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from warehouse.contract import FILES
from warehouse.load.raw import META_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    from dbt.cli.main import dbtRunner

    tmp = tmp_path_factory.mktemp("dbt")
    os.environ["DBT_PROFILES_DIR"] = str(ROOT)
    os.environ.setdefault("PARS_DB", str(tmp / "w.duckdb"))
    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(ROOT),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    return json.loads((tmp / "target" / "manifest.json").read_text())


def models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_sources_match_the_contract():
    doc = yaml.safe_load((ROOT / "models/staging/_pars__sources.yml").read_text())
    tables = {t["name"]: t for t in doc["sources"][0]["tables"]}
    for spec in FILES:
        cols = [c["name"] for c in tables[spec.name]["columns"] if not c["name"].startswith("_")]
        assert cols == list(spec.column_names), spec.name
        meta = tuple(c["name"] for c in tables[spec.name]["columns"] if c["name"].startswith("_"))
        assert meta == META_COLUMNS, spec.name
    assert tables["learner_completions"]["meta"]["contains_personal_data"] is True


def test_every_raw_table_has_one_staging_model(manifest):
    staged = {n["name"] for n in models(manifest) if n["name"].startswith("stg_pars__")}
    assert {f"stg_pars__{spec.name}" for spec in FILES} <= staged


def test_source_is_only_used_in_staging(manifest):
    for node in models(manifest):
        if node["depends_on"]["nodes"] and any(d.startswith("source.") for d in node["depends_on"]["nodes"]):
            assert node["path"].startswith("staging/"), node["name"]


SOURCE_CALL = re.compile(r"{{-?\s*source\s*\(")


def test_source_is_only_called_in_staging_sql():
    """Read the SQL files themselves: a source() inside an is_incremental() branch or a hook's macro leaves no
    trace in the manifest. Only staging models, and macros that only staging models call, may call source()."""
    staging = sorted((ROOT / "models" / "staging").rglob("*.sql"))
    others = [f for f in sorted((ROOT / "models").rglob("*.sql")) if f not in staging]
    assert staging and others
    outside = [str(f.relative_to(ROOT)) for f in others if SOURCE_CALL.search(f.read_text())]
    assert outside == [], f"source() outside staging: {outside}"
    for macro_file in sorted((ROOT / "macros").rglob("*.sql")):
        text = macro_file.read_text()
        if not SOURCE_CALL.search(text):
            continue
        names = re.findall(r"{%-?\s*macro\s+(\w+)", text)
        callers = [
            str(f.relative_to(ROOT))
            for f in others + sorted((ROOT / "macros").rglob("*.sql"))
            if f != macro_file and any(re.search(rf"\b{n}\s*\(", f.read_text()) for n in names)
        ]
        assert callers == [], f"{macro_file.name} calls source() and is used outside staging: {callers}"


def test_every_model_and_column_is_documented(manifest):
    for node in models(manifest):
        assert node["description"].strip(), f"{node['name']} has no description"
        assert node["columns"], f"{node['name']} documents no columns"
        undocumented = [c for c, v in node["columns"].items() if not v["description"].strip()]
        assert not undocumented, f"{node['name']}: {undocumented}"


def generic_tests(manifest: dict) -> dict[str, list[dict]]:
    """unique_id of a model or seed -> its generic data tests."""
    found: dict[str, list[dict]] = {}
    for t in manifest["nodes"].values():
        if t["resource_type"] == "test" and t.get("test_metadata") and t.get("attached_node"):
            found.setdefault(t["attached_node"], []).append(t)
    return found


def test_every_mart_is_contracted_keyed_and_states_its_grain(manifest):
    """Keyed: its `checks` test names a unique column or combination (a key is never a constraint: a PRIMARY KEY
    or UNIQUE index costs about 120% of the insert time and a file 5x bigger on a big table)."""
    tests = generic_tests(manifest)
    marts = [n for n in models(manifest) if n["path"].startswith("marts/")]
    assert len(marts) >= 12
    for node in marts:
        assert node["config"]["contract"]["enforced"], f"{node['name']} has no enforced contract"
        assert all(c.get("data_type") for c in node["columns"].values()), node["name"]
        keys = [
            key
            for t in tests.get(node["unique_id"], [])
            if t["test_metadata"]["name"] == "checks"
            for key in ("unique", "unique_combinations")
            if t["test_metadata"]["kwargs"].get(key)
        ]
        assert keys, f"{node['name']} has no key in its checks"
        assert "grain" in node["description"].lower(), f"{node['name']} states no grain"


def test_a_model_has_one_checks_test_and_a_contracted_table_constraints(manifest):
    """dbt costs about 19 ms per node before any SQL: a model's or seed's generic checks are one `checks` test
    (macros/generic_tests/checks.sql). A table with an enforced contract carries its not-null, accepted-values and
    range rules as column constraints (DuckDB enforces them at insert, no node); its checks hold only what a
    constraint cannot: keys and relationships. Views and seeds cannot carry constraints."""
    tables = {
        n["unique_id"]
        for n in models(manifest)
        if n["config"]["materialized"] in ("table", "incremental") and n["config"]["contract"]["enforced"]
    }
    for attached, tests in generic_tests(manifest).items():
        assert [t["test_metadata"]["name"] for t in tests] == ["checks"], f"{attached}: {[t['name'] for t in tests]}"
        if attached in tables:
            kwargs = tests[0]["test_metadata"]["kwargs"]
            movable = [k for k in ("not_null", "accepted_values", "accepted_range") if kwargs.get(k)]
            assert movable == [], f"{attached}: {movable} should be column constraints"
    constrained = {n["unique_id"] for n in models(manifest) for c in n["columns"].values() if c.get("constraints")}
    assert len(constrained) >= 30 and constrained <= tables  # constraints only where DuckDB enforces them


def test_counting_rules_have_unit_tests(manifest):
    tested = {n["model"] for n in manifest["unit_tests"].values()}
    assert {"stg_pars__activities", "fct_activities", "fct_provider_years"} <= tested


def test_personal_data_is_tagged(manifest):
    tagged = {n["name"] for n in models(manifest) if n["config"].get("meta", {}).get("contains_personal_data")}
    assert {"stg_pars__learner_completions", "fct_learner_completions"} <= tagged


def test_no_mart_reads_a_mart_of_another_area(manifest):
    """A mart reads staging and intermediate models, seeds, the marts of its own area (its folder and schema:
    annual_report, moc, rems, review, ops, research) and core, the shared base that every area builds on; core
    reads no area. Logic two areas share is an intermediate model both read (the completeness problems of review
    and ops: intermediate/review/int_review__completeness_*), so no area depends on another's published shape."""
    nodes = manifest["nodes"]
    crossing = []
    for node in models(manifest):
        if not node["path"].startswith("marts/"):
            continue
        area = node["path"].split("/")[1]
        for parent in node["depends_on"]["nodes"]:
            other = nodes.get(parent)
            if other is None or other["resource_type"] != "model" or not other["path"].startswith("marts/"):
                continue
            other_area = other["path"].split("/")[1]
            if other_area != area and other_area != "core":
                crossing.append(f"{area}.{node['name']} reads {other_area}.{other['name']}")
    assert crossing == [], "marts reading another area's marts:\n" + "\n".join(crossing)
    core = [n for n in models(manifest) if n["path"].startswith("marts/core/")]
    assert core and all(n["config"]["schema"] == "core" for n in core)
