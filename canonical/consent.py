"""Consent as events: who agreed (or objected) to what, through which channel, when, on what basis.

A party's current consent for a channel and purpose is its latest event for them
(see ``Party.consent_status``); keeping the events keeps the evidence.
"""

from __future__ import annotations

from enum import StrEnum

from canonical.base import CanonicalModel
from canonical.fields import Text, UtcDateTime


class ConsentChannel(StrEnum):
    """How the party may be contacted."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    WHATSAPP = "whatsapp"
    PUSH = "push"
    ANY = "any"


class ConsentPurpose(StrEnum):
    """What the party's data may be used for."""

    MARKETING = "marketing"
    NEWSLETTER = "newsletter"
    PROFILING = "profiling"
    THIRD_PARTY = "third_party"
    SERVICE = "service"
    RESEARCH = "research"


class ConsentStatus(StrEnum):
    """The party's answer."""

    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"
    PENDING = "pending"


class LegalBasis(StrEnum):
    """GDPR article 6 lawful basis for processing."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGITIMATE_INTEREST = "legitimate_interest"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_TASK = "public_task"


class ConsentEvent(CanonicalModel):
    """One recorded consent decision.

    Attributes:
        source: the system that captured it (e.g. "mailchimp").
        evidence: free text or URL proving it (form id, double opt-in confirmation, ...).
    """

    channel: ConsentChannel
    purpose: ConsentPurpose
    status: ConsentStatus
    legal_basis: LegalBasis = LegalBasis.CONSENT
    captured_at: UtcDateTime
    source: str | None = None
    evidence: Text | None = None
