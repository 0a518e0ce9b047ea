"""bench/RESULTS.md as the benchmarks write it: the machine they ran on, and the marked block
each one rewrites with its latest figures (the prose around the blocks is written by hand)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """This machine, as RESULTS.md names it: "x86_64, 2 cores, Python 3.11.7"."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def replace_block(name: str, body: str, *, heading: str = "") -> None:
    """Put ``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` in RESULTS.md.

    A file without that block gets it at the end, under ``heading`` when one is given.
    """
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + (f"{heading}\n\n" if heading else "") + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")
