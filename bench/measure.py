"""Run a command and measure its wall time and the peak memory of its whole process tree.

Peak RSS is sampled every 50 ms over the process and all its children (worker pools included),
so the figure is what the machine had to give, not only the parent's share.
"""

from __future__ import annotations

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


def measure(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None) -> Measurement:
    start = time.perf_counter()
    popen = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd, text=True)
    proc = psutil.Process(popen.pid)
    peak = 0
    while popen.poll() is None:
        peak = max(peak, _tree_rss(proc))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    output = popen.stdout.read() if popen.stdout else ""
    return Measurement(seconds, peak / 2**20, popen.returncode, output)
