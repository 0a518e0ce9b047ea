"""``${airflow:CONN_ID.part}`` references resolve through Airflow itself when it is installed:
from ``AIRFLOW_CONN_*`` variables and from a configured secrets backend, masked in logs. (Inside a
running task, too: the end-to-end test's Salesforce token comes from AIRFLOW_CONN_SALESFORCE_API.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from crmhub.config.secrets import resolve
from crmhub.config.source import SourceMap
from crmhub.errors import ConfigInvalid
from crmhub.logging import mask_secrets


def resolved(text: str) -> str:
    # No environment of crmhub's own: whatever resolves here, Airflow found.
    return resolve(text, path=("config", "password"), source=SourceMap("crmhub.yaml"), environ={})


@pytest.fixture
def fresh_backends() -> Iterator[None]:
    from airflow.sdk.configuration import clear_secrets_backends_cache

    clear_secrets_backends_cache()
    yield
    clear_secrets_backends_cache()


def test_a_password_comes_from_airflow_conn_env(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_MY_CONN", "postgres://crm:p%40ss%2Fw0rd@db.example.com:5432/crm"
    )

    assert resolved("${airflow:my_conn.password}") == "p@ss/w0rd"
    assert resolved("${airflow:my_conn.host}") == "db.example.com"
    assert "p@ss/w0rd" not in mask_secrets("login failed with p@ss/w0rd")


def test_a_password_comes_from_airflows_secrets_backend(monkeypatch, tmp_path, fresh_backends):
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps({"vault_crm": {"conn_type": "http", "password": "v4ult"}}))
    monkeypatch.setenv(
        "AIRFLOW__SECRETS__BACKEND", "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    )
    monkeypatch.setenv(
        "AIRFLOW__SECRETS__BACKEND_KWARGS", json.dumps({"connections_file_path": str(connections)})
    )

    assert resolved("${airflow:vault_crm.password}") == "v4ult"


def test_a_missing_airflow_connection_says_where_to_create_it(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NOWHERE", raising=False)

    with pytest.raises(ConfigInvalid) as caught:
        resolved("${airflow:nowhere.password}")

    assert "Airflow connection 'nowhere' (password) is not set" in str(caught.value)
    assert "AIRFLOW_CONN_NOWHERE" in (caught.value.hint or "")
