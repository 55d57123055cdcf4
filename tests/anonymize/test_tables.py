"""Cell suppression of count tables with margins, and the linear-program audit (privacy.md guarantee 4)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymize.tables import audit, is_protected, suppress, with_margins

DIMS = ["type", "org"]


def table(grid: list[list[int]], hours: bool = False) -> pl.DataFrame:
    rows = [(f"t{i}", f"o{j}", v) for i, row in enumerate(grid) for j, v in enumerate(row)]
    cells = pl.DataFrame(rows, schema=[*DIMS, "activities"], orient="row")
    measures = ["activities"]
    if hours:
        cells, measures = cells.with_columns(hours=pl.col("activities") * 3), ["activities", "hours"]
    return with_margins(cells, DIMS, measures)


def index(frame: pl.DataFrame, type_: str, org: str) -> int:
    return frame.with_row_index().filter((pl.col("type") == type_) & (pl.col("org") == org))["index"][0]


def test_rule_is_interval_not_inside_low_high():
    assert not is_protected(5, 5, 1, 10) and not is_protected(1, 10, 1, 10)
    assert is_protected(0, 5, 1, 10) and is_protected(3, 11, 1, 10) and is_protected(0, 0, 1, 10)


def test_audit_catches_one_recoverable_cell():
    frame = table([[5, 20], [30, 40]])
    mask = np.zeros(frame.height, dtype=bool)
    mask[index(frame, "t0", "o0")] = True
    (interval,) = audit(frame, DIMS, "activities", mask)
    assert (interval.lo, interval.hi, interval.value) == (5, 5, 5)
    assert not interval.protected and interval.cell == {"type": "t0", "org": "o0"}


def test_two_by_two_rectangle_by_hand():
    # t0/o0 = 5 alone is recoverable from its row margin; the heuristic takes the smallest interior cells of its
    # row (20) and column (30), then 40 which pins them: the 2x2 interior is suppressed, margins published.
    # By hand: x00 + x01 = 25, x00 + x10 = 35, x01 + x11 = 60, x10 + x11 = 70, x >= 0 => x00 in [0, 25].
    frame = table([[5, 20], [30, 40]])
    result = suppress(frame, DIMS, "activities")
    hidden = result.published.filter(pl.col("activities").is_null()).select(DIMS).rows()
    assert sorted(hidden) == [("t0", "o0"), ("t0", "o1"), ("t1", "o0"), ("t1", "o1")]
    assert (result.primary, result.secondary) == (1, 3)
    by_cell = {(i.cell["type"], i.cell["org"]): (i.lo, i.hi) for i in result.intervals}
    assert by_cell == {("t0", "o0"): (0, 25), ("t0", "o1"): (0, 25), ("t1", "o0"): (10, 35), ("t1", "o1"): (35, 60)}
    assert all(i.protected for i in audit(frame, DIMS, "activities", result.mask))


def test_three_by_three_adds_complements_and_passes_audit():
    frame = table([[3, 50, 60], [40, 0, 70], [80, 90, 12]])
    result = suppress(frame, DIMS, "activities")
    assert result.primary == 1 and result.secondary >= 3
    assert result.published.filter(pl.col("type") == "t1", pl.col("org") == "o1")["activities"][0] == 0  # zero
    intervals = audit(frame, DIMS, "activities", result.mask)
    assert intervals and all(i.protected for i in intervals)
    small = next(i for i in intervals if i.value == 3)
    assert small.lo == 0 and small.hi > 10


def test_same_mask_on_every_measure_and_json_report():
    frame = table([[5, 20], [30, 40]], hours=True)
    result = suppress(frame, DIMS, "activities")
    assert result.published["hours"].is_null().to_list() == result.mask.tolist()
    report = json.loads(json.dumps(result.report()))
    assert report["all_protected"] and report["primary_suppressed"] == 1 and len(report["intervals"]) == 4


def test_all_small_table_is_suppressed_entirely_and_still_protected():
    frame = table([[2, 3], [4, 1]])
    result = suppress(frame, DIMS, "activities")
    assert result.mask.all() and all(i.protected for i in result.intervals)


def test_rejects_negative_counts():
    with pytest.raises(ValueError, match="non-negative"):
        suppress(table([[-1, 20], [30, 40]]), DIMS, "activities")


def check_release(grid: list[list[int]]) -> None:
    frame = table(grid)
    result = suppress(frame, DIMS, "activities")
    published = result.published["activities"].drop_nulls()
    assert ((published == 0) | (published > 10)).all()
    assert result.primary == frame.filter(pl.col("activities").is_between(1, 10)).height  # zeros publishable
    for interval in audit(frame, DIMS, "activities", result.mask):
        assert interval.lo < 1 or interval.hi > 10, interval


cell_values = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 200))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 4).flatmap(lambda r: st.lists(st.lists(cell_values, min_size=3, max_size=3), min_size=r, max_size=r))
)
def test_property_no_cell_published_or_derivable_in_1_10(grid):
    check_release(grid)
