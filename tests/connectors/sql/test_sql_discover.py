"""discover(): stream specs from the real schema, and configured names checked and quoted safely."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.sdk import ConfigError, NotWritable, SourceRecord, UnknownStream

from .erp_database import ERP_STREAMS, ErpDatabase


def spec_of(erp: ErpDatabase, name: str, **overrides: Any) -> Any:
    return erp.connector(**overrides).stream_spec(name)


def test_every_configured_stream_is_discovered_with_key_cursor_and_schema(
    erp_server: ErpDatabase,
) -> None:
    specs = {s.name: s for s in erp_server.connector().discover()}
    assert set(specs) == set(ERP_STREAMS)
    clienti = specs["clienti"]
    assert (clienti.key, clienti.cursor_field, clienti.deletes) == (
        ("codice",),
        "data_ultima_modifica",
        True,
    )
    properties = clienti.json_schema["properties"]
    assert properties["codice"] == {"type": "string"}
    assert properties["fido"] == {"type": ["string", "null"], "format": "decimal"}
    assert properties["data_ultima_modifica"] == {"type": ["string", "null"], "format": "date-time"}
    assert "codice" in clienti.json_schema["required"]
    assert specs["contatti"].key == ("codice_cliente", "progressivo")
    assert specs["fatture"].json_schema["properties"]["data_documento"]["format"] == "date"
    blocchi = specs["blocchi_credito"]
    assert blocchi.cursor_field is None and blocchi.deletes
    bloccato = blocchi.json_schema["properties"]["bloccato"]["type"]
    # MariaDB's BOOLEAN is TINYINT(1); PostgreSQL has a real boolean
    assert bloccato == ("integer" if erp_server.kind == "mariadb" else "boolean")
    assert specs["clienti_fatturazione"].extras["source"] == "query"
    crm = specs["clienti_crm"]
    assert crm.writable and crm.key == ("crmhub_id",) and crm.cursor_field is None
    assert crm.json_schema["properties"]["logo"]["contentEncoding"] == "base64"
    assert not clienti.writable


def test_a_column_list_still_selects_key_and_cursor(erp_server: ErpDatabase) -> None:
    properties = spec_of(erp_server, "scadenze").json_schema["properties"]
    assert list(properties) == [
        "anno",
        "numero",
        "data_scadenza",
        "importo",
        "pagato",
        "id",
        "data_ultima_modifica",
    ]


def test_names_match_the_real_columns_whatever_their_case(erp_server: ErpDatabase) -> None:
    streams = {
        "c": {"table": "anagrafica_clienti", "key": ["CODICE"], "cursor": "Data_Ultima_Modifica"}
    }
    spec = spec_of(erp_server, "c", streams=streams)
    assert (spec.key, spec.cursor_field) == (("codice",), "data_ultima_modifica")


@pytest.mark.parametrize(
    ("stream", "message", "suggestion"),
    [
        (
            {"table": "anagrafica_clienti", "key": ["codice"], "cursor": "data_ultima_modifca"},
            "cursor column 'data_ultima_modifca' does not exist",
            "data_ultima_modifica",
        ),
        (
            {"table": "anagrafica_clienti", "key": ["codce"]},
            "key column 'codce' does not exist",
            "codice",
        ),
        (
            {"table": "anagrafica_clienti", "key": ["codice"], "columns": ["ragione_socale"]},
            "columns column 'ragione_socale' does not exist",
            "ragione_sociale",
        ),
        (
            {
                "table": "anagrafica_clienti",
                "key": ["codice"],
                "soft_delete": {"column": "anullato", "deleted_values": ["S"]},
            },
            "soft_delete column 'anullato' does not exist",
            "annullato",
        ),
        (
            {"query": "SELECT codice AS cod FROM anagrafica_clienti", "key": ["codice"]},
            "key column 'codice' does not exist",
            "cod",
        ),
        (
            {"table": "anagrafica_client", "key": ["codice"]},
            "table anagrafica_client does not exist",
            "anagrafica_clienti",
        ),
        (
            {"write": {"table": "clienti_crmhub", "id_column": "crmhub"}},
            "write.id_column column 'crmhub' does not exist",
            "crmhub_id",
        ),
    ],
)
def test_a_wrong_name_is_a_config_error_naming_stream_column_and_close_match(
    erp_server: ErpDatabase, stream: dict[str, Any], message: str, suggestion: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        erp_server.connector(streams={"sbagliato": stream}).discover()
    assert "stream 'sbagliato'" in str(exc.value) and message in str(exc.value)
    assert suggestion in (exc.value.hint or "")


def test_a_cursor_that_cannot_order_a_read_is_refused(erp_server: ErpDatabase) -> None:
    streams = {"f": {"table": "fatture", "key": ["anno", "numero"], "cursor": "totale"}}
    with pytest.raises(ConfigError, match="cursor column 'totale' is of type Decimal"):
        erp_server.connector(streams=streams).discover()


def test_a_query_returning_a_column_twice_is_refused(erp_server: ErpDatabase) -> None:
    query = (
        "SELECT c.codice, i.codice_cliente AS codice FROM anagrafica_clienti c "
        "JOIN indirizzi i ON i.codice_cliente = c.codice"
    )
    with pytest.raises(ConfigError, match="stream 'q'") as exc:
        erp_server.connector(streams={"q": {"query": query, "key": ["codice"]}}).discover()
    # PostgreSQL returns both columns and the connector refuses; MariaDB refuses the subquery
    message = (
        "column(s) codice more than once"
        if erp_server.kind == "postgresql"
        else ("Duplicate column name 'codice'")
    )
    assert message in str(exc.value)


@pytest.mark.parametrize(
    "hostile",
    [
        "blocchi_credito; DROP TABLE blocchi_credito",
        'blocchi_credito" ; DROP TABLE blocchi_credito; --',
        "blocchi_credito` ; DROP TABLE blocchi_credito; --",
        "blocchi_credito'; DROP TABLE blocchi_credito; --",
    ],
)
def test_a_hostile_identifier_is_only_a_name_that_does_not_exist(
    erp: ErpDatabase, hostile: str
) -> None:
    as_table = {"x": {"table": hostile, "key": ["codice_cliente"]}}
    with pytest.raises(ConfigError, match="does not exist"):
        erp.connector(streams=as_table).discover()
    as_column = {"x": {"table": "blocchi_credito", "key": [hostile]}}
    with pytest.raises(ConfigError, match="does not exist"):
        erp.connector(streams=as_column).discover()
    as_schema = {"x": {"table": "blocchi_credito", "schema": hostile, "key": ["codice_cliente"]}}
    with pytest.raises(ConfigError):
        erp.connector(streams=as_schema).discover()
    assert erp.query("SELECT COUNT(*) FROM blocchi_credito") == [(3,)]


def test_a_table_whose_names_hold_quote_characters_is_read_safely(erp: ErpDatabase) -> None:
    table, column = 'ordini "speciali" `strani`', 'codice "cliente"'
    erp.execute(
        f"CREATE TABLE {erp.quote(table)} ({erp.quote(column)} VARCHAR(10) PRIMARY KEY, "
        f"{erp.quote('nota; DROP')} VARCHAR(20))"
    )
    try:
        erp.execute(f"INSERT INTO {erp.quote(table)} VALUES (?, ?)", ["K'1", 'una "nota"'])
        streams = {"strani": {"table": table, "key": [column]}}
        items = list(erp.connector(streams=streams).read("strani", None))
        got = [i for i in items if isinstance(i, SourceRecord)]
        assert [(r.key, r.data) for r in got] == [
            ("K'1", {column: "K'1", "nota; DROP": 'una "nota"'})
        ]
    finally:
        erp.execute(f"DROP TABLE {erp.quote(table)}")


def test_unknown_and_unreadable_streams_say_what_exists(erp_server: ErpDatabase) -> None:
    connector = erp_server.connector()
    with pytest.raises(UnknownStream) as exc:
        list(connector.read("client", None))
    assert "clienti" in (exc.value.hint or "")
    with pytest.raises(ConfigError, match="write-only"):
        list(connector.read("clienti_crm", None))
    with pytest.raises(NotWritable):
        list(connector.write("clienti", [{"__key__": "G1"}]))
