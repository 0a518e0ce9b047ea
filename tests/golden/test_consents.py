"""The consent policy: a withdrawal wins over an older opt-in; only a newer explicit
consent lifts it; one decision kept per channel and purpose."""

from __future__ import annotations

from typing import Any

from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.survivorship import survive

from .conftest import view


def consent(
    status: str,
    at: str,
    *,
    channel: str = "email",
    purpose: str = "marketing",
    basis: str | None = None,
) -> dict[str, Any]:
    event = {"channel": channel, "purpose": purpose, "status": status, "captured_at": at}
    if basis:
        event["legal_basis"] = basis
    return event


def kept(*records: tuple[str, list[dict[str, Any]]]) -> list[tuple[str, str, str, str]]:
    """(channel, purpose, status, captured_at) of each kept event, for sources given in order."""
    views = [
        view(i + 1, system, {"person": {"given_name": "Mario"}, "consents": events}, "2024-01-01")
        for i, (system, events) in enumerate(records)
    ]
    golden = survive(views, SurvivorshipPolicy())
    assert golden is not None
    return [
        (c["channel"], c["purpose"], c["status"], c["captured_at"])
        for c in golden.data.get("consents", [])
    ]


def test_a_withdrawal_wins_over_an_older_opt_in_from_another_system():
    assert kept(
        ("salesforce", [consent("opt_in", "2024-06-10T09:00:00Z")]),
        ("shop", [consent("opt_out", "2024-09-01T18:30:00Z")]),
    ) == [("email", "marketing", "opt_out", "2024-09-01T18:30:00Z")]


def test_a_newer_explicit_opt_in_is_a_re_consent():
    assert kept(
        ("shop", [consent("opt_out", "2024-09-01T18:30:00Z")]),
        ("mailchimp", [consent("opt_in", "2024-11-02T08:00:00Z")]),
    ) == [("email", "marketing", "opt_in", "2024-11-02T08:00:00Z")]


def test_an_opt_in_on_legitimate_interest_never_lifts_a_withdrawal():
    assert kept(
        ("shop", [consent("opt_out", "2024-09-01T18:30:00Z")]),
        ("erp", [consent("opt_in", "2024-12-01T08:00:00Z", basis="legitimate_interest")]),
    ) == [("email", "marketing", "opt_out", "2024-09-01T18:30:00Z")]


def test_at_the_same_instant_the_withdrawal_wins():
    assert kept(
        ("salesforce", [consent("opt_in", "2024-09-01T18:30:00Z")]),
        ("shop", [consent("opt_out", "2024-09-01T18:30:00Z")]),
    ) == [("email", "marketing", "opt_out", "2024-09-01T18:30:00Z")]


def test_pending_counts_only_without_any_decision():
    assert kept(
        ("shop", [consent("pending", "2024-10-01T00:00:00Z")]),
        ("salesforce", [consent("opt_in", "2024-06-10T09:00:00Z")]),
    ) == [("email", "marketing", "opt_in", "2024-06-10T09:00:00Z")]
    assert kept(("shop", [consent("pending", "2024-10-01T00:00:00Z")])) == [
        ("email", "marketing", "pending", "2024-10-01T00:00:00Z")
    ]


def test_each_channel_and_purpose_keeps_its_own_latest_decision():
    assert kept(
        (
            "salesforce",
            [
                consent("opt_in", "2024-06-10T09:00:00Z"),
                consent("opt_in", "2024-06-10T09:00:00Z", channel="sms"),
            ],
        ),
        (
            "shop",
            [
                consent("opt_out", "2024-09-01T18:30:00Z"),
                consent("opt_in", "2024-09-01T18:30:00Z", purpose="newsletter"),
            ],
        ),
    ) == [
        ("email", "marketing", "opt_out", "2024-09-01T18:30:00Z"),
        ("email", "newsletter", "opt_in", "2024-09-01T18:30:00Z"),
        ("sms", "marketing", "opt_in", "2024-06-10T09:00:00Z"),
    ]


def test_the_same_event_in_two_systems_is_one_event_naming_both():
    same = consent("opt_out", "2024-09-01T18:30:00Z")
    views = [
        view(1, "shop", {"person": {"given_name": "Mario"}, "consents": [same]}, "2024-01-01"),
        view(2, "mailchimp", {"person": {"given_name": "Mario"}, "consents": [same]}, "2024-01-01"),
    ]
    golden = survive(views, SurvivorshipPolicy())

    assert golden is not None
    assert len(golden.data["consents"]) == 1
    assert golden.lineage["consents[0]"]["rule"] == "consent_policy"
    assert golden.lineage["consents[0]"]["sources"] == [1, 2]
