"""The activities release's provider classes are useful at the demo's scale (issue 13: "the demo's three releases
are useful (no column entirely suppressed)").

Before: the classes came from one full-domain generalization level per column for all providers. At the demo's
scale (34 providers: organization groups 19/8/4/3, accreditor groups 17/17) the optimum kept the accreditor group
and showed organization type `*` in every row; at scale 0.06 (105 providers) the same. Now each provider gets its
own class (per-class, multidimensional generalization over the two hierarchies): every released class still holds
at least k providers, and neither column is `*` everywhere.

The provider tables here are shaped like the demo's and the 0.06 export's directories (counts per organization
type and accreditor, as `pars synth --scale 0.02 --years 2021-2023 --seed 1` and `--scale 0.06` make them).
"""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymize.release.activities import provider_classes
from anonymize.release.profiles import PROFILES_DIR, ReleaseError, load_profile
from tests.helpers.releases import tables_content

K = 11
QIS = ("organization_type", "accreditor_type")

#: (organization type, accreditor type) -> providers, as in the demo's warehouse (34 providers)
DEMO = {
    ("Government or Military", "ACCME"): 1,
    ("Government or Military", "State"): 1,
    ("Hospital/Health Care Delivery System", "ACCME"): 6,
    ("Hospital/Health Care Delivery System", "State"): 7,
    ("Nonprofit (Other)", "ACCME"): 1,
    ("Nonprofit (Physician Membership Organization)", "ACCME"): 3,
    ("Nonprofit (Physician Membership Organization)", "Joint"): 1,
    ("Nonprofit (Physician Membership Organization)", "State"): 3,
    ("Other", "ACCME"): 1,
    ("Publishing/Education Company", "ACCME"): 2,
    ("Publishing/Education Company", "State"): 2,
    ("School of Medicine", "ACCME"): 2,
    ("School of Medicine", "State"): 4,
}
#: the same at scale 0.06 (105 providers)
SCALE_006 = {
    ("Government or Military", "State"): 3,
    ("Hospital/Health Care Delivery System", "ACCME"): 10,
    ("Hospital/Health Care Delivery System", "Joint"): 5,
    ("Hospital/Health Care Delivery System", "State"): 24,
    ("Insurance Company/Managed Care Company", "ACCME"): 2,
    ("Nonprofit (Other)", "ACCME"): 3,
    ("Nonprofit (Physician Membership Organization)", "ACCME"): 8,
    ("Nonprofit (Physician Membership Organization)", "Joint"): 2,
    ("Nonprofit (Physician Membership Organization)", "State"): 9,
    ("Other", "ACCME"): 1,
    ("Other", "State"): 1,
    ("Publishing/Education Company", "ACCME"): 4,
    ("Publishing/Education Company", "Joint"): 2,
    ("Publishing/Education Company", "State"): 10,
    ("School of Medicine", "ACCME"): 13,
    ("School of Medicine", "Joint"): 1,
    ("School of Medicine", "State"): 7,
}


def providers(shape: dict) -> pl.DataFrame:
    rows = [
        (f"P{len(out) + 1:04d}", o, a)
        for out in [[]]
        for (o, a), n in shape.items()
        for _ in range(n)
        if not out.append(0)
    ]
    return pl.DataFrame(rows, schema=["provider_id", *QIS], orient="row")


def tree(name: str) -> dict[str, set[str]]:
    """Leaf -> the values it may be released as, read from the hierarchy file itself."""
    text = (PROFILES_DIR.parent / "hierarchies" / f"{name}.csv").read_text(encoding="utf-8")
    return {line.split(";")[0]: set(line.split(";")) for line in text.splitlines() if line}


def released(shape: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    table = providers(shape)
    result = provider_classes(table, load_profile("activities"))
    return table, result.table.select("provider_id", *QIS).sort("provider_id")


@pytest.mark.parametrize("shape", [DEMO, SCALE_006], ids=["demo-34", "scale-0.06-105"])
def test_no_class_column_is_suppressed_in_every_row(shape):
    table, out = released(shape)
    assert out.height == table.height == sum(shape.values())
    for name in QIS:
        kept = out.filter(pl.col(name) != "*").height
        assert kept > 0, f"{name} is '*' for all {out.height} providers"


@pytest.mark.parametrize("shape", [DEMO, SCALE_006], ids=["demo-34", "scale-0.06-105"])
def test_every_released_class_holds_k_providers_and_generalizes_the_truth(shape):
    table, out = released(shape)
    # counted here, independently of the anonymizer's report: providers per released (organization, accreditor)
    sizes: dict[tuple, int] = {}
    for row in out.iter_rows():
        sizes[row[1:]] = sizes.get(row[1:], 0) + 1
    small = {c: n for c, n in sizes.items() if n < K}
    assert not small, f"released classes with fewer than {K} providers: {small}"
    truth = {r[0]: r[1:] for r in table.iter_rows()}
    trees = {name: tree(name) for name in QIS}
    for pid, *shown in out.iter_rows():
        for name, value, own in zip(QIS, shown, truth[pid], strict=True):
            assert value in trees[name][own], f"{pid}: {name} {own!r} released as {value!r}"
    # the adversary who knows the directory (and so can recompute the classes) keeps >= k candidates per provider
    assert min(sizes.values()) >= K


def test_the_classes_are_deterministic():
    assert released(DEMO)[1].equals(released(DEMO)[1])
    shuffled = providers(DEMO).sample(fraction=1.0, shuffle=True, seed=5)
    again = provider_classes(shuffled, load_profile("activities")).table.select("provider_id", *QIS)
    assert again.sort("provider_id").equals(released(DEMO)[1])


def test_the_profile_names_its_method_and_refuses_an_unknown_one():
    profile = load_profile("activities")
    assert profile.get("provider_classes") == "per_class"
    # the earlier method stays available: one level per column for all providers stars organization type here
    full = dataclasses.replace(profile, raw={**profile.raw, "provider_classes": "full_domain"})
    out = provider_classes(providers(DEMO), full).table
    assert out.filter(pl.col("organization_type") != "*").is_empty()
    bad = dataclasses.replace(profile, raw={**profile.raw, "provider_classes": "mondrain"})
    with pytest.raises(ReleaseError, match="provider_classes.*per_class.*full_domain"):
        provider_classes(providers(DEMO), bad)


@pytest.fixture(scope="module")
def demo_releases(tmp_path_factory):
    """The demo's warehouse (`pars synth --scale 0.02 --years 2021-2023 --seed 1`: 34 providers), its research marts
    built once, with its activities release (shipped profile, k=11) and the cells its tables release publishes
    (`tables`: {table: frame}, made by the tables profile's code as `pars release tables` makes them; the tests read
    those cells only, so the tables release's files are not written)."""
    from anonymize.release import make_release, register
    from warehouse.build import build
    from warehouse.load import load_export
    from warehouse.synth import generate

    root = tmp_path_factory.mktemp("perclass-demo")
    generate(root / "export", scale=0.02, years=(2021, 2023), seed=1)
    db = root / "warehouse.duckdb"
    load_export(root / "export", db)
    # only the models the releases and the attacks read (research.activities and research.learner_completions, and
    # core.dim_providers upstream of them), without their data tests: the full build and its tests run in
    # tests/test_build.py and the shared built warehouse (some of those tests join models this build leaves out)
    research = " ".join(f"+path:models/marts/research/{m}.sql" for m in ("activities", "learner_completions"))
    assert build(db, select=research, exclude="resource_type:test resource_type:unit_test").ok
    make_release("activities", db, root / "activities", root / "activities.key")
    cells = tables_content(db)
    # as `pars release tables` would after it, the tables are audited jointly with the registered activities release
    # (the demo's order): accepted
    candidate = register.Candidate("tables", [], "new", False, cells)
    assert register.joint_audit(candidate, register.entries(db)) == []
    return {"db": db, "activities": root / "activities", "tables": cells}


def test_the_demo_release_shows_organization_and_accreditor_type(demo_releases):
    from .provider_attacker import directory

    assert directory(demo_releases["db"]).height == sum(DEMO.values())
    rows = pl.read_parquet(demo_releases["activities"] / "data" / "activities.parquet")
    for name in QIS:
        kept = rows.filter(pl.col(name) != "*").height
        assert kept > 0, f"{name} is '*' in all {rows.height} rows of the demo's activities release"


@pytest.mark.parametrize("known", [1, 2])
def test_the_demo_release_leaves_k_candidates_per_provider(demo_releases, known):
    from .test_attack_singling_out import attack

    left = attack(demo_releases["db"], demo_releases["activities"], known)
    assert len(left) == sum(DEMO.values())
    below = {p: n for p, n in left.items() if n < K}
    assert not below, f"knowing {known} activities, {len(below)} providers have fewer than {K} candidates"


def test_zero_cells_leave_k_class_members_for_every_row_shown_with_its_type(demo_releases):
    """The adversary knows the directory and every activity (so each provider's activity count), and the method is
    public: it recomputes which providers form each released class, not merely which are consistent with it (a
    class `(*, ACCME)` beside `(Academic or health care delivery, State)` holds only the providers not given the
    other). With the tables release's zero cells ruling organization types out for a (type, year), a row showing
    its type must still have >= k providers: members of its class whose cell is published and not 0 (and, for a
    row showing `*, *`, any provider whose cell is suppressed, since such rows show `*, *`)."""
    import duckdb

    from .provider_attacker import directory

    db = demo_releases["db"]
    con = duckdb.connect(str(db), read_only=True)
    counts = dict(con.sql("select provider_id, count(*) from research.activities group by 1").fetchall())
    con.close()
    entries = directory(db)
    classes = provider_classes(entries.select("provider_id", *QIS), load_profile("activities"), counts).table
    member = {pid: (o, a) for pid, o, a in classes.select("provider_id", *QIS).iter_rows()}
    assert len(set(member.values())) >= 2, "not a test of overlapping classes: one class only"
    org = dict(entries.select("provider_id", "organization_type").iter_rows())
    cells = demo_releases["tables"]["activities_by_type_organization_year"]
    state = {
        (t, o, y): n
        for t, o, y, n in cells.select("activity_type", "organization_type", "report_year", "activities").rows()
    }
    rows = pl.read_parquet(demo_releases["activities"] / "data" / "activities.parquet").with_columns(
        pl.col("report_year").cast(pl.Utf8)
    )
    groups = rows.filter(pl.col("activity_type") != "*").group_by("activity_type", "report_year", *QIS).len().to_dicts()
    narrow = []
    for g in groups:
        shown = (g["organization_type"], g["accreditor_type"])
        fitting = 0
        for pid in member:
            cell = state.get((g["activity_type"], org[pid] or "None", g["report_year"]), 0)
            fitting += (member[pid] == shown and cell is not None and cell > 0) or (
                shown == ("*", "*") and cell is None
            )
        if fitting < K:
            narrow.append((g["activity_type"], g["report_year"], shown, g["len"], fitting))
    assert not narrow, f"{len(narrow)} (type, year, class) groups of rows have fewer than k={K} candidates: {narrow}"


ORGS = sorted(tree("organization_type"))
ACCREDITORS = sorted(tree("accreditor_type"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(ORGS), st.sampled_from(ACCREDITORS), st.integers(1, 400)), min_size=K, max_size=70
    )
)
def test_any_directory_gets_classes_of_k_providers_that_generalize_the_truth(entries):
    """Random directories (any mix of types, activity counts as weights): every released pair is held by >= k
    providers, counted here, and each provider's pair generalizes its own values."""
    table = pl.DataFrame(
        [(f"P{i:03d}", o, a) for i, (o, a, _) in enumerate(entries)], schema=["provider_id", *QIS], orient="row"
    )
    weights = {f"P{i:03d}": w for i, (_, _, w) in enumerate(entries)}
    out = provider_classes(table, load_profile("activities"), weights).table
    sizes = out.group_by(*QIS).len()["len"]
    assert sizes.min() >= K
    trees = {name: tree(name) for name in QIS}
    for (_, o, a), (_, ro, ra) in zip(table.iter_rows(), out.select("provider_id", *QIS).iter_rows(), strict=True):
        assert ro in trees["organization_type"][o] and ra in trees["accreditor_type"][a]
    # not vacuous about detail: when every provider has the same organization type, showing it costs no class any
    # member, so the optimum shows it for every provider
    if len({o for o, _, _ in entries}) == 1:
        assert (out["organization_type"] != "*").all()
