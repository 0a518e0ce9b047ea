"""Connection strings, driver error messages and dialect statements, without a server.

The error texts are the ones the Debian drivers (MariaDB Connector/ODBC 3.1, psqlodbc 13)
really produce; the ODBC tests see them again end to end.
"""

from __future__ import annotations

from typing import Any

import pyodbc
import pytest

from connectors.builtin.sql import SqlConfig
from connectors.builtin.sql.dialects import (
    MARIADB,
    POSTGRESQL,
    insert_statement,
    update_statement,
    upsert_statement,
)
from connectors.builtin.sql.identifiers import Quoter
from connectors.builtin.sql.odbc import (
    attributes,
    connection_string,
    describe_error,
    is_retryable,
    scrub,
    target_label,
)
from connectors.sdk import ConfigError

STREAMS = {"s": {"table": "t", "key": ["k"]}}


def make(**fields: Any) -> SqlConfig:
    return SqlConfig.model_validate({"streams": STREAMS, **fields})


@pytest.mark.parametrize(
    ("args", "sqlstate", "native", "message"),
    [
        (
            (
                "22001",
                (
                    "[22001] [ma-3.1.15][10.11.19-MariaDB-0+deb12u1]Data too long for column "
                    "'name' at row 1 (1406) (SQLExecDirectW)"
                ),
            ),
            "22001",
            1406,
            "Data too long for column 'name' at row 1",
        ),
        (
            (
                "23502",
                (
                    '[23502] ERROR: null value in column "name" of relation "probe_w" violates '
                    "not-null constraint\nDETAIL: Failing row contains (x2, null, 1).;\n"
                    "Error while executing the query (1) (SQLExecDirectW)"
                ),
            ),
            "23502",
            1,
            'null value in column "name" of relation "probe_w" violates not-null constraint',
        ),
        (
            (
                "23505",
                (
                    '[23505] ERROR: duplicate key value violates unique constraint "w_pkey"\n'
                    "DETAIL: Key (id)=(k1) already exists.;\nError while executing the query (1) "
                    "(SQLExecDirectW)"
                ),
            ),
            "23505",
            1,
            (
                'duplicate key value violates unique constraint "w_pkey" '
                "DETAIL: Key (id)=(k1) already exists."
            ),
        ),
        (
            (
                "08001",
                (
                    '[08001] connection to server at "127.0.0.1", port 5433 failed: Connection '
                    "refused\n\tIs the server running on that host and accepting TCP/IP connections?\n "
                    "(101) (SQLDriverConnect)"
                ),
            ),
            "08001",
            101,
            (
                'connection to server at "127.0.0.1", port 5433 failed: Connection '
                "refused Is the server running on that host and accepting TCP/IP connections?"
            ),
        ),
    ],
)
def test_driver_errors_are_read_into_state_code_and_plain_message(
    args: tuple[str, str], sqlstate: str, native: int, message: str
) -> None:
    error = describe_error(pyodbc.Error(*args))
    assert (error.sqlstate, error.native_code, error.message) == (sqlstate, native, message)
    assert "Failing row" not in str(error)  # PostgreSQL's echo of the row's personal data


@pytest.mark.parametrize(
    ("sqlstate", "native", "retryable"),
    [
        ("40001", 1213, True),  # MariaDB deadlock
        ("HY000", 1205, True),  # MariaDB lock wait timeout
        ("40P01", None, True),  # PostgreSQL deadlock
        ("55P03", None, True),  # PostgreSQL lock_timeout
        ("57014", None, True),  # PostgreSQL statement_timeout
        ("22001", 1406, False),  # value too long: the same again fails the same way
        ("23000", 1048, False),
    ],
)
def test_retryable_errors_are_locks_timeouts_and_lost_connections(
    sqlstate: str, native: int | None, retryable: bool
) -> None:
    text = f"[{sqlstate}] something" + (f" ({native})" if native else "")
    error = describe_error(pyodbc.Error(sqlstate, text))
    assert is_retryable(error, MARIADB.retryable_native_codes) is retryable


def test_values_are_braced_only_when_they_must_be() -> None:
    config = make(
        driver="MariaDB Unicode",
        server="db.local",
        port=3306,
        database="erp",
        user="crm",
        password="p;a}ss",
        login_timeout_seconds=7,
    )
    assert connection_string(config) == (
        "DRIVER=MariaDB Unicode;SERVER=db.local;PORT=3306;DATABASE=erp;UID=crm;"
        "PWD={p;a}}ss};CONN_TIMEOUT=7"
    )


def test_postgres_gets_real_booleans_and_options_can_override_driver_defaults() -> None:
    config = make(
        driver="PostgreSQL Unicode",
        server="db",
        database="erp",
        options={"BoolsAsChar": "1", "ConnSettings": "SET lock_timeout = '1s'"},
    )
    assert connection_string(config) == (
        "DRIVER=PostgreSQL Unicode;SERVER=db;DATABASE=erp;BoolsAsChar=1;"
        "ConnSettings=SET lock_timeout = '1s'"
    )


def test_connection_string_attributes_are_parsed_with_their_braces() -> None:
    text = "DRIVER={PostgreSQL Unicode};Server = db ;PWD={a;b}}c=d};Port=5432"
    assert attributes(text) == {
        "DRIVER": "PostgreSQL Unicode",
        "SERVER": "db",
        "PWD": "a;b}c=d",
        "PORT": "5432",
    }


def test_a_whole_connection_string_gets_the_driver_defaults_it_lacks() -> None:
    config = make(
        connection_string="DRIVER={PostgreSQL Unicode};SERVER=db;DATABASE=erp;PWD={a;b}}};",
    )
    assert connection_string(config) == (
        "DRIVER={PostgreSQL Unicode};SERVER=db;DATABASE=erp;PWD={a;b}}};BoolsAsChar=0"
    )
    given = make(connection_string="Driver=MariaDB Unicode;Server=db;conn_timeout=3")
    assert connection_string(given) == "Driver=MariaDB Unicode;Server=db;conn_timeout=3"


def test_messages_name_the_target_but_never_the_password() -> None:
    parts = make(
        driver="D", server="erp.local", port=5432, database="erp", user="crm", password="Segreta!"
    )
    assert target_label(parts) == "database 'erp' on erp.local:5432 as 'crm'"
    whole = make(connection_string="DRIVER={D};SERVER=erp.local;DATABASE=erp;UID=crm;PWD=Segreta!")
    assert target_label(whole) == "database 'erp' on erp.local as 'crm'"
    assert scrub("login Segreta! refused", parts) == "login *** refused"
    assert scrub("login Segreta! refused", whole) == "login *** refused"


def test_identifiers_are_quoted_with_the_drivers_character_doubled_inside() -> None:
    assert Quoter("`")("clienti; DROP TABLE x") == "`clienti; DROP TABLE x`"
    assert Quoter('"')('a"b') == '"a""b"'
    assert Quoter("`").table("t`x", "erp") == "`erp`.`t``x`"
    assert Quoter(" ")("plain_name") == "plain_name"
    with pytest.raises(ConfigError, match="needs quoting"):
        Quoter(" ")("two words")
    with pytest.raises(ConfigError, match="NUL"):
        Quoter('"')("a\x00b")


def test_each_dialect_upserts_in_its_own_words() -> None:
    quote = Quoter('"')
    mariadb = upsert_statement(MARIADB, Quoter("`"), "`t`", ["id", "name"], ["id"])
    assert mariadb.sql == (
        "INSERT INTO `t` (`id`, `name`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)"
    )
    postgres = upsert_statement(POSTGRESQL, quote, '"t"', ["id", "name"], ["id"])
    assert postgres.sql.endswith('ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"')
    assert postgres.params == ("id", "name")
    only_key = upsert_statement(POSTGRESQL, quote, '"t"', ["id"], ["id"])
    assert only_key.sql.endswith("DO NOTHING")
    update = update_statement(quote, '"t"', ["id", "name", "city"], ["id"])
    assert update.sql == 'UPDATE "t" SET "name" = ?, "city" = ? WHERE "id" = ?'
    assert update.params == ("name", "city", "id")
    assert insert_statement(quote, '"t"', ["a"]).sql == 'INSERT INTO "t" ("a") VALUES (?)'
