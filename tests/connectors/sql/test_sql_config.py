"""The ``type: sql`` configuration refuses what cannot work, before any database is touched."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from connectors.builtin.sql import SqlConfig, SqlConnector
from connectors.sdk import registry

BASE: dict[str, Any] = {
    "driver": "MariaDB Unicode",
    "server": "127.0.0.1",
    "database": "erp",
    "streams": {"clienti": {"table": "anagrafica_clienti", "key": ["codice"]}},
}


def config(**changes: Any) -> SqlConfig:
    return SqlConfig.model_validate({**BASE, **changes})


def stream(**fields: Any) -> SqlConfig:
    return config(streams={"s": fields})


def error_text(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


def test_the_entry_point_finds_the_connector() -> None:
    assert registry.load("sql") is SqlConnector


def test_a_minimal_configuration_gets_the_documented_defaults() -> None:
    parsed = config(password="s3cret")
    assert (parsed.lookback_seconds, parsed.batch_size, parsed.dialect) == (300, 5000, "auto")
    assert "s3cret" not in repr(parsed)


def test_a_whole_connection_string_replaces_the_parts() -> None:
    parsed = SqlConfig.model_validate(
        {"connection_string": "DRIVER={X};PWD=p", "streams": BASE["streams"]}
    )
    assert parsed.connection_string is not None and parsed.driver is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"database": None}, "missing database"),
        ({"connection_string": "DSN=x"}, "either 'connection_string' or driver"),
        ({"options": {"BAD=NAME": "1"}}, "ODBC option name"),
        ({"port": 70000}, "less than or equal to 65535"),
        ({"batch_size": 0}, "greater than or equal to 1"),
        ({"streams": {}}, "at least 1 item"),
        ({"colour": "blue"}, "Extra inputs are not permitted"),
    ],
)
def test_connection_settings_that_cannot_work_are_refused(
    changes: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        config(**changes)
    assert expected in error_text(exc)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"table": "t"}, "needs 'key'"),
        ({"table": "t", "query": "SELECT 1", "key": ["k"]}, "either 'table' or 'query'"),
        ({"key": ["k"]}, "needs a 'table' or 'query'"),
        (
            {"table": "t", "key": ["k"], "where": "1=1; DROP TABLE t"},
            "contains a ';' at character 4",
        ),
        ({"query": "DELETE FROM t", "key": ["k"]}, "must start with SELECT or WITH"),
        ({"query": "SELECT 1; SELECT 2", "key": ["k"]}, "only one statement"),
        ({"table": "clienti\x00", "key": ["k"]}, "NUL character"),
        ({"table": "t", "key": ["k\x00"]}, "NUL character"),
        ({"table": "t", "key": ["k"], "curosr": "x"}, "Extra inputs are not permitted"),
        ({"query": "SELECT 1 AS k", "key": ["k"], "columns": ["k"]}, "apply to a 'table'"),
        ({"write": {"table": "t", "id_column": "id"}, "key": ["id"]}, "write-only stream"),
        (
            {"table": "t", "key": ["k"], "soft_delete": {"column": "x", "deleted_values": []}},
            "at least 1 item",
        ),
    ],
)
def test_stream_settings_that_cannot_work_are_refused(
    fields: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        stream(**fields)
    assert expected in error_text(exc)


def test_a_semicolon_inside_a_literal_is_not_a_second_statement() -> None:
    parsed = stream(table="t", key=["k"], where="note <> 'a;b' AND \"x;y\" IS NOT NULL")
    assert parsed.streams["s"].where == "note <> 'a;b' AND \"x;y\" IS NOT NULL"


def test_a_trailing_semicolon_on_a_query_is_dropped() -> None:
    parsed = stream(query="  SELECT codice FROM clienti ;  ", key=["codice"])
    assert parsed.streams["s"].query == "SELECT codice FROM clienti"


def test_the_upsert_key_defaults_to_the_id_column() -> None:
    parsed = stream(write={"table": "t", "schema": "erp", "id_column": "crmhub_id"})
    target = parsed.streams["s"].write
    assert target is not None
    assert (target.upsert_key, target.db_schema) == (["crmhub_id"], "erp")
