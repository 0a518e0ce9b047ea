"""A Party: one customer (person or organization) as one source system sees it."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any, Self, TypeVar

from pydantic import Field, ValidationInfo, model_validator

from canonical.activity import Interaction, OrderSummary, Relationship
from canonical.base import CanonicalModel
from canonical.consent import ConsentChannel, ConsentEvent, ConsentPurpose, ConsentStatus
from canonical.contact import (
    ADDRESS_COMPONENTS,
    ContactPoint,
    EmailAddress,
    PhoneNumber,
    PostalAddress,
    WebHandle,
)
from canonical.content_hash import content_hash_of
from canonical.credit import CreditAssessment
from canonical.fields import Text
from canonical.identifiers import Identifier
from canonical.organization import Organization
from canonical.person import Person
from canonical.provenance import Provenance, ValueIssue


class PartyKind(StrEnum):
    """Whether a party is a person or an organization."""

    PERSON = "person"
    ORGANIZATION = "organization"


class PartyStatus(StrEnum):
    """The party's standing in the source system."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    PROSPECT = "prospect"
    LEAD = "lead"
    BLOCKED = "blocked"
    DELETED = "deleted"


# Contact lists whose empty entries are dropped, and the keys that give an entry content.
_CONTACT_LISTS: dict[str, tuple[str, ...]] = {
    "emails": ("raw", "value"),
    "phones": ("raw", "value"),
    "web": ("raw", "value"),
    "identifiers": ("raw", "value"),
    "addresses": (*ADDRESS_COMPONENTS, "raw", "lines"),  # any one will do: the usual first
}


def _has_content(entry: Any, content_keys: tuple[str, ...]) -> bool:
    if entry.__class__ is str:
        return bool(entry) and not entry.isspace()
    if entry.__class__ is dict:
        for key in content_keys:
            value = entry.get(key)
            if value is None:
                continue
            if value.__class__ is str:
                if value and not value.isspace():
                    return True
            elif value != []:
                return True
        return False
    return entry is not None


def _without_empty(entries: list[Any], content_keys: tuple[str, ...]) -> list[Any] | None:
    """``entries`` without those that have no content, or ``None`` when all have some."""
    for entry in entries:
        if not _has_content(entry, content_keys):
            return [e for e in entries if _has_content(e, content_keys)]
    return None


class Party(CanonicalModel):
    """One customer as one source system sees it: a person or an organization.

    ``kind`` may be left out when exactly one of ``person`` / ``organization`` is given.
    ``display_name`` is derived when not given: the person's full name, else the
    organization's trade or legal name, else the primary e-mail or phone, else the
    source's external id. Empty entries in the contact lists (blank strings, dicts
    without content) are dropped: they carry no value to keep.
    """

    kind: PartyKind
    display_name: Text = ""
    status: PartyStatus = PartyStatus.ACTIVE
    person: Person | None = None
    organization: Organization | None = None
    emails: list[EmailAddress] = Field(default_factory=list)
    phones: list[PhoneNumber] = Field(default_factory=list)
    addresses: list[PostalAddress] = Field(default_factory=list)
    web: list[WebHandle] = Field(default_factory=list)
    identifiers: list[Identifier] = Field(default_factory=list)
    consents: list[ConsentEvent] = Field(default_factory=list)
    credit: list[CreditAssessment] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    orders: list[OrderSummary] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    provenance: Provenance | None = None
    issues: list[ValueIssue] = Field(default_factory=list)

    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        prepared = None  # a copy of ``data``, made at the first change (the input is the caller's)
        for name, content_keys in _CONTACT_LISTS.items():
            entries = data.get(name)
            if (
                entries.__class__ is list
                and (kept := _without_empty(entries, content_keys)) is not None
            ):
                prepared = dict(data) if prepared is None else prepared
                prepared[name] = kept
        if "kind" not in data:
            prepared = dict(data) if prepared is None else prepared
            prepared["kind"] = _infer_kind(data)
        return data if prepared is None else prepared

    @model_validator(mode="after")
    def _check_kind_and_name(self) -> Self:
        _check_kind(self)
        if not self.display_name:
            self.display_name = self._derived_display_name()
        return self

    def _derived_display_name(self) -> str:
        """The first of: full name, trade or legal name, primary e-mail, primary phone,
        external id."""
        name = self.person.full_name if self.person else None
        if not name and self.organization:
            name = self.organization.trade_name or self.organization.legal_name
        if not name and (email := self.primary_email):
            name = email.value
        if not name and (phone := self.primary_phone):
            name = phone.value
        if not name and self.provenance:
            name = self.provenance.external_id
        if not name:
            raise ValueError(
                "display_name is missing and cannot be derived: the party has no name, no valid "
                "e-mail or phone and no provenance (map display_name or a name field)"
            )
        return name

    @property
    def primary_email(self) -> EmailAddress | None:
        """The e-mail marked primary, else the first valid one."""
        return _primary(self.emails)

    @property
    def primary_phone(self) -> PhoneNumber | None:
        """The phone marked primary, else the first valid one."""
        return _primary(self.phones)

    def consent_status(
        self, channel: ConsentChannel, purpose: ConsentPurpose
    ) -> ConsentStatus | None:
        """The latest recorded decision for ``channel`` and ``purpose`` (an ``ANY`` channel
        event counts for every channel), or ``None`` if there is none."""
        events = [
            e
            for e in self.consents
            if e.purpose == purpose and e.channel in (channel, ConsentChannel.ANY)
        ]
        return max(events, key=lambda e: e.captured_at).status if events else None

    def all_issues(self) -> Iterator[ValueIssue]:
        """Every value that failed validation: the recorded ``issues`` plus each invalid
        contact point and identifier, with its path ("phones[0]", "organization.vat_id")."""
        yield from self.issues
        for path, item in self._checked_values():
            if not item.valid:
                yield ValueIssue(field=path, raw=item.raw, reason=item.invalid_reason or "invalid")

    def _checked_values(self) -> Iterator[tuple[str, ContactPoint | Identifier]]:
        for name in ("emails", "phones", "addresses", "web", "identifiers"):
            for i, item in enumerate(getattr(self, name)):
                yield f"{name}[{i}]", item
        if self.person and self.person.codice_fiscale:
            yield "person.codice_fiscale", self.person.codice_fiscale
        if self.organization:
            for name in ("vat_id", "tax_code", "pec"):
                item = getattr(self.organization, name)
                if item is not None:
                    yield f"organization.{name}", item

    def content_hash(self) -> str:
        """Stable hash of what the source says about the party, for change detection.

        Blake2b (16 bytes, hex) of the sorted-key JSON of the party without
        ``provenance`` (where and when it was read is not content) and without fields
        at their default value (so adding an optional field to the model does not
        change the hash of records that do not use it). Use :meth:`canonical_dump` when
        the dump is wanted too: it serialises once.
        """
        return content_hash_of(self._stored_dump())

    def canonical_dump(self) -> tuple[dict[str, Any], str]:
        """What the store keeps of the party, and its :meth:`content_hash`, from one dump.

        Returns:
            (the dump: ``model_dump(mode="json", exclude_none=True, exclude_defaults=True)``,
            the content hash of the same content without ``provenance``).
        """
        dump = self._stored_dump()
        return dump, content_hash_of(dump)

    def _stored_dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=True)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON schema of a party (pydantic's)."""
        return cls.model_json_schema()


# Which sub-record each kind of party carries.
_SUBRECORD_OF_KIND: dict[PartyKind, str] = {
    PartyKind.PERSON: "person",
    PartyKind.ORGANIZATION: "organization",
}


def _infer_kind(data: dict[str, Any]) -> PartyKind:
    present = [kind for kind, field in _SUBRECORD_OF_KIND.items() if data.get(field) is not None]
    if len(present) == 1:
        return present[0]
    raise ValueError(
        "kind is missing and cannot be inferred: give kind ('person' or 'organization') "
        "or exactly one of person / organization"
    )


def _check_kind(party: Party) -> None:
    """A person party has ``person`` and no ``organization``; an organization the reverse."""
    own = _SUBRECORD_OF_KIND[party.kind]
    if getattr(party, own) is None:
        raise ValueError(
            f"kind is '{party.kind.value}' but `{own}` is missing (give at least `{own}: {{}}`)"
        )
    for other in _SUBRECORD_OF_KIND.values():
        if other != own and getattr(party, other) is not None:
            raise ValueError(
                f"kind is '{party.kind.value}' but `{other}` is given too; "
                "a party is one or the other"
            )


_Contact = TypeVar("_Contact", EmailAddress, PhoneNumber)


def _primary(items: list[_Contact]) -> _Contact | None:
    return next((i for i in items if i.primary), None) or next((i for i in items if i.valid), None)
