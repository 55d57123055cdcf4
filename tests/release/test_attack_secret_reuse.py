"""The adversary holds every release of the warehouse: a reused secret must not let them join releases into
something k no longer covers (issue 13, items 1 and 5).

Before: `pars release` silently reused an existing secret file, so two yearly learners releases had equal
pseudonyms; joined on them, 1,461 of 3,123 learners of this warehouse fell below k=11 (smallest class 1).
Now every release gets a new secret, reuse needs --reuse-secret, every release is registered beside the warehouse,
and a reuse is audited jointly with every registered release made with the same secret.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from tests.helpers import fingerprint
from warehouse.cli import main


@pytest.fixture
def db(built_warehouse, tmp_path) -> Path:
    """A private copy of the built warehouse: its release register starts empty."""
    copy = tmp_path / "w" / "warehouse.duckdb"
    copy.parent.mkdir()
    shutil.copy(built_warehouse, copy)
    return copy


def pars(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def release(db: Path, profile: str, out: Path, secret: Path, *extra) -> object:
    return pars("release", profile, "--db", db, "--out", out, "--secret-file", secret, *extra)


def register(db: Path) -> list[dict]:
    result = pars("release", "list", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def learners(folder: Path) -> pl.DataFrame:
    return pl.read_parquet(folder / "data" / "learners.parquet")


def below_k(first: pl.DataFrame, second: pl.DataFrame, k: int = 11) -> tuple[int, int]:
    """The attack: join two learners releases on the pseudonym; learners whose combined row has < k twins."""
    joined = first.join(second, on="learner", how="inner", suffix="_2")
    columns = [c for c in joined.columns if c != "learner"]
    sizes = joined.group_by(columns).agg(pl.len().alias("n"))
    joined = joined.join(sizes, on=columns)
    return int((joined["n"] < k).sum()), int(joined["n"].min())


def test_an_existing_secret_file_is_never_reused_silently(db, tmp_path):
    secret = tmp_path / "secrets" / "learners.key"
    assert release(db, "learners", tmp_path / "r1", secret, "--years", "2022").exit_code == 0
    kept = secret.read_bytes()
    second = release(db, "learners", tmp_path / "r2", secret, "--years", "2022")
    assert second.exit_code == 1, (
        f"a second release silently reused {secret.name} (exit {second.exit_code}): its pseudonyms equal the first's "
        f"({len(set(learners(tmp_path / 'r1')['learner']) & set(learners(tmp_path / 'r2')['learner'])):,} shared)"
    )
    assert "already exists" in second.output and "--reuse-secret" in second.output
    assert "nothing was written" in second.output and "Traceback" not in second.output
    assert not (tmp_path / "r2").exists() and secret.read_bytes() == kept
    assert len(register(db)) == 1


def test_reusing_a_secret_for_yearly_learners_releases_that_join_below_k_is_refused(db, built_warehouse, tmp_path):
    secret = tmp_path / "secrets" / "yearly.key"
    first = release(db, "learners", tmp_path / "y2020", secret, "--years", "2020")
    assert first.exit_code == 0, first.output
    before, tables_before, key = register(db), fingerprint(db), secret.read_bytes()
    second = release(db, "learners", tmp_path / "y2021", secret, "--years", "2021", "--reuse-secret")
    assert second.exit_code == 1, second.output
    assert "joint audit" in second.output and "smaller than k=11" in second.output
    assert "nothing was written" in second.output and "Traceback" not in second.output
    assert not (tmp_path / "y2021").exists() and register(db) == before
    assert fingerprint(db) == tables_before and secret.read_bytes() == key
    # the refusal was needed: the same release made where the register does not know the first one (a fresh copy
    # of the warehouse) is allowed, and joined with the first it puts learners below k
    elsewhere = tmp_path / "elsewhere" / "warehouse.duckdb"
    elsewhere.parent.mkdir()
    shutil.copy(built_warehouse, elsewhere)
    made = release(elsewhere, "learners", tmp_path / "y2021-elsewhere", secret, "--years", "2021", "--reuse-secret")
    assert made.exit_code == 0, made.output
    exposed, smallest = below_k(learners(tmp_path / "y2020"), learners(tmp_path / "y2021-elsewhere"))
    assert exposed > 0 and smallest < 11


def test_by_default_each_release_has_its_own_secret_and_shares_no_pseudonym(db, tmp_path):
    for year in (2020, 2021):
        made = release(db, "learners", tmp_path / f"y{year}", tmp_path / "secrets" / f"{year}.key", "--years", year)
        assert made.exit_code == 0, made.output
    first, second = learners(tmp_path / "y2020"), learners(tmp_path / "y2021")
    assert not set(first["learner"]) & set(second["learner"])
    rows = register(db)
    assert [r["years"] for r in rows] == [[2020], [2021]] and rows[0]["key_id"] != rows[1]["key_id"]
    assert all(r["secret"] == "new" for r in rows)
    dictionary = (tmp_path / "y2020" / "data_dictionary.md").read_text()
    assert "unlinkable" not in dictionary and "rows themselves" in dictionary


def test_a_reuse_that_keeps_k_jointly_is_allowed_registered_and_survives_a_build(db, tmp_path):
    from warehouse.build import build

    secret = tmp_path / "secrets" / "activities.key"
    assert release(db, "activities", tmp_path / "a1", secret, "--years", "2021-2022").exit_code == 0
    again = release(db, "activities", tmp_path / "a2", secret, "--years", "2021-2022", "--reuse-secret")
    assert again.exit_code == 0, again.output  # the same providers, the same released attributes: k holds jointly
    rows = register(db)
    assert [r["secret"] for r in rows] == ["new", "reused"] and rows[0]["key_id"] == rows[1]["key_id"]
    entry = json.loads(
        next((db.parent / f"{db.name}.releases").glob(f"*-{rows[1]['release_id']}/entry.json")).read_text()
    )
    manifest = json.loads((tmp_path / "a2" / "manifest.json").read_text())
    assert entry["policy_sha256"] == manifest["policy_sha256"] and entry["years"] == [2021, 2022]
    assert {f["path"]: f["sha256"] for f in entry["files"]} == {f["path"]: f["sha256"] for f in manifest["files"]}
    assert entry["output_path"] == str((tmp_path / "a2").resolve()) and entry["released_at"].endswith("Z")
    published = db.stat().st_ino
    # a build publishes a new file by rename whatever it selects; one staging model keeps it short
    assert build(db, select="stg_pars__providers").ok
    assert db.stat().st_ino != published  # the warehouse file was replaced ...
    assert register(db) == rows  # ... and the register beside it kept


def test_an_unreadable_register_stops_releases_instead_of_forgetting_history(db, tmp_path):
    entry = db.parent / f"{db.name}.releases" / "20250101T000000Z-0123456789ab" / "entry.json"
    entry.parent.mkdir(parents=True)
    entry.write_text("{not json")
    listed = pars("release", "list", "--db", db)
    assert listed.exit_code == 1 and "unreadable entry" in listed.output and "Traceback" not in listed.output
    refused = release(db, "tables", tmp_path / "t2", tmp_path / "secrets" / "t2.key", "--years", "2022")
    assert refused.exit_code == 1 and "unreadable entry" in refused.output and "nothing was written" in refused.output
    assert not (tmp_path / "t2").exists() and not (tmp_path / "secrets" / "t2.key").exists()
