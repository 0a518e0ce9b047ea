"""A real connector over an in-memory "system", for testing the engine's ingest.

It honours the contract the way a database-backed connector does: incremental reads ordered by
(cursor, key) from a saved position, checkpoints every page, tombstones for deletions, and
optionally whole-snapshot reads. ``fail_after`` makes the read die mid-way, like a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from connectors.sdk import (
    Checkpoint,
    CheckResult,
    Connector,
    ConnectorConfig,
    CursorPosition,
    ReadProblem,
    SourceRecord,
    StreamSpec,
)


class MemoryConfig(ConnectorConfig):
    page_size: int = 3
    snapshot: bool = False


class SimulatedCrash(RuntimeError):
    pass


class MemorySystem(Connector[MemoryConfig]):
    kind: ClassVar[str] = "memory"
    config_model = MemoryConfig
    FIELDS = ("CODICE", "TIPO", "NOME", "COGNOME", "RAGIONE_SOCIALE", "EMAIL", "TELEFONO", "DATA_NASCITA", "TS")

    def __init__(self, config: MemoryConfig | None = None) -> None:
        super().__init__(config or MemoryConfig())
        self.rows: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, int] = {}  # key -> cursor of the deletion
        self.problems: list[ReadProblem] = []
        self.clock = 0
        self.fail_after: int | None = None

    def put(self, key: str, **values: Any) -> None:
        self.clock += 1
        row = {name: "" for name in self.FIELDS}
        row.update(self.rows.get(key, {}))
        row.update(values, CODICE=key, TS=str(self.clock))
        self.rows[key] = row
        self.deleted.pop(key, None)

    def delete(self, key: str) -> None:
        self.clock += 1
        self.rows.pop(key)
        self.deleted[key] = self.clock

    def check(self) -> CheckResult:
        return CheckResult(True, "in memory")

    def discover(self) -> list[StreamSpec]:
        schema = {"type": "object", "properties": {f: {"type": "string"} for f in self.FIELDS}}
        return [StreamSpec("customers", ("CODICE",), schema, cursor_field=None if self.config.snapshot else "TS")]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Any]:
        yielded = 0
        if self.config.snapshot:
            for key in sorted(self.rows):
                yield SourceRecord(stream, key, dict(self.rows[key]), position=f"row {key}")
            yield from self.problems
            yield Checkpoint(stream, {}, snapshot_complete=True)
            return
        start = CursorPosition.from_state(state, "int")
        changes = [(int(r["TS"]), k, r) for k, r in self.rows.items()]
        changes += [(ts, k, None) for k, ts in self.deleted.items()]
        changes.sort(key=lambda c: (c[0], c[1]))
        page: list[tuple[int, str]] = []
        for ts, key, row in changes:
            if start and not start.is_before(ts, key):
                continue
            if self.fail_after is not None and yielded >= self.fail_after:
                raise SimulatedCrash(f"crashed after {yielded} records")
            if row is None:
                yield SourceRecord(stream, key, {}, cursor=ts, deleted=True)
            else:
                yield SourceRecord(stream, key, dict(row), cursor=ts)
            yielded += 1
            page.append((ts, key))
            if len(page) == self.config.page_size:
                yield Checkpoint(stream, CursorPosition(*page[-1]).to_state())
                page = []
        yield from self.problems
        if page:
            yield Checkpoint(stream, CursorPosition(*page[-1]).to_state())
