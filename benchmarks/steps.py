"""Timing one benchmark step: a command in a fresh process, its median wall time and peak memory.

`peak_mib` is the largest single process's peak (wait4: the command or one of its children). The command runs
under a small launcher (`LAUNCHER`) that forks and executes it and reports its rusage: a process forked from the
harness itself and then executed would carry the harness's own high-water mark into its ru_maxrss (Linux keeps the
largest RSS of the address space that exec replaces: a 20 MB command launched after the harness had held 600 MB
reported 614 MiB). A command that
runs workers (review packets: Python workers and a Chromium each) holds more at once than any one of them, so
`tree_peak_mib` also samples the memory of the command and all its descendants together every 0.1 s: the sum of
their proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so Chromium's many processes
and shared libraries are not counted several times, as a sum of RSS would). Sampled: a peak shorter than 0.1 s
can be missed, so for a one-process command `peak_mib` is the better number.

`cpu_seconds` is the user + system CPU time of the command and of every descendant it waited for (wait4's
rusage), the number a loaded machine distorts least. With `phases`, each stderr line of the last run is kept
with the second it arrived (`pars` prints its progress steps there when stderr is not a terminal): where the
time of a step went.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: Run as `python -S -c LAUNCHER RUSAGE_FILE CMD...`: fork, execute CMD in the child, wait for it and write its
#: rusage (max RSS KiB, user and system seconds, of it and the descendants it waited for) as JSON to RUSAGE_FILE;
#: exit with CMD's exit code. The child is forked from this small fresh process, so its peak is its own.
LAUNCHER = """
import json, os, signal, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
signal.signal(signal.SIGINT, signal.SIG_IGN)
_, status, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    json.dump({"maxrss_kib": ru.ru_maxrss, "utime": ru.ru_utime, "stime": ru.ru_stime}, fh)
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


def launched(cmd: list[str], rusage: Path) -> list[str]:
    """`cmd` under LAUNCHER, which writes the command's own rusage to the file `rusage`."""
    return [sys.executable, "-S", "-c", LAUNCHER, str(rusage), *map(str, cmd)]


def own_usage(rusage: Path) -> tuple[float, float]:
    """(CPU seconds, peak MiB) of a launched command, from the file its launcher wrote."""
    usage = json.loads(rusage.read_text())
    return usage["utime"] + usage["stime"], usage["maxrss_kib"] / 1024


def tree_pss_mib(root: int) -> float:
    """The summed proportional set size (MiB) of process `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("Pss:")), 0)
        except OSError:
            pass
        stack += children.get(pid, [])
    return total / 1024


def _sample_tree(pid: int, done: threading.Event, peak: list[float]) -> None:
    # never proc.poll() here: it could reap the child before the main thread's wait4 reads its rusage
    while not done.wait(0.1):
        peak[0] = max(peak[0], tree_pss_mib(pid))


def _read_lines(stream, start: float, lines: list) -> None:
    """Each line of `stream` with the seconds since `start` when it arrived (until the stream closes)."""
    for raw in stream:
        lines.append((round(time.perf_counter() - start, 3), raw.decode(errors="replace").rstrip()))


def measure(cmd: list[str], repeat: int, setup=None, reports: bool = False, phases: bool = False) -> dict:
    """Median wall seconds, median CPU seconds and max peak RSS (MiB) of `cmd` over `repeat` fresh runs.

    With `reports`, the command prints one JSON object as its last stdout line; its numeric fields are
    returned too (the median of each over the runs), e.g. a baseline's own seconds after its imports.
    With `phases`, the last run's stderr lines with their arrival seconds (`phases`: [[seconds, line], ...]).
    """
    times, cpus, peaks, trees, reported, lines = [], [], [], [], [], []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        lines = []
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
            rusage = Path(tmp) / "rusage.json"
            proc = subprocess.Popen(
                launched(cmd, rusage),
                cwd=ROOT,
                stdout=out if reports else subprocess.DEVNULL,
                stderr=subprocess.PIPE if phases else err,
            )
            reader = None
            if phases:
                reader = threading.Thread(target=_read_lines, args=(proc.stderr, start, lines), daemon=True)
                reader.start()
            tree, done = [0.0], threading.Event()
            sampler = threading.Thread(target=_sample_tree, args=(proc.pid, done, tree), daemon=True)
            sampler.start()
            try:
                _, status, _ = os.wait4(proc.pid, 0)
            finally:
                done.set()
                sampler.join(timeout=5)
                if reader:
                    reader.join(timeout=5)
                    proc.stderr.close()
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.perf_counter() - start
            err.seek(0)
            out.seek(0)
            if proc.returncode != 0:
                text = "\n".join(line for _, line in lines) if phases else err.read().decode(errors="replace")
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{text[-2000:]}")
            if reports:
                reported.append(json.loads(out.read().decode().strip().splitlines()[-1]))
            cpu, peak = own_usage(rusage)
        times.append(elapsed)
        cpus.append(cpu)
        peaks.append(peak)
        trees.append(tree[0])
    result = {
        "seconds": round(statistics.median(times), 3),
        "runs": [round(t, 3) for t in times],
        "cpu_seconds": round(statistics.median(cpus), 3),
        "peak_mib": round(max(peaks), 1),
        "tree_peak_mib": round(max(trees), 1),
    }
    if phases:
        result["phases"] = [list(entry) for entry in lines]
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
