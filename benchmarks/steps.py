"""Timing one benchmark step: a command in a fresh process, its median wall time and peak memory (wait4)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(cmd: list[str], repeat: int, setup=None, reports: bool = False) -> dict:
    """Median wall seconds and max peak RSS (MiB) of `cmd` over `repeat` fresh runs.

    With `reports`, the command prints one JSON object as its last stdout line; its numeric fields are
    returned too (the median of each over the runs), e.g. a baseline's own seconds after its imports.
    """
    times, peaks, reported = [], [], []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out if reports else subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.perf_counter() - start
            err.seek(0)
            out.seek(0)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')[-2000:]}")
            if reports:
                reported.append(json.loads(out.read().decode().strip().splitlines()[-1]))
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)
    result = {
        "seconds": round(statistics.median(times), 3),
        "runs": [round(t, 3) for t in times],
        "peak_mib": round(max(peaks), 1),
    }
    for key in reported[0] if reported else ():
        if isinstance(reported[0][key], (int, float)):
            result[f"reported_{key}"] = round(statistics.median(r[key] for r in reported), 5)
    return result


def machine() -> dict:
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def attempt(cmd: list[str], repeat: int, **kwargs) -> dict:
    """measure(), but a product that fails is reported as failed (with its last error line), not timed."""
    try:
        return measure(cmd, repeat, **kwargs)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        return {"failed": lines[-1][:300] if lines else "failed"}
