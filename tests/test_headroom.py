"""Headroom (issue 16 item 4): the generator works at 10x national volume, and the one-year chain benchmark
(benchmarks/headroom.py) records a time, CPU time and peak for every step it runs, in JSON and Markdown alike."""

from __future__ import annotations

import hashlib
import json
import signal
from contextlib import contextmanager

from benchmarks import headroom
from tests.helpers import query
from warehouse.synth.support import partner_pool


@contextmanager
def deadline(seconds: int):
    """Raise TimeoutError in the block after `seconds` (the old partner pool never returned at 10x)."""

    def expire(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_the_partner_pool_grows_with_the_scale_past_its_name_patterns():
    # 3,000 joint-provider organizations per national year: 30,000 at 10x, more than the 9,734 names the six
    # base patterns can make (the old loop drew until it had n distinct names: at 10x it never ended)
    with deadline(30):
        pool = partner_pool(1, 10.0)
    assert len(pool) == len(set(pool)) == 30_000
    assert pool == sorted(pool) and all(name.strip() == name and 0 < len(name) <= 80 for name in pool)


def test_the_partner_pool_is_unchanged_up_to_half_its_base_names():
    # the exports up to scale 1.6 (every test export, the benchmarks' scale 1) keep their exact joint providers
    def digest(pool: list[str]) -> str:
        return hashlib.sha256("\n".join(pool).encode()).hexdigest()[:16]

    assert digest(partner_pool(3, 0.005)) == "12f21a4dbd6c9c0f"
    assert digest(partner_pool(1, 0.3)) == "6a3650b27ab94f58"


def _table_rows(text: str) -> dict[tuple[str, str], list[str]]:
    """The per-step table of the Markdown: (step, scale) -> its cells."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and cells[0] in headroom.STEPS:
            rows[(cells[0], cells[1])] = cells
    return rows


def test_the_chain_benchmark_records_every_step_it_runs(tmp_path):
    out, md = tmp_path / "results", tmp_path / "HEADROOM.md"
    argv = ["--scale", "0.002", "--steps", "synth", "load", "--work", str(tmp_path / "w"), "--out", str(out)]
    assert headroom.main([*argv, "--markdown", str(md), "--note", "Machine shared."]) == 0
    result = json.loads((out / "headroom-0.002-2022.json").read_text())
    assert list(result["steps"]) == ["synth", "load"]
    for name, step in result["steps"].items():
        assert "failed" not in step, step
        assert step["seconds"] > 0 and step["cpu_seconds"] > 0 and step["peak_mib"] > 0, (name, step)
        assert step["runs"] == [step["seconds"]] and step["load_average"], (name, step)
    # what was measured is the chain's own work: the export it generated, loaded into its warehouse
    assert result["rows"]["learner_completions"] > 0 and result["csv_mib"] > 0 and result["warehouse_mib"] > 0
    assert (
        query(tmp_path / "w" / "warehouse.duckdb", "select count(*) from raw.providers")[0][0]
        == (result["rows"]["providers"])
    )
    # the progress lines of the load were timed in order
    phases = result["steps"]["load"]["phases"]
    assert phases and [t for t, _ in phases] == sorted(t for t, _ in phases)
    # the Markdown table says what the JSON says, step by step
    text = md.read_text()
    rows = _table_rows(text)
    assert set(rows) == {("synth", "0.002"), ("load", "0.002")} and "Machine shared." in text
    for name, step in result["steps"].items():
        cells = rows[(name, "0.002")]
        assert [float(c) for c in cells[2:6]] == [
            step["seconds"],
            step["cpu_seconds"],
            step["peak_mib"],
            step["tree_peak_mib"],
        ]
        assert cells[6] == ("yes" if step["peak_mib"] <= headroom.cap_mib(result["memory_limit"]) else "**no**")


def test_the_growth_table_divides_the_big_scale_by_the_small(tmp_path):
    def run(scale: float, seconds: float, cpu: float, peak: float, failed: bool = False) -> dict:
        step = {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak, "tree_peak_mib": peak}
        return {
            "scale": scale,
            "year": 2022,
            "rows": {},
            "csv_mib": 1.0,
            "warehouse_mib": 1.0,
            "memory_limit": "2GB",
            "machine": {"cores": 2, "memory_gib": 24, "platform": "test"},
            "steps": {"synth": step, "load": {"failed": "Error: boom"} if failed else dict(step)},
        }

    small, big = run(1, 10.0, 8.0, 400.0), run(10, 120.0, 70.0, 2400.0, failed=True)
    assert headroom.growth(small, big) == {"synth": {"wall": 12.0, "cpu": 8.75, "peak": 6.0}, "load": None}
    md = tmp_path / "t.md"
    headroom.write_markdown([big, small], md)
    text = md.read_text()
    assert "| synth | 12.0x | 8.75x | 6.0x | **no** |" in text  # wall 12x > 10x: more than linear
    assert "| load | | | | not comparable (failed or not run) |" in text
    assert "| load | 10 | | | | | FAILED: Error: boom |" in text
    assert "| synth | 10 | 120.0 | 70.0 | 2400.0 | 2400.0 | **no** |" in text  # 2,400 MiB > 2,098 MiB
