"""`pars release`: what each profile's release folder holds, checked on the files themselves: every file in the
manifest with its hash, no identifier value in any file, a rebuild that reproduces the hashes, the risk report's PDF,
and what the command prints. The guarantees the data keep are test_release_guarantees.py; the releases refused,
test_release_refusals.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from anonymize.release import make_release

from .utility_fixtures import utility_releases

PROFILES = ("activities", "learners", "tables")


@pytest.fixture(scope="module")
def identifiers(built_warehouse) -> dict[str, set[str]]:
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:

        def column(sql: str) -> set[str]:
            return {str(r[0]) for r in con.sql(sql).fetchall() if r[0] is not None}

        return {
            "ids": column("select provider_id from core.dim_providers")
            | column("select activity_id from core.fct_activities")
            | column("select learner_board_id from research.learner_completions")
            | column("select learner_key from research.learner_completions"),
            "names": column("select provider_name from core.dim_providers")
            | column("select first_name from research.learner_completions")
            | column("select last_name from research.learner_completions")
            | column("select first_name || ' ' || last_name from research.learner_completions"),
        }
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("profile", PROFILES)
def test_every_file_is_in_the_manifest_with_its_hash(releases, profile):
    folder = releases[profile]
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk
    assert {"risk_report.json", "risk_report.pdf", "data_dictionary.json", "data_dictionary.md"} <= on_disk
    for path, entry in listed.items():
        assert sha256(folder / path) == entry["sha256"], path
    assert manifest["profile"] == profile and manifest["policy_sha256"] == sha256(
        Path(__file__).parents[2] / manifest["policy_file"]
    )
    assert manifest["source_exports"] and manifest["source_exports"][0]["export_ref"]
    for table, rows in manifest["row_counts"].items():
        assert pl.read_parquet(folder / "data" / f"{table}.parquet").height == rows
        assert pl.read_csv(folder / "data" / f"{table}.csv").height == rows
    dictionary = json.loads((folder / "data_dictionary.json").read_text())
    for table in manifest["row_counts"]:
        columns = pl.read_parquet(folder / "data" / f"{table}.parquet").columns
        described = [d["column"] for d in dictionary if d["table"] == table]
        assert described == columns and all(d["description"] for d in dictionary)


@pytest.mark.parametrize("profile", PROFILES)
def test_no_identifier_value_appears_in_any_file(releases, identifiers, profile):
    folder = releases[profile]
    for path in sorted((folder / "data").glob("*.csv")):
        # every text cell (numbers are counts, hours and credits; no identifier column exists, checked below)
        frame = pl.read_csv(path, infer_schema_length=None)
        text = [c for c, t in frame.schema.items() if t == pl.Utf8]
        cells = {v for c in text for v in frame[c].drop_nulls().to_list()}
        assert text
        assert not cells & (identifiers["ids"] | identifiers["names"]), path.name
        assert not [c for c in frame.columns if re.search(r"name|birth|board_id|activity_id|provider_id", c)]
    for name in ("risk_report.json", "manifest.json", "data_dictionary.json"):
        texts = set(strings(json.loads((folder / name).read_text())))
        assert not texts & (identifiers["ids"] | identifiers["names"]), name
    pdf = subprocess.run(
        ["pdftotext", str(folder / "risk_report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    tokens = set(re.findall(r"[A-Za-z0-9]+", pdf))
    assert not tokens & {i for i in identifiers["ids"] if len(i) >= 6}
    assert not {n for n in identifiers["names"] if n in pdf and " " in n}


def test_rebuilding_reproduces_the_manifest_hashes_and_a_new_secret_changes_only_references(
    releases, attack_releases, built_warehouse, tmp_path
):
    first = releases["activities"]
    secret = attack_releases["root"] / "secrets" / "activities.key"
    again = tmp_path / "again" / "activities"
    # on the warehouse whose register holds the first release: the reuse is audited jointly with it
    make_release("activities", attack_releases["db"], again, secret, reuse_secret=True)
    assert (again / "manifest.json").read_bytes() == (first / "manifest.json").read_bytes()
    for entry in json.loads((first / "manifest.json").read_text())["files"]:
        assert sha256(again / entry["path"]) == entry["sha256"], entry["path"]
    other = tmp_path / "other" / "activities"
    make_release("activities", built_warehouse, other, tmp_path / "other.key")
    # the rows carry no pseudonym, so the data do not depend on the secret; the manifest's references do
    assert (other / "data" / "activities.parquet").read_bytes() == (first / "data" / "activities.parquet").read_bytes()
    old, new = (json.loads((f / "manifest.json").read_text()) for f in (first, other))
    assert old["pseudonym_key_id"] != new["pseudonym_key_id"]
    assert old["source_exports"][0]["export_ref"] != new["source_exports"][0]["export_ref"]


def test_the_pdf_is_tagged_and_states_the_guarantees(releases):
    pdf = releases["learners"] / "risk_report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Tagged:\s+yes", info)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    risk = json.loads((releases["learners"] / "risk_report.json").read_text())["tables"]["learners"]
    assert "Guarantees" in text and f"{risk['records']:,}" in text
    assert re.search(rf"k \(smallest class, suppressed class counted\)\s+{risk['k']}\b", text)


def test_cli_release_prints_what_it_wrote(built_warehouse, tmp_path_factory):
    """`pars release learners` run through the CLI (CliRunner, exit 0) for the utility tests, made once per run
    (tests/release/utility_fixtures.py): what it printed and the secret file it made."""
    made = utility_releases(built_warehouse, tmp_path_factory)
    output = made["outputs"]["learners"]
    assert "wrote" in output and "learners" in output
    assert (made["learners"].parent.parent / "learners.key").stat().st_mode & 0o077 == 0


def test_the_class_size_chart_is_the_same_whatever_the_process_drew_before():
    """The risk report's chart (anonymize/release/writer.py) with matplotlib's defaults and its own settings only:
    reports/charts.py sets its fonts for the whole process when a report is drawn, and a release made after that in
    the same process had other axis ticks, so another PDF and manifest (the rebuild test above failed whenever
    its test worker had drawn a report first)."""
    import matplotlib.pyplot as plt

    from anonymize.release.writer import histogram_chart

    histogram = {"1": 2, "3": 5, "12": 40, "30": 7, "120": 1}
    before = histogram_chart(histogram, "activities")
    with plt.rc_context({"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False}):  # as reports/charts.py
        after = histogram_chart(histogram, "activities")
    assert after == before


def _guide_bullets() -> dict[str, str]:
    """The researchers' guide's bullet per profile under "What a release guarantees" (`- **profile** ...`)."""
    text = (Path(__file__).parents[2] / "docs" / "guide-researchers.md").read_text(encoding="utf-8")
    section = text.split("## What a release guarantees", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(r"^- \*\*(\w+)\*\*(.*?)(?=^- |\Z)", section, re.DOTALL | re.MULTILINE)
    return {name: body for name, body in bullets}


@pytest.mark.parametrize("profile", PROFILES)
def test_the_researchers_guide_names_only_what_the_release_holds(releases, profile):
    """Issue s12 item 3: the guide said the activities release carries providers as keyed pseudonyms (`P-...`) with
    their region; the release has no provider pseudonym and no region. Every column the guide's bullet names (in
    backticks) is a column or table of the release, and every pseudonym prefix it names (`X-...`) starts values of
    one."""
    bullet = _guide_bullets()[profile]
    files = sorted((releases[profile] / "data").glob("*.parquet"))
    frames = [pl.read_parquet(p) for p in files]
    columns = {c for f in frames for c in f.columns} | {p.stem for p in files}  # columns and table names
    for prefix in re.findall(r"`([A-Z])-\.\.\.`", bullet):
        assert any(
            f[c].dtype == pl.Utf8 and f[c].str.starts_with(f"{prefix}-").all() for f in frames for c in f.columns
        ), f"the guide says the {profile} release carries `{prefix}-...` pseudonyms; no column holds them"
    named = set(re.findall(r"`([a-z][a-z0-9_]*)`", bullet))
    assert named, f"the guide's {profile} bullet names no column"
    assert named <= columns, f"the guide names columns the {profile} release lacks: {sorted(named - columns)}"
