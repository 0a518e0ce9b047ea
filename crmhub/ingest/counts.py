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

    def add(self, other: StreamCounts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
