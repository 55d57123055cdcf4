"""Measure the dashboards in a real browser: cold start to the first complete page, and filter response times.

    python -m benchmarks.dashboard --db w.duckdb --releases releases --sessions 1 5 --rounds 20

`measure()` starts `pars serve` on a free port (a fresh process: cold), signs one session in as a staff user and
waits for the annual report explorer to be complete (metrics, charts, tables drawn, nothing stale); then it
drives `sessions` concurrent browser sessions (one chromium, a browser context each, signed in separately) that
each change the explorer's filters `rounds` times (accreditor group and state, cycling) and time each change from
the click on the option until the page is complete again (COMPLETE), plus anything the page's main area still
drew after that (SETTLE). Timings only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dashboards import auth
from dashboards.serve import healthy
from reports.render import CHROMIUM_ARGS

CHROMIUM = "/usr/bin/chromium"
ARGS = CHROMIUM_ARGS  # the flags every headless chromium of the project runs with
# The explorer is complete when everything the user sees for the new selection is drawn: the selection line names the
# filter just chosen, nothing is stale (Streamlit marks the elements of a (fragment) rerun stale until they are sent
# again), the app is not running, the six metrics are drawn, the three charts (two trend charts and the breakdown;
# none when the selection has no activity in the year) have drawn their SVG or canvas, and the open tab's table is
# there. The predicate notes when it first holds (window.__parsCompleteAt).
COMPLETE = """(expected) => {
    const sel = document.querySelector('.st-key-selection');
    const empty = [...document.querySelectorAll('[data-testid="stAlert"]')]
        .some((a) => a.innerText.includes('No counted activity'));
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    const done = !!sel && sel.innerText.includes(expected)
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && document.querySelectorAll('[data-testid="stMetric"]').length >= 6
        && charts.length >= (empty ? 0 : 3) && charts.every((c) => c.querySelector('svg.marks, canvas.marks'))
        && document.querySelectorAll('[data-testid="stDataFrame"]').length >= 1;
    if (done && window.__parsCompleteAt === null) window.__parsCompleteAt = performance.now();
    return done;
}"""
FIRST_COMPLETE = COMPLETE
# Something may still be drawn once the predicate holds (Vega renders a chart's new data asynchronously, after the
# elements arrive; a table draws its cells on a canvas). WATCH records the time of the last change to the page's main
# area (DOM) and CANVAS that of the last drawing on any canvas; after the predicate, SETTLE waits until the page has
# been quiet for QUIET_MS (at most 5 s) and returns how much later than the predicate the last change came: that tail
# is added to the measured time.
CANVAS = """(() => {
    const proto = CanvasRenderingContext2D.prototype;
    for (const name of ['clearRect', 'fillRect', 'strokeRect', 'fillText', 'strokeText', 'fill', 'stroke', 'drawImage',
                        'putImageData']) {
        const draw = proto[name];
        proto[name] = function (...args) {
            window.__parsLastChange = performance.now();
            return draw.apply(this, args);
        };
    }
})();"""
WATCH = """() => {
    window.__parsCompleteAt = null;
    window.__parsLastChange = performance.now();
    if (window.__parsObserver) window.__parsObserver.disconnect();
    window.__parsObserver = new MutationObserver(() => { window.__parsLastChange = performance.now(); });
    window.__parsObserver.observe(document.querySelector('[data-testid="stMain"]') || document.body,
                                  {subtree: true, childList: true, attributes: true, characterData: true});
}"""
SETTLE = """async (quiet) => {
    const start = performance.now();
    while (performance.now() - window.__parsLastChange < quiet && performance.now() - start < 5000) {
        await new Promise((r) => setTimeout(r, 10));
    }
    return Math.max(0, window.__parsLastChange - window.__parsCompleteAt);
}"""
QUIET_MS = 100


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _filter_plan(db: Path, rounds: int) -> list[tuple[str, str]]:
    """(selectbox key, option) pairs: accreditor groups and the states with the most activities, alternating."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        year = con.sql("select max(report_year) from annual_report.enterprise_size").fetchall()[0][0]
        states = [
            r[0]
            for r in con.sql(
                "select state from annual_report.activity_rollup where report_year = ? and accreditor_group = 'All' "
                "and state not in ('All', 'None') and organization_type = 'All' and activity_type = 'All' "
                "order by activities desc limit 12",
                params=[year],
            ).fetchall()
        ]
    finally:
        con.close()
    plan, groups = [], ["ACCME", "State", "Joint", "All"]
    for i in range(rounds):
        if i % 2 == 0:
            plan.append(("f-group", groups[(i // 2) % 4]))
        else:
            plan.append(("f-state", (states + ["All"])[(i // 2) % (len(states) + 1)]))
    return plan


async def _sign_in(page, url: str, name: str, password: str) -> None:
    await page.goto(url)
    await page.get_by_role("textbox", name="User name").fill(name)
    await page.get_by_role("textbox", name="Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.evaluate(WATCH)
    await page.wait_for_function(COMPLETE, arg="Selection:", timeout=300_000)


async def _choose(page, key: str, option: str) -> tuple[float, float]:
    """Pick an option; milliseconds from the click on it until the page is complete again and drawn, and of these
    the milliseconds drawn after the predicate held."""
    await page.locator(f".st-key-{key}").click()
    await page.keyboard.type(option)  # the list is virtualized: filter it so that the option is drawn
    target = page.get_by_role("option", name=option, exact=True)
    await target.wait_for()
    label = {"f-group": "accreditor", "f-state": "state"}[key]
    await page.evaluate(WATCH)
    t0 = time.perf_counter()
    await target.click()
    await page.wait_for_function(COMPLETE, arg=f"{label} {option} ", timeout=120_000)
    t1 = time.perf_counter()
    late = await page.evaluate(SETTLE, QUIET_MS)  # drawn after the predicate held
    return (t1 - t0) * 1000 + late, late


async def _session(
    browser, url: str, name: str, password: str, plan, signed_in: list, sessions: int, start: asyncio.Event
) -> list[float]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1200})
    await context.add_init_script(CANVAS)
    page = await context.new_page()
    await _sign_in(page, url, name, password)
    signed_in.append(name)
    if len(signed_in) == sessions:  # the timed filtering starts when every session is signed in
        start.set()
    await start.wait()
    timings = []
    current = {"f-group": "All", "f-state": "All"}
    for key, option in plan:
        if current[key] == option:
            continue
        timings.append(await _choose(page, key, option))
        current[key] = option
    await context.close()
    return timings


async def _measure(db: Path, releases: Path, sessions: int, rounds: int) -> dict:
    from playwright.async_api import async_playwright

    work = Path(tempfile.mkdtemp(prefix="pars-dash-bench-"))
    users, password = work / "users.json", secrets.token_urlsafe(12)
    for i in range(sessions):
        auth.add_user(users, f"bench{i}", "staff", password)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    plan = _filter_plan(db, rounds)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)  # before the clock starts
        t0 = time.perf_counter()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "warehouse",
                "serve",
                "--db",
                str(db),
                "--releases",
                str(releases),
                "--users",
                str(users),
                "--audit-log",
                str(work / "audit.jsonl"),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            while not healthy(url):
                await asyncio.sleep(0.05)
                if server.poll() is not None:
                    raise RuntimeError("pars serve exited")
            ready = time.perf_counter()
            context = await browser.new_context(viewport={"width": 1400, "height": 1200})
            await context.add_init_script(CANVAS)
            page = await context.new_page()
            await page.goto(url)
            await page.get_by_role("button", name="Sign in").wait_for()
            sign_in_shown = time.perf_counter()
            await page.get_by_role("textbox", name="User name").fill("bench0")
            await page.get_by_role("textbox", name="Password").fill(password)
            await page.get_by_role("button", name="Sign in").click()
            await page.evaluate(WATCH)
            await page.wait_for_function(FIRST_COMPLETE, arg="Selection:", timeout=300_000)
            complete = time.perf_counter()
            await context.close()

            start, signed_in = asyncio.Event(), []
            per_session = await asyncio.gather(
                *[
                    _session(browser, url, f"bench{i}", password, plan, signed_in, sessions, start)
                    for i in range(sessions)
                ]
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            await browser.close()
    timings = [t for s in per_session for t, _ in s]
    late = [lt for s in per_session for _, lt in s]
    return {
        "db": str(db),
        "db_bytes": os.path.getsize(db),
        "sessions": sessions,
        "rounds": rounds,
        "server_ready_ms": round((ready - t0) * 1000),
        "sign_in_page_ms": round((sign_in_shown - t0) * 1000),
        "cold_start_to_first_complete_page_ms": round((complete - t0) * 1000),
        "filter_changes": len(timings),
        "filter_p50_ms": round(statistics.median(timings)),
        "filter_p95_ms": round(_percentile(timings, 0.95)),
        "filter_max_ms": round(max(timings)),
        "filter_drawn_after_predicate": sum(1 for lt in late if lt > 0),
        "filter_drawn_after_predicate_max_ms": round(max(late)),
    }


def measure(db: Path, releases: Path, sessions: int, rounds: int) -> dict:
    """Start the app, drive `sessions` concurrent browser sessions changing a filter `rounds` times each; timings in
    ms: server_ready_ms, sign_in_page_ms, cold_start_to_first_complete_page_ms, filter_p50_ms, filter_p95_ms."""
    return asyncio.run(_measure(Path(db), Path(releases), sessions, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the dashboards in a real browser.")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--releases", type=Path, required=True)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for sessions in args.sessions:
        print(json.dumps(measure(args.db, args.releases, sessions, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
