"""Load the generated CRM data set (generate_crm.py) as MatchRecords and ground truth."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import threading
from collections.abc import Iterator
from dataclasses import fields
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from canonical.normalise.dates import normalise_date
from crmhub.match import MatchRecord


@lru_cache(maxsize=1 << 16)
def _iso_date(raw: str) -> str:
    if not raw:
        return ""
    result = normalise_date(raw)
    return result.value.isoformat() if result.value else ""


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """The CSV rows as dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def to_record(row: dict[str, str]) -> MatchRecord:
    """One CSV row as a MatchRecord (birth dates through canonical's date normaliser)."""
    return MatchRecord.from_values(
        row["record_id"],
        row["kind"],
        source=row["source"],  # type: ignore[arg-type]
        given_name=row["given_name"],
        family_name=row["family_name"],
        company_name=row["company_name"],
        emails=(row["email"], row["email2"]),
        phones=(row["phone"], row["phone2"]),
        vat=row["vat"],
        national_id=row["codice_fiscale"],
        birth_date=_iso_date(row["birth_date"]),
        street=row["street"],
        house_number=row["house_number"],
        postcode=row["postcode"],
        city=row["city"],
    )


def read_records(path: Path, workers: int | None = None) -> Iterator[MatchRecord]:
    """The CSV's records in file order. The file is cut at line ends into one part per worker
    (default: one per CPU); a forked process builds each part but the first (the smallest),
    which this process builds, and sends its records back in batches. Falls back to one process for a
    file with quoted fields (a quoted field may hold a line break) and when other threads run
    (a fork would copy the locks they hold)."""
    data = path.read_bytes()
    n = workers or os.cpu_count() or 1
    if n < 2 or b'"' in data or threading.active_count() > 1:
        yield from (to_record(row) for row in read_rows(path))
        return
    header_end = data.index(b"\n") + 1
    header = data[:header_end].decode("utf-8").rstrip("\r\n").split(",")
    cuts = [header_end]
    for share in _shares(n)[:-1]:
        at = cuts[-1] + int((len(data) - header_end) * share)
        cuts.append(max(cuts[-1], _line_start(data, at)))
    parts = list(zip(cuts, cuts[1:] + [len(data)]))
    context = multiprocessing.get_context("fork")
    pipes = []
    for start, stop in parts[1:]:
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_send_part, args=(data, header, start, stop, send))
        worker.start()
        send.close()
        pipes.append((worker, receive))
    yield from _part_records(data, header, *parts[0])
    for worker, receive in pipes:
        while batch := receive.recv():
            yield from (MatchRecord(*values) for values in batch)
        worker.join()


#: This process's share of the file: it also receives the others' records (about a quarter
#: of the cost of building one) and fills the table, so it builds less than the workers.
OWN_SHARE = 0.25


def _shares(parts: int) -> list[float]:
    """Share of the file per part: :data:`OWN_SHARE` for this process, the rest evenly."""
    own = min(OWN_SHARE, 1 / parts)
    return [own] + [(1 - own) / (parts - 1)] * (parts - 1)


def _line_start(data: bytes, at: int) -> int:
    """Offset of the first line starting at or after ``at``."""
    found = data.find(b"\n", max(at - 1, 0))
    return len(data) if found < 0 else found + 1


def _part_records(data: bytes, header: list[str], start: int, stop: int) -> Iterator[MatchRecord]:
    text = io.StringIO(data[start:stop].decode("utf-8"), newline="")
    return (to_record(dict(zip(header, values))) for values in csv.reader(text))


def _send_part(data: bytes, header: list[str], start: int, stop: int, send: object) -> None:
    """Worker: build a part's records and send them as field tuples (cheaper to pickle than
    dataclasses), in batches, then an empty batch."""
    batch: list[tuple] = []
    for record in _part_records(data, header, start, stop):
        batch.append(_fields_of(record))
        if len(batch) == 20_000:
            send.send(batch)  # type: ignore[attr-defined]
            batch = []
    if batch:
        send.send(batch)  # type: ignore[attr-defined]
    send.send([])  # type: ignore[attr-defined]
    send.close()  # type: ignore[attr-defined]


#: A record's field values in constructor order.
_fields_of = attrgetter(*(f.name for f in fields(MatchRecord)))


def load(path: Path) -> tuple[list[MatchRecord], dict[str, str]]:
    """Records and record id -> true entity id."""
    records, truth = [], {}
    for row in read_rows(path):
        records.append(to_record(row))
        truth[row["record_id"]] = row["entity_id"]
    return records, truth
