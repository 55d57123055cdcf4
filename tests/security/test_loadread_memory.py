"""Issue 12, item 6: memory holds on hostile input.

Each test runs the real `pars load` in a child process under a small cap (--memory-limit 256MB) and
reads the child's peak RSS from the kernel (os.wait4). A giant record, a giant field, a Parquet
"bomb" and a gzip bomb end in a quarantined row or a one-line error, exit codes as documented, no
traceback, and a peak RSS near the cap (the old code took GBs or died). Inputs are sparse or tiny.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import fingerprint, query, read_manifest
from tests.helpers.loadcases import read_rows, set_cell

CAP = "256MB"
#: Peak RSS allowed for a load under CAP: the interpreter with DuckDB, pyarrow and polars loaded takes
#: ~150 MB before any work; the old code took 2.7 GB and more on these inputs.
RSS_CEILING_MB = 600
MB = 1 << 20


#: A small go-between process: the load's peak RSS as the kernel saw it (os.wait4), untouched by this
#: test process's own size (a child's ru_maxrss starts from its parent's at fork and survives exec).
_MEASURE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def pars_load(export: Path, db: Path, *flags: str) -> tuple[int, str, float]:
    """Run `pars load` in a grandchild; return (exit code, stderr, its peak RSS in MB)."""
    cmd = [sys.executable, "-m", "warehouse", "load", str(export), "--db", str(db), "--memory-limit", CAP, *flags]
    out = subprocess.run(
        [sys.executable, "-S", "-c", _MEASURE, *cmd], capture_output=True, text=True, errors="replace", check=True
    )
    rss_kb, code = out.stdout.split()
    return int(code), out.stderr, int(rss_kb) / 1024


def _sparse_append(path: Path, prefix: bytes, size: int, suffix: bytes = b"") -> None:
    """Append `prefix`, then `size` NUL bytes (a hole: costs no disk), then `suffix`."""
    with open(path, "ab") as fh:
        fh.write(prefix)
        fh.truncate(fh.tell() + size)
        fh.seek(0, os.SEEK_END)
        fh.write(suffix)


def _quarantine(db: Path, export: Path) -> list[tuple]:
    return query(
        db,
        "select file, line, column_name, rule, length(raw_value) from raw.quarantine "
        "where export_id = ? and rule in ('record_size', 'field_size') order by file, line",
        [read_manifest(export)["export_id"]],
    )


def test_valid_rows_then_100mb_of_nuls(export_copy, db):
    """The issue's case: one huge record (valid rows, then NULs) took 2.7 GB and died with a DuckDB traceback."""
    lines = (export_copy / "activities.csv").read_bytes().count(b"\n")
    _sparse_append(export_copy / "activities.csv", b"", 100 * MB)
    code, err, rss = pars_load(export_copy, db)
    assert "Traceback" not in err, err[-2000:]
    assert code == 0, err
    assert _quarantine(db, export_copy) == [("activities.csv", lines + 1, None, "record_size", 1000)]
    assert rss < RSS_CEILING_MB, f"peak RSS {rss:.0f} MB under --memory-limit {CAP}"


def test_one_100mb_field_among_good_rows(export_copy, db):
    """A 100 MB quoted field in the middle of a file: that row is quarantined, every other row loads."""
    path = export_copy / "activity_joint_providers.csv"
    header, rows = read_rows(export_copy, "activity_joint_providers")
    head, tail = path.read_bytes().split(b"\n", 3)[:3], path.read_bytes().split(b"\n", 3)[3]
    path.write_bytes(b"\n".join(head) + b"\n")
    _sparse_append(path, rows[0][0].encode() + b',"', 100 * MB, b'"\n' + tail)
    code, err, rss = pars_load(export_copy, db, "--report", str(db.parent / "load.json"))
    assert "Traceback" not in err, err[-2000:]
    assert code == 0, err
    assert _quarantine(db, export_copy) == [("activity_joint_providers.csv", 4, None, "record_size", 1000)]
    summary = json.loads((db.parent / "load.json").read_text())["files"]["activity_joint_providers.csv"]
    assert (summary["read"], summary["loaded"]) == (len(rows) + 1, len(rows))  # every good row loads
    assert rss < RSS_CEILING_MB, f"peak RSS {rss:.0f} MB under --memory-limit {CAP}"


def test_parquet_bomb_ends_in_one_line(export_copy, db):
    """A small Parquet file whose dictionary-encoded titles expand to ~1 GB of text."""
    header, rows = read_rows(export_copy, "activities")
    title = "A" * MB
    cols = {c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(header)}
    cols["title"] = pa.DictionaryArray.from_arrays(pa.array([0] * len(rows), pa.int32()), pa.array([title]))
    pq.write_table(pa.table(cols), export_copy / "activities.parquet", compression="zstd")
    (export_copy / "activities.csv").unlink()
    size = (export_copy / "activities.parquet").stat().st_size
    assert size < 2 * MB and len(rows) * len(title) > 500 * MB
    before = fingerprint(db)
    code, err, rss = pars_load(export_copy, db)
    assert "Traceback" not in err, err[-2000:]
    assert code == 1, err
    errors = [line for line in err.splitlines() if not line.startswith("[loading]")]
    assert len(errors) == 1, err  # one line: the error and "the warehouse was not changed"
    assert errors[0].startswith("Error: activities.parquet") and "expands" in errors[0], err
    assert errors[0].endswith("the warehouse was not changed"), err
    assert fingerprint(db) == before
    assert rss < RSS_CEILING_MB, f"peak RSS {rss:.0f} MB under --memory-limit {CAP}"


def test_gzip_bomb_named_csv_is_refused_at_once(export_copy, db):
    """A 100 KB gzip stream of 100 MB: refused from its first bytes, never decompressed."""
    (export_copy / "activities.csv").write_bytes(gzip.compress(b"\0" * (100 * MB)))
    before = fingerprint(db)
    code, err, rss = pars_load(export_copy, db)
    assert code == 1 and "Traceback" not in err, err
    assert "activities.csv" in err and "gzip" in err
    assert fingerprint(db) == before
    assert rss < RSS_CEILING_MB


def test_field_and_record_limits_are_flags(export_copy, db):
    """--max-field-size and --max-record-size: a 3 KB title is fine by default, quarantined under 2KB. The flags are
    the point, not the process or its memory: `pars load` runs in this process (click's CliRunner)."""
    from click.testing import CliRunner

    from warehouse.cli import main

    set_cell(export_copy, "activities", 5, "title", "T" * 3000)
    for column in ("title", "city", "closed_date"):  # each under 2KB, together over 5KB
        set_cell(export_copy, "activities", 6, column, "U" * 1900)
    flags = ["--max-field-size", "2KB", "--max-record-size", "5KB", "--memory-limit", CAP]
    out = CliRunner().invoke(main, ["load", str(export_copy), "--db", str(db), *flags])
    assert out.exit_code == 0, out.output
    assert _quarantine(db, export_copy) == [
        ("activities.csv", 7, "title", "field_size", 1000),
        ("activities.csv", 8, None, "record_size", 1000),
    ]


def test_parquet_rows_obey_the_same_limits(export_copy, db):
    """A Parquet row over --max-record-size is quarantined by row number; one value over --max-field-size
    too; every other row loads."""
    from warehouse.load import load_export

    header, rows = read_rows(export_copy, "activities")
    rows[3][header.index("title")] = "T" * 3000  # over the field limit, under the record limit
    for column in ("title", "city", "closed_date"):
        rows[7][header.index(column)] = "U" * 1900  # together over the record limit
    pq.write_table(
        pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(header)}),
        export_copy / "activities.parquet",
    )
    (export_copy / "activities.csv").unlink()
    result = load_export(export_copy, db, max_field_size="2KB", max_record_size="5KB")
    summary = result.files["activities.parquet"]
    assert summary.quarantined == {"field_size": 1, "record_size": 1}
    assert summary.read == len(rows) and summary.loaded == len(rows) - 2
    assert _quarantine(db, export_copy) == [
        ("activities.parquet", 4, "title", "field_size", 1000),
        ("activities.parquet", 8, None, "record_size", 1000),
    ]
