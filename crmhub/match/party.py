"""From a canonical Party to a MatchRecord.

Only values the canonical normalisers accepted are used (``valid``): an invalid codice fiscale
or VAT id must not veto a merge, and an invalid e-mail must not create one.

The rules live in one place, :func:`record_from_dump`, which reads a party's JSON dump
(``Party.model_dump(mode="json")``, with or without defaults) as a plain dict. The store holds
exactly that dump, validated when it was written, so the match job reads it directly:
validating it again as a Party costs several times more than everything else in loading.
:func:`record_from_party` dumps the party and goes through the same function.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from canonical.party import Party
from crmhub.errors import CrmhubError
from crmhub.match.record import KINDS, MatchRecord


class MatchRecordInvalid(CrmhubError):
    """A stored canonical record that no longer validates as a Party."""


class NotAPartyDump(ValueError):
    """A dict that is not in the shape of a Party's JSON dump."""


# What record_from_party dumps: the fields record_from_dump reads.
_DUMPED_FIELDS: set[str] = {
    "kind",
    "person",
    "organization",
    "emails",
    "phones",
    "addresses",
    "provenance",
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The sub-record a party of each kind carries, and the one it must not carry.
_OWN_AND_OTHER = {
    "person": ("person", "organization"),
    "organization": ("organization", "person"),
}


def match_record(source_id: int, canonical: dict[str, Any]) -> MatchRecord:
    """The MatchRecord of a stored source record (id = the source record id as a string).

    Stored JSON not in the dump shape is validated as a Party: the record is then built from
    the validated party, or :class:`MatchRecordInvalid` says why it is not one.
    """
    record_id = str(source_id)
    try:
        return record_from_dump(canonical, record_id)
    except (NotAPartyDump, AttributeError, TypeError, KeyError):
        pass
    try:
        party = Party.model_validate(canonical)
    except ValidationError as error:
        raise MatchRecordInvalid(
            f"source record {source_id}: stored canonical data is not a valid Party: "
            f"{error.errors()[0].get('loc')}: {error.errors()[0].get('msg')}",
            hint="re-sync its connection with `crmhub sync CONNECTION --full`",
        ) from None
    return record_from_party(party, record_id=record_id)


def record_id_of(party: Party) -> str:
    """The default match id of a party: ``system:stream:external_id`` from its provenance."""
    if party.provenance is None:
        raise ValueError(
            f"party {party.display_name!r} has no provenance; pass record_id= explicitly"
        )
    p = party.provenance
    return ":".join(part for part in (p.system, p.stream or "", p.external_id) if part)


def record_from_party(party: Party, record_id: str | None = None) -> MatchRecord:
    """The MatchRecord of a canonical party (``record_id`` defaults to its provenance)."""
    dump = party.model_dump(mode="json", include=_DUMPED_FIELDS)
    return record_from_dump(dump, record_id or record_id_of(party))


def record_from_dump(dump: dict[str, Any], record_id: str) -> MatchRecord:
    """The MatchRecord of a party's JSON dump.

    Raises:
        NotAPartyDump: ``kind`` and the sub-records disagree, or a birth date is not ISO.
        AttributeError, TypeError, KeyError: a value of the wrong type, a required key missing.
    """
    kind = dump["kind"]
    if kind not in _OWN_AND_OTHER:
        raise NotAPartyDump(f"kind {kind!r} is not one of {KINDS}")
    own, other = _OWN_AND_OTHER[kind]
    if dump.get(own) is None or dump.get(other) is not None:
        raise NotAPartyDump(f"a {kind} party needs `{own}` and no `{other}`")
    provenance = dump.get("provenance")
    address = _main_address(dump.get("addresses") or ())
    emails = [_value(e) for e in dump.get("emails") or ()]
    phones = [_value(p) for p in dump.get("phones") or ()]
    get = address.get
    common: dict[str, Any] = {
        "source": provenance["system"] if provenance is not None else "",
        "phones": phones,
        "street": get("street"),
        "house_number": get("house_number"),
        "postcode": get("postcode"),
        "city": get("city"),
        "region": get("province") or get("region"),
    }
    if kind == "person":
        person = dump["person"]
        birth_date = person.get("birth_date")
        if birth_date is not None and not _ISO_DATE.fullmatch(birth_date):
            raise NotAPartyDump(f"birth_date {birth_date!r} is not YYYY-MM-DD")
        given, middle = person.get("given_name"), person.get("middle_names")
        return MatchRecord.from_values(
            record_id,
            kind,
            emails=emails,
            given_name=f"{given} {middle}" if given and middle else given or middle,
            family_name=person.get("family_name"),
            birth_date=birth_date,
            national_id=_value(person.get("codice_fiscale")),
            **common,
        )
    org = dump["organization"]
    pec = org.get("pec")
    return MatchRecord.from_values(
        record_id,
        kind,
        emails=emails if pec is None else [*emails, _value(pec)],
        company_name=org.get("legal_name") or org.get("trade_name"),
        vat=_value(org.get("vat_id")),
        national_id=_value(org.get("tax_code")),
        **common,
    )


def _value(checked: dict[str, Any] | None) -> str | None:
    """A contact point's or identifier's value when it is valid (``valid`` is left out of a
    dump when true)."""
    if checked is None or not checked.get("valid", True):
        return None
    return checked.get("value")


_NO_ADDRESS: dict[str, Any] = {}


def _main_address(addresses: Any) -> dict[str, Any]:
    """The first valid address marked primary, else the first valid one, else no address."""
    first = None
    for address in addresses:
        if address.get("valid", True):
            if address.get("primary"):
                return address
            if first is None:
                first = address
    return _NO_ADDRESS if first is None else first
