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

from anonymize.release.activities import provider_classes
from anonymize.release.profiles import PROFILES_DIR, ReleaseError, load_profile

K = 11
QIS = ("organization_type", "accreditor_type")

#: (organization type, accreditor type) -> providers, as in the demo's warehouse (34 providers)
DEMO = {
    ("Government or Military", "ACCME"): 1, ("Government or Military", "State"): 1,
    ("Hospital/Health Care Delivery System", "ACCME"): 6, ("Hospital/Health Care Delivery System", "State"): 7,
    ("Nonprofit (Other)", "ACCME"): 1, ("Nonprofit (Physician Membership Organization)", "ACCME"): 3,
    ("Nonprofit (Physician Membership Organization)", "Joint"): 1,
    ("Nonprofit (Physician Membership Organization)", "State"): 3, ("Other", "ACCME"): 1,
    ("Publishing/Education Company", "ACCME"): 2, ("Publishing/Education Company", "State"): 2,
    ("School of Medicine", "ACCME"): 2, ("School of Medicine", "State"): 4,
}
#: the same at scale 0.06 (105 providers)
SCALE_006 = {
    ("Government or Military", "State"): 3, ("Hospital/Health Care Delivery System", "ACCME"): 10,
    ("Hospital/Health Care Delivery System", "Joint"): 5, ("Hospital/Health Care Delivery System", "State"): 24,
    ("Insurance Company/Managed Care Company", "ACCME"): 2, ("Nonprofit (Other)", "ACCME"): 3,
    ("Nonprofit (Physician Membership Organization)", "ACCME"): 8,
    ("Nonprofit (Physician Membership Organization)", "Joint"): 2,
    ("Nonprofit (Physician Membership Organization)", "State"): 9, ("Other", "ACCME"): 1, ("Other", "State"): 1,
    ("Publishing/Education Company", "ACCME"): 4, ("Publishing/Education Company", "Joint"): 2,
    ("Publishing/Education Company", "State"): 10, ("School of Medicine", "ACCME"): 13,
    ("School of Medicine", "Joint"): 1, ("School of Medicine", "State"): 7,
}


def providers(shape: dict) -> pl.DataFrame:
    rows = [(f"P{len(out) + 1:04d}", o, a) for out in [[]] for (o, a), n in shape.items() for _ in range(n)
            if not out.append(0)]
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
