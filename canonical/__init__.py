"""The canonical customer model every source maps into, and its normalisers.

A source record becomes a :class:`Party` (a person or an organization) with contact
points, identifiers, consents, credit assessments, interactions, orders and
relationships. Raw values are normalised on validation; values that fail keep their
raw text with ``valid=False`` and a reason. The normalisers themselves live in
:mod:`canonical.normalise`.

    party = Party.from_source(mapped_record, default_country="IT")
    party.content_hash()
"""

from canonical.activity import (
    Direction,
    Interaction,
    InteractionKind,
    OrderSummary,
    Relationship,
    RelationshipKind,
)
from canonical.base import COUNTRY_CONTEXT_KEY, DEFAULT_COUNTRY, CanonicalModel
from canonical.consent import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    LegalBasis,
)
from canonical.contact import (
    ContactPoint,
    EmailAddress,
    PhoneNumber,
    PostalAddress,
    Purpose,
    WebHandle,
)
from canonical.credit import CreditAssessment, CreditBand, band_for_score
from canonical.errors import FieldProblem, describe, explain, field_path
from canonical.identifiers import Identifier
from canonical.money import Money
from canonical.normalise.gender import Gender
from canonical.normalise.identifier import IdScheme, Verification
from canonical.normalise.phone import PhoneKind
from canonical.normalise.web import WebPlatform
from canonical.organization import CompanySize, LegalForm, Organization
from canonical.party import Party, PartyKind, PartyStatus
from canonical.person import Person
from canonical.provenance import Provenance, ValueIssue
from canonical.salvage import salvage_party

__all__ = [
    "COUNTRY_CONTEXT_KEY",
    "DEFAULT_COUNTRY",
    "CanonicalModel",
    "CompanySize",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentPurpose",
    "ConsentStatus",
    "ContactPoint",
    "CreditAssessment",
    "CreditBand",
    "Direction",
    "EmailAddress",
    "FieldProblem",
    "Gender",
    "IdScheme",
    "Identifier",
    "Interaction",
    "InteractionKind",
    "LegalBasis",
    "LegalForm",
    "Money",
    "OrderSummary",
    "Organization",
    "Party",
    "PartyKind",
    "PartyStatus",
    "Person",
    "PhoneKind",
    "PhoneNumber",
    "PostalAddress",
    "Provenance",
    "Purpose",
    "Relationship",
    "RelationshipKind",
    "ValueIssue",
    "Verification",
    "WebHandle",
    "WebPlatform",
    "band_for_score",
    "describe",
    "explain",
    "field_path",
    "salvage_party",
]
