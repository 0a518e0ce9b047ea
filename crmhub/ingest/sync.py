"""``crmhub sync``: ingest every enabled stream of one connection, as one run under its lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from crmhub.config.connections import build_connector
from crmhub.config.project import Project
from crmhub.errors import UsageError
from crmhub.ingest.counts import StreamCounts
from crmhub.ingest.pipeline import IngestOptions, ingest_stream
from crmhub.mapping.compiler import CompiledMapping
from crmhub.mapping.loader import load_mapping
from crmhub.store import connection_lock, finish_run, start_run
from crmhub.sync.echo import EchoFilter

StreamProgress = Callable[[str, StreamCounts], None]


@dataclass(slots=True)
class SyncReport:
    connection: str
    run_id: int
    streams: dict[str, StreamCounts] = field(default_factory=dict)

    def total(self) -> StreamCounts:
        total = StreamCounts()
        for counts in self.streams.values():
            total.add(counts)
        return total


def selected_streams(project: Project, connection: str, wanted: list[str] | None) -> list[str]:
    declared = project.connection(connection).streams
    if not wanted:
        return [name for name, spec in declared.items() if spec.enabled]
    unknown = [name for name in wanted if name not in declared]
    if unknown:
        raise UsageError(
            f"connection {connection!r} has no stream {unknown[0]!r} in {project.file.name}",
            hint=f"streams: {', '.join(declared) or 'none'}",
        )
    return wanted


def load_stream_mapping(project: Project, connection: str, stream: str, connector: Any) -> CompiledMapping:
    """The stream's mapping, checked against the fields the connector says the stream has."""
    spec = connector.stream_spec(stream)
    fields = list(spec.json_schema.get("properties", {})) or None
    path = project.mapping_path(connection, stream)
    display = str(path.relative_to(project.root)) if path.is_relative_to(project.root) else str(path)
    return load_mapping(path, display=display, stream_fields=fields)


def sync_connection(
    project: Project,
    engine: Engine,
    connection: str,
    *,
    streams: list[str] | None = None,
    options: IngestOptions | None = None,
    lock_wait: float = 0,
    on_progress: StreamProgress | None = None,
) -> SyncReport:
    """Read ``connection``'s streams since their saved state and store what changed.

    Mappings are loaded and checked for every stream before anything is read, so a mapping
    mistake fails the run before it writes anything.
    """
    names = selected_streams(project, connection, streams)
    with build_connector(project, connection) as connector:
        mappings = {name: load_stream_mapping(project, connection, name, connector) for name in names}
        with connection_lock(engine, f"connection:{connection}", wait=lock_wait):
            run_id = start_run(engine, "sync", connection)
            report = SyncReport(connection, run_id)
            try:
                for name in names:
                    progress = (lambda c, n=name: on_progress(n, c)) if on_progress else None
                    echoes = EchoFilter.for_stream(project, connection, name)
                    report.streams[name] = ingest_stream(
                        engine, connector, connection, name, mappings[name], run_id, options, progress,
                        echoes=echoes or None,
                    )
            except BaseException as exc:
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
                finish_run(engine, run_id, status, _counts(report), error=f"{type(exc).__name__}: {exc}")
                raise
            finish_run(engine, run_id, "succeeded", _counts(report))
    return report


def _counts(report: SyncReport) -> dict[str, Any]:
    return {name: counts.as_dict() for name, counts in report.streams.items()}
