"""An in-memory target system, installed as a plugin (``type: memory_target``) for the sync tests.

It honours the write contract (upserts by ``__key__``, one result per record, in order) and
offers ``delete(stream, keys)``, which no built-in connector has. Its rows live in ``SYSTEMS``
under the configured ``system`` name, so a test can look at what a publish left there.
``answer_only`` makes each write answer for its first N records only (a broken connector).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from connectors.sdk import (
    Checkpoint,
    CheckResult,
    Connector,
    ConnectorConfig,
    SourceRecord,
    StreamSpec,
    WriteOutcome,
    WriteResult,
)

SYSTEMS: dict[str, dict[str, dict[str, Any]]] = {}


class MemoryTargetConfig(ConnectorConfig):
    system: str
    answer_only: int | None = None


class MemoryTarget(Connector[MemoryTargetConfig]):
    kind: ClassVar[str] = "memory_target"
    config_model = MemoryTargetConfig

    @property
    def rows(self) -> dict[str, dict[str, Any]]:
        return SYSTEMS.setdefault(self.config.system, {})

    def check(self) -> CheckResult:
        return CheckResult(True, "in memory")

    def discover(self) -> list[StreamSpec]:
        return [StreamSpec("customers", ("id",), {"type": "object"}, writable=True, deletes=True)]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Any]:
        for key in sorted(self.rows):
            yield SourceRecord(stream, key, dict(self.rows[key]))
        yield Checkpoint(stream, {}, snapshot_complete=True)

    def write(self, stream: str, records: Iterable[dict[str, Any]]) -> Iterator[WriteResult]:
        results = []
        for record in records:
            key = str(record["__key__"])
            fields = {k: v for k, v in record.items() if k != "__key__"}
            outcome = WriteOutcome.UPDATED if key in self.rows else WriteOutcome.CREATED
            self.rows[key] = {**self.rows.get(key, {"id": key}), **fields}
            results.append(WriteResult(key, outcome, external_id=key))
        yield from results[: self.config.answer_only]

    def delete(self, stream: str, keys: Iterable[str]) -> Iterator[WriteResult]:
        for key in keys:
            self.rows.pop(key, None)
            yield WriteResult(key, WriteOutcome.UPDATED, external_id=key)
