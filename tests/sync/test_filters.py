"""The target filter language: each condition, their combination, and agreement with the
canonical model it mirrors."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from canonical import ConsentChannel, ConsentPurpose, ConsentStatus, Party
from canonical.party import PartyKind
from crmhub.config import models
from crmhub.config.models import TargetFilter
from crmhub.sync.filters import compile_filter, consent_status
from crmhub.sync.golden import GoldenView

from .conftest import canonical


def golden(data: dict[str, Any], sources: tuple[str, ...] = ("erp",)) -> GoldenView:
    return GoldenView("g1", data.get("kind"), data, datetime.now(UTC), True, frozenset(sources))


def consent(channel: str, status: str, at: str, purpose: str = "marketing") -> dict[str, str]:
    return {"channel": channel, "purpose": purpose, "status": status, "captured_at": at}


MARIO = canonical(
    {
        "person": {"given_name": "Mario", "family_name": "Rossi"},
        "emails": ["mario@rossi.it"],
        "consents": [
            consent("email", "opt_in", "2024-01-01T10:00:00Z"),
            consent("any", "opt_out", "2024-06-01T10:00:00Z", "newsletter"),
            consent("sms", "opt_in", "2024-07-01T10:00:00Z", "newsletter"),
        ],
    }
)
ACME = canonical({"organization": {"legal_name": "Acme Srl"}})


def accepts(spec: dict[str, Any], record: GoldenView) -> bool:
    return compile_filter(TargetFilter.model_validate(spec))(record)


def test_no_condition_takes_everything():
    assert accepts({}, golden(MARIO)) and accepts({}, golden(ACME))


@pytest.mark.parametrize(
    ("spec", "mario", "acme"),
    [
        ({"kind": "person"}, True, False),
        ({"kind": "organization"}, False, True),
        ({"has_source": "erp"}, True, True),
        ({"has_source": ["shop", "crm"]}, False, False),
        ({"has": "emails"}, True, False),
        ({"has": ["organization.legal_name"]}, False, True),
        ({"consent": {"channel": "email", "purpose": "marketing"}}, True, False),
        (
            {"consent": {"channel": "email", "purpose": "newsletter", "status": "opt_out"}},
            True,
            False,
        ),
        ({"consent": {"channel": "sms", "purpose": "newsletter"}}, True, False),
        (
            {
                "kind": "person",
                "consent": [
                    {"channel": "email", "purpose": "marketing"},
                    {"channel": "post", "purpose": "marketing"},
                ],
            },
            False,
            False,
        ),
    ],
)
def test_each_condition(spec, mario, acme):
    assert accepts(spec, golden(MARIO)) is mario
    assert accepts(spec, golden(ACME)) is acme


def test_the_consent_decision_agrees_with_the_canonical_model():
    party = Party.model_validate(MARIO)
    for channel in ConsentChannel:
        for purpose in ConsentPurpose:
            expected = party.consent_status(channel, purpose)
            found = consent_status(MARIO["consents"], channel.value, purpose.value)
            assert found == (expected.value if expected else None), (channel, purpose)


@pytest.mark.parametrize(
    ("literal", "enum"),
    [
        (models.PartyKindName, PartyKind),
        (models.ConsentChannelName, ConsentChannel),
        (models.ConsentPurposeName, ConsentPurpose),
        (models.ConsentStatusName, ConsentStatus),
    ],
)
def test_the_filter_s_spelled_out_values_are_the_canonical_model_s(literal, enum):
    assert set(typing.get_args(literal)) == {member.value for member in enum}


def test_a_wrong_filter_is_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="'email', 'sms'"):
        TargetFilter.model_validate({"consent": {"channel": "fax", "purpose": "marketing"}})
    with pytest.raises(ValueError, match="Extra inputs"):
        TargetFilter.model_validate({"country": "IT"})
