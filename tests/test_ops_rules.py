"""The rule catalogues of the data operations page and its marts (issue 14, item 4).

- every quarantine rule the loader can emit has a sentence and a fix (seeds/quarantine_rules.csv = the loader's
  warehouse.contract.RULES), and the quarantine summary carries them;
- every completeness rule that review.data_completeness applies has a severity, a sentence and a fix
  (seeds/completeness_rules.csv);
- completeness is counted by severity: a provider whose only problem is a late completion is not one "with
  errors"; the follow-up list holds exactly the flagged provider x rule pairs, with counts and fixes.

Old code: there was no seed (FileNotFoundError), the rules' sentences were a `values` list in an intermediate model
and the quarantine rules had none; ops.operations_summary counted every provider with any flag as "with problems"
and had no severity (no column providers_with_errors); ops.completeness_follow_up did not exist.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tests.helpers import query
from warehouse.contract import RULES

ROOT = Path(__file__).resolve().parents[1]


def seed(name: str) -> list[dict]:
    with open(ROOT / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def is_sentence(text: str) -> bool:
    return bool(text) and text[0].isupper() and text.endswith(".") and len(text.split()) >= 4


def test_every_quarantine_rule_the_loader_can_emit_has_a_sentence_and_a_fix():
    rows = seed("quarantine_rules")
    assert [r["rule_name"] for r in rows if r["rule_name"] not in RULES] == []
    assert sorted(r["rule_name"] for r in rows) == sorted(RULES)
    for r in rows:
        assert is_sentence(r["rule_description"]), r
        assert is_sentence(r["fix"]), r


def test_every_completeness_rule_has_a_severity_a_sentence_and_a_fix():
    sql = (ROOT / "models/intermediate/review/int_review__completeness_problems.sql").read_text()
    applied = set(re.findall(r"'([a-z0-9_]+)' as rule_code", sql))
    rows = seed("completeness_rules")
    assert {r["rule_code"] for r in rows} == applied
    assert {r["severity"] for r in rows} == {"error", "warning", "info"}
    late = next(r for r in rows if r["rule_code"] == "completions_reported_late")
    assert late["severity"] == "warning"  # issue 14: one late completion is not an error
    for r in rows:
        assert is_sentence(r["rule_description"]) and is_sentence(r["fix"]), r
    assert "values" not in (ROOT / "models/intermediate/review/int_review__completeness_rules.sql").read_text()


def test_the_rules_recomputed_for_every_activity_are_exactly_those_that_read_the_date():
    """int_review__completeness_problems is incremental by activity: its pre_hook deletes the rows of the rules that
    read the newest export's date (completeness_date_rules, macros/incremental/activities.sql) and the model computes
    them again over every activity. A date rule missing from that list would keep stale rows for activities no
    load changed; a data rule on it would be recomputed for every activity from the changed ones alone."""
    sql = (ROOT / "models/intermediate/review/int_review__completeness_problems.sql").read_text()
    ctes = dict(re.findall(r"\n    (\w+) as \((.*?)\n    \),", sql, flags=re.S))
    reads_date = {
        code
        for body in ctes.values()
        for code in re.findall(r"'([a-z0-9_]+)' as rule_code", body)
        if re.search(r"\bdata_as_of_date\b|\bis_open_after_deadline\b", body)
    }
    over_every_activity = {
        code
        for body in ctes.values()
        for code in re.findall(r"'([a-z0-9_]+)' as rule_code", body)
        if re.search(r"\bfrom activities\b", body)
    }
    macros = (ROOT / "macros/incremental/activities.sql").read_text()
    listed = re.search(r"macro completeness_date_rules\(\).*?return\(\[(.*?)\]\)", macros, flags=re.S).group(1)
    listed = set(re.findall(r"'([a-z0-9_]+)'", listed))
    assert len(reads_date) == 3 and reads_date == over_every_activity == listed


def test_the_quarantine_summary_names_each_rule_in_words(built_warehouse, tmp_path):
    published = dict(query(built_warehouse, "select rule_name, fix from main.quarantine_rules"))
    assert sorted(published) == sorted(RULES)
    for rule, description, fix in query(
        built_warehouse, "select rule_name, rule_description, fix from ops.quarantine_summary"
    ):
        assert description and fix == published[rule]


def test_completeness_is_counted_by_severity(built_warehouse):
    db = built_warehouse
    severity = {r["rule_code"]: r["severity"] for r in seed("completeness_rules")}
    flagged: dict[str, set[str]] = {}
    for provider, rule in query(db, "select distinct provider_id, rule_code from review.data_completeness"):
        flagged.setdefault(provider, set()).add(severity[rule])
    with_errors = {p for p, s in flagged.items() if "error" in s}
    warnings_only = {p for p, s in flagged.items() if s == {"warning"}}
    summary = query(
        db,
        "select providers_with_errors, providers_with_warnings, providers_with_info, "
        "providers_with_problems from ops.operations_summary",
    )[0]
    assert summary == (
        len(with_errors),
        sum("warning" in s for s in flagged.values()),
        sum("info" in s for s in flagged.values()),
        len(flagged),
    )
    by_severity = dict(query(db, "select severity, providers_flagged from ops.completeness_by_severity"))
    assert by_severity == {"error": summary[0], "warning": summary[1], "info": summary[2]}
    # a provider whose only problems are warnings (late completions ...) is not among those with errors
    errors_listed = {
        r[0] for r in query(db, "select provider_id from ops.completeness_follow_up where severity = 'error'")
    }
    assert errors_listed == with_errors
    assert not warnings_only & errors_listed


def test_the_follow_up_list_holds_each_flagged_provider_and_rule_with_count_and_fix(built_warehouse):
    db = built_warehouse
    expected = {
        (p, r): n
        for p, r, n in query(db, "select provider_id, rule_code, count(*) from review.data_completeness group by all")
    }
    rows = query(
        db,
        "select provider_id, rule_code, activities_flagged, severity, problem, fix, activities "
        "from ops.completeness_follow_up",
    )
    assert {(p, r): n for p, r, n, *_ in rows} == expected
    fixes = {r["rule_code"]: (r["severity"], r["rule_description"], r["fix"]) for r in seed("completeness_rules")}
    for provider, rule, count, sev, problem, fix, activities in rows:
        assert (sev, problem, fix) == fixes[rule]
        ids = activities.split(" and ")[0].split(", ")
        assert len(ids) == min(count, 20)
        assert set(ids) <= {
            a
            for (a,) in query(
                db,
                "select provider_activity_id from review.data_completeness where provider_id = ? and rule_code = ?",
                [provider, rule],
            )
        }
