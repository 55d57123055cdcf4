"""The clean-row fast path of validation gives exactly the verdicts of the per-column rules.

warehouse/load/validate.py judges a row that one whole-row pattern passes as clean, without running the
per-column rules (at a decade: 20M rows x 14 columns). Here both statements (`fast=True` and the per-column
`fast=False`) check the same generated hostile rows of every file of the contract, and every checked column
(typed values, `_copy`, `_rule`, `_column`, `_neutralized`) must be the same. A deliberately loosened
pattern must be caught.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from warehouse.contract import FILES, FILES_BY_NAME
from warehouse.load import validate

#: Characters that break or nearly break a rule: controls (CR, LF, tab, the separator \x1f, NUL, DEL),
#: whitespace, id and number punctuation, non-ASCII digits and letters, formula starts, quotes.
HOSTILE = "\x00\x01\x08\x09\x0a\x0b\x0c\x0d\x1f\x7f \u00a0-+.=@;,'\"aZ09é٢２\U0001f600"

VALID = {
    "id": ["A1", "2013000000001", "x-9", "a" * 40, "Z"],
    "text": ["Smith", "=SUM(A1)", "+1", "-x", "@x", " x ", "x\ty", "ü", "line\nnext", "O'Neil"],
    "date": ["2020-01-31", "2020-02-29", "1950-01-01", "2100-12-31", "2013-08-23"],
    "year": ["2020", "1950", "2100", "2013"],
    "bool": ["Yes", "No"],
    "int": ["1", "12", "0", "007", "31", "123456789012345"],
    "decimal": ["1.50", "0.25", "12", "3.000000000001", "100"],
    "money": ["1.00", "0", "12.5", "-5", "1234567890123.99"],
}
NEAR = {
    "id": ["-a", "a b", "a" * 41, "é1", "a\x1fb", "a\n", " A1", "A_1"],
    "text": ["x\r\ny", "x\ry", "x\r", "\ny", "x\x00", "x\x1f", "x\x7f", " ", "\t", "\n", "\r\n", "\r"],
    "date": ["2020-02-30", "1949-12-31", "2101-01-01", "2020-1-01", "２０２０-01-01", "2020-01-01 ", "20200101"],
    "year": ["1949", "2101", "0202", "20201", "٢٠٢٠", "20 2"],
    "bool": ["yes", "Y", " Yes", "No\r\n", "true"],
    "int": ["13", "-0", "-1", "32", "1" * 16, "1.0", "1e3", " 1", "+1", "0x1"],
    "decimal": ["0", "0.0", "-0.5", "1." + "1" * 13, ".5", "5.", "1e2", "NaN", "inf", "1" * 16],
    "money": ["1.001", "1" * 14, "1.", "$1", "1,000"],
}


def column_values(c) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """(valid values, hostile values) of column `c`."""
    if c.codes is not None:
        codes = sorted(c.codes)
        valid = st.sampled_from(codes)
        if c.type == "list":
            valid = st.lists(st.sampled_from(codes), min_size=1, max_size=3).map(";".join)
        near = st.sampled_from(codes).map(lambda v: v.lower()) | st.sampled_from(codes).map(lambda v: v + " ")
        near |= st.sampled_from([";", "", " ", f"{codes[0]};;{codes[0]}", f"{codes[0]}\r\n", f"{codes[0]}\x1f"])
    else:
        kind = c.type if c.type in VALID else "text"
        valid = st.sampled_from([v for v in VALID[kind] if in_range(c, v)])
        near = st.sampled_from(NEAR[kind] + [v for v in VALID[kind] if not in_range(c, v)])
    mutated = st.tuples(valid, st.integers(0, 40), st.sampled_from(HOSTILE)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    )
    blank = st.sampled_from([None, "", " ", "\t", "\n"])
    return valid, st.one_of(near, near, near, mutated, blank, st.text(HOSTILE, max_size=6))


def in_range(c, value: str) -> bool:
    if c.min is None and c.max is None:
        return True
    number = float(value)
    low = c.min is None or (number > c.min if c.min_exclusive else number >= c.min)
    return low and (c.max is None or number <= c.max)


def rows_of(spec) -> st.SearchStrategy:
    """Valid rows with up to two values made hostile (a fast-path mistake shows only on an otherwise clean
    row), some repeated exactly (duplicates) or by key (conflicts): both rules come before the column rules."""
    values = [column_values(c) for c in spec.columns]
    valid_row = st.tuples(*(v for v, _ in values))

    def spoil(row: tuple, spoilt: list[tuple[int, str | None]]) -> tuple:
        out = list(row)
        for i, value in spoilt:
            out[i] = value
        return tuple(out)

    hostile = st.integers(0, len(values) - 1).flatmap(lambda i: st.tuples(st.just(i), values[i][1]))
    spoilt = st.sampled_from([0, 1, 1, 1, 2]).flatmap(lambda n: st.lists(hostile, min_size=n, max_size=n))
    row = st.tuples(valid_row, spoilt).map(lambda t: spoil(*t))
    return st.lists(row, min_size=1, max_size=40).flatmap(
        lambda rows: st.lists(st.sampled_from(rows), max_size=3).map(lambda extra: distinct_keys(spec, rows) + extra)
    )


def verdicts(con: duckdb.DuckDBPyConnection, spec, rows: list[tuple], fast: bool) -> list[tuple]:
    names = spec.column_names
    cols = ", ".join(f"{validate.ident(c)} varchar" for c in names)
    con.sql(f"create or replace temp table stg ({cols}, _row bigint, _line bigint)")
    arrays = [pa.array([row[j] for row in rows], pa.string()) for j in range(len(names))]
    arrays += [pa.array(range(1, len(rows) + 1), pa.int64()), pa.array(range(2, len(rows) + 2), pa.int64())]
    staged = pa.Table.from_arrays(arrays, names=[f"c{j}" for j in range(len(arrays))])  # noqa: F841
    con.sql("insert into stg select * from staged")
    validate.run(con, spec, "stg", "ck")  # copies_ck and the conflict tables; ck itself is made again below
    conflicts = [f"conflict{i}_ck" for i in range(1 + len(spec.unique))]
    con.sql(validate.checked_table_sql(spec, "stg", "ck", conflicts, fast=fast))
    # NaN (a decimal 'NaN' in a row judged otherwise) equals itself here, as it does in the raw layer's comparison
    return [tuple("nan" if v != v else v for v in row) for row in con.sql("select * from ck order by _row").fetchall()]


def same_verdicts(spec, rows: list[tuple]) -> None:
    con = duckdb.connect()
    try:
        slow, fast = verdicts(con, spec, rows, fast=False), verdicts(con, spec, rows, fast=True)
    finally:
        con.close()
    for a, b, row in zip(slow, fast, rows, strict=True):
        assert a == b, f"{spec.name}: per-column {a} but fast {b} for {row!r}"


def sweep_rows(spec) -> list[tuple]:
    """One valid row, then that row with each column in turn given each of its hostile values: every
    near-miss, blank and out-of-range value, and each hostile character put before, inside and after a
    valid value (a fast-path mistake shows on an otherwise clean row)."""
    valid = []
    for c in spec.columns:
        if c.codes is not None:
            valid.append(sorted(c.codes)[0])
        else:
            valid.append([v for v in VALID[c.type if c.type in VALID else "text"] if in_range(c, v)][0])
    rows = [tuple(valid)]
    for i, c in enumerate(spec.columns):
        kind = c.type if c.type in VALID else "text"
        base = valid[i]
        values = [None, "", " ", "\t", "\n", *NEAR.get(kind, []), *VALID.get(kind, [])]
        if c.codes is not None:
            codes = sorted(c.codes)
            values += [v.lower() for v in codes] + [v + " " for v in codes] + [";", f"{base};{base}", f"{base};;"]
        for ch in HOSTILE:
            values += [ch, ch + base, base[:1] + ch + base[1:], base + ch]
        rows += [tuple(valid[:i]) + (v,) + tuple(valid[i + 1 :]) for v in values]
    return distinct_keys(spec, rows)


def distinct_keys(spec, rows: list[tuple]) -> list[tuple]:
    """Rows whose valid key (and unique) values are made distinct: a shared key is a duplicate_key, which
    comes before the column rules and would hide them."""
    keyed = {c for cols in (spec.key, *spec.unique) for c in cols}
    at = [i for i, c in enumerate(spec.column_names) if c in keyed and spec.columns[i].codes is None]
    out = []
    for n, row in enumerate(rows):
        values = list(row)
        for i in at:
            if values[i] in VALID["id"][:3]:
                values[i] = f"{values[i]}-{n}"
        out.append(tuple(values))
    return out


def check_file(name: str):
    spec = FILES_BY_NAME[name]

    @settings(
        max_examples=4,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing rows are printed as they are
        suppress_health_check=list(HealthCheck),
    )
    @given(rows_of(spec))
    def prop(rows):
        same_verdicts(spec, rows)

    return prop


@pytest.mark.parametrize("name", [s.name for s in FILES])
def test_fast_path_gives_the_per_column_verdicts(name):
    same_verdicts(FILES_BY_NAME[name], sweep_rows(FILES_BY_NAME[name]))
    check_file(name)()


def test_clean_rows_take_the_fast_path():
    """The fast path is not vacuous: a clean completion passes the whole-row test (and a CRLF text fails it)."""
    spec = FILES_BY_NAME["learner_completions"]
    clean = (
        "2013000000001",
        "201300000002",
        "ABA",
        "06356814",
        "Sharon",
        "=Smith",
        "7",
        "10",
        "2013-08-23",
        "LL",
        "1.50",
        "2013-08-29",
        "Accepted",
        None,
    )
    names = ", ".join(f"${i + 1} as {validate.ident(c)}" for i, c in enumerate(spec.column_names))
    expr = validate.clean_row_expr(spec)
    con = duckdb.connect()
    passes = [
        con.execute(f"select {expr} from (select {names})", list(row)).fetchall()[0][0]
        for row in (clean, clean[:4] + ("Sha\r\nron",) + clean[5:], clean[:6] + ("13",) + clean[7:])
    ]
    assert passes == [True, False, False]
    same_verdicts(spec, [clean, clean[:4] + ("Sha\r\nron",) + clean[5:], clean[:6] + ("13",) + clean[7:]])


@pytest.mark.parametrize(
    "kind, loose",
    [
        ("id", "[A-Za-z0-9][A-Za-z0-9-]{0,40}"),
        ("decimal", "-?\\d{1,16}(?:\\.\\d{1,12})?"),
        ("date", "\\d{4}-\\d{1,2}-\\d{2}"),
    ],
)
def test_a_loosened_pattern_is_caught(monkeypatch, kind, loose):
    """The comparison above would fail on a wrong fast path: loosen one pattern, and it finds a row."""
    monkeypatch.setitem(validate._CLEAN_PATTERNS, kind, loose)
    name = {"id": "learner_completions", "decimal": "learner_completions", "date": "providers"}[kind]
    with pytest.raises(AssertionError, match="per-column"):
        same_verdicts(FILES_BY_NAME[name], sweep_rows(FILES_BY_NAME[name]))
