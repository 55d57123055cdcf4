"""A benchmark step's peak memory and CPU are the step's own (benchmarks/steps.py), whatever the harness held before.

Old code: the step ran as a child forked from the harness, and Linux keeps the largest RSS of the address space an
exec replaces, so a 20 MB step launched after the harness had held 600 MB reported a 614 MiB peak (the decade
benchmark's peaks after its big steps were the harness's, not the steps').
"""

from __future__ import annotations

import sys

from benchmarks import incremental, steps

ALLOCATE_20MB = [sys.executable, "-c", "x = bytearray(20 << 20); x[::4096] = b'x' * len(x[::4096])"]


def test_a_step_reports_its_own_peak_after_the_harness_held_far_more(tmp_path):
    held = bytearray(400 << 20)
    held[::4096] = b"x" * len(held[::4096])  # touched: 400 MiB resident in the harness
    measured = steps.measure(ALLOCATE_20MB, 1)
    ran = incremental.run(ALLOCATE_20MB, tmp_path)
    del held
    for result in (measured, ran):
        assert 20 < result["peak_mib"] < 120, result  # the step's 20 MB plus an interpreter, not the harness's 400
        assert result["cpu_seconds"] > 0


def test_a_step_counts_the_children_it_waits_for_and_fails_with_its_own_exit_code():
    grandchild = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', 'x = bytearray(150 << 20)'], check=True)"
    )
    assert steps.measure([sys.executable, "-c", grandchild], 1)["peak_mib"] > 150
    failed = steps.attempt([sys.executable, "-c", "import sys; print('disk full', file=sys.stderr); sys.exit(3)"], 1)
    assert failed == {"failed": "disk full"}
