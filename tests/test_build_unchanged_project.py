"""A build of an unchanged project leaves out its views and seeds, and the nodes that read only seeds.

Both tests read the run's shared second build of the built warehouse (`unchanged_rebuild`, tests/helpers/rebuild.py).
"""

from __future__ import annotations

import json

from tests.helpers.rebuild import unchanged_rebuild  # noqa: F401  (the shared fixture)


def _reads_only_seeds(manifest: dict) -> set[str]:
    """The models and data tests whose upstream nodes are all seeds (transitively; a source is not a seed)."""
    memo: dict[str, bool] = {}

    def only_seeds(key: str) -> bool:
        if key not in memo:
            node = manifest.get(key)
            if node is None:  # a source
                memo[key] = False
            elif node["resource_type"] == "seed":
                memo[key] = True
            else:
                deps = node["depends_on"]["nodes"]
                memo[key] = bool(deps) and all(only_seeds(d) for d in deps)
        return memo[key]

    return {k for k, n in manifest.items() if n["resource_type"] in ("model", "test") and only_seeds(k)}


def test_a_build_of_an_unchanged_project_leaves_out_its_views_and_seeds(
    unchanged_rebuild,  # noqa: F811  (the imported fixture)
):
    """Views store SQL, seeds the project's CSV rows: an unchanged project has them already as a build would make
    them, and the tables and data tests that read only seeds (tag seeds_only) would rebuild and check the same rows
    again. The data tests of what the load can have changed still run (that the build gives the tables of a full
    one, and runs exactly what reads the sources the load wrote: test_build_untouched.py).

    The build is `pars build` of a copy of the built warehouse after a load of corrected completions, shared with
    test_build_unit_test_gate.py and test_build_untouched.py (tests/helpers/rebuild.py)."""
    out = unchanged_rebuild
    assert out.exit_code == 0, out.output
    assert (
        "views and seeds not recreated, nor the tables and checks that read only seeds: the project is unchanged"
        in out.output
    )
    manifest = json.loads((out.target / "manifest.json").read_text())["nodes"]
    ran = {r["unique_id"] for r in json.loads((out.target / "run_results.json").read_text())["results"]}
    views = {k for k, n in manifest.items() if n["resource_type"] == "model" and n["config"]["materialized"] == "view"}
    seeds = {k for k, n in manifest.items() if n["resource_type"] == "seed"}
    seeds_only = _reads_only_seeds(manifest)
    data_tests = {k for k, n in manifest.items() if n["resource_type"] == "test"}
    assert views and seeds and ran & (views | seeds) == set()
    # the tables and checks of seeds alone (13 tests and 5 tables when written) are left out too
    assert len(seeds_only & data_tests) >= 10 and ran & seeds_only == set()
    # the checks of the views left out still run where the load wrote what they read (fct_activities reads the
    # load history: the date of the newest export)
    assert "test.pars.checks_fct_learner_completions" in {k.rsplit(".", 1)[0] for k in ran}
    assert out.report["unchanged_skipped"] and out.count("model") > 10


def test_the_nodes_tagged_seeds_only_are_exactly_those_that_read_only_seeds(unchanged_rebuild):  # noqa: F811
    """A build of an unchanged project leaves out the nodes tagged seeds_only: a tagged node that reads a source
    (or a model that does) would keep stale rows, and an untagged one that reads only seeds costs a node."""
    manifest = json.loads((unchanged_rebuild.target / "manifest.json").read_text())["nodes"]
    tagged = {k for k, n in manifest.items() if "seeds_only" in n["config"].get("tags", [])}
    materialized = {k for k in _reads_only_seeds(manifest) if manifest[k]["config"].get("materialized") != "view"}
    assert tagged == materialized
