"""write(): upserts by the hub's id into the ERP's import table, one result per record, in order."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connectors.sdk import SourceRecord, WriteOutcome, WriteResult

from . import erp_data
from .erp_database import ERP_STREAMS, ErpDatabase

LOGO = b"\x89PNG\r\n\x1a\n\x00\xff"
STREAMS = {
    **ERP_STREAMS,
    "crm_riletti": {"table": "clienti_crmhub", "key": ["crmhub_id"]},
}


def golden(number: int, **changes: Any) -> dict[str, Any]:
    """The record the hub would send for golden customer ``number``."""
    key = erp_data.code(number)
    record = {
        "__key__": f"G-{number:04d}",
        "codice_erp": key,
        "ragione_sociale": erp_data.AWKWARD_NAMES.get(key, f"Cliente {number} S.r.l."),
        "partita_iva": erp_data.partita_iva(number),
        "email": f"info@cliente{number:02d}.it",
        "fido": f"{number}500.50",
        "consenso_marketing": number % 2 == 0,
        "ultimo_contatto": f"2026-11-0{number % 9 + 1}T09:15:30.{number:06d}",
        "logo": base64.b64encode(LOGO).decode(),
    }
    record.update(changes)
    return record


def write(erp: ErpDatabase, records: list[dict[str, Any]], **config: Any) -> list[WriteResult]:
    return list(erp.connector(streams=STREAMS, **config).write("clienti_crm", records))


def outcomes(results: list[WriteResult]) -> list[tuple[str, WriteOutcome]]:
    return [(r.key, r.outcome) for r in results]


def stored(erp: ErpDatabase) -> dict[str, tuple[Any, ...]]:
    rows = erp.query(
        "SELECT crmhub_id, ragione_sociale, email, fido, ultimo_contatto, logo "
        "FROM clienti_crmhub ORDER BY crmhub_id"
    )
    return {row[0]: row[1:] for row in rows}


@pytest.fixture(params=["auto", "generic"])
def dialect(request: pytest.FixtureRequest) -> Iterator[str]:
    """The server's own upsert, and the portable UPDATE-or-INSERT every database can run."""
    yield request.param


def test_records_are_created_then_unchanged_then_updated(erp: ErpDatabase, dialect: str) -> None:
    first = [golden(1), golden(2), golden(3)]
    results = write(erp, first, dialect=dialect)
    assert outcomes(results) == [(r["__key__"], WriteOutcome.CREATED) for r in first]
    assert [r.external_id for r in results] == ["G-0001", "G-0002", "G-0003"]
    rows = stored(erp)
    assert rows["G-0001"][0] == erp_data.AWKWARD_NAMES["C0001"]
    assert rows["G-0002"][2] == Decimal("2500.50")
    assert rows["G-0003"][3].microsecond == 3  # fractions of a second survive the binding
    assert bytes(rows["G-0003"][4]) == LOGO

    assert outcomes(write(erp, first, dialect=dialect)) == [
        (r["__key__"], WriteOutcome.UNCHANGED) for r in first
    ]

    changed = [golden(1), golden(2, fido="2600"), {"__key__": "G-0003", "email": "nuova@x.it"}]
    assert outcomes(write(erp, changed, dialect=dialect)) == [
        ("G-0001", WriteOutcome.UNCHANGED),
        ("G-0002", WriteOutcome.UPDATED),
        ("G-0003", WriteOutcome.UPDATED),
    ]
    rows = stored(erp)
    assert rows["G-0002"][2] == Decimal("2600.00")
    assert rows["G-0003"][1] == "nuova@x.it"
    assert rows["G-0003"][0] == erp_data.AWKWARD_NAMES["C0003"]  # fields not sent are kept


def test_written_values_read_back_as_the_same_json(erp: ErpDatabase) -> None:
    records = [golden(n) for n in range(1, 7)]
    assert {r.outcome for r in write(erp, records)} == {WriteOutcome.CREATED}
    items = erp.connector(streams=STREAMS).read("crm_riletti", None)
    read_back = {r.key: r.data for r in items if isinstance(r, SourceRecord)}
    for record in records:
        data = read_back[record["__key__"]]
        for field in ("ragione_sociale", "email", "fido", "ultimo_contatto", "logo", "partita_iva"):
            assert data[field] == record[field], field
        assert bool(data["consenso_marketing"]) is record["consenso_marketing"]


def test_a_failing_record_fails_alone_with_the_database_message(
    erp: ErpDatabase, dialect: str
) -> None:
    too_long = golden(2, ragione_sociale="X" * 81, email="persona.privata@example.it")
    no_name = golden(4, ragione_sociale=None)
    batch = [golden(1), too_long, golden(3), no_name, golden(5)]
    results = write(erp, batch, dialect=dialect)
    assert outcomes(results) == [
        ("G-0001", WriteOutcome.CREATED),
        ("G-0002", WriteOutcome.FAILED),
        ("G-0003", WriteOutcome.CREATED),
        ("G-0004", WriteOutcome.FAILED),
        ("G-0005", WriteOutcome.CREATED),
    ]
    long_reason, null_reason = results[1].reason or "", results[3].reason or ""
    assert "SQLSTATE 22001" in long_reason and "clienti_crmhub" in long_reason
    assert ("ragione_sociale" if erp.kind == "mariadb" else "character varying(80)") in long_reason
    assert "ragione_sociale" in null_reason and "SQLSTATE 23" in null_reason
    assert "persona.privata" not in long_reason and "info@cliente04" not in null_reason
    assert not results[1].retryable
    assert sorted(stored(erp)) == ["G-0001", "G-0003", "G-0005"]


def test_records_the_table_cannot_take_fail_before_the_database(erp: ErpDatabase) -> None:
    batch: list[Any] = [
        golden(1, ragione_socale="typo"),
        {"ragione_sociale": "no key"},
        golden(3, crmhub_id="G-9999"),
        golden(4),
    ]
    results = write(erp, batch)
    assert [r.outcome for r in results] == [WriteOutcome.FAILED] * 3 + [WriteOutcome.CREATED]
    assert "did you mean 'ragione_sociale'" in (results[0].reason or "")
    assert "'__key__'" in (results[1].reason or "")
    assert "differs from '__key__'" in (results[2].reason or "")
    assert list(stored(erp)) == ["G-0004"]


def test_a_locked_row_fails_as_retryable_and_the_others_go_through(erp: ErpDatabase) -> None:
    write(erp, [golden(1), golden(2)])
    lock_wait = (
        {"INITSTMT": "SET SESSION innodb_lock_wait_timeout = 1"}
        if erp.kind == "mariadb"
        else {"ConnSettings": "SET lock_timeout = '300ms'"}
    )
    erp.connection.autocommit = False
    try:
        erp.execute("UPDATE clienti_crmhub SET email = 'bloccata@x.it' WHERE crmhub_id = 'G-0001'")
        results = write(erp, [golden(1, fido="1"), golden(2, fido="2")], options=lock_wait)
    finally:
        erp.connection.rollback()
        erp.connection.autocommit = True
    assert outcomes(results) == [("G-0001", WriteOutcome.FAILED), ("G-0002", WriteOutcome.UPDATED)]
    assert results[0].retryable, results[0].reason


def test_large_batches_are_written_in_chunks_in_input_order(erp: ErpDatabase) -> None:
    records = [golden(n % 30 + 1, __key__=f"B-{n:05d}") for n in range(1200)]
    results = write(erp, records, write_batch_size=500)
    assert [r.key for r in results] == [r["__key__"] for r in records]
    assert {r.outcome for r in results} == {WriteOutcome.CREATED}
    assert erp.query("SELECT COUNT(*) FROM clienti_crmhub") == [(1200,)]
