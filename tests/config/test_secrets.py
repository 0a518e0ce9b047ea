"""Secret references: ${ENV}, ${airflow:CONN_ID[.part]}, resolved only when asked, never echoed."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator

import pytest

from crmhub.config.airflow_connections import AirflowConnectionError, parse_connection
from crmhub.config.secrets import has_reference, parse_references, resolve
from crmhub.config.source import parse_yaml
from crmhub.errors import ConfigInvalid
from crmhub.logging import mask_text

DOC = parse_yaml(
    "connections:\n  erp:\n    config:\n      url: x\n      password: y\n      port: z\n",
    "crmhub.yaml",
)
PREFIX = ("connections", "erp", "config")


def resolve_config(value: object, environ: dict[str, str], **kwargs: object) -> object:
    return resolve(value, path=PREFIX, source=DOC.source, environ=environ, **kwargs)  # type: ignore[arg-type]


def test_env_references_alone_and_inside_strings() -> None:
    config = {
        "url": "postgresql://crm:${PG_PASS}@db:${PG_PORT}/crm",
        "port": "${PG_PORT}",
        "hosts": ["${HOST_A}", "plain"],
        "price": "$$5 and $${NOT_A_REF}",
    }
    env = {"PG_PASS": "p@ss", "PG_PORT": "5433", "HOST_A": "a.example.com"}
    assert resolve_config(config, env) == {
        "url": "postgresql://crm:p@ss@db:5433/crm",
        "port": "5433",
        "hosts": ["a.example.com", "plain"],
        "price": "$5 and ${NOT_A_REF}",
    }


def test_missing_variables_are_all_reported_with_key_and_line() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        resolve_config({"url": "${DB_URL}", "password": "${ERP_PASSWORD}"}, {})
    problems = caught.value.problems
    assert [(p.line, p.path) for p in problems] == [
        (4, "connections.erp.config.url"),
        (5, "connections.erp.config.password"),
    ]
    assert problems[1].message == "environment variable ERP_PASSWORD is not set"
    assert "export ERP_PASSWORD=" in (problems[1].hint or "")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("${vault:x}", "not a reference crmhub understands"),
        ("${airflow:crm.colour}", "has no part 'colour'"),
        ("abc ${OPEN", "without its closing"),
    ],
)
def test_malformed_references(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_references(text)


def test_malformed_references_are_reported_when_resolving_too() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        resolve_config({"url": "${OPEN", "password": "${vault:x}"}, {})
    assert [
        (p.line, "without its closing" in p.message or "understands" in p.message)
        for p in caught.value.problems
    ] == [(4, True), (5, True)]


def test_has_reference() -> None:
    assert has_reference("${A}") and has_reference("x${A}y") and has_reference("${broken")
    assert not has_reference("plain") and not has_reference("$${escaped}") and not has_reference(5)


@pytest.fixture
def outside_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """crmhub run where Airflow is not installed: its connections come from AIRFLOW_CONN_*."""
    monkeypatch.setitem(sys.modules, "airflow.sdk", None)  # importing it raises ImportError


@pytest.mark.usefixtures("outside_airflow")
def test_airflow_connection_from_a_uri_env_var() -> None:
    env = {
        "AIRFLOW_CONN_CRM_DB": "postgresql://crm%40corp:p%2Fss@db.example.com:5433/crm?sslmode=require"
    }
    config = {
        "password": "${airflow:crm_db.password}",
        "url": "${airflow:crm_db}",
        "port": "${airflow:crm_db.port}",
        "login": "${airflow:crm_db.login}",
        "ssl": "${airflow:crm_db.extra.sslmode}",
        "kind": "${airflow:crm_db.conn_type}",
    }
    resolved = resolve_config(config, env)
    assert resolved == {
        "password": "p/ss",
        "url": env["AIRFLOW_CONN_CRM_DB"],
        "port": "5433",
        "login": "crm@corp",
        "ssl": "require",
        "kind": "postgres",
    }


@pytest.mark.usefixtures("outside_airflow")
def test_airflow_connection_from_a_json_env_var() -> None:
    env = {
        "AIRFLOW_CONN_SHOP": json.dumps(
            {
                "conn_type": "http",
                "host": "shop.example.com",
                "login": "key",
                "password": "s3cret",
                "port": 443,
                "schema": "v1",
                "extra": {"store": "milano"},
            }
        )
    }
    resolved = resolve_config(
        {
            "password": "${airflow:shop.password}",
            "url": "${airflow:shop}",
            "store": "${airflow:shop.extra.store}",
        },
        env,
    )
    assert resolved == {
        "password": "s3cret",
        "url": "http://key:s3cret@shop.example.com:443/v1?store=milano",
        "store": "milano",
    }


def test_airflow_extra_as_json_in_the_uri_and_the_protocol_form() -> None:
    conn = parse_connection(
        "x", "http://https%3A%2F%2Fapi.example.com/?__extra__=%7B%22a%22%3A+1%7D"
    )
    assert conn.extra == {"a": 1}
    conn = parse_connection("x", "my-conn-type://https://api.example.com:8443/path")
    assert (conn.conn_type, conn.host, conn.port, conn.schema) == (
        "my_conn_type",
        "https://api.example.com",
        8443,
        "path",
    )
    with pytest.raises(AirflowConnectionError, match="AIRFLOW_CONN_X"):
        parse_connection("x", "{not json")


@pytest.mark.usefixtures("outside_airflow")
def test_missing_airflow_connection_or_part() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        resolve_config(
            {"password": "${airflow:gone.password}", "url": "${airflow:nopass.password}"},
            {"AIRFLOW_CONN_NOPASS": "http://h"},
        )
    first, second = caught.value.problems
    assert "Airflow connection 'gone' (password) is not set" == first.message
    assert "AIRFLOW_CONN_GONE" in (first.hint or "")
    assert "fill in the connection's password" in (second.hint or "")


@pytest.fixture
def airflow_sdk(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """A stand-in for ``airflow.sdk`` (Airflow is an optional extra, not installed for tests)."""
    connections: dict[str, object] = {}

    class AirflowNotFoundException(Exception):
        pass

    class BaseHook:
        @staticmethod
        def get_connection(conn_id: str) -> object:
            if conn_id not in connections:
                raise AirflowNotFoundException(conn_id)
            return connections[conn_id]

    sdk = types.ModuleType("airflow.sdk")
    sdk.BaseHook = BaseHook  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "airflow", types.ModuleType("airflow"))
    monkeypatch.setitem(sys.modules, "airflow.sdk", sdk)
    yield connections


def test_inside_airflow_connections_come_from_basehook(airflow_sdk: dict[str, object]) -> None:
    airflow_sdk["crm"] = types.SimpleNamespace(
        conn_type="postgres",
        host="db",
        login="crm",
        password="from-airflow",
        schema="crm",
        port=5432,
        extra_dejson={"sslmode": "verify-full"},
        get_uri=lambda: "postgres://crm:from-airflow@db:5432/crm",
    )
    env = {"AIRFLOW_CONN_CRM": "postgres://crm:from-env@db/crm"}  # Airflow wins when it is there
    resolved = resolve_config(
        {
            "password": "${airflow:crm.password}",
            "url": "${airflow:crm}",
            "ssl": "${airflow:crm.extra.sslmode}",
        },
        env,
    )
    assert resolved == {
        "password": "from-airflow",
        "url": "postgres://crm:from-airflow@db:5432/crm",
        "ssl": "verify-full",
    }
    with pytest.raises(ConfigInvalid, match="Airflow connection 'other'"):
        resolve_config({"password": "${airflow:other.password}"}, env)


def test_resolved_secrets_are_masked_in_logs() -> None:
    resolve_config(
        {"password": "${ERP_PASSWORD}", "url": "${PLAIN_HOST}"},
        {"ERP_PASSWORD": "tr0ub4dor&3", "PLAIN_HOST": "erp.example.com"},
        is_secret=lambda path: path[-1] == "password",
    )
    assert mask_text("login with tr0ub4dor&3 failed") == "login with *** failed"
    assert mask_text("host erp.example.com") == "host erp.example.com"  # not a secret
