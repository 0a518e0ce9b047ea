"""What an ingest run did, per stream: the numbers in the summary table and in ``runs.counts``."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(slots=True)
class StreamCounts:
    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    echoes: int = 0  # our own writes read back from a target: stored, but not a change

    def add(self, other: StreamCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
