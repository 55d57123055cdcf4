"""The synthetic generator is calibrated: one year at scale 0.05 has the figures of `warehouse.synth.calibration`.

Calibration is judged by SQL over the written CSV text against `warehouse.synth.calibration`, never by the loader.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.helpers.synth import _gen, _views, one, row
from warehouse.contract import codes
from warehouse.synth import calibration as cal


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    out = _gen(tmp_path_factory, "calibrated", scale=0.05, years=(2022, 2022), seed=6)
    return _views(out)


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
