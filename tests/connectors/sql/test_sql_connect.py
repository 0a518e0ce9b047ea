"""Reaching the database: check(), bad credentials, unreachable servers, timeouts."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from connectors.sdk import AuthError, ConfigError, SourceUnavailable

from .erp_database import ErpDatabase

PASSWORD = 'Pa;ss}w0rd{"x'


def test_check_connects_and_names_the_product(erp_server: ErpDatabase) -> None:
    result = erp_server.connector().check()
    assert result.ok, result.message
    assert ("MariaDB" if erp_server.kind == "mariadb" else "PostgreSQL") in result.message
    assert erp_server.name in result.message


@pytest.fixture
def erp_user(erp_server: ErpDatabase) -> Iterator[str]:
    """A MariaDB account with a password full of connection-string syntax."""
    if erp_server.kind != "mariadb":
        pytest.skip("the PostgreSQL test server trusts every local login: no password to get wrong")
    user = f"crmhub_{uuid.uuid4().hex[:8]}"
    erp_server.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'")
    erp_server.execute(f"GRANT SELECT ON {erp_server.quote(erp_server.name)}.* TO '{user}'@'%'")
    yield user
    erp_server.execute(f"DROP USER '{user}'@'%'")


def test_a_password_with_odbc_syntax_in_it_gets_through(
    erp_server: ErpDatabase, erp_user: str
) -> None:
    result = erp_server.connector(user=erp_user, password=PASSWORD).check()
    assert result.ok, result.message


def test_a_wrong_password_is_a_failed_check_that_does_not_show_it(
    erp_server: ErpDatabase, erp_user: str
) -> None:
    wrong = PASSWORD + "-sbagliata"
    connector = erp_server.connector(user=erp_user, password=wrong)
    result = connector.check()
    assert not result.ok
    assert erp_server.name in result.message and "127.0.0.1" in result.message
    assert "Access denied" in result.message and "hint:" in result.message
    assert wrong not in result.message and PASSWORD not in result.message
    with pytest.raises(AuthError):
        connector.discover()


def test_an_unknown_role_is_a_failed_check(erp_server: ErpDatabase) -> None:
    connector = erp_server.connector(user="crmhub_nessuno", password="segreta;123")
    result = connector.check()
    assert not result.ok
    assert "crmhub_nessuno" in result.message and "segreta;123" not in result.message


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_server_that_is_down_is_unavailable_with_a_hint(erp_server: ErpDatabase) -> None:
    port = closed_port()
    connector = erp_server.connector(port=port)
    result = connector.check()
    assert not result.ok and f"127.0.0.1:{port}" in result.message
    with pytest.raises(SourceUnavailable) as exc:
        connector.discover()
    assert "is the server running" in (exc.value.hint or "")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and then never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()
    for connection in accepted:
        connection.close()


def test_the_login_timeout_bounds_a_server_that_never_answers(
    erp_server: ErpDatabase, silent_server: int
) -> None:
    connector = erp_server.connector(port=silent_server, login_timeout_seconds=1)
    started = time.monotonic()
    result = connector.check()
    assert not result.ok
    assert time.monotonic() - started < 5
    assert "login timeout 1s" in result.message


def test_a_missing_driver_is_a_config_error_listing_the_installed_ones(
    erp_server: ErpDatabase,
) -> None:
    connector = erp_server.connector(driver="Oracle 23 ODBC")
    with pytest.raises(ConfigError) as exc:
        connector.discover()
    assert erp_server.server.driver in (exc.value.hint or "")
    assert not connector.check().ok


def test_a_missing_database_is_a_config_error(erp_server: ErpDatabase) -> None:
    with pytest.raises(ConfigError, match="crmhub_assente") as exc:
        erp_server.connector(database="crmhub_assente").discover()
    assert "database" in (exc.value.hint or "")


def test_the_query_timeout_stops_a_runaway_query(erp: ErpDatabase) -> None:
    pause = "SLEEP(3)" if erp.kind == "mariadb" else "(SELECT 1 FROM pg_sleep(3))"
    streams = {
        "lenta": {
            "query": f"SELECT codice, data_ultima_modifica, {pause} AS pausa "
            "FROM anagrafica_clienti",
            "key": ["codice"],
            "cursor": "data_ultima_modifica",
        }
    }
    connector = erp.connector(streams=streams, query_timeout_seconds=1)
    connector.discover()  # the plan is made with WHERE 1=0: no row, no pause
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="stream 'lenta'") as exc:
        list(connector.read("lenta", None))
    assert time.monotonic() - started < 2.9
    assert "query_timeout_seconds" in (exc.value.hint or "")


def test_a_whole_connection_string_connects_with_the_driver_defaults(
    erp_server: ErpDatabase,
) -> None:
    server = erp_server.server
    whole = (
        f"DRIVER={{{server.driver}}};SERVER={server.host};PORT={server.port};"
        f"DATABASE={erp_server.name};UID={erp_server.user};PWD="
    )
    parts = dict.fromkeys(("driver", "server", "port", "database", "user", "password"))
    connector = erp_server.connector(connection_string=whole, **parts)
    assert connector.check().ok
    bloccato = connector.stream_spec("blocchi_credito").json_schema["properties"]["bloccato"]
    assert bloccato["type"] == ("integer" if erp_server.kind == "mariadb" else "boolean")
