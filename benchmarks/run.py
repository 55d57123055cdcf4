"""Benchmark harness: each pipeline step in a fresh process, median wall time and peak memory.

    python -m benchmarks.run --scales 0.1 1 [--years 2022] [--repeat 3] [--out benchmarks/results]

Every step runs as its own subprocess so its peak resident memory (from wait4) is its own. Baselines run
in the same invocation on the same files, and results are reported as ratios against them: these
machines are shared and noisy, so absolute seconds do not compare across runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
PY = sys.executable

from benchmarks.products import bench_products  # noqa: E402
from benchmarks.steps import machine, measure  # noqa: E402

#: The floor for `pars load`: DuckDB merely reading the same CSV files into tables (no validation).
FLOOR_READ = """
import duckdb, sys, pathlib
con = duckdb.connect(sys.argv[2])
for f in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):
    con.sql(f"create table {f.stem} as select * from read_csv('{f}', header=true, all_varchar=true)")
con.close()
"""


#: Answering the two annual tables from the published marts: select both tables on a read-only connection
#: held open (as the dashboard and the report renderer do), and, as a cold client would, open the warehouse
#: read-only, select both, close. Many repeats of each; per-answer median and p95.
MARTS_ANSWER = """
import duckdb, json, statistics, sys, time
db, repeats = sys.argv[1], int(sys.argv[2])
def answer(con):
    return [con.sql(f'select * from annual_report.{t}').fetchall() for t in ('enterprise_size', 'activity_matrix')]
warm, cold = [], []
con = duckdb.connect(db, read_only=True)
answer(con)
for _ in range(repeats):
    start = time.perf_counter()
    rows = answer(con)
    warm.append(time.perf_counter() - start)
con.close()
for _ in range(repeats):
    start = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    answer(con)
    con.close()
    cold.append(time.perf_counter() - start)
warm.sort()
print(json.dumps({'seconds': statistics.median(warm), 'p95_seconds': warm[int(0.95 * (len(warm) - 1))],
                  'open_and_select_seconds': statistics.median(cold), 'rows': sum(len(r) for r in rows)}))
"""

#: The baselines (benchmarks/baselines/): each computes both annual tables from the export's CSV files.
BASELINES = {
    "baseline_pandas": [BENCH / "baselines" / "pandas_script.py"],
    "baseline_polars_lazy": [BENCH / "baselines" / "polars_lazy.py"],
    "baseline_sqlite_sql": [BENCH / "baselines" / "sqlite_sql.py"],
    "baseline_duckdb_same_sql": [BENCH / "baselines" / "sqlite_sql.py", "--engine", "duckdb"],
}
MARTS_REPEATS = 50
#: --decade: ten national years at scale 1.
DECADE = "2013-2022"


class BaselineMismatch(RuntimeError):
    """A baseline's tables differ from the marts; no time of the run may be reported."""


def bench_scale(
    scale: float,
    years: str,
    repeat: int,
    work: Path,
    products: bool = True,
    product_repeat: int = 1,
    monthly: bool = True,
    build_select: str | None = None,
    build_exclude: str | None = None,
) -> dict:
    export = work / f"export-{scale}"
    db = work / f"w-{scale}.duckdb"
    floor_db = work / f"floor-{scale}.duckdb"
    pars = [PY, "-m", "warehouse"]

    def fresh(*paths: Path):
        def clear() -> None:
            for p in paths:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                Path(str(p) + ".wal").unlink(missing_ok=True)

        return clear

    steps = {}
    steps["synth"] = measure(
        pars + ["synth", "--scale", str(scale), "--years", years, "--seed", "1", "--out", str(export)],
        repeat,
        setup=fresh(export),
    )
    size = sum(f.stat().st_size for f in export.glob("*.csv"))
    steps["floor_duckdb_read"] = measure(
        [PY, "-c", FLOOR_READ, str(export), str(floor_db)], repeat, setup=fresh(floor_db)
    )
    steps["load"] = measure(pars + ["load", str(export), "--db", str(db)], repeat, setup=fresh(db))
    steps["reload_unchanged"] = measure(pars + ["load", str(export), "--db", str(db)], repeat)
    steps.update(bench_builds(pars, export, db, work, scale, repeat, monthly, build_select, build_exclude))
    steps.update(bench_baselines(export, db, work / f"baselines-{scale}", repeat))
    if products:
        steps.update(bench_products(pars, db, work / f"products-{scale}", product_repeat))
    rows = json.loads((export / "manifest.json").read_text())
    ratios = {"load_vs_floor_read": round(steps["load"]["seconds"] / steps["floor_duckdb_read"]["seconds"], 2)}
    for name in ("build_after_one_month", "build_after_one_month_unit_tests_always"):
        if name in steps:
            ratios[f"{name}_vs_full"] = round(steps[name]["seconds"] / steps["build_full"]["seconds"], 3)
    marts = steps["answer_from_marts"]["seconds"]
    cold = steps["answer_from_marts"]["reported_open_and_select_seconds"]
    for name in BASELINES:
        ratios[f"{name}_vs_answer_from_marts"] = round(steps[name]["reported_seconds"] / marts, 1)
    ratios["baseline_pandas_vs_open_and_answer_from_marts"] = round(
        steps["baseline_pandas"]["reported_seconds"] / cold, 1
    )
    load_build_peak = max(steps["load"]["peak_mib"], steps["build_full"]["peak_mib"])
    ratios["peak_load_build_vs_pandas_peak"] = round(load_build_peak / steps["baseline_pandas"]["peak_mib"], 2)
    return {
        "scale": scale,
        "years": years,
        "export_id": rows["export_id"],
        "csv_mib": round(size / 2**20, 1),
        "steps": steps,
        "ratios": ratios,
    }


def bench_baselines(export: Path, db: Path, out: Path, repeat: int) -> dict:
    """Each baseline on the export's files (timed, own process), then checked against the published marts.

    A baseline whose tables differ from `annual_report.enterprise_size` / `activity_matrix` stops the run
    (BaselineMismatch naming table, key and column) before any time is reported. `answer_from_marts` is the
    median time to open the published warehouse read-only and select both tables.
    """
    from benchmarks.baselines.check import compare

    steps, problems = {}, []
    for name, script in BASELINES.items():
        target = out / name
        shutil.rmtree(target, ignore_errors=True)
        steps[name] = measure(
            [PY, str(script[0]), str(export), "--out", str(target), *script[1:]], repeat, reports=True
        )
        problems += compare(db, target, name)
    if problems:
        raise BaselineMismatch(
            f"{len(problems)} difference(s) between baselines and marts; no times reported:\n"
            + "\n".join(problems[:20])
        )
    steps["answer_from_marts"] = measure([PY, "-c", MARTS_ANSWER, str(db), str(MARTS_REPEATS)], 1, reports=True)
    answer = steps["answer_from_marts"]
    answer.update(process_seconds=answer["seconds"], seconds=answer.pop("reported_seconds"), repeats=MARTS_REPEATS)
    return steps


def bench_builds(
    pars: list[str],
    export: Path,
    db: Path,
    work: Path,
    scale: float,
    repeat: int,
    monthly: bool = True,
    select: str | None = None,
    exclude: str | None = None,
) -> dict:
    """`pars build` from scratch on the loaded export, and after one more month on a built warehouse.

    The monthly exports come from `pars split-months`; all months but the last are loaded and built once
    (untimed), then each run restores that state, loads the last month (untimed) and times the build.
    dbt's state folder beside each warehouse is kept between runs, as in normal use (partial parsing).
    The untimed work runs in subprocesses too: a child's peak memory (wait4) starts from its parent's
    at fork, so the harness itself must stay small.
    `select` / `exclude` (dbt's selection syntax, passed to `pars build --select/--exclude`) narrow the first build
    (the smoke test: the two annual marts the baselines are checked against, without data and unit tests); the step then
    says so (`dbt_select`, `dbt_exclude`). A benchmark run builds the whole project.
    """

    def run(*args: str) -> None:
        subprocess.run([*pars, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    loaded, report = work / f"w-{scale}-loaded.duckdb", work / f"build-{scale}.json"
    shutil.copyfile(db, loaded)

    def restore(src: Path, dst: Path, then=None):
        def setup() -> None:
            shutil.copyfile(src, dst)
            Path(str(dst) + ".wal").unlink(missing_ok=True)
            if then:
                then()

        return setup

    def with_startup(step: dict) -> dict:
        result = json.loads(report.read_text())
        return step | {
            "dbt_startup_seconds": round(result["startup_seconds"], 3),
            "dbt_seconds": round(result["dbt_seconds"], 3),
            "copy_seconds": round(result["copy_seconds"], 3),
            "unit_tests_skipped": result.get("unit_tests_skipped", False),
        }

    narrowed = [*(["--select", select] if select else []), *(["--exclude", exclude] if exclude else [])]
    steps = {}
    steps["build_full"] = with_startup(
        measure(
            pars + ["build", "--db", str(db), "--report", str(report), *narrowed], repeat, setup=restore(loaded, db)
        )
    )
    for key, spec in (("dbt_select", select), ("dbt_exclude", exclude)):
        if spec:
            steps["build_full"][key] = spec
    if not monthly:
        return steps
    months_dir, mdb, base = work / f"months-{scale}", work / f"m-{scale}.duckdb", work / f"m-{scale}-base.duckdb"
    shutil.rmtree(months_dir, ignore_errors=True)
    for path in (mdb, base, Path(str(mdb) + ".wal")):
        path.unlink(missing_ok=True)
    run("split-months", str(export), "--out", str(months_dir))
    months = sorted(p for p in months_dir.iterdir() if p.is_dir())
    for month in months[:-1]:
        run("load", str(month), "--db", str(mdb))
    run("build", "--db", str(mdb))
    shutil.copyfile(mdb, base)
    steps["build_after_one_month"] = with_startup(
        measure(
            pars + ["build", "--db", str(mdb), "--report", str(report)],
            repeat,
            setup=restore(base, mdb, then=lambda: run("load", str(months[-1]), "--db", str(mdb))),
        )
    )
    shutil.copyfile(report, work / f"build-after-one-month-{scale}.json")
    # the same build as before the unit-test gate (issue 3): what skipping unchanged unit tests saves
    steps["build_after_one_month_unit_tests_always"] = with_startup(
        measure(
            pars + ["build", "--db", str(mdb), "--report", str(report), "--unit-tests", "always"],
            repeat,
            setup=restore(base, mdb, then=lambda: run("load", str(months[-1]), "--db", str(mdb))),
        )
    )
    return steps


def write_markdown(results: list[dict], path: Path, note: str = "") -> None:
    first = results[0]
    lines = [f"# Benchmark results ({first['date']})", ""]
    if note:
        lines += [note, ""]
    lines += [
        f"Machine: {first['machine']['cores']} cores, {first['machine']['memory_gib']} GiB "
        f"({first['machine']['platform']}). Repeats per step: {first['repeat']} (median).",
        "",
        "| scale | years | CSV MiB | step | median s | peak MiB | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, s in r["steps"].items():
            if "not_run" in s or "failed" in s:
                why = f"not run ({s['not_run']})" if "not_run" in s else f"FAILED: {s['failed']}"
                cells = (r["scale"], r["years"], r["csv_mib"], name, "", "", why.replace("|", "/"))
            else:
                extra = [
                    f"{k.removeprefix('reported_')} {v}"
                    for k, v in s.items()
                    if k.startswith(("reported_", "dbt_", "copy_", "unit_tests_", "process_", "repeats", "tree_"))
                ]
                cells = (r["scale"], r["years"], r["csv_mib"], name, s["seconds"], s["peak_mib"], "; ".join(extra))
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines += ["", "| scale | years | ratio | value |", "|---|---|---|---|"]
    for r in results:
        for name, v in r["ratios"].items():
            lines.append(f"| {r['scale']} | {r['years']} | {name} | {v}x |")
    lines += [
        "",
        "Baseline ratios compare each baseline's own time after its imports (reading the CSV files, "
        "computing both tables, writing them) with the median time to select both tables on a read-only "
        "connection to the published warehouse (`answer_from_marts`; `open_and_select` includes opening "
        "the file). Every baseline's tables were checked equal to the marts before any time was written.",
    ]
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    parser.add_argument("--years", default="2022")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--decade", action="store_true", help="also run ten years (2013-2022) at scale 1, once (it takes long)"
    )
    parser.add_argument("--only-decade", action="store_true", help="run the decade only")
    parser.add_argument(
        "--product-repeat",
        type=int,
        default=1,
        help="runs of each release and of the annual report (minutes each at national scale)",
    )
    parser.add_argument(
        "--no-monthly",
        action="store_true",
        help="leave out the builds after one month (the smoke test does: they need ~20 builds)",
    )
    parser.add_argument(
        "--no-products",
        action="store_true",
        help="leave out the releases, reports and dashboard steps (the smoke test does)",
    )
    parser.add_argument(
        "--build-select",
        metavar="SPEC",
        help="build only these dbt nodes in build_full (the smoke test: the two annual marts); default: all",
    )
    parser.add_argument(
        "--build-exclude",
        metavar="SPEC",
        help="leave these dbt nodes out of build_full (the smoke test: the data and unit tests); default: none",
    )
    parser.add_argument("--note", default="", help="a line for RESULTS.md (e.g. that the machine was shared)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--markdown", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().isoformat()
    runs = [] if args.only_decade else [(scale, args.years, args.repeat) for scale in args.scales]
    if args.decade or args.only_decade:
        runs.append((1.0, DECADE, 1))
    results = []
    for scale, years, repeat in runs:
        try:
            result = bench_scale(
                scale,
                years,
                repeat,
                args.work,
                products=not args.no_products,
                product_repeat=min(args.product_repeat, repeat),
                monthly=not args.no_monthly,
                build_select=args.build_select,
                build_exclude=args.build_exclude,
            )
        except BaselineMismatch as exc:
            print(f"benchmark refused (scale {scale:g}, {years}): {exc}", file=sys.stderr)
            return 1
        result.update(date=today, machine=machine(), repeat=repeat)
        suffix = f"{scale:g}" if years == "2022" else f"{scale:g}-{years}"
        (args.out / f"{today}-{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
        results.append(result)
        print(
            json.dumps(
                {
                    "scale": scale,
                    "years": years,
                    "steps": {k: v.get("seconds", "not run") for k, v in result["steps"].items()},
                    "ratios": result["ratios"],
                }
            )
        )
    write_markdown(results, args.markdown, args.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
