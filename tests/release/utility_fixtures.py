"""Releases for the utility tests (tests/release/test_release_utility.py and tests/dashboards/
test_dashboard_utility.py), made once for the whole run (whichever module of whichever xdist worker asks first;
tests/helpers/shared.py) in the run's shared temporary folder: read them only.

- `learners`: the shipped learners profile on the built warehouse (some columns mostly `*` at this scale).
- `suppressed`: the learners profile with k = the number of learners, made with `pars release --profile-file`: the
  only k-anonymous release then shows `*` in every quasi-identifier of every row, so every released column but the
  pseudonym is entirely suppressed (the error-level flag), whatever the rest of the code does to the profiles.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from tests.helpers import query
from tests.helpers.shared import made_once, shared_root
from warehouse.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "anonymize" / "release" / "profiles"


def learner_count(db: Path) -> int:
    return query(
        db, "select count(distinct learner_key) from research.learner_completions where completion_status = 'Accepted'"
    )[0][0]


def all_suppressed_profile(db: Path, path: Path) -> Path:
    """The shipped learners profile with k = every learner (hierarchy paths made absolute)."""
    raw = yaml.safe_load((PROFILES / "learners.yaml").read_text())
    raw["policy"]["k"] = learner_count(db)
    for spec in raw["policy"]["quasi_identifiers"].values():
        if isinstance(spec, dict) and "hierarchy" in spec:
            spec["hierarchy"] = str((PROFILES / spec["hierarchy"]).resolve())
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def utility_releases(built_warehouse: Path, tmp_path_factory) -> dict:
    """{"learners": Path, "suppressed": Path, "outputs": {name: CLI output}} (see the module docstring)."""

    def make(root: Path) -> None:
        db = root / "warehouse.duckdb"  # a private copy: the register beside it gets these releases only
        db.write_bytes(Path(built_warehouse).read_bytes())
        outputs, paths = {}, {}
        for name, extra in (
            ("learners", []),
            ("suppressed", ["--profile-file", str(all_suppressed_profile(db, root / "k-all.yaml"))]),
        ):
            out = root / "releases" / name
            result = CliRunner().invoke(
                main,
                [
                    "release",
                    "learners",
                    "--db",
                    str(db),
                    "--out",
                    str(out),
                    "--secret-file",
                    str(root / f"{name}.key"),
                    *extra,
                ],
            )
            assert result.exit_code == 0, result.output
            outputs[name], paths[name] = result.output, str(out)
        (root / "done.json").write_text(json.dumps({"paths": paths, "outputs": outputs}))

    done = json.loads((made_once(shared_root(tmp_path_factory), "utility-releases", make) / "done.json").read_text())
    return {**{k: Path(v) for k, v in done["paths"].items()}, "outputs": done["outputs"]}
