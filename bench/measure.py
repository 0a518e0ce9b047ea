"""Run a command and measure its wall time, and the peak memory and CPU time of its whole
process tree.

Peak RSS and CPU time are sampled every 50 ms over the process and all its descendants (worker
pools included, also those a forkserver starts, which the command never waits for itself), so
the figures are what the machine had to give, not only the parent's share. CPU time is each
process's last sample (its final 50 ms can be missed) or, for the command itself, its rusage.

The sum of RSS counts twice the pages a forked child still shares with its parent; the
proportional set size (PSS: each shared page split among the processes sharing it) does not.
It is sampled every 0.5 s (reading it costs more), and reported beside the RSS, with the second
of the run at which each peak was seen.
"""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil


@dataclass(frozen=True, slots=True)
class Measurement:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str
    tree_cpu_seconds: float = 0.0
    peak_pss_mb: float = 0.0
    peak_rss_at_s: float = 0.0
    peak_pss_at_s: float = 0.0


def _tree_sum(proc: psutil.Process, read: Callable[[psutil.Process], int]) -> int:
    """``read`` summed over the process and its descendants (those gone meanwhile count 0)."""
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += read(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def _tree_rss(proc: psutil.Process) -> int:
    return _tree_sum(proc, lambda p: p.memory_info().rss)


def _tree_pss(proc: psutil.Process) -> int:
    return _tree_sum(proc, lambda p: getattr(p.memory_full_info(), "pss", 0))


#: Samples between two readings of the proportional set size.
PSS_EVERY = 10


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
    peak = peak_pss = 0
    peak_at = peak_pss_at = 0.0
    sampled: dict[int, float] = {}
    samples = 0
    while popen.poll() is None:
        now = time.perf_counter() - start
        rss = _tree_rss(proc)
        if rss > peak:
            peak, peak_at = rss, now
        if samples % PSS_EVERY == 0 and (pss := _tree_pss(proc)) > peak_pss:
            peak_pss, peak_pss_at = pss, now
        samples += 1
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
    return Measurement(
        seconds, peak / 2**20, popen.returncode, output, cpu, peak_pss / 2**20, peak_at, peak_pss_at
    )
