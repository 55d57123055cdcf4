"""Headroom (issue 16 item 4): the generator works at 10x national volume, and the one-year chain benchmark
(benchmarks/headroom.py) records a time, CPU time and peak for every step it runs, in JSON and Markdown alike."""

from __future__ import annotations

import hashlib
import signal
from contextlib import contextmanager

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
