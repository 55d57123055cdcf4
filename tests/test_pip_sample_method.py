"""review.pip_sample follows its documented method pick by pick (models/marts/review/_review__docs.md,
pip_sample_method): an independent Python implementation of the one-pick-at-a-time greedy, run over the built
warehouse's current-term activities, draws exactly the mart's rows. The model computes the same picks another way
(coverage steps, then the round-robin slots at once), so this is what ties the two together."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

from tests.helpers import query


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def flag(value: bool) -> str:
    return "true" if value else "false"


def greedy_sample(activities: list[tuple]) -> set[tuple]:
    """The method, literally: up to 15 picks, each of the stratum adding the most values not yet covered, then
    picked the fewest times, then first in md5(provider|term start|stratum) order; within a stratum the activities
    in md5(provider|term start|activity) order."""
    by_provider: dict[str, list[tuple]] = defaultdict(list)
    for row in activities:
        by_provider[row[0]].append(row)
    rows = set()
    for provider, acts in by_provider.items():
        term_start = str(acts[0][1])
        strata: dict[str, dict] = {}
        for _, _, activity_id, activity_type, joint, supported, moc in acts:
            key = " | ".join(
                [
                    activity_type,
                    "joint" if joint else "direct",
                    "supported" if supported else "unsupported",
                    "moc" if moc else "no moc",
                ]
            )
            stratum = strata.setdefault(
                key,
                {
                    "values": {
                        f"activity_type={activity_type}",
                        f"joint={flag(joint)}",
                        f"commercial_support={flag(supported)}",
                        f"moc={flag(moc)}",
                    },
                    "hash": md5(f"{provider}|{term_start}|{key}"),
                    "activities": [],
                    "picked": 0,
                },
            )
            stratum["activities"].append(activity_id)
        for stratum in strata.values():
            stratum["activities"].sort(key=lambda a: (md5(f"{provider}|{term_start}|{a}"), a))
        covered: set[str] = set()
        for position in range(1, 16):
            open_strata = [k for k, s in strata.items() if s["picked"] < len(s["activities"])]
            if not open_strata:
                break
            key = min(
                open_strata,
                key=lambda k: (-len(strata[k]["values"] - covered), strata[k]["picked"], strata[k]["hash"]),
            )
            stratum = strata[key]
            new_values = len(stratum["values"] - covered)
            covered |= stratum["values"]
            stratum["picked"] += 1
            activity_id = stratum["activities"][stratum["picked"] - 1]
            reason = "coverage" if new_values else "round robin"
            rows.add(
                (
                    provider,
                    position,
                    activity_id,
                    key,
                    stratum["picked"],
                    len(stratum["activities"]),
                    len(acts),
                    new_values,
                    reason,
                )
            )
    return rows


def test_pip_sample_draws_what_the_method_draws_pick_by_pick(built_warehouse: Path):
    activities = query(
        built_warehouse,
        "select provider_id, term_start_date, activity_id, activity_type, is_jointly_provided, "
        "has_commercial_support, is_moc_registered from review.term_activities where is_counted",
    )
    expected = greedy_sample(activities)
    got = set(
        query(
            built_warehouse,
            "select provider_id, sample_position, activity_id, stratum_key, stratum_position, stratum_activities, "
            "term_activities, new_values_covered, selection_reason from review.pip_sample",
        )
    )
    # the fixture's providers (12) exercise both phases (populations smaller than 15: the model's unit test)
    assert {r[-1] for r in expected} == {"coverage", "round robin"}
    assert got == expected
