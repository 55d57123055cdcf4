"""Baseline: SQLite with plain SQL. Loads the export's CSV files into an in-memory SQLite database with the csv
module (executemany), then runs the SQL of sql/enterprise_size.sql and sql/activity_matrix.sql.

    python benchmarks/baselines/sqlite_sql.py EXPORT_DIR --out DIR [--engine sqlite|duckdb]

Writes DIR/enterprise_size.csv and DIR/activity_matrix.csv (the marts' columns) and prints
{"seconds": ...} (work after imports: reading, computing, writing). `--engine duckdb` runs the very same SQL
text on an in-memory DuckDB (the files read by DuckDB's own CSV reader into the same table definitions).
Reads one full export (each record once, as `pars synth` writes it).
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
import time
from pathlib import Path

SQL = Path(__file__).resolve().parent / "sql"
TABLES = ["providers", "accreditation_decisions", "program_summaries", "activities", "activity_commercial_supporters"]
QUERIES = ["enterprise_size", "activity_matrix"]


def load_sqlite(export: Path) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript((SQL / "schema.sql").read_text())
    for table in TABLES:
        path = export / f"{table}.csv"
        if not path.exists():  # a file may be absent when it would have no rows
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            insert = f"insert into {table} ({', '.join(header)}) values ({', '.join('?' * len(header))})"
            con.executemany(insert, ([v if v != "" else None for v in row] for row in reader))
    return con


def run_sqlite(export: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    con = load_sqlite(export)
    out = {}
    for name in QUERIES:
        cur = con.execute((SQL / f"{name}.sql").read_text())
        out[name] = ([d[0] for d in cur.description], cur.fetchall())
    return out


def run_duckdb(export: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    import duckdb

    con = duckdb.connect()
    con.execute((SQL / "schema.sql").read_text())
    for table in TABLES:
        path = export / f"{table}.csv"
        if path.exists():
            con.execute(
                f"insert into {table} by name select * from read_csv(?, header=true, all_varchar=true)", [str(path)]
            )
    out = {}
    for name in QUERIES:
        rel = con.sql((SQL / f"{name}.sql").read_text())
        out[name] = (rel.columns, rel.fetchall())
    return out


def write(out_dir: Path, tables: dict[str, tuple[list[str], list[tuple]]]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (columns, rows) in tables.items():
        with (out_dir / f"{name}.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("export", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--engine", choices=["sqlite", "duckdb"], default="sqlite")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tables = (run_sqlite if args.engine == "sqlite" else run_duckdb)(args.export)
    write(args.out, tables)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
