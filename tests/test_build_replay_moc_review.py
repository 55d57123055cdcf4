"""The MOC and review marts after a load equal a full build of the same raw data, rebuilding only what can change.

moc.board_summary counts the completions by year of completion from their own fields, so a build after loads
recounts the touched reporting years (the registrations) and the years of completion whose counts the loads can
have changed: those of the completions they wrote, and of activities they created or deleted
(macros/incremental/completion_count_years.sql), not every year of every completion of an activity whose row
changed. One tiny export, built once (a full build), then one incremental export that rewrites an activity (its
title) with completions in a year no other change touches, and corrects a completion's credits in a year that no
activity of the load has: board_summary must recount the second year, and need not recount the first. The same
load starts a provider's current term later (a corrected decision): review.term_activities, incremental by
activity and provider (macros/incremental/term_changes.sql), must drop the activities that left the term; and
renames the activity's provider: moc.provider_reporting_timeliness, which names it, must recompute its every year.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import copy_export, query, set_manifest
from tests.helpers.dbtwork import clear, dbt_work  # noqa: F401  (dbt_work: the shared fixture)
from tests.helpers.replay import MODELS_ONLY, UNIT_TESTS, _read, _write, differences, keep_and_clear_built
from warehouse.build import build
from warehouse.load import load_export
from warehouse.synth import generate


def corrections(export: Path, out: Path, db: Path) -> dict[str, int]:
    """An incremental export: activity A (a report year Ya, completions in a year Yx that is neither Ya nor the
    corrected completion's) with another title; completion C (year of completion Yc, not Ya, of an Accepted
    completion) with other credits. Returns the years."""
    rows = query(
        db,
        """
        with years as (
            select activity_id, activity_report_year as ya, list(distinct completion_year) as yx
            from core.fct_learner_completions group by all
        ),
        picked as (
            select c.completion_id, c.completion_year as yc, c.activity_report_year as c_year, a.activity_id, a.ya,
                list_filter(a.yx, lambda y: y <> a.ya and y <> c.completion_year)[1] as yx
            from core.fct_learner_completions as c, years as a
            where c.completion_status = 'Accepted' and c.completion_year <> a.ya and c.activity_id <> a.activity_id
              and len(list_filter(a.yx, lambda y: y <> a.ya and y <> c.completion_year)) > 0
              and not list_contains(a.yx, c.completion_year)
            order by all limit 1
        )
        select * from picked
        """,
    )
    completion_id, yc, c_year, activity_id, ya, yx = rows[0]
    # provider P: its current term starts on 2022-01-01 (the activities ended in 2021 leave review.term_activities)
    (provider_id,) = query(
        db, "select provider_id from review.term_activities group by 1 order by count(*) desc, 1 limit 1"
    )[0]
    # A's provider gets another name (moc.provider_reporting_timeliness names it in every year of its completions)
    (activity_provider,) = query(
        db, "select provider_id from core.fct_activities where activity_id = ?", [activity_id]
    )[0]
    copy_export(export, out, suffix="-corrections")
    set_manifest(
        out,
        kind="incremental",
        reporting_years=sorted({ya, c_year}),
        exported_at="2024-07-31T02:00:00Z",
        export_id="2024-07-31-corrections",
    )
    for path in out.glob("*.csv"):
        header, data = _read(path)
        if path.name == "activities.csv":
            data = [r for r in data if r["activity_id"] == activity_id]
            data[0]["title"] += " (corrected)"
        elif path.name == "accreditation_decisions.csv":
            latest = max((r for r in data if r["provider_id"] == provider_id), key=lambda r: r["decision_date"])
            assert latest["term_start_date"] < "2022-01-01" < latest["term_end_date"], latest
            latest["term_start_date"], latest["term_end_date"] = "2022-01-01", "2026-01-01"  # a 4-year term
            data = [latest]
        elif path.name == "providers.csv":
            data = [r for r in data if r["provider_id"] == activity_provider]
            data[0]["provider_name"] += " (renamed)"
        elif path.name == "learner_completions.csv":
            data = [r for r in data if r["completion_id"] == completion_id]
            data[0]["credits"] = "0.25" if data[0]["credits"] != "0.25" else "0.50"
        else:
            data = []
        _write(path, header, data)
    return {"ya": ya, "yc": yc, "yx": yx, "provider_id": provider_id}


def test_board_summary_after_a_load_recounts_the_changed_completion_years_and_equals_a_full_build(
    tmp_path,
    dbt_work,  # noqa: F811
):
    export = tmp_path / "export"
    generate(export, scale=0.002, years=(2021, 2022), seed=5)
    replay = clear(dbt_work)
    load_export(export, replay)
    result = build(replay, exclude=UNIT_TESTS)  # the first build: a full one, every data test
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    years = corrections(export, tmp_path / "fixes", replay)
    in_term = "select count(*) from review.term_activities where provider_id = ?"
    before = query(replay, in_term, [years["provider_id"]])[0][0]
    load_export(tmp_path / "fixes", replay)
    assert query(replay, "select count(*) from staging.stg_pars__activities where title like '%(corrected)'") == [(1,)]
    assert query(replay, "select count(*) from raw.quarantine where export_id = '2024-07-31-corrections'") == [(0,)]
    result = build(replay, exclude=UNIT_TESTS)  # incremental, every data test (the reconciliation scoped)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert not result.full_refresh and result.checks_since_load == 1
    recounted = {y for (y,) in query(replay, "select report_year from meta.touched_years__board_summary")}
    assert recounted == {years["ya"], years["yc"]}, years  # not years["yx"]: the activity's title counts nowhere
    # provider_reporting_timeliness names the provider: it recomputes every year of the renamed provider's rows
    renamed = "select distinct report_year from moc.provider_reporting_timeliness where provider_name like '%(renamed)'"
    timeliness = "select report_year from meta.touched_years__provider_reporting_timeliness"
    assert years["yx"] in {y for (y,) in query(replay, renamed)} and {y for (y,) in query(replay, timeliness)} >= {
        y for (y,) in query(replay, renamed)
    }
    # review.term_activities (incremental by activity and provider) lost the activities that left the term
    assert 0 < query(replay, in_term, [years["provider_id"]])[0][0] < before

    # the same raw layer, built once from nothing (models only), compared relation by relation
    replayed = keep_and_clear_built(replay, tmp_path / "replay.duckdb")
    result = build(replay, exclude=MODELS_ONLY)
    assert result.ok, (result.error, [f.as_dict() for f in result.failures])
    assert differences(replayed, replay) == []
