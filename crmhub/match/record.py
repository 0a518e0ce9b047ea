"""MatchRecord: the compact, flat, already-normalised view of one customer that matching reads.

Everything in ``crmhub.match`` works on MatchRecords, so any source (canonical parties, FEBRL
test data, a CSV) only needs one extraction function. Values are stored folded
(see :mod:`crmhub.match.text`); an empty string means missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from canonical.normalise.codice_fiscale import normalise_codice_fiscale
from crmhub.match import text

RecordKind = Literal["person", "organization"]
KINDS: tuple[RecordKind, ...] = ("person", "organization")


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One customer as matching sees it. Build it with :meth:`from_values` (which normalises)
    unless the values are already normalised."""

    id: str
    kind: RecordKind = "person"
    source: str = ""
    given_name: str = ""
    family_name: str = ""
    company_name: str = ""
    company_key: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    vat: str = ""
    national_id: str = ""
    birth_date: str = ""
    street: str = ""
    house_number: str = ""
    address_extra: str = ""
    postcode: str = ""
    city: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("MatchRecord.id is empty: every record needs a stable id")
        if self.kind not in KINDS:
            raise ValueError(f"MatchRecord {self.id!r}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def full_name(self) -> str:
        """Folded display name: company name for organisations, given + family for people."""
        if self.kind == "organization":
            return self.company_name
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @classmethod
    def from_values(
        cls,
        id: str,
        kind: RecordKind = "person",
        *,
        source: str = "",
        given_name: str | None = None,
        family_name: str | None = None,
        company_name: str | None = None,
        emails: Iterable[str | None] = (),
        phones: Iterable[str | None] = (),
        vat: str | None = None,
        national_id: str | None = None,
        birth_date: str | None = None,
        street: str | None = None,
        house_number: str | None = None,
        address_extra: str | None = None,
        postcode: str | None = None,
        city: str | None = None,
        region: str | None = None,
    ) -> MatchRecord:
        """Build a record from raw values, normalising each (``None`` and blanks are missing).

        Phones should already be E.164 (the canonical normalisers do that); here only their
        digits are kept. A person without a birth date takes the one a valid codice fiscale
        encodes (:func:`implied_birth_date`).
        """
        company = company_name or ""
        national_id_key = text.compact_id(national_id or "")
        birth_date_key = text.date_key(birth_date or "")
        if kind == "person" and not birth_date_key:
            birth_date_key = implied_birth_date(national_id_key)
        return cls(
            id=id,
            kind=kind,
            source=source,
            given_name=text.fold(given_name or ""),
            family_name=text.fold(family_name or ""),
            company_name=text.fold(company),
            company_key=text.company_key(company) if company else "",
            emails=_unique(emails, text.email_address),
            phones=_unique(phones, text.phone_digits),
            vat=text.vat_key(vat or ""),
            national_id=national_id_key,
            birth_date=birth_date_key,
            street=text.street_key(street or ""),
            house_number=text.fold(house_number or "").replace(" ", ""),
            address_extra=text.fold(address_extra or ""),
            postcode=text.fold(postcode or "").replace(" ", ""),
            city=text.fold(city or ""),
            region=text.fold(region or ""),
        )


#: Length of an Italian person's codice fiscale, which encodes the birth date.
_PERSONAL_CODICE_FISCALE_LENGTH = 16


def implied_birth_date(national_id: str) -> str:
    """The birth date (``YYYYMMDD``) a person's valid Italian codice fiscale encodes, else ``""``.

    A person known by the codice fiscale alone then still disagrees with a namesake whose birth
    date is another day (a veto), and agrees with the record that states the date.
    """
    if len(national_id) != _PERSONAL_CODICE_FISCALE_LENGTH:
        return ""
    born = normalise_codice_fiscale(national_id).birth_date
    return born.strftime("%Y%m%d") if born else ""


def _unique(values: Iterable[str | None], normalise: Callable[[str], str]) -> tuple[str, ...]:
    """The normalised non-blank values, non-empty ones only, in first-seen order, without
    repeats (a plain loop: there are one or two values, a generator costs more)."""
    out: list[str] = []
    for value in values:
        if value and value.strip():
            normal = normalise(value)
            if normal and normal not in out:
                out.append(normal)
    return tuple(out)
