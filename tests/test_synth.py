"""The synthetic generator: deterministic, complete, valid by the contract, calibrated, and its defects
are accounted for exactly.

Validity is judged by `warehouse.synth.check` (DuckDB SQL built from `warehouse.contract` alone), never
by the loader, and calibration by SQL over the written CSV text against `warehouse.synth.calibration`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from warehouse.contract import FILES, GUARD_RULES, RULES, codes
from warehouse.synth import calibration as cal
from warehouse.synth import generate
from warehouse.synth.check import classify
from warehouse.synth.defect_kinds import KINDS
from warehouse.synth.moc import learner_pool
from warehouse.synth.util import reporting_deadline

MULTI = (2013, 2020)  # REMS from 2013, legacy income to 2014, OTH from 2017, professions from 2019


def _gen(tmp_path_factory, name: str, **kw) -> Path:
    out = tmp_path_factory.mktemp(name) / "export"
    generate(out, **kw)
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return _gen(tmp_path_factory, "clean", scale=0.01, years=MULTI, seed=4)


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> Path:
    return _gen(tmp_path_factory, "defective", scale=0.01, years=MULTI, seed=5, defects=0.05)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    out = _gen(tmp_path_factory, "calibrated", scale=0.05, years=(2022, 2022), seed=6)
    return _views(out)


def _views(export: Path) -> duckdb.DuckDBPyConnection:
    """Views over the CSV text; rows with a wrong field count (defects) are skipped."""
    con = duckdb.connect()
    for spec in FILES:
        con.sql(
            f"create view {spec.name} as select * from read_csv('{export / spec.name}.csv', all_varchar=true,"
            f" header=true, quote='\"', escape='\"', ignore_errors=true)"
        )
    return con


def row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.sql(sql).fetchall()[0]


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return row(con, sql)[0]


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


# --- calibration (scale 0.05, one year) ----------------------------------------------------------------


def test_providers_by_accreditor_and_organization(calibrated):
    con = calibrated
    n = one(con, "select count(*) from program_summaries")
    assert abs(n - cal.PROVIDERS_PER_YEAR * 0.05) <= 3
    for column, shares, tol in (
        ("accreditor_type", cal.ACCREDITOR_SHARES, 0.03),
        ("organization_type", cal.ORG_TYPE_SHARES, 0.03),
    ):
        got = dict(
            con.sql(
                f"select {column}, count(*) / {n} from providers join program_summaries using (provider_id) group by 1"
            ).fetchall()
        )
        for k, share in shares.items():
            assert abs(got.get(k, 0) - share) <= tol, (column, k, got.get(k), share)


def test_activity_volume_type_mix_learners_and_hours(calibrated):
    con = calibrated
    n = one(con, "select count(*) from activities")
    assert abs(n - cal.ACTIVITIES_PER_YEAR * 0.05) / n < 0.02
    mix = dict(con.sql(f"select activity_type, count(*) / {n} from activities group by 1").fetchall())
    for t, share in cal.activity_type_shares(2022).items():
        assert abs(mix.get(t, 0) - share) <= 0.012, (t, mix.get(t), share)
    phys, other = row(con, "select avg(physician_learners::int), avg(other_learners::int) from activities")
    assert abs(phys / (cal.PHYSICIAN_INTERACTIONS_PER_YEAR / cal.ACTIVITIES_PER_YEAR) - 1) < 0.10
    assert abs(other / (cal.OTHER_INTERACTIONS_PER_YEAR / cal.ACTIVITIES_PER_YEAR) - 1) < 0.12
    uplift = 1 + cal.COMMERCIAL_SUPPORT_ACTIVITY_SHARE * (cal.SUPPORTED_LEARNER_MULTIPLIER - 1)
    by_type = dict(con.sql("select activity_type, avg(physician_learners::int) from activities group by 1").fetchall())
    for t in ("C", "RSS", "IL", "IEM", "JN"):
        assert abs(by_type[t] / (cal.PHYSICIAN_MEAN_BY_TYPE[t] * uplift) - 1) < 0.15, t
    ratio = one(
        con,
        """select avg(case when commercial_support_received = 'Yes' then physician_learners::int end)
        / avg(case when commercial_support_received = 'No' and status <> 'Draft' then physician_learners::int end)
        from activities""",
    )
    assert 1.5 < ratio < 2.1
    mean_hours = sum(cal.activity_type_shares(2022)[t] * h for t, h in cal.HOURS_MEAN_BY_TYPE.items())
    assert abs(one(con, "select avg(hours_of_instruction::double) from activities") / mean_hours - 1) < 0.1


def test_income_and_commercial_support(calibrated):
    con = calibrated
    sums = row(
        con,
        """select sum(advertising_exhibit_income::double), sum(registration_fees::double),
        sum(government_grants::double), sum(private_donations::double) from program_summaries""",
    )
    targets = (
        cal.ADS_EXHIBITS_TOTAL,
        cal.REGISTRATION_FEES_TOTAL,
        cal.GOVERNMENT_GRANTS_TOTAL,
        cal.PRIVATE_DONATIONS_TOTAL,
    )
    for got, target in zip(sums, targets, strict=True):
        assert abs(got / (target * 0.05) - 1) < 0.01
    support = one(con, "select sum(monetary_amount::double) from activity_commercial_supporters")
    assert abs(support / (cal.COMMERCIAL_SUPPORT_TOTAL * 0.05) - 1) < 0.03
    assert abs((support + sum(sums)) / (cal.TOTAL_INCOME * 0.05) - 1) < 0.02
    pub = one(
        con,
        """select sum(monetary_amount::double) filter (where organization_type like 'Publishing%')
        / sum(monetary_amount::double) from activity_commercial_supporters s join activities a using (activity_id)
        join providers p on p.provider_id = a.provider_id""",
    )
    assert abs(pub - cal.PUBLISHING_SUPPORT_SHARE) < 0.03
    share = one(con, "select avg((commercial_support_received = 'Yes')::int) from activities")
    assert abs(share - cal.COMMERCIAL_SUPPORT_ACTIVITY_SHARE) < 0.015
    gap = one(
        con,
        """select avg((activity_id not in (select activity_id from activity_commercial_supporters))::int)
        from activities where commercial_support_received = 'Yes'""",
    )
    assert 0.005 < gap < 0.07  # support Yes without a supporter row: a completeness problem, on purpose


def test_designed_for_change_joint_providership_and_statuses(calibrated):
    con = calibrated
    for key, share in cal.DESIGNED_SHARES.items():
        designed, evaluated = row(
            con,
            f"""select avg((designed_to_change_{key} = 'Yes')::int),
            avg((evaluated_change_{key} = 'Yes')::int) from activities""",
        )
        assert abs(designed - share) < 0.02 and evaluated < designed
    joint = one(con, "select avg((providership = 'Joint')::int) from activities")
    assert abs(joint - cal.JOINT_PROVIDERSHIP_SHARE) < 0.02
    lonely = one(
        con,
        """select avg((activity_id not in (select activity_id from activity_joint_providers))::int)
        from activities where providership = 'Joint'""",
    )
    assert 0.005 < lonely < 0.05
    still_open = one(con, "select avg((status <> 'Closed')::int) from activities")
    assert abs(still_open - (1 - cal.STATUS_SHARES["Closed"])) < 0.01
    assert one(con, "select count(*) from activities where competencies is null") > 0


def test_moc_completions_rems_professions(calibrated):
    con = calibrated
    moc = one(
        con, "select count(distinct activity_id) / (select count(*) from activities) from activity_moc_registrations"
    )
    assert abs(moc - cal.MOC_ACTIVITY_SHARE) < 0.02
    boards = con.sql("select board from activity_moc_registrations group by 1 order by count(*) desc").fetchall()
    assert boards[0][0] == "ABIM" and len(boards) == len(codes.BOARDS)
    n = one(con, "select count(*) from learner_completions")
    assert abs(n / (cal.COMPLETIONS_PER_YEAR * 0.05) - 1) < 0.1
    statuses = dict(con.sql(f"select status, count(*) / {n} from learner_completions group by 1").fetchall())
    for k, share in cal.COMPLETION_STATUS_SHARES.items():
        assert abs(statuses[k] - share) < 0.01
    late = one(con, "select avg((reported_date::date - completion_date::date > 30)::int) from learner_completions")
    assert abs(late - cal.LATE_COMPLETION_SHARE) < 0.02
    assert (
        one(
            con,
            """select count(*) from (select activity_id from learner_completions where board = 'ABP'
        group by 1 having count(distinct credits) > 1)""",
        )
        >= 1
    )
    rems, compliant = row(con, "select count(*), avg((rems_designation = 'Compliant')::int) from activity_rems")
    assert rems == round(cal.REMS_ACTIVITIES_PER_YEAR * 0.05) and 0.4 < compliant < 0.95
    top = row(
        con,
        "select profession from activity_learner_professions group by 1 order by sum(learner_count::int) desc limit 1",
    )[0]
    assert top == "Nurse"


# --- defects -------------------------------------------------------------------------------------------


def test_expected_json_adds_up_and_matches_an_independent_classification(defective):
    expected = json.loads((defective / "expected.json").read_text())
    assert expected["defects"] == 0.05
    assert expected["export_id"] == json.loads((defective / "manifest.json").read_text())["export_id"]
    got = classify(defective)
    for spec in FILES:
        e = expected["files"][f"{spec.name}.csv"]
        assert e["read"] == e["loaded"] + sum(e["quarantined"].values()) + e["duplicates"], spec.name
        assert got[f"{spec.name}.csv"] == e, spec.name


def test_every_rule_kind_appears_where_it_applies(defective):
    files = json.loads((defective / "expected.json").read_text())["files"]
    seen = set().union(*(f["quarantined"] for f in files.values()))
    # all rules but the hostile-file guards, parent_rejected included (it arises from the cascade)
    assert seen == set(RULES) - GUARD_RULES
    for name, kinds in KINDS.items():
        f = files[f"{name}.csv"]
        for kind in kinds:
            if kind.rule == "duplicates":
                assert f["duplicates"] > 0, name
            else:
                assert f["quarantined"].get(kind.rule, 0) > 0, (name, kind.name)
    acts = files["activities.csv"]
    injected = sum(acts["quarantined"].values()) - acts["quarantined"].get("parent_rejected", 0) + acts["duplicates"]
    assert 0.03 < injected / acts["read"] < 0.12


def test_formula_looking_text_is_written_and_valid(defective):
    con = _views(defective)
    titles = {r[0] for r in con.sql("select title from activities where left(title, 1) in ('=', '@')").fetchall()}
    assert '=HYPERLINK("https://example.org/register","Register")' in titles and "@SUM(1)" in titles
