"""`pars release`: the three profiles from a built warehouse, every guarantee checked on the files themselves."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from anonymize.release import ReleaseError, make_release
from anonymize.tables.linear_audit import ALL, audit
from warehouse.cli import main

from .utility_fixtures import utility_releases

PROFILES = ("activities", "learners", "tables")


@pytest.fixture(scope="module")
def releases(attack_releases, built_warehouse, tmp_path_factory) -> dict[str, Path]:
    """The three profiles' releases of the built warehouse, each with a new secret (an existing secret file is reused
    only on request), made once per run and shared: activities and tables are `attack_releases` (one copy of the
    warehouse, tests/release/conftest.py), learners the one `pars release learners` made for the utility tests."""
    return {
        "activities": attack_releases["activities"],
        "tables": attack_releases["tables"],
        "learners": utility_releases(built_warehouse, tmp_path_factory)["learners"],
    }


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


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
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


def test_activities_k_over_providers_and_l_on_commercial_support(releases, built_warehouse):
    frame = pl.read_parquet(releases["activities"] / "data" / "activities.parquet")
    qis = ["organization_type", "accreditor_type"]
    assert frame.height == query(built_warehouse, "select count(*) from research.activities")[0][0]
    assert not {"provider", "provider_id", "census_region", "provider_state"} & set(frame.columns)
    # every released class is shared by at least 11 providers: count the providers whose values generalize to it
    trees = {
        q: {
            line.split(";")[0]: set(line.split(";"))
            for line in (Path(__file__).parents[2] / "anonymize" / "release" / "hierarchies" / f"{q}.csv")
            .read_text()
            .splitlines()
        }
        for q in qis
    }
    providers = query(
        built_warehouse, "select distinct provider_id, organization_type, accreditor_type from research.activities"
    )
    classes = frame.group_by(qis).agg(pl.col("has_commercial_support").n_unique().alias("l"))
    for row in classes.to_dicts():
        fitting = [
            p
            for p, *values in providers
            if all(row[q] == "*" or row[q] in trees[q][v] for q, v in zip(qis, values, strict=True))
        ]
        assert len(fitting) >= 11, row
    assert classes["l"].min() >= 2
    risk = json.loads((releases["activities"] / "risk_report.json").read_text())
    assert risk["tables"]["activities"]["k"] >= 11 and risk["tables"]["activities"]["unit"] == "provider"
    assert all(g["ok"] for g in risk["guarantees"])
    # the utility block states the shares of the file itself
    utility = risk["tables"]["activities"]["utility"]
    assert utility["rows"] == frame.height
    for column in [*qis, "activity_type", "activity_format_group"]:
        shares = utility["columns"][column]
        assert shares["kept"] == round(float((frame[column] != "*").mean()), 4), column
        assert abs(shares["kept"] + shares["suppressed_for_k"] + shares["hidden_with_tables_cells"] - 1) < 1e-3


def test_learners_every_row_matches_ten_others_on_everything_released(releases, built_warehouse):
    frame = pl.read_parquet(releases["learners"] / "data" / "learners.parquet")
    released = [c for c in frame.columns if c != "learner"]
    sizes = frame.group_by(released).len()["len"]
    assert sizes.min() >= 11
    accepted = query(
        built_warehouse,
        "select count(distinct learner_key) from research.learner_completions where completion_status = 'Accepted'",
    )[0][0]
    assert frame.height == accepted and frame["learner"].n_unique() == accepted
    assert frame["learner"].str.starts_with("L-").all()
    risk = json.loads((releases["learners"] / "risk_report.json").read_text())["tables"]["learners"]
    assert risk["k"] == sizes.min() and risk["suppressed_share"] <= 0.04
    assert risk["prosecutor_risk"]["max"] <= 1 / 11 + 1e-12


def _published(folder: Path, table: str, dims: list[str]) -> pl.DataFrame:
    return pl.read_csv(folder / "data" / f"{table}.csv", infer_schema=False).with_columns(
        pl.col(c).cast(pl.Float64)
        for c in (
            "activities",
            "hours_of_instruction",
            "physician_interactions",
            "other_learner_interactions",
            "completions",
        )
        if c in pl.read_csv(folder / "data" / f"{table}.csv", n_rows=1).columns
    )


def test_tables_no_small_cell_and_every_suppressed_cell_protected_across_linked_tables(releases, built_warehouse):
    folder = releases["tables"]
    by_type = _published(
        folder, "activities_by_type_organization_year", ["activity_type", "organization_type", "report_year"]
    )
    by_state = _published(folder, "activities_by_state_year", ["provider_state", "report_year"])
    counts = ["activities", "physician_interactions", "other_learner_interactions"]
    for frame in (by_type, by_state):
        for c in counts:
            published = frame[c].drop_nulls()
            assert not ((published >= 1) & (published <= 10)).any(), c
    # the shared cells (national total per year) agree and are suppressed alike
    shared_type = by_type.filter((pl.col("activity_type") == ALL) & (pl.col("organization_type") == ALL))
    shared_state = by_state.filter(pl.col("provider_state") == ALL)
    assert (
        shared_type.select("report_year", *counts)
        .sort("report_year")
        .equals(shared_state.select("report_year", *counts).sort("report_year"))
    )
    # re-audit independently: true values from the warehouse, the mask from the published files, one linked system
    truth = {
        (t, o, y): (a, p, x)
        for t, o, y, a, p, x in query(
            built_warehouse,
            """
            select activity_type, organization_type, report_year::varchar, count(*), sum(physician_interactions),
                   sum(other_learner_interactions) from research.activities group by all""",
        )
    }
    states = {
        (s, y): (a, p, x)
        for s, y, a, p, x in query(
            built_warehouse,
            """
            select provider_state, report_year::varchar, count(*), sum(physician_interactions),
                   sum(other_learner_interactions) from research.activities group by all""",
        )
    }
    stacked = pl.concat(
        [
            by_type.with_columns(pl.lit(ALL).alias("provider_state")),
            by_state.with_columns(pl.lit(ALL).alias("activity_type"), pl.lit(ALL).alias("organization_type")),
        ],
        how="diagonal",
    ).unique(subset=["activity_type", "organization_type", "provider_state", "report_year"])
    dims = ["activity_type", "organization_type", "provider_state", "report_year"]
    stacked = stacked.sort(dims)
    mask = stacked["activities"].is_null().to_numpy()
    assert mask.any()

    def true_value(row, i):
        t, o, s, y = row
        if s == ALL:
            keys = [k for k in truth if (t in (ALL, k[0])) and (o in (ALL, k[1])) and (y in (ALL, k[2]))]
            return sum(truth[k][i] for k in keys)
        keys = [k for k in states if s == k[0] and (y in (ALL, k[1]))]
        return sum(states[k][i] for k in keys)

    rows = stacked.select(dims).rows()
    for i, measure in enumerate(counts):
        values = np.array([true_value(r, i) for r in rows], dtype=np.int64)
        published = stacked[measure].to_numpy()
        assert np.array_equal(values[~mask], published[~mask].astype(np.int64)), measure
        checked = audit(stacked.with_columns(pl.Series(measure, values)), dims, measure, mask)
        assert checked and all(c.protected for c in checked), [c for c in checked if not c.protected][:3]
    risk = json.loads((folder / "risk_report.json").read_text())
    assert risk["systems"]["activities"]["exposed"] == 0
    # the published report states each suppressed cell's interval, never the value it hides
    intervals = risk["systems"]["activities"]["intervals"]
    assert len(intervals) == int(mask.sum()) and all(set(i) == {"cell", "lo", "hi", "protected"} for i in intervals)
    assert '"value"' not in (folder / "risk_report.json").read_text()
    assert risk["systems"]["activities"]["primary_suppressed"] + risk["systems"]["activities"][
        "secondary_suppressed"
    ] == int(mask.sum())


def test_audit_of_linked_tables_catches_what_one_table_alone_hides():
    # Table A (by type) hides t0 = 4 and its total 34, publishing t1 = 30: audited alone, t0 could be anything.
    # Table B (by state) publishes 17 + 17 = 34, the same total: together they pin t0 to exactly 4. Stacking
    # both into one system, as the tables profile does, must catch it.
    a = pl.DataFrame({"type": ["t0", "t1", ALL], "n": [4, 30, 34]})
    mask_a = (a["type"] != "t1").to_numpy()
    assert all(i.protected for i in audit(a, ["type"], "n", mask_a))
    stacked = pl.DataFrame(
        {
            "type": ["t0", "t1", ALL, ALL, ALL],
            "state": [ALL, ALL, ALL, "s0", "s1"],
            "n": [4, 30, 34, 17, 17],
        }
    )
    mask = np.array([True, False, True, False, False])
    found = {(i.cell["type"], i.cell["state"]): i for i in audit(stacked, ["type", "state"], "n", mask)}
    assert (found[("t0", ALL)].lo, found[("t0", ALL)].hi) == (4, 4) and not found[("t0", ALL)].protected


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


def test_an_impossible_policy_fails_and_writes_nothing(built_warehouse, tmp_path):
    strict = tmp_path / "activities.yaml"
    shipped = Path(__file__).parents[2] / "anonymize" / "release" / "profiles" / "activities.yaml"
    text = shipped.read_text().replace("k: 11", "k: 1000")
    text = text.replace("../hierarchies/", str(shipped.parent.parent / "hierarchies") + "/")
    strict.write_text(text)
    out = tmp_path / "out" / "activities"
    result = CliRunner().invoke(
        main,
        [
            "release",
            "activities",
            "--db",
            str(built_warehouse),
            "--out",
            str(out),
            "--secret-file",
            str(tmp_path / "k"),
            "--profile-file",
            str(strict),
        ],
    )
    assert result.exit_code == 1
    assert "k=1000" in result.output and "nothing was written" in result.output
    assert not out.exists() and not (tmp_path / "out").exists()


def test_a_profile_giving_activity_rows_a_provider_pseudonym_is_refused(built_warehouse, tmp_path):
    # version 1 of the profile did, and a provider known by one catalogued activity was singled out through it
    old = tmp_path / "activities.yaml"
    shipped = Path(__file__).parents[2] / "anonymize" / "release" / "profiles" / "activities.yaml"
    text = shipped.read_text().replace("../hierarchies/", str(shipped.parent.parent / "hierarchies") + "/")
    old.write_text(
        text.replace(
            "unit: provider_id\n",
            'unit: provider_id\npseudonyms:\n  provider_id: {name: provider, prefix: "P-", length: 12}\n',
        )
    )
    out = tmp_path / "out" / "activities"
    result = CliRunner().invoke(
        main,
        [
            "release",
            "activities",
            "--db",
            str(built_warehouse),
            "--out",
            str(out),
            "--secret-file",
            str(tmp_path / "k"),
            "--profile-file",
            str(old),
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no provider pseudonym" in result.output and "nothing was written" in result.output
    assert not out.exists() and not (tmp_path / "k").exists()


def test_refusals_secret_inside_release_existing_output_dp_on_other_profiles(built_warehouse, tmp_path):
    out = tmp_path / "r"
    with pytest.raises(ReleaseError, match="inside the release directory"):
        make_release("learners", built_warehouse, out, out / "secret.key")
    out.mkdir()
    (out / "x").write_text("keep me")
    with pytest.raises(ReleaseError, match="not empty"):
        make_release("learners", built_warehouse, out, tmp_path / "k")
    assert (out / "x").read_text() == "keep me"
    with pytest.raises(ReleaseError, match="--dp applies to the tables profile"):
        make_release("learners", built_warehouse, tmp_path / "r2", tmp_path / "k", dp_epsilon=1.0)
    with pytest.raises(ReleaseError, match="warehouse not found"):
        make_release("learners", tmp_path / "missing.duckdb", tmp_path / "r3", tmp_path / "k")


def test_dp_tables_spend_the_stated_epsilon_and_report_errors(built_warehouse, tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "release",
            "tables",
            "--db",
            str(built_warehouse),
            "--out",
            str(tmp_path / "dp"),
            "--secret-file",
            str(tmp_path / "k"),
            "--dp",
            "0.5",
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "dp"
    risk = json.loads((folder / "risk_report.json").read_text())
    dp = risk["systems"]["completions"]["dp"]["completions_by_board_year"]
    assert abs(risk["epsilon"] - 0.5) < 1e-9 and abs(dp["epsilon"] - 0.5) < 1e-9
    assert dp["contribution_bound"] == 30 and dp["privacy_unit"] == "learner"
    table = pl.read_csv(folder / "data" / "completions_by_board_year.csv", schema_overrides={"report_year": pl.Utf8})
    interior = table.filter((pl.col("board") != ALL) & (pl.col("report_year") != ALL))
    years = query(built_warehouse, "select distinct unnest(reporting_years) from raw.load_history")
    assert interior.height == 8 * len(years)  # the public key set, zeros included
    assert (
        table.filter((pl.col("board") == ALL) & (pl.col("report_year") == ALL))["completions"][0]
        == interior["completions"].sum()
    )
    assert (interior["completions_error_95"] == dp["error_95_interior"]).all()
    assert table["completions_error_95"].max() > dp["error_95_interior"]  # margins sum several noises
    # the noise is real: the noisy interior differs from the clipped truth somewhere
    truth = dict(
        ((b, str(y)), n)
        for b, y, n in query(
            built_warehouse,
            """
        select board, activity_report_year, count(*) from research.learner_completions
        where completion_status = 'Accepted' group by all""",
        )
    )
    assert any(truth.get((b, y), 0) != n for b, y, n in interior.select("board", "report_year", "completions").rows())
    assert json.loads((folder / "manifest.json").read_text())["reproducible"] is False


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
