"""Load the generated CRM data set (generate_crm.py) as MatchRecords and ground truth."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import lru_cache
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


def load(path: Path) -> tuple[list[MatchRecord], dict[str, str]]:
    """Records and record id -> true entity id."""
    records, truth = [], {}
    for row in read_rows(path):
        records.append(to_record(row))
        truth[row["record_id"]] = row["entity_id"]
    return records, truth
