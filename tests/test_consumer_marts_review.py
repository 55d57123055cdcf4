"""End to end: the review marts (data completeness, the PIP sample) of an export with problems planted.

For data completeness, one problem of each kind is planted into a copy of a clean generated export: the copy's
review.data_completeness must list exactly the original's rows plus the planted ones. The planted warehouse (a load
and a dbt build, the module fixture `planted`) is built once, for the tests of this file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from tests.helpers import copy_export, query
from tests.helpers.consumer import clean, export_file  # noqa: F401  (clean: the shared fixture)
from tests.helpers.dbtwork import dbt_work, run_dbt  # noqa: F401  (dbt_work: the shared fixture)
from tests.helpers.loadcases import read_rows, write_rows

# --- building and reading the warehouse ---------------------------------------------------------------------------


def dbt(db: Path, work: Path, *args: str) -> None:
    """Run dbt in-process on `db` with the parse state of the worker's dbt folder `work` (tests/helpers/dbtwork.py:
    the planted build, the PIP sample rerun and other build test files of the worker parse the project once);
    `cautious` keeps out other consumers' tests of models this build skips."""
    result = run_dbt(work, db, *args, "--indirect-selection", "cautious")
    failed = [r.node.name for r in (result.result or []) if r.status not in ("pass", "success")]
    assert result.success, failed or result.exception


#: the models the tests read of the planted warehouse
PLANTED_READS = ("data_completeness", "data_completeness_by_provider", "pip_sample", "fct_activities")


# --- planting completeness problems ---------------------------------------------------------------------------------


class Planter:
    """Edits a copy of a clean export so that chosen activities, sound before, break one rule each."""

    def __init__(self, export: Path, sound: pl.DataFrame, as_of: dt.date) -> None:
        self.export = export
        self.as_of = as_of
        self.used: set[str] = set()
        self.planted: set[tuple[str, str]] = set()
        acts = export_file(export, "activities").collect()
        self.activities = acts.filter(pl.col("status") == "Closed").join(sound, on="activity_id", how="semi")
        self.completions = export_file(export, "learner_completions").collect()
        self.registrations = export_file(export, "activity_moc_registrations").collect()

    def pick(self, candidates: pl.DataFrame) -> str:
        ids = sorted(set(candidates["activity_id"]) - self.used)
        assert ids, "no sound activity to break"
        self.used.add(ids[0])
        return ids[0]

    def with_children(self, name: str, **where: str) -> pl.DataFrame:
        children = export_file(self.export, name).select("activity_id").unique().collect()
        acts = self.activities.filter(*[pl.col(k) == v for k, v in where.items()])
        return acts.join(children, on="activity_id", how="semi")

    def drop_children(self, name: str, activity_id: str) -> None:
        header, rows = read_rows(self.export, name)
        at = header.index("activity_id")
        write_rows(self.export, name, header, [r for r in rows if r[at] != activity_id])

    def edit_rows(self, name: str, match: dict[str, str], changes: dict[str, str], limit: int = 1) -> None:
        header, rows = read_rows(self.export, name)
        edited = 0
        for r in rows:
            if edited < limit and all(r[header.index(k)] == v for k, v in match.items()):
                for k, v in changes.items():
                    r[header.index(k)] = v
                edited += 1
        assert edited == limit, (name, match)
        write_rows(self.export, name, header, rows)

    def plant(self, activity_id: str, *rules: str) -> None:
        self.planted.update((activity_id, rule) for rule in rules)

    def with_completions(self, board: str | None = None, at_least: int = 1) -> pl.DataFrame:
        comps = self.completions.filter(pl.col("completion_date") < "2023-07-01")
        if board:
            comps = comps.filter(pl.col("board") == board)
        counts = comps.group_by("activity_id").agg(pl.len().alias("n")).filter(pl.col("n") >= at_least)
        return self.activities.join(counts, on="activity_id", how="semi")

    def reopen(self, activity_id: str, status: str) -> None:
        self.edit_rows("activities", {"activity_id": activity_id}, {"status": status, "closed_date": ""})

    def run(self) -> set[tuple[str, str]]:
        a = self.pick(self.with_children("activity_joint_providers", providership="Joint"))
        self.drop_children("activity_joint_providers", a)
        self.plant(a, "joint_without_joint_provider")

        a = self.pick(self.with_children("activity_commercial_supporters", commercial_support_received="Yes"))
        self.drop_children("activity_commercial_supporters", a)
        self.plant(a, "support_without_supporter")

        abp = self.registrations.filter(pl.col("board") == "ABP")
        a = self.pick(self.with_completions().join(abp, on="activity_id", how="anti"))
        self.drop_children("learner_completions", a)
        self.plant(a, "moc_without_completions")

        a = self.pick(self.with_completions())
        row = self.completions.filter(pl.col("activity_id") == a).row(0, named=True)
        late = dt.date.fromisoformat(row["completion_date"]) + dt.timedelta(days=45)
        self.edit_rows("learner_completions", {"completion_id": row["completion_id"]}, {"reported_date": str(late)})
        self.plant(a, "completions_reported_late")

        a = self.pick(self.with_completions())
        self.edit_rows(
            "learner_completions", {"activity_id": a}, {"status": "Rejected", "rejection_reason": "Planted by the test"}
        )
        self.plant(a, "completions_rejected")

        a = self.pick(self.with_completions(board="ABP", at_least=2))
        row = self.completions.filter((pl.col("activity_id") == a) & (pl.col("board") == "ABP")).row(0, named=True)
        self.edit_rows(
            "learner_completions", {"completion_id": row["completion_id"]}, {"credits": str(float(row["credits"]) + 1)}
        )
        self.plant(a, "abp_differing_credits")

        a = self.pick(self.activities.filter(pl.col("activity_type") == "C"))
        self.reopen(a, "Active")
        self.plant(a, "open_after_deadline")

        old_enduring = self.activities.filter(
            pl.col("activity_type").is_in(["EM", "IEM", "JN"]),
            pl.col("start_date").str.to_date().dt.offset_by("3y") < self.as_of,
        )
        a = self.pick(old_enduring)
        self.reopen(a, "Ready to Close")
        self.plant(a, "enduring_open_past_3_years", "open_after_deadline")

        old_rss = self.activities.filter(
            pl.col("activity_type") == "RSS", pl.col("start_date").str.to_date().dt.offset_by("12mo") < self.as_of
        )
        a = self.pick(old_rss)
        self.reopen(a, "Active")
        self.plant(a, "rss_open_past_12_months", "open_after_deadline")
        return self.planted


@pytest.fixture(scope="module")
def planted(clean, tmp_path_factory, dbt_work) -> tuple[Path, set[tuple[str, str]], set[str]]:  # noqa: F811
    """A copy of the clean export with one problem of each kind planted, loaded and built."""
    from warehouse.load import load_export

    export, db, _ = clean
    tmp = tmp_path_factory.mktemp("consumer_planted")
    flagged = {row[0] for row in query(db, "select distinct activity_id from review.data_completeness")}
    as_of = query(db, "select data_as_of_date from intermediate.int_data_as_of")[0][0]
    ids = export_file(export, "activities").select("activity_id").collect()
    sound = ids.filter(~pl.col("activity_id").is_in(sorted(flagged)))
    copy = copy_export(export, tmp / "export")
    planter = Planter(copy, sound, as_of)
    problems = planter.run()
    load_export(copy, tmp / "w.duckdb")
    # only the marts the tests below read of it, and their upstream models, without data tests (the clean
    # warehouse is the full build, tests included)
    dbt(
        tmp / "w.duckdb",
        dbt_work,
        "build",
        "--select",
        *[f"+{model}" for model in PLANTED_READS],
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
    )
    reopened = {a for a, rule in problems if rule == "open_after_deadline"}
    return tmp / "w.duckdb", problems, reopened


# --- the assertions -------------------------------------------------------------------------------------------------


def test_completeness_lists_exactly_the_planted_problems(clean, planted):
    _, db, _ = clean
    planted_db, problems, _ = planted
    before = set(query(db, "select activity_id, rule_code from review.data_completeness"))
    after = set(query(planted_db, "select activity_id, rule_code from review.data_completeness"))
    rules = query(db, "select rule_code from intermediate.int_review__completeness_rules")
    assert {rule for _, rule in problems} == {r[0] for r in rules}
    assert after - before == problems
    assert before - after == set()


def test_completeness_counts_per_provider_grow_by_the_planted_problems(clean, planted):
    _, db, _ = clean
    planted_db, problems, _ = planted
    sql = "select provider_id, rule_code, activities_flagged from review.data_completeness_by_provider"
    before = {(p, r): n for p, r, n in query(db, sql)}
    after = {(p, r): n for p, r, n in query(planted_db, sql)}
    owner = dict(query(db, "select activity_id, provider_id from core.fct_activities"))
    grown = {key: after[key] - before[key] for key in after if after[key] != before[key]}
    expected: dict[tuple[str, str], int] = {}
    for activity_id, rule in problems:
        key = (owner[activity_id], rule)
        expected[key] = expected.get(key, 0) + 1
    assert grown == expected


def test_pip_sample_is_at_most_15_per_provider_and_reproducible(clean, planted, dbt_work):  # noqa: F811
    _, db, _ = clean
    planted_db, _, reopened = planted
    sql = "select provider_id, sample_position, activity_id, stratum_key from review.pip_sample order by all"
    first = query(db, sql)
    per_provider: dict[str, int] = {}
    for provider_id, *_ in first:
        per_provider[provider_id] = per_provider.get(provider_id, 0) + 1
    assert per_provider and max(per_provider.values()) == 15
    dbt(db, dbt_work, "run", "--select", "pip_sample")
    assert query(db, sql) == first
    # An independent build of another warehouse draws the same sample for every provider whose term is unchanged.
    changed = {
        r[0]
        for r in query(
            planted_db,
            "select provider_id from core.fct_activities where activity_id in "
            f"({', '.join(repr(a) for a in sorted(reopened))})",
        )
    }
    other = query(planted_db, sql)
    assert [r for r in other if r[0] not in changed] == [r for r in first if r[0] not in changed]
