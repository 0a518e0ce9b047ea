"""Reading the ERP through ODBC on MariaDB and PostgreSQL: nothing lost, nothing twice.

Each test runs on both servers (the ``erp`` fixture is parametrised) against the rows of
``erp_data``; tests that need more rows add them through the fixture's own connection.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors.sdk import Checkpoint, ConfigError, ReadItem, ReadProblem, SourceRecord
from connectors.sdk.incremental import decode_cursor

from . import erp_data
from .erp_data import BASE, code
from .erp_database import ErpDatabase


def records(items: Iterable[ReadItem]) -> list[SourceRecord]:
    return [i for i in items if isinstance(i, SourceRecord)]


def checkpoints(items: Iterable[ReadItem]) -> list[Checkpoint]:
    return [i for i in items if isinstance(i, Checkpoint)]


def keys(items: Iterable[ReadItem]) -> list[str]:
    return [r.key for r in records(items)]


def last_state(items: list[ReadItem]) -> dict[str, Any]:
    assert isinstance(items[-1], Checkpoint), "a read ends with a checkpoint"
    return items[-1].state


def add_contacts(erp: ErpDatabase, count: int, stamp: datetime, first: int = 3) -> list[str]:
    """``count`` more contacts spread over the customers, all updated at ``stamp``."""
    rows = []
    for n in range(count):
        rows.append(
            {
                "codice_cliente": code(n % erp_data.CUSTOMER_COUNT + 1),
                "progressivo": first + n // erp_data.CUSTOMER_COUNT,
                "nome": f"Persona {n}",
                "data_ultima_modifica": stamp,
            }
        )
    erp.insert("contatti", rows)
    return [f"{r['codice_cliente']}|{r['progressivo']}" for r in rows]


def test_a_full_read_delivers_every_customer_once_as_json(erp: ErpDatabase) -> None:
    items = list(erp.connector().read("clienti", None))
    got = records(items)
    assert sorted(r.key for r in got) == [code(n) for n in range(1, 31)]
    by_key = {r.key: r for r in got}
    first = by_key["C0001"]
    assert first.data["ragione_sociale"] == erp_data.AWKWARD_NAMES["C0001"]
    assert first.data["fido"] == "1000.50"
    assert first.data["data_creazione"] == "2025-09-29T08:30:00"  # BASE - 399 days
    assert first.data["note"] == "riga 1\nriga 2\twith tab"
    assert first.cursor == BASE + timedelta(minutes=1)
    assert first.position == "table anagrafica_clienti page 1"
    for name_key, name in erp_data.AWKWARD_NAMES.items():
        assert by_key[name_key].data["ragione_sociale"] == name
    assert last_state(items)["cursor"] == "2026-11-02T08:58:00+00:00"
    assert last_state(items)["key"] == "C0028"


def test_cancelled_customers_arrive_as_tombstones(erp: ErpDatabase) -> None:
    connector = erp.connector()
    first = list(connector.read("clienti", None))
    tombstones = [r for r in records(first) if r.deleted]
    assert sorted(r.key for r in tombstones) == list(erp_data.CANCELLED)
    assert all(r.data == {} for r in tombstones)
    erp.execute(
        "UPDATE anagrafica_clienti SET annullato = 'S', data_ultima_modifica = ? WHERE codice = ?",
        [erp.param(BASE + timedelta(hours=1)), "C0005"],
    )
    later = records(connector.read("clienti", last_state(first)))
    assert [(r.key, r.deleted) for r in later if r.key == "C0005"] == [("C0005", True)]


def test_rows_without_a_cursor_are_read_on_every_run(erp: ErpDatabase) -> None:
    connector = erp.connector(lookback_seconds=0)
    first = list(connector.read("clienti", None))
    state = last_state(first)
    again = list(connector.read("clienti", state))
    assert keys(again) == list(erp_data.NO_TIMESTAMP)
    assert all(r.cursor is None for r in records(again))
    assert last_state(again) == state


def test_an_incremental_read_returns_exactly_the_newer_rows(erp: ErpDatabase) -> None:
    connector = erp.connector(lookback_seconds=0)
    state = last_state(list(connector.read("contatti", None)))
    later = BASE + timedelta(hours=1, microseconds=7)
    erp.execute(
        "UPDATE contatti SET ruolo = 'Titolare', data_ultima_modifica = ? "
        "WHERE codice_cliente IN ('C0004', 'C0017') AND progressivo = 1",
        [erp.param(later)],
    )
    added = add_contacts(erp, 1, later)
    items = list(connector.read("contatti", state))
    assert sorted(keys(items)) == sorted(["C0004|1", "C0017|1", *added])
    assert {r.data["ruolo"] for r in records(items) if r.key != added[0]} == {"Titolare"}
    assert list(connector.read("contatti", last_state(items)))[:-1] == []


def test_an_unchanged_source_gives_no_records_and_keeps_the_state(erp: ErpDatabase) -> None:
    connector = erp.connector(lookback_seconds=0)
    state = last_state(list(connector.read("contatti", None)))
    items = list(connector.read("contatti", state))
    assert items == [Checkpoint("contatti", state)]


def test_five_thousand_rows_in_one_second_cross_pages_and_all_arrive_once(
    erp: ErpDatabase,
) -> None:
    stamp = BASE + timedelta(hours=2)
    added = add_contacts(erp, 5000, stamp)
    connector = erp.connector(batch_size=700)
    items = list(connector.read("contatti", None))
    got = keys(items)
    assert len(got) == len(set(got)) == 5060
    assert set(added) <= set(got)
    assert not [i for i in items if isinstance(i, ReadProblem)]
    states = [c.state for c in checkpoints(items)]
    assert len(states) == 8  # ceil(5060 / 700) pages, a checkpoint after each
    same_second = [s for s in states if s["cursor"] == "2026-11-02T10:30:00+00:00"]
    assert len(same_second) >= 7, "the pages inside the one second each got a checkpoint"


def test_a_read_resumed_from_any_checkpoint_loses_nothing(erp: ErpDatabase) -> None:
    stamp = BASE + timedelta(hours=2)
    add_contacts(erp, 2000, stamp)
    connector = erp.connector(batch_size=300, lookback_seconds=0)
    items = list(connector.read("contatti", None))
    everything = keys(items)
    # A crash after the third page: the engine committed what came before that checkpoint.
    third = [i for i, item in enumerate(items) if isinstance(item, Checkpoint)][2]
    committed = keys(items[:third])
    resumed = keys(connector.read("contatti", items[third].state))  # type: ignore[union-attr]
    assert committed + resumed == everything
    with_lookback = erp.connector(batch_size=300)
    reread = keys(with_lookback.read("contatti", items[third].state))  # type: ignore[union-attr]
    assert set(resumed) <= set(reread) and len(reread) == len(set(reread))


def test_a_late_commit_with_an_older_timestamp_is_caught_by_the_lookback(
    erp: ErpDatabase,
) -> None:
    state = last_state(list(erp.connector().read("contatti", None)))
    saved = decode_cursor(state["cursor"], "datetime").replace(tzinfo=None)
    late = add_contacts(erp, 1, saved - timedelta(seconds=60))
    with_lookback = keys(erp.connector().read("contatti", state))
    assert late[0] in with_lookback
    without = keys(erp.connector(lookback_seconds=0).read("contatti", state))
    assert late[0] not in without


def test_the_static_filter_and_the_column_list_apply(erp: ErpDatabase) -> None:
    connector = erp.connector()
    invoices = records(connector.read("fatture", None))
    assert len(invoices) == 39 and "2026|40" not in {r.key for r in invoices}
    expected = {f"{i['anno']}|{i['numero']}": str(i["totale"]) for i in erp_data.invoices()}
    assert all(r.data["totale"] == expected[r.key] for r in invoices)
    dues = records(connector.read("scadenze", None))
    assert len(dues) == 80
    assert set(dues[0].data) == {
        "anno",
        "numero",
        "data_scadenza",
        "importo",
        "pagato",
        "id",
        "data_ultima_modifica",
    }


def test_a_stream_without_cursor_is_a_complete_snapshot(erp: ErpDatabase) -> None:
    items = list(erp.connector().read("blocchi_credito", None))
    assert keys(items) == ["C0003", "C0008", "C0015"]
    final = items[-1]
    assert isinstance(final, Checkpoint) and final.snapshot_complete
    by_key = {r.key: r.data for r in records(items)}
    assert by_key["C0008"]["fido_residuo"] == "-1250.75"
    assert bool(by_key["C0015"]["bloccato"]) is False and bool(by_key["C0003"]["bloccato"])
    assert by_key["C0015"]["data_blocco"] is None


def test_the_billing_query_joins_each_customer_to_its_billing_address(erp: ErpDatabase) -> None:
    items = list(erp.connector().read("clienti_fatturazione", None))
    got = records(items)
    assert sorted(r.key for r in got) == [code(n) for n in range(1, 31)]
    billing = {a["codice_cliente"]: a for a in erp_data.addresses() if a["tipo_indirizzo"] == "FA"}
    for record in got:
        expected = billing[record.key]
        assert (record.data["indirizzo"], record.data["citta"], record.data["cap"]) == (
            expected["indirizzo"],
            expected["citta"],
            expected["cap"],
        )


def test_a_query_key_that_is_not_unique_is_reported_not_dropped(erp: ErpDatabase) -> None:
    erp.insert(
        "indirizzi",
        [
            {
                "codice_cliente": "C0002",
                "tipo_indirizzo": "FA",
                "indirizzo": "Via Seconda 2",
                "cap": "00100",
                "citta": "Roma",
                "provincia": "RM",
                "nazione": "IT",
                "data_ultima_modifica": BASE + timedelta(minutes=2, seconds=30),
            }
        ],
    )
    items = list(erp.connector(batch_size=7).read("clienti_fatturazione", None))
    problems = [i for i in items if isinstance(i, ReadProblem)]
    assert [p.key for p in problems] == ["C0002"]
    assert "not unique" in problems[0].reason
    assert problems[0].raw["indirizzo"] in {"Via Seconda 2", "Via Colombo 12"}
    assert sorted(keys(items)) == [code(n) for n in range(1, 31)]


def test_rows_whose_key_is_null_become_read_problems(erp: ErpDatabase) -> None:
    streams = {
        "bloccati": {
            "query": "SELECT b.codice_cliente AS cliente_bloccato, c.codice, "
            "c.data_ultima_modifica FROM anagrafica_clienti c "
            "LEFT JOIN blocchi_credito b ON b.codice_cliente = c.codice",
            "key": ["cliente_bloccato"],
            "cursor": "data_ultima_modifica",
        }
    }
    items = list(erp.connector(streams=streams).read("bloccati", None))
    problems = [i for i in items if isinstance(i, ReadProblem)]
    assert sorted(keys(items)) == ["C0003", "C0008", "C0015"]
    assert len(problems) == 27
    assert all("hold NULL" in p.reason for p in problems)
    assert sorted(p.raw["codice"] for p in problems)[:2] == ["C0001", "C0002"]


def test_a_broken_where_clause_is_a_config_error_naming_the_stream(erp: ErpDatabase) -> None:
    streams = {"x": {"table": "fatture", "key": ["anno", "numero"], "where": "totale <> <> 0"}}
    with pytest.raises(ConfigError, match="stream 'x'") as exc:
        list(erp.connector(streams=streams).read("x", None))
    assert exc.value.hint
