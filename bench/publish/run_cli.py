"""Run the crmhub command line in this process and, when it exits, write its resource usage.

    python bench/publish/run_cli.py USAGE.json --project P publish sf_contacts

USAGE.json gets ``cpu_seconds`` (user + system) and ``peak_rss_mb``: the process's own
high-water mark of resident memory, exact rather than sampled. It is Linux's ``VmHWM``, not
``ru_maxrss``: ``ru_maxrss`` survives ``exec`` and so starts at the resident size of the parent
that forked the process (the benchmark, which grows with the number of records it checks).
"""

from __future__ import annotations

import atexit
import json
import resource
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident set since it was exec'd (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status: the benchmark needs Linux")


def _write_usage(path: Path) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {"cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak_rss_mb()}
    path.write_text(json.dumps(figures), encoding="utf-8")


def main() -> None:
    usage_file, *args = sys.argv[1:]
    atexit.register(_write_usage, Path(usage_file))
    from crmhub.cli.main import app

    app(prog_name="crmhub", args=args)


if __name__ == "__main__":
    main()
