"""`pars release`: what a release refuses, and that a refused release writes nothing: an impossible policy, a
profile giving the activity rows a provider pseudonym, a secret inside the release, an existing output, --dp for a
profile other than tables and a missing warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from anonymize.release import ReleaseError, make_release
from warehouse.cli import main


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
