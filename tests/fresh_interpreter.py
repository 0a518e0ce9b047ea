"""Run a snippet in a fresh Python interpreter at the repository root: for checks that need
a process of their own (one thread, nothing imported yet), which the test runner is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_python(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -c code args...`` from the repository root; output captured, never raises on
    a failing exit (assert on ``returncode`` / ``stdout``)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        cwd=REPO,
    )
