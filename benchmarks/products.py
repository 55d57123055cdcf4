"""Benchmark steps of the products built on the marts: research releases, annual report, review packets and the
dashboard's filter latency, each in its own process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.steps import ROOT, attempt

PY = sys.executable

#: Python snippets, each run in its own process (argv: db, output dir, extra).
REPORT_YEAR = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.sql('select max(report_year) from annual_report.enterprise_size').fetchall()[0][0])
"""
ANNUAL_REPORT = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from reports.api import annual_report
annual_report(Path(sys.argv[1]), int(sys.argv[3]), Path(sys.argv[2]))
print(json.dumps({'seconds': time.perf_counter() - started}))
"""
REVIEW_PACKETS = """
import json, sys, time
from pathlib import Path
started = time.perf_counter()
from reports.api import all_review_packets
result = all_review_packets(Path(sys.argv[1]), Path(sys.argv[2]), workers=2)
print(json.dumps({'seconds': time.perf_counter() - started,
                  'packets': len(result) if hasattr(result, '__len__') else -1}))
"""
DASHBOARD = """
import json, sys
from pathlib import Path
from benchmarks.dashboard import measure
result = measure(Path(sys.argv[1]), Path(sys.argv[2]), sessions=int(sys.argv[4]), rounds=int(sys.argv[3]))
print(json.dumps({k: v for k, v in result.items() if isinstance(v, (int, float))}))
"""
RELEASE_PROFILES = ["activities", "learners", "tables"]


def bench_products(
    pars: list[str],
    db: Path,
    work: Path,
    repeat: int,
    rounds: int = 20,
    profiles: list[str] = RELEASE_PROFILES,
    others: tuple[str, ...] | None = None,
    sessions: int = 5,
) -> dict:
    """Research releases (one step per profile), the annual report, all review packets, dashboard latency.

    All review packets and the dashboard step run once whatever `repeat` (the packets take minutes at
    national scale; the dashboard repeats its own filter rounds over `sessions` concurrent sessions, 5 in a
    benchmark run, and reports p95). `others` limits the non-release steps to these names and `sessions` sets the
    dashboard's sessions (the smoke test: fewer, each a browser page load it does not need).
    """
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    steps: dict[str, dict] = {}
    releases = work / "releases"
    for profile in profiles:
        name = f"release_{profile}"
        target = releases / profile
        secret = work / "secrets" / f"{profile}.key"  # every release makes a new secret (docs/releases.md)

        def clear(target: Path = target, secret: Path = secret) -> None:
            shutil.rmtree(target, ignore_errors=True)
            secret.unlink(missing_ok=True)

        steps[name] = attempt(
            [*pars, "release", profile, "--db", str(db), "--out", str(target), "--secret-file", str(secret)],
            repeat,
            setup=clear,
        )
    year = subprocess.run(
        [PY, "-c", REPORT_YEAR, str(db)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    for name, code, args, runs in [
        ("annual_report", ANNUAL_REPORT, [year], repeat),
        ("all_review_packets", REVIEW_PACKETS, [], 1),
        ("dashboard_filter_latency", DASHBOARD, [str(rounds), str(sessions)], 1),
    ]:
        if others is not None and name not in others:
            continue
        target = releases if name.startswith("dashboard") else work / name

        def clear(target: Path = target, keep: bool = name.startswith("dashboard")) -> None:
            if not keep:
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)

        steps[name] = attempt([PY, "-c", code, str(db), str(target), *args], runs, setup=clear, reports=True)
    return steps
