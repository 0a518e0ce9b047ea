"""Fenced code blocks marked in Markdown files, so tests run what the documents show."""

from __future__ import annotations

from pathlib import Path


def fenced_block(path: Path, marker: str) -> list[str]:
    """The lines of the first fenced block after the line ``marker`` ([] without the marker)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if marker not in lines:
        return []
    start = lines.index(marker) + 1
    while start < len(lines) and not lines[start].startswith("```"):
        start += 1
    block = []
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            break
        block.append(line)
    return block
