"""From a canonical Party to a MatchRecord.

Only values the canonical normalisers accepted are used (``valid``): an invalid codice fiscale
or VAT id must not veto a merge, and an invalid e-mail must not create one.
"""

from __future__ import annotations

from pydantic import ValidationError

from canonical.contact import ContactPoint, PostalAddress
from canonical.identifiers import Identifier
from canonical.party import Party
from crmhub.errors import CrmhubError
from crmhub.match.record import MatchRecord


class MatchRecordInvalid(CrmhubError):
    """A stored canonical record that no longer validates as a Party."""


def match_record(source_id: int, canonical: dict[str, object]) -> MatchRecord:
    """The MatchRecord of a stored source record (id = the source record id as a string)."""
    try:
        party = Party.model_validate(canonical)
    except ValidationError as error:
        raise MatchRecordInvalid(
            f"source record {source_id}: stored canonical data is not a valid Party: "
            f"{error.errors()[0].get('loc')}: {error.errors()[0].get('msg')}",
            hint="re-sync its connection with `crmhub sync CONNECTION --full`",
        ) from None
    return record_from_party(party, record_id=str(source_id))


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
    rid = record_id or record_id_of(party)
    source = party.provenance.system if party.provenance else ""
    address = _main_address(party.addresses)
    values: dict[str, object] = {
        "source": source,
        "emails": [_value(e) for e in party.emails],
        "phones": [_value(p) for p in party.phones],
        "street": address.street if address else None,
        "house_number": address.house_number if address else None,
        "postcode": address.postcode if address else None,
        "city": address.city if address else None,
        "region": (address.province or address.region) if address else None,
    }
    if party.person is not None:
        person = party.person
        values.update(
            given_name=" ".join(n for n in (person.given_name, person.middle_names) if n),
            family_name=person.family_name,
            birth_date=person.birth_date.isoformat() if person.birth_date else None,
            national_id=_identifier(person.codice_fiscale),
        )
    if party.organization is not None:
        org = party.organization
        values.update(
            company_name=org.legal_name or org.trade_name,
            vat=_identifier(org.vat_id),
            national_id=_identifier(org.tax_code),
        )
        if org.pec is not None:
            values["emails"] = [*values["emails"], _value(org.pec)]  # type: ignore[misc]
    return MatchRecord.from_values(rid, party.kind.value, **values)  # type: ignore[arg-type]


def _value(point: ContactPoint) -> str | None:
    return point.value if point.valid and point.value else None


def _identifier(identifier: Identifier | None) -> str | None:
    return identifier.value if identifier is not None and identifier.valid else None


def _main_address(addresses: list[PostalAddress]) -> PostalAddress | None:
    usable = [a for a in addresses if a.valid]
    primary = [a for a in usable if a.primary]
    return (primary or usable or [None])[0]
