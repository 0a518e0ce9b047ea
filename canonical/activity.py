"""What happened between a party and the company: interactions, orders, relationships."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, model_validator

from canonical.base import CanonicalModel
from canonical.fields import Text, UtcDateTime
from canonical.money import Money


class InteractionKind(StrEnum):
    """What kind of contact an interaction was."""

    EMAIL = "email"
    CALL = "call"
    MEETING = "meeting"
    TICKET = "ticket"
    LEAD_FORM = "lead_form"
    ORDER = "order"
    NOTE = "note"


class Direction(StrEnum):
    """Who started an interaction."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Interaction(CanonicalModel):
    """One contact with the party: an e-mail, a call, a lead form, ...

    Attributes:
        channel: where it happened ("facebook_lead_ads", "imap", "phone").
        external_id: the source's id of the interaction (message id, leadgen id, ...).
    """

    kind: InteractionKind
    occurred_at: UtcDateTime
    subject: Text | None = None
    summary: str | None = None
    direction: Direction | None = None
    channel: str | None = None
    external_id: str | None = None


class OrderSummary(CanonicalModel):
    """An order as a summary: enough to know the customer buys, how much and when.

    ``status`` is the source's own word, lower-cased ("paid", "fulfilled", "cancelled").
    """

    external_id: str
    ordered_at: UtcDateTime
    status: Annotated[str, AfterValidator(str.lower)] | None = None
    total: Money | None = None

    @property
    def currency(self) -> str | None:
        """The order's currency (that of its total)."""
        return self.total.currency if self.total else None


class RelationshipKind(StrEnum):
    """How this party relates to another."""

    WORKS_FOR = "works_for"
    CONTACT_OF = "contact_of"
    PARENT_OF = "parent_of"
    SUBSIDIARY_OF = "subsidiary_of"
    OWNER_OF = "owner_of"
    SPOUSE_OF = "spouse_of"
    FAMILY_OF = "family_of"
    REFERRED_BY = "referred_by"
    OTHER = "other"


class Relationship(CanonicalModel):
    """A link from this party to another party.

    The other party is named by its key in the same source system (``other_key``) or,
    once known, by its golden record id (``other_golden_id``); at least one is needed.

    Attributes:
        role: the part played ("legal representative", "buyer").
        title: a job title ("CFO").
    """

    kind: RelationshipKind
    other_key: str | None = None
    other_golden_id: str | None = None
    role: Text | None = None
    title: Text | None = None

    @model_validator(mode="after")
    def _names_the_other_party(self) -> Self:
        if not (self.other_key or self.other_golden_id):
            raise ValueError("a relationship needs other_key or other_golden_id (the other party)")
        return self
