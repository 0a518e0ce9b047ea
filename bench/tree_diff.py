"""What the differential checks (canonical_diff.py, golden_diff.py) share: run a script with
another tree's packages first on the path, and walk two outputs' differing lines."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def start_with_tree(package_dir: str, script: str, *args: str) -> subprocess.Popen[bytes]:
    """``python script args...`` in a fresh process with ``package_dir`` first on
    ``PYTHONPATH`` (and ``/`` as its directory, so nothing else shadows it)."""
    env = dict(os.environ, PYTHONPATH=package_dir)
    return subprocess.Popen([sys.executable, script, *args], env=env, cwd="/")


def differing_lines(ours: Path, theirs: Path) -> Iterator[tuple[int, bytes, bytes]]:
    """(line number, our line, their line) wherever the two files differ; a line one file
    lacks reads as empty."""
    with ours.open("rb") as a, theirs.open("rb") as b:
        for number, (mine, base) in enumerate(itertools.zip_longest(a, b, fillvalue=b"")):
            if mine != base:
                yield number, mine, base
