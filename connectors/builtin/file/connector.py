"""``FileConnector``: CSV and XLSX exports as streams, one file per stream.

Reading a stream:

1. One streamed pass hashes the file (``fingerprint``) and, for CSV with ``encoding: auto``,
   gathers the UTF-8 evidence over the whole file (``encoding``).
2. If the saved state covers this content with these settings, the read yields only a
   ``Checkpoint`` with the same state (``snapshot_complete=False``) and no records.
3. Otherwise every row is yielded (the engine skips unchanged rows by content hash), with an
   intermediate ``Checkpoint`` every ``checkpoint_every`` rows that carries the *previous*
   state: it lets the engine commit in batches, and a crash mid-file is followed by a rerun that
   reads the file again from the top, since nothing in the file says where a resumed read could
   start without the final snapshot missing the keys of the rows read before the crash.
4. The read ends with ``Checkpoint(new state, snapshot_complete=True)``: the engine tombstones
   every stored key this read did not deliver, so a row removed from the file becomes a
   deletion. A read that fails half-way (missing file, unreadable sheet) raises instead and
   never reaches this checkpoint, so it deletes nothing.

A row the reader cannot fully read is a ``ReadProblem`` (see ``rows``), never an exception and
never skipped in silence; the rest of the file is read on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from connectors.builtin.file.config import FileConnectorConfig, StreamSettings
from connectors.builtin.file.csv_table import inspect_csv, open_csv_table
from connectors.builtin.file.encoding import Utf8Evidence, detect_encoding, sample_evidence
from connectors.builtin.file.fingerprint import Fingerprint, fingerprint_file
from connectors.builtin.file.rows import RowCounts, read_table
from connectors.builtin.file.state import FileState
from connectors.builtin.file.table import Table, TableLayout
from connectors.sdk.contract import CheckResult, Connector
from connectors.sdk.errors import ConfigError, ConnectorError, SourceUnavailable, UnknownStream
from connectors.sdk.records import Checkpoint, ReadItem
from connectors.sdk.streams import StreamSpec


class FileConnector(Connector[FileConnectorConfig]):
    """CSV and XLSX files: the spreadsheets and ERP exports many companies still run on."""

    kind: ClassVar[str] = "file"
    config_model: ClassVar[type[FileConnectorConfig]] = FileConnectorConfig
    description: ClassVar[str] = (
        "CSV and XLSX files (ERP and spreadsheet exports), one file per stream"
    )

    def check(self) -> CheckResult:
        """Open every stream's file and find its header; the first failure is the answer."""
        found = []
        for stream in self.config.streams:
            try:
                layout = self._inspect(self._settings(stream))
            except ConnectorError as exc:
                return CheckResult(False, f"stream {stream!r}: {exc}")
            found.append(f"{stream}: {layout.description}")
        return CheckResult(True, "; ".join(found))

    def discover(self) -> list[StreamSpec]:
        """One ``StreamSpec`` per configured stream, its schema read from the file's header."""
        return [self._spec(stream) for stream in self.config.streams]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[ReadItem]:
        """The rows of ``stream``'s file, or only a checkpoint when it has not changed."""
        settings = self._settings(stream)
        evidence = (
            Utf8Evidence() if settings.format == "csv" and settings.encoding == "auto" else None
        )
        fingerprint = self._fingerprint(settings, evidence)
        digest = settings.digest()
        previous = FileState.from_state(state)
        if previous is not None and previous.covers(fingerprint, digest):
            yield Checkpoint(stream, dict(state or {}), snapshot_complete=False)
            return
        table = self._open_table(settings, evidence)
        counts = RowCounts()
        kept_state = dict(state or {})
        try:
            with _reading(settings):
                yield from read_table(
                    table,
                    stream,
                    skip_blank_rows=settings.skip_blank_rows,
                    checkpoint_every=self.config.checkpoint_every,
                    checkpoint=lambda: Checkpoint(stream, dict(kept_state)),
                    counts=counts,
                )
        finally:
            table.close()
        final = FileState(fingerprint, digest, counts.records, counts.problems)
        yield Checkpoint(stream, final.to_state(), snapshot_complete=True)

    # -- helpers ---------------------------------------------------------------------------

    def _settings(self, stream: str) -> StreamSettings:
        if stream not in self.config.streams:
            names = ", ".join(self.config.streams)
            raise UnknownStream(
                f"connector 'file' has no stream {stream!r}", hint=f"streams configured: {names}"
            )
        return self.config.settings(stream)

    def _spec(self, stream: str) -> StreamSpec:
        settings = self._settings(stream)
        layout = self._inspect(settings)
        header = layout.header
        return StreamSpec(
            name=stream,
            key=settings.key,
            json_schema={
                "type": "object",
                "properties": {name: {"type": "string"} for name in header.names},
                "required": list(settings.key),
                "additionalProperties": False,
            },
            cursor_field=None,
            writable=False,
            deletes=True,
            description=layout.description,
            extras={
                "path": str(settings.path),
                "format": settings.format,
                "header_line": header.first_line,
            },
        )

    def _fingerprint(self, settings: StreamSettings, evidence: Utf8Evidence | None) -> Fingerprint:
        path = self._existing_file(settings)
        with _reading(settings):
            fingerprint = fingerprint_file(path, evidence.feed if evidence is not None else None)
        if evidence is not None:
            evidence.finish()
        return fingerprint

    def _inspect(self, settings: StreamSettings) -> TableLayout:
        """The stream's header, read from the first rows (the encoding judged on a sample)."""
        path = self._existing_file(settings)
        with _reading(settings):
            if settings.format == "xlsx":
                # imported here: openpyxl (and numpy under it) would slow every CSV start
                from connectors.builtin.file.xlsx_table import inspect_xlsx

                return inspect_xlsx(settings)
            return inspect_csv(settings, detect_encoding(settings.encoding, sample_evidence(path)))

    def _open_table(self, settings: StreamSettings, evidence: Utf8Evidence | None) -> Table:
        """Open the stream's file for reading; ``evidence`` is the whole file's, when gathered
        (a configured encoding still needs a sample: it shows a byte-order mark)."""
        path = self._existing_file(settings)
        with _reading(settings):
            if settings.format == "xlsx":
                from connectors.builtin.file.xlsx_table import open_xlsx_table

                return open_xlsx_table(settings)
            if evidence is None:
                evidence = sample_evidence(path)
            encoding = detect_encoding(settings.encoding, evidence)
            return open_csv_table(settings, encoding)

    @staticmethod
    def _existing_file(settings: StreamSettings) -> Path:
        path = settings.path
        if path.is_file():
            return path
        if path.is_dir():
            raise ConfigError(f"stream {settings.name!r}: {path} is a folder, not a file")
        hint = "check the path; relative paths start at the project folder"
        if settings.has_glob_characters():
            hint = "wildcards are not expanded: a stream reads one file, name it exactly"
        raise SourceUnavailable(f"stream {settings.name!r}: file not found: {path}", hint=hint)


@contextmanager
def _reading(settings: StreamSettings) -> Iterator[None]:
    """Turn an operating-system error while reading the file into ``SourceUnavailable``."""
    try:
        yield
    except OSError as exc:
        raise SourceUnavailable(
            f"stream {settings.name!r}: cannot read {settings.path} ({exc.strerror or exc})",
            hint="check that the file exists and that crmhub may read it",
        ) from exc
