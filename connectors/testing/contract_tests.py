"""The plugin test kit: a connector's contract tests, inherited by subclassing.

    from connectors.testing.contract_tests import ConnectorContractTests

    class TestMyConnector(ConnectorContractTests):
        connector_class = MyConnector

        def start_system(self, tmp_path): ...            # the system, or its fake, empty
        def valid_config(self, system): ...              # look-back 0; small pages help
        def invalid_config(self, system): ...
        def bad_credentials_config(self, system): ...    # optional: the test is skipped without it
        def seed(self, system, n): ...                   # put n records in the stream
        def touch(self, system, keys, *, same_cursor=False): ...
        def records_to_write(self, system, stream, n): ...   # optional, for a writable stream

Plain pytest collects the inherited ``test_*`` methods (the base class name does not start with
``Test``, so it is not collected itself). Each test gets a fresh system from ``start_system``.

About ``touch``: give the records with ``keys`` one shared new cursor value, later than any the
stream holds; with ``same_cursor=True``, the very value the previous ``touch`` gave (as if they
changed in the same second). Keys are picked in Python string order, which is the order of the
SDK's (cursor, key) positions: a source must order ties on the cursor by the key as a string.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr, ValidationError

from connectors.sdk.contract import CheckResult, Connector, ConnectorConfig
from connectors.sdk.errors import ConfigError
from connectors.sdk.records import (
    Checkpoint,
    ReadItem,
    ReadProblem,
    SourceRecord,
    WriteOutcome,
    WriteResult,
)
from connectors.sdk.streams import StreamSpec
from connectors.testing.schema_check import instance_problems, schema_problems

_SECRET_SUFFIXES = ("password", "secret", "api_key", "apikey", "token", "private_key")
_NOT_SECRET_SUFFIXES = ("_url", "_path", "_file", "_field", "_name", "_header", "_param")


@dataclass
class ReadRun:
    """Everything one ``read()`` yielded, in order, sorted into its kinds."""

    items: list[ReadItem] = field(default_factory=list)
    records: list[SourceRecord] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.records]

    @property
    def state(self) -> dict[str, Any] | None:
        return self.checkpoints[-1].state if self.checkpoints else None


def read_all(connector: Connector[Any], stream: str, state: dict[str, Any] | None) -> ReadRun:
    """Run ``connector.read(stream, state)`` to the end, checking each item's type and stream."""
    run = ReadRun()
    for item in connector.read(stream, state):
        assert isinstance(item, (SourceRecord, Checkpoint, ReadProblem)), (
            f"read() yielded a {type(item).__name__}; "
            "only SourceRecord, Checkpoint and ReadProblem are allowed"
        )
        assert item.stream == stream, f"read({stream!r}) yielded an item of stream {item.stream!r}"
        run.items.append(item)
        if isinstance(item, SourceRecord):
            run.records.append(item)
        elif isinstance(item, Checkpoint):
            run.checkpoints.append(item)
        else:
            run.problems.append(item)
    return run


def _assert_unique(keys: list[str], what: str) -> None:
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    assert not repeated, f"{what} yielded these keys more than once: {repeated[:10]}"


def _is_secret_type(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_is_secret_type(arg) for arg in typing.get_args(annotation))


def _looks_secret(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(_SECRET_SUFFIXES) and not lowered.endswith(_NOT_SECRET_SUFFIXES)


class ConnectorContractTests:
    """Base class of a connector's contract tests; see the module docstring for the hooks."""

    connector_class: ClassVar[type[Connector[Any]]]
    stream: ClassVar[str | None] = None  # the stream to test; None: the first one discover() lists
    write_stream: ClassVar[str | None] = None  # None: the first writable stream
    seed_count: ClassVar[int] = 12

    # -- hooks for the plugin author ---------------------------------------------------------

    def start_system(self, tmp_path: Path) -> Any:
        """Start the system (or its fake), empty; what it returns is handed to the other hooks."""
        return tmp_path

    def stop_system(self, system: Any) -> None:
        """Stop what ``start_system`` started."""

    def valid_config(self, system: Any) -> dict[str, Any]:
        """A configuration that works against ``system`` (with look-back 0)."""
        raise self._missing("valid_config")

    def invalid_config(self, system: Any) -> dict[str, Any]:
        """A configuration the config model must refuse (a wrong type, a missing field...)."""
        raise self._missing("invalid_config")

    def bad_credentials_config(self, system: Any) -> dict[str, Any] | None:
        """A well-formed config whose credentials the system refuses; None: no credentials."""
        return None

    def seed(self, system: Any, n: int) -> None:
        """Put ``n`` records in the tested stream."""
        raise self._missing("seed")

    def touch(self, system: Any, keys: list[str], *, same_cursor: bool = False) -> None:
        """Change the records with ``keys``; see the module docstring for the cursor they get."""
        raise self._missing("touch")

    def records_to_write(self, system: Any, stream: str, n: int) -> list[dict[str, Any]] | None:
        """``n`` valid records for ``write()``, each with its ``"__key__"``; None: skip the test."""
        return None

    def _missing(self, hook: str) -> NotImplementedError:
        return NotImplementedError(
            f"{type(self).__name__} must define {hook}() (see connectors.testing.contract_tests)"
        )

    # -- fixtures ------------------------------------------------------------------------------

    @pytest.fixture
    def system(self, tmp_path: Path) -> Iterator[Any]:
        """A fresh system per test, from ``start_system``, stopped afterwards."""
        handle = self.start_system(tmp_path)
        try:
            yield handle
        finally:
            self.stop_system(handle)

    @pytest.fixture
    def connector(self, system: Any) -> Iterator[Connector[Any]]:
        """The connector built from ``valid_config``, closed afterwards."""
        built = self.connector_class.from_dict(self.valid_config(system))
        try:
            yield built
        finally:
            built.close()

    # -- helpers -------------------------------------------------------------------------------

    def spec_under_test(self, connector: Connector[Any]) -> StreamSpec:
        """The spec of the stream under test."""
        specs = connector.discover()
        assert specs, "discover() returned no stream"
        return connector.stream_spec(self.stream) if self.stream else specs[0]

    def incremental_spec(self, connector: Connector[Any]) -> StreamSpec:
        """The tested stream's spec; skips the test when the stream is not incremental."""
        spec = self.spec_under_test(connector)
        if not spec.incremental:
            pytest.skip(f"stream {spec.name!r} has no cursor_field: no incremental reads to test")
        return spec

    def seeded_full_read(self, system: Any, connector: Connector[Any], spec: StreamSpec) -> ReadRun:
        """Seed ``seed_count`` records and read them all; the run must cover exactly those."""
        self.seed(system, self.seed_count)
        run = read_all(connector, spec.name, None)
        assert len(run.records) == self.seed_count, (
            f"seeded {self.seed_count} records, read() from no state yielded {len(run.records)}"
        )
        assert run.state is not None, "read() yielded no Checkpoint"
        return run

    # -- configuration -----------------------------------------------------------------------

    def test_valid_config_is_accepted(self, system: Any) -> None:
        config = self.connector_class.config_model.model_validate(self.valid_config(system))
        assert isinstance(config, ConnectorConfig), (
            f"{self.connector_class.__name__}.config_model must derive from ConnectorConfig"
        )

    def test_invalid_config_is_refused_with_a_clear_message(self, system: Any) -> None:
        raw = self.invalid_config(system)
        with pytest.raises((ValidationError, ConfigError)) as caught:
            self.connector_class.from_dict(raw)
        message = str(caught.value)
        fields = set(raw) | set(self.connector_class.config_model.model_fields)
        assert any(name in message for name in fields), (
            f"the error for an invalid config must name the field at fault; it says: {message}"
        )

    def test_secret_fields_are_secretstr(self) -> None:
        plain = [
            name
            for name, info in self.connector_class.config_model.model_fields.items()
            if _looks_secret(name) and not _is_secret_type(info.annotation)
        ]
        assert not plain, (
            f"config fields {plain} look like secrets: declare them as pydantic.SecretStr"
        )

    # -- check and discover ------------------------------------------------------------------

    def test_check_succeeds_with_the_valid_config(self, connector: Connector[Any]) -> None:
        result = connector.check()
        assert isinstance(result, CheckResult), (
            f"check() returned a {type(result).__name__}, not a CheckResult"
        )
        assert result.ok, f"check() failed with the valid config: {result.message}"

    def test_check_reports_bad_credentials_without_raising(self, system: Any) -> None:
        raw = self.bad_credentials_config(system)
        if raw is None:
            pytest.skip("bad_credentials_config() returned None: the connector has no credentials")
        connector = self.connector_class.from_dict(raw)
        try:
            result = connector.check()
        except Exception as exc:  # noqa: BLE001 - a bad credential is an answer, not a crash
            pytest.fail(
                f"check() raised {type(exc).__name__} ({exc}) instead of returning ok=False"
            )
        finally:
            connector.close()
        assert result.ok is False, "check() said ok with credentials the system refuses"
        assert result.message.strip(), "check() must say what is wrong with the credentials"

    def test_discover_returns_valid_stream_specs(self, connector: Connector[Any]) -> None:
        specs = connector.discover()
        assert specs and all(isinstance(s, StreamSpec) for s in specs), (
            "discover() must list StreamSpecs"
        )
        names = [s.name for s in specs]
        assert len(set(names)) == len(names), f"stream names repeat: {names}"
        for spec in specs:
            assert spec.key and all(isinstance(k, str) for k in spec.key), (
                f"{spec.name}: key must name fields"
            )
            problems = schema_problems(spec.json_schema, f"{spec.name}.json_schema")
            assert not problems, "; ".join(problems)
            declared = spec.json_schema.get("properties")
            if isinstance(declared, dict):
                needed = [*spec.key, *([spec.cursor_field] if spec.cursor_field else [])]
                missing = [f for f in needed if f not in declared]
                assert not missing, (
                    f"{spec.name}: key/cursor fields {missing} are not in the schema's properties"
                )
        self.spec_under_test(connector)  # the configured stream exists

    # -- reading -------------------------------------------------------------------------------

    def test_read_yields_valid_records_and_ends_with_a_checkpoint(
        self, system: Any, connector: Connector[Any]
    ) -> None:
        spec = self.spec_under_test(connector)
        run = self.seeded_full_read(system, connector, spec)
        assert not run.problems, f"a cleanly seeded stream gave read problems: {run.problems[:3]}"
        _assert_unique(run.keys, "a full read")
        for record in run.records:
            assert isinstance(record.key, str) and record.key, (
                f"a record has an empty key: {record}"
            )
            problems = instance_problems(spec.json_schema, record.data, f"record {record.key!r}")
            assert not problems, "; ".join(problems[:5])
            if spec.incremental:
                assert record.cursor is not None, (
                    f"record {record.key!r} of an incremental stream has no cursor"
                )
        assert isinstance(run.items[-1], Checkpoint), "the last item of a read must be a Checkpoint"
        for checkpoint in run.checkpoints:
            json.dumps(checkpoint.state)  # must be JSON-serialisable: raises otherwise

    def test_incremental_read_returns_exactly_the_changes(
        self, system: Any, connector: Connector[Any]
    ) -> None:
        spec = self.incremental_spec(connector)
        first = self.seeded_full_read(system, connector, spec)
        changed = sorted(first.keys)[1::3]
        self.touch(system, changed)
        second = read_all(connector, spec.name, first.state)
        _assert_unique(second.keys, "an incremental read")
        assert sorted(second.keys) == sorted(changed), (
            f"after touching {changed}, a read from the saved state yielded {sorted(second.keys)}"
        )
        assert second.state is not None, "an incremental read yielded no Checkpoint"
        third = read_all(connector, spec.name, second.state)
        assert not third.records, (
            f"nothing changed, yet a read from the saved state yielded {third.keys}"
        )

    def test_incremental_read_includes_ties_on_the_saved_cursor(
        self, system: Any, connector: Connector[Any]
    ) -> None:
        spec = self.incremental_spec(connector)
        first = self.seeded_full_read(system, connector, spec)
        keys = sorted(first.keys)
        early, late = keys[:2], keys[-2:]
        self.touch(system, early)
        second = read_all(connector, spec.name, first.state)
        assert sorted(second.keys) == early, (
            f"after touching {early}, the read yielded {sorted(second.keys)}"
        )
        self.touch(system, late, same_cursor=True)
        third = read_all(connector, spec.name, second.state)
        cursors = {repr(r.cursor) for r in second.records + third.records}
        assert len(cursors) == 1, (
            f"touch(same_cursor=True) must repeat the last cursor; got cursors {cursors}"
        )
        _assert_unique(third.keys, "an incremental read")
        assert sorted(third.keys) == late, (
            f"records {late} share the saved cursor value and sort after the saved key; "
            "a read from "
            f"the saved state must yield exactly them, it yielded {sorted(third.keys)}"
        )

    def test_resuming_from_any_checkpoint_loses_and_repeats_nothing(
        self, system: Any, connector: Connector[Any]
    ) -> None:
        spec = self.incremental_spec(connector)
        first = self.seeded_full_read(system, connector, spec)
        everything = sorted(first.keys)
        self.touch(system, everything)  # one shared cursor: checkpoints fall inside the tie
        run = read_all(connector, spec.name, first.state)
        assert sorted(run.keys) == everything, (
            f"after touching all, the read yielded {sorted(run.keys)}"
        )
        inner = [i for i, item in enumerate(run.items[:-1]) if isinstance(item, Checkpoint)]
        if not inner:
            pytest.skip(
                "read() checkpointed only at the end: configure small pages to test resuming"
            )
        for index in inner:
            before = [i.key for i in run.items[:index] if isinstance(i, SourceRecord)]
            state = run.items[index].state  # type: ignore[union-attr]
            resumed = read_all(connector, spec.name, state)
            _assert_unique(resumed.keys, f"a read resumed from checkpoint {state}")
            repeated = sorted(set(before) & set(resumed.keys))
            lost = sorted(set(everything) - set(before) - set(resumed.keys))
            assert not repeated, f"resuming from {state} re-read {repeated}"
            assert not lost, f"resuming from {state} lost {lost}"

    # -- writing -------------------------------------------------------------------------------

    def test_write_answers_one_result_per_record_in_order(
        self, system: Any, connector: Connector[Any]
    ) -> None:
        writable = [s for s in connector.discover() if s.writable]
        if self.write_stream:
            writable = [connector.stream_spec(self.write_stream)]
        if not writable:
            pytest.skip("no writable stream")
        stream = writable[0].name
        records = self.records_to_write(system, stream, 3)
        if records is None:
            pytest.skip("records_to_write() returned None")
        keys = [r["__key__"] for r in records]
        results = list(connector.write(stream, records))
        assert all(isinstance(r, WriteResult) for r in results), "write() must yield WriteResults"
        assert [r.key for r in results] == keys, (
            "write() must answer once per record, in order: "
            f"sent {keys}, got {[r.key for r in results]}"
        )
        failed = [(r.key, r.reason) for r in results if r.outcome is WriteOutcome.FAILED]
        assert not failed, f"valid records failed to write: {failed}"
        again = list(connector.write(stream, records))
        assert [r.key for r in again] == keys
        created = [r.key for r in again if r.outcome is WriteOutcome.CREATED]
        assert not created, (
            f"writing the same records twice created {created} again: write must upsert"
        )
