"""Run a command and measure its wall time, and the peak memory and CPU time of its whole
process tree.

Peak RSS and CPU time are sampled every 50 ms over the process and all its descendants (worker
pools included, also those a forkserver starts, which the command never waits for itself), so
the figures are what the machine had to give, not only the parent's share. CPU time is each
process's last sample (its final 50 ms can be missed) or, for the command itself, its rusage.
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass

import psutil


@dataclass(frozen=True, slots=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str
    tree_cpu_seconds: float = 0.0


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def _sample_cpu(proc: psutil.Process, seen: dict[int, float]) -> None:
    """Record the CPU seconds (user + system) of the process and each descendant, by pid."""
    try:
        tree = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in tree:
        try:
            times = p.cpu_times()
            seen[p.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass


def measure(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None) -> Measurement:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    popen = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd, text=True)
    proc = psutil.Process(popen.pid)
    peak = 0
    sampled: dict[int, float] = {}
    while popen.poll() is None:
        peak = max(peak, _tree_rss(proc))
        _sample_cpu(proc, sampled)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = popen.stdout.read() if popen.stdout else ""
    # rusage is exact for the command and the children it waited for, but misses processes it
    # never waits for (a forkserver's workers); the samples see every process but may miss each
    # one's last 50 ms. The larger of the two undercounts least.
    cpu = max(waited, sum(sampled.values()))
    return Measurement(seconds, peak / 2**20, popen.returncode, output, cpu)
