"""The synthetic generator: deterministic, complete and valid by the contract, over many years.

Validity is judged by `warehouse.synth.check` (DuckDB SQL built from `warehouse.contract` alone), never
by the loader. Its calibration and its defects are checked in test_synth_calibration.py and test_synth_defects.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from tests.helpers.synth import MULTI, _gen, _views, one
from warehouse.contract import FILES, codes
from warehouse.synth import generate
from warehouse.synth.check import classify
from warehouse.synth.moc import learner_pool
from warehouse.synth.util import reporting_deadline


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return _gen(tmp_path_factory, "clean", scale=0.01, years=MULTI, seed=4)


def _digest(export: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(export.iterdir())}


# --- determinism, shape, validity --------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    args = {"scale": 0.01, "years": (2018, 2019), "defects": 0.05}
    a, b, c = (generate(tmp_path / n, seed=s, **args) for n, s in (("a", 3), ("b", 3), ("c", 4)))
    assert a["rows"] == b["rows"]
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    other = _digest(tmp_path / "c")
    assert all(other[f"{s.name}.csv"] != _digest(tmp_path / "a")[f"{s.name}.csv"] for s in FILES)
    assert c["export_id"] != a["export_id"]  # different exports never share an id


def test_refuses_a_non_empty_directory_and_bad_arguments(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an empty directory"):
        generate(tmp_path / "x")
    with pytest.raises(ValueError, match="defects"):
        generate(tmp_path / "y", defects=0.6)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


def test_every_file_and_column_and_a_valid_manifest(clean):
    for spec in FILES:
        raw = (clean / f"{spec.name}.csv").read_bytes()
        assert b"\r\n" not in raw
        assert raw.split(b"\n", 1)[0].decode() == ",".join(spec.column_names)
    manifest = json.loads((clean / "manifest.json").read_text())
    assert set(manifest) == {"format_version", "export_id", "exported_at", "kind", "reporting_years", "files"}
    assert set(manifest["files"]) == {f"{spec.name}.csv" for spec in FILES}
    assert manifest["format_version"] == 1 and manifest["kind"] == "full"
    assert manifest["reporting_years"] == list(range(MULTI[0], MULTI[1] + 1))
    assert manifest["export_id"] == manifest["exported_at"] + "-full"
    exported = dt.datetime.strptime(manifest["exported_at"], "%Y-%m-%dT%H:%M:%SZ").date()
    assert 0 < (exported - reporting_deadline(MULTI[1])).days <= 21


def test_clean_export_passes_every_rule_of_the_contract(clean):
    result = classify(clean)
    expected = json.loads((clean / "expected.json").read_text())["files"]
    for spec in FILES:
        got = result[f"{spec.name}.csv"]
        assert got["quarantined"] == {} and got["duplicates"] == 0, (spec.name, got)
        assert got == expected[f"{spec.name}.csv"]
        assert got["read"] > 0, spec.name


def test_domain_invariants_beyond_the_row_rules(clean):
    con = _views(clean)
    exported = json.loads((clean / "manifest.json").read_text())["exported_at"][:10]
    assert one(con, "select max(decision_date) from accreditation_decisions") <= exported
    assert (
        one(
            con,
            "select count(*) from accreditation_decisions d where not exists"
            " (select 1 from decision_findings f where f.decision_id = d.decision_id)",
        )
        == 0
    )
    assert (
        one(
            con,
            "select count(*) from accreditation_decisions where status = 'Nonaccreditation'"
            " and (term_start_date is not null or term_end_date is not null)",
        )
        == 0
    )
    # a nonaccredited provider stops reporting
    assert (
        one(
            con,
            """select count(*) from program_summaries s join accreditation_decisions d using (provider_id)
        where d.status = 'Nonaccreditation' and d.decision_date <= s.reporting_year || '-12-31'""",
        )
        == 0
    )
    assert (
        one(
            con,
            "select count(*) from decision_findings f join accreditation_decisions d using (decision_id)"
            " where f.criterion in ('C23', 'C38') and d.status <> 'Accreditation with Commendation'",
        )
        == 0
    )
    assert one(con, "select count(*) - count(distinct activity_id) from activities") == 0
    assert (
        one(
            con,
            """select count(*) from activities where status = 'Closed'
        and (closed_date < end_date or closed_date > (reporting_year::int + 1) || '-07-01')""",
        )
        == 0
    )
    assert (
        one(
            con,
            """select count(*) from (select a.activity_id from activities a
        join activity_learner_professions p using (activity_id) group by a.activity_id, a.other_learners
        having sum(p.learner_count::int) <> a.other_learners::int)""",
        )
        == 0
    )
    assert (
        one(
            con,
            "select count(*) from learner_completions c left join activity_moc_registrations m"
            " using (activity_id, board) where m.board is null",
        )
        == 0
    )
    assert (
        one(con, "select count(*) from activity_rems where rems_designation = 'Related' and rpc_grant_id is not null")
        == 0
    )
    legacy = con.sql("select reporting_year::int y, count(other_income) from program_summaries group by 1").fetchall()
    assert all((n > 0) == (y <= codes.LEGACY_INCOME_LAST_YEAR) for y, n in legacy)


# --- multiple years -----------------------------------------------------------------------------------


def test_providers_persist_and_code_lists_follow_the_years(clean):
    con = _views(clean)
    first, last = MULTI
    stay = one(
        con,
        f"""select count(*) filter (where provider_id in (select provider_id from program_summaries
        where reporting_year = '{last}')) / count(*) from program_summaries where reporting_year = '{first}'""",
    )
    assert 0.7 <= stay < 1.0  # small churn, not none
    assert one(con, "select count(distinct provider_id) from program_summaries") > one(
        con, f"select count(*) from program_summaries where reporting_year = '{first}'"
    )
    oth = dict(
        con.sql(
            "select reporting_year::int, count(*) filter (where activity_type = 'OTH') from activities group by 1"
        ).fetchall()
    )
    assert all((n > 0) == (y >= codes.OTH_FIRST_YEAR) for y, n in oth.items())
    prof = dict(
        con.sql("""select a.reporting_year::int, count(p.activity_id) from activities a
        left join activity_learner_professions p using (activity_id) group by 1""").fetchall()
    )
    assert all((n > 0) == (y >= codes.PROFESSIONS_FIRST_YEAR) for y, n in prof.items())


def test_learners_recur_across_years_and_boards(clean):
    con = _views(clean)
    recurring = one(
        con,
        """select count(*) from (select board, learner_board_id from learner_completions c
        join activities a using (activity_id) group by all having count(distinct a.reporting_year) >= 3)""",
    )
    assert recurring > 100
    # the same person under two boards, each with its own ID
    pool = learner_pool(4, 0.01)
    holders = {}
    for board, (people, ids, _) in pool.boards.items():
        assert ids.n_unique() == len(ids) and all(len(i) >= 5 and i.isdigit() for i in ids.head(50))
        for p in people.tolist():
            holders.setdefault(p, []).append(board)
    assert sum(len(b) == 2 for b in holders.values()) > 0.04 * len(holders)
    assert len(pool.boards["ABIM"][1][0]) == 6
