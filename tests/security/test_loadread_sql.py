"""Issue 12, item 2: nothing from an export file ever becomes SQL text; the whole header is read.

The adversary controls every byte of the export: Parquet column names, the CSV header line, the
folder's name. Each test loads into a real warehouse and checks that the load either refuses with a
one-line message (warehouse unchanged) or loads exactly what the file holds, never more.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import copy_export, fingerprint, query
from tests.helpers.loadcases import read_rows
from warehouse.contract import FILES_BY_NAME
from warehouse.load import LoadError, load_export

PROVIDERS = FILES_BY_NAME["providers"].column_names


def _injected_name(copy_target: Path) -> str:
    """A column name whose first line is a contract column and whose rest is SQL (see test below)."""
    subquery = (
        "select '0000001' as provider_id, "
        "(select string_agg(content, '') from read_text('/etc/passwd')) as provider_name, "
        "'Other' as organization_type, 'ACCME' as accreditor_type, null as recognized_accreditor, "
        "'NY' as state, 'USA' as country, '2001-01-01' as initial_accreditation_date"
    )
    tail = (
        f", 1::bigint as _row, 2::bigint as _line from ({subquery}); "
        f"copy (select 'pwned' as x) to '{copy_target}'; select 0 as z_ --"
    )
    return "initial_accreditation_date\n" + tail


def test_parquet_column_names_never_become_sql(export_copy, db, tmp_path):
    """The issue's report: a crafted providers.parquet stored /etc/passwd in raw.providers and ran a
    COPY ... TO of its choosing, exit 0. Now every column name is checked against the contract first."""
    target = tmp_path / "written-by-the-attacker.csv"
    header, rows = read_rows(export_copy, "providers")
    names = list(PROVIDERS[:-1]) + [_injected_name(target)]
    table = pa.table(
        {n: pa.array([r[header.index(c)] for r in rows], pa.string()) for n, c in zip(names, PROVIDERS, strict=True)}
    )
    pq.write_table(table, export_copy / "providers.parquet")
    (export_copy / "providers.csv").unlink()
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export_copy, db)
    message = str(info.value)
    assert "providers.parquet" in message and "column" in message, message
    assert "\n" not in message, "the message must be one line (names are shown escaped)"
    assert not target.exists(), "the file's column name ran a COPY ... TO"
    assert fingerprint(db) == before
    assert query(db, "select count(*) from raw.providers where provider_name like '%root:%'") == [(0,)]


@pytest.mark.parametrize(
    "name",
    [
        "provider_name,organization_type",  # one Parquet column that a comma-split header check took for two
        'provider_name"',
        "provider_name; drop table raw.providers; --",
        "initial_accreditation_date\u2028",  # a line separator: str.splitlines() cut the name here
    ],
)
def test_parquet_column_name_not_in_the_contract_is_refused(export_copy, db, name):
    header, rows = read_rows(export_copy, "providers")
    cols = {c: pa.array([r[header.index(c)] for r in rows], pa.string()) for c in PROVIDERS}
    if "," in name:
        del cols["organization_type"]
    cols[name] = cols.pop(name.split(",")[0].split('"')[0].split(";")[0].rstrip("\u2028"))
    pq.write_table(pa.table(cols), export_copy / "providers.parquet")
    (export_copy / "providers.csv").unlink()
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export_copy, db)
    assert "providers.parquet" in str(info.value) and "unexpected column" in str(info.value), str(info.value)
    assert fingerprint(db) == before
    assert query(db, "select count(*) > 0 from raw.providers") == [(True,)]


def _bom_padded_header(columns: list[str], hidden: str) -> bytes:
    """A header line whose first 4,096 bytes name exactly the contract's columns (leading BOMs pad it),
    followed by `hidden`: the old check read only those 4,096 bytes."""
    line = ",".join(columns).encode()
    for quoted in range(3):  # quoting a name adds 2 bytes: make (4096 - len) divisible by 3 (a BOM's size)
        names = [f'"{c}"' if i < quoted else c for i, c in enumerate(columns)]
        line = ",".join(names).encode()
        if (4096 - len(line)) % 3 == 0:
            break
    return "\ufeff".encode() * ((4096 - len(line)) // 3) + line + hidden.encode()


def test_whole_header_is_read_not_only_its_first_4096_bytes(export_copy, db):
    """A renamed column plus an extra column past byte 4,096 of the header was accepted."""
    header, rows = read_rows(export_copy, "providers")
    head = _bom_padded_header(header, "_renamed,an_extra_column")
    assert head.index(b"_renamed") == 4096
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (export_copy / "providers.csv").write_bytes(head + b"\n" + buf.getvalue().encode())
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export_copy, db)
    message = str(info.value)
    assert "providers.csv" in message and "an_extra_column" in message, message
    assert fingerprint(db) == before


def test_a_100000_column_header_gets_a_true_message(export_copy, db):
    """The old check saw only the first 4,096 bytes and said 'no header row' of a header that names every
    column (after 100,000 unexpected ones)."""
    path = export_copy / "activities.csv"
    text = path.read_text()
    first, rest = text.split("\n", 1)
    extra = ",".join(f"x{i:06d}" for i in range(100_000))
    path.write_text(extra + "," + first + "\n" + rest)
    before = fingerprint(db)
    with pytest.raises(LoadError) as info:
        load_export(export_copy, db)
    message = str(info.value)
    assert "activities.csv" in message and "line 1" in message
    assert "unexpected column(s): x000000, x000001" in message, message
    assert "100,000" in message, message
    assert "no header" not in message and "missing" not in message, message
    assert len(message) < 1_000, "a one-line message, not 100,000 names"
    assert fingerprint(db) == before


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_folder_with_a_quote_in_its_name_loads(base_export, tmp_path, fmt):
    """Paths reach DuckDB's readers as parameters, never pasted into SQL text."""
    export = copy_export(base_export, tmp_path / 'it\'s an "export"; select 1 --', suffix="-quoted")
    if fmt == "parquet":
        header, rows = read_rows(export, "providers")
        pq.write_table(
            pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(header)}),
            export / "providers.parquet",
        )
        (export / "providers.csv").unlink()
    db = tmp_path / "o'brien" / "w.duckdb"
    result = load_export(export, db)
    name = f"providers.{fmt}"
    assert result.files[name].loaded == result.files[name].read > 0
    assert result.files[name].quarantined == {}
