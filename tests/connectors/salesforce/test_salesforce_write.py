"""Writes against the fake org: single and collection upserts, several matches, Bulk 2.0 jobs
with shuffled, failed and unprocessed results, throttling storms, and tagged writes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from connectors.builtin.salesforce.record_errors import MULTIPLE_MATCHES
from connectors.sdk import WriteOutcome, WriteResult
from connectors.testing.fake_salesforce import INTEGRATION_USER_ID, FakeSalesforce

from .conftest import ConnectorFactory


def contacts(n: int, prefix: str = "hub", **fields: Any) -> list[dict[str, Any]]:
    return [{"__key__": f"{prefix}-{i:05d}", "LastName": f"Verdi {i}", **fields} for i in range(n)]


def by_hub_id(fake: FakeSalesforce, sobject: str = "Contact") -> dict[str, dict[str, Any]]:
    rows = fake.records(sobject)
    counted = Counter(r["Crmhub_Id__c"] for r in rows)
    assert all(n == 1 for n in counted.values()), "a hub id was written twice"
    return {r["Crmhub_Id__c"]: r for r in rows}


def outcomes(results: list[WriteResult]) -> Counter[WriteOutcome]:
    return Counter(r.outcome for r in results)


# -- REST paths ----------------------------------------------------------------------------------


def test_collection_upsert_creates_then_updates_with_one_result_per_record_in_order(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    connector = make_connector()
    records = contacts(450)

    created = list(connector.write("Contact", records))
    updated = list(connector.write("Contact", [{**r, "Phone": "+39 06 1"} for r in records]))

    assert [r.key for r in created] == [r["__key__"] for r in records] == [r.key for r in updated]
    assert outcomes(created) == {WriteOutcome.CREATED: 450}
    assert outcomes(updated) == {WriteOutcome.UPDATED: 450}
    stored = by_hub_id(fake)
    assert all(stored[r.key]["Id"] == r.external_id for r in created + updated)
    assert all(row["Phone"] == "+39 06 1" for row in stored.values())
    composite = fake.server.requests_to("PATCH", r".*/composite/sobjects/Contact/Crmhub_Id__c")
    assert len(composite) == 6  # 200 + 200 + 50, twice


def test_one_record_goes_through_the_single_upsert_with_its_id_quoted_in_the_path(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    connector = make_connector()
    record = {"__key__": "acme/2024 #7?", "LastName": "Neri"}

    first = list(connector.write("Contact", [record]))
    second = list(connector.write("Contact", [{**record, "FirstName": "Anna"}]))

    assert (first[0].outcome, second[0].outcome) == (WriteOutcome.CREATED, WriteOutcome.UPDATED)
    (request, _) = fake.server.requests_to("PATCH", r".*/sobjects/Contact/Crmhub_Id__c/.+")
    assert request.path.endswith("/Crmhub_Id__c/acme%2F2024%20%237%3F")
    assert "Crmhub_Id__c" not in (request.body or b"").decode()
    assert fake.find("Contact", "Crmhub_Id__c", "acme/2024 #7?")[0]["FirstName"] == "Anna"


def test_an_id_with_a_dot_travels_in_a_body_not_in_a_path(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    results = list(make_connector().write("Contact", [{"__key__": "..", "LastName": "Dot"}]))

    assert results[0].outcome is WriteOutcome.CREATED
    assert not fake.server.requests_to("PATCH", r".*/v62.0/sobjects/Contact/.*")
    assert len(fake.server.requests_to("PATCH", r".*/composite/sobjects/Contact/.*")) == 1
    assert fake.find("Contact", "Crmhub_Id__c", "..")[0]["LastName"] == "Dot"


def test_an_external_id_matching_several_records_fails_for_a_steward_on_every_path(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    twins = fake.seed("Contact", 2, make=lambda i: {"LastName": f"Twin {i}", "Legacy_Id__c": "L-1"})
    connector = make_connector(
        external_id_field="Legacy_Id__c", bulk_threshold=2, objects={"Contact": {}}
    )

    single = list(connector.write("Contact", [{"__key__": "L-1", "LastName": "X"}]))
    pair = [{"__key__": "L-1", "LastName": "X"}, {"__key__": "L-2", "LastName": "Y"}]
    collection = list(connector.write("Contact", pair))
    bulk = list(connector.write("Contact", [*pair, {"__key__": "L-3", "LastName": "Z"}]))

    for result in (single[0], collection[0], bulk[0]):
        assert result.outcome is WriteOutcome.FAILED and result.key == "L-1"
        assert result.reason is not None and result.reason.startswith(MULTIPLE_MATCHES)
        assert result.retryable is False
        assert all(twin in result.reason for twin in twins)
    assert (
        fake.server.requests_to("PATCH", r".*/sobjects/Contact/Legacy_Id__c/L-1")[0].status == 300
    )
    assert collection[1].outcome is WriteOutcome.CREATED and bulk[1].outcome is WriteOutcome.UPDATED
    assert {r["LastName"] for r in fake.records("Contact")} >= {"Twin 0", "Twin 1"}


def test_records_salesforce_refuses_fail_alone_with_reason_and_retryability(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.reject_when("Contact", lambda r: r.get("MailingCountry") == "XX", "no such country")
    records = [
        {"__key__": "ok-1", "LastName": "Ok"},
        {"__key__": "no-name", "FirstName": "Only"},
        {"__key__": "bad-country", "LastName": "B", "MailingCountry": "XX"},
        {"FirstName": "no key at all"},
        {"__key__": "clash", "LastName": "C", "Crmhub_Id__c": "other"},
        {"__key__": "ok-2", "LastName": "Ok", "Id": "003ignored", "__hash__": "engine field"},
    ]

    results = list(make_connector().write("Contact", records))

    assert [r.outcome for r in results] == [
        WriteOutcome.CREATED, WriteOutcome.FAILED, WriteOutcome.FAILED,
        WriteOutcome.FAILED, WriteOutcome.FAILED, WriteOutcome.CREATED,
    ]  # fmt: skip
    reasons = [r.reason or "" for r in results]
    assert "REQUIRED_FIELD_MISSING" in reasons[1] and "LastName" in reasons[1]
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in reasons[2] and "no such country" in reasons[2]
    assert "__key__" in reasons[3]
    assert "Crmhub_Id__c='other'" in reasons[4]
    assert not any(r.retryable for r in results)
    assert set(by_hub_id(fake)) == {"ok-1", "ok-2"}


def test_writes_are_tagged_and_stamped_with_the_integration_user(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    connector = make_connector(bulk_threshold=3)
    list(connector.write("Lead", [{"__key__": "one", "LastName": "L", "Company": "C"}]))
    list(
        connector.write(
            "Lead", [{"__key__": f"l{i}", "LastName": "L", "Company": "C"} for i in range(3)]
        )
    )
    list(
        connector.write(
            "Lead", [{"__key__": f"b{i}", "LastName": "L", "Company": "C"} for i in range(4)]
        )
    )

    kinds = {(w.method, w.path.split("/")[4]) for w in fake.writes}
    assert kinds == {
        ("PATCH", "sobjects"),
        ("PATCH", "composite"),
        ("POST", "jobs"),
        ("PUT", "jobs"),
        ("PATCH", "jobs"),
    }
    assert {w.client for w in fake.writes} == {"crmhub"}
    assert {w.user for w in fake.writes} == {INTEGRATION_USER_ID}
    assert {r["LastModifiedById"] for r in fake.records("Lead")} == {INTEGRATION_USER_ID}


# -- Bulk 2.0 ----------------------------------------------------------------------------------


def test_bulk_path_maps_shuffled_results_back_to_their_records(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.reject_when(
        "Contact", lambda r: str(r.get("LastName", "")).startswith("Reject"), "refused"
    )
    existing = fake.seed(
        "Contact", 1, make=lambda i: {"LastName": "Old", "Crmhub_Id__c": "hub-00010"}
    )
    records = contacts(5000)
    failing = {7, 1234, 4999}
    for n in failing:
        records[n]["LastName"] = f"Reject {n}"
    records[42]["MailingStreet"] = 'Via Roma 1\nScala B, "interno" 3'

    results = list(make_connector().write("Contact", records))

    assert [r.key for r in results] == [r["__key__"] for r in records]
    assert {n for n, r in enumerate(results) if r.outcome is WriteOutcome.FAILED} == failing
    assert all("FIELD_CUSTOM_VALIDATION_EXCEPTION" in (results[n].reason or "") for n in failing)
    assert results[10].outcome is WriteOutcome.UPDATED and results[10].external_id == existing[0]
    assert outcomes(results)[WriteOutcome.CREATED] == 5000 - len(failing) - 1
    stored = by_hub_id(fake)
    for result in results:
        if result.outcome is not WriteOutcome.FAILED:
            assert stored[result.key]["Id"] == result.external_id  # mapped to the right record
    assert stored["hub-00042"]["MailingStreet"] == 'Via Roma 1\nScala B, "interno" 3'
    (job,) = fake.jobs.values()
    returned = [row["Crmhub_Id__c"] for row in job.successful]
    assert returned != sorted(returned)  # the fake really answered out of order
    assert not fake.server.requests_to("PATCH", r".*/composite/.*")


def test_rows_a_bulk_job_did_not_process_fail_retryable_and_succeed_when_retried(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.bulk_process_limit = 2500
    connector = make_connector()
    records = contacts(3000)

    results = list(connector.write("Contact", records))

    failed = [r for r in results if r.outcome is WriteOutcome.FAILED]
    assert len(failed) == 500 and all(r.retryable for r in failed)
    assert all("not processed" in (r.reason or "") and "Failed" in (r.reason or "") for r in failed)
    assert len(by_hub_id(fake)) == 2500
    fake.bulk_process_limit = None
    retry = {r.key for r in failed}
    again = list(connector.write("Contact", [r for r in records if r["__key__"] in retry]))
    assert outcomes(again) == {WriteOutcome.CREATED: 500}
    assert len(by_hub_id(fake)) == 3000


def test_a_bulk_job_refusing_its_columns_fails_every_record_for_good(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    records = contacts(5, Shoe_Size__c="42")
    results = list(make_connector(bulk_threshold=2).write("Contact", records))

    assert outcomes(results) == {WriteOutcome.FAILED: 5}
    assert all("Shoe_Size__c" in (r.reason or "") and not r.retryable for r in results)
    assert fake.records("Contact") == []


def test_a_throttling_storm_during_a_bulk_write_writes_every_record_exactly_once(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    jobs = r".*/jobs/ingest.*"
    storm = [
        fake.throttle_next(3, method="POST", path=jobs),
        fake.unavailable_next(2, method="PUT", path=jobs),
        fake.throttle_next(2, method="PATCH", path=jobs),
        fake.unavailable_next(3, method="GET", path=jobs),
        fake.throttle_next(4, method="GET", path=jobs),
    ]
    records = contacts(5000)

    results = list(make_connector().write("Contact", records))

    assert outcomes(results) == {WriteOutcome.CREATED: 5000}
    assert [fault.fired for fault in storm] == [3, 2, 2, 3, 4]
    assert len(fake.jobs) == 1  # the create call was retried, never duplicated
    stored = by_hub_id(fake)
    assert set(stored) == {r["__key__"] for r in records}
    assert all(stored[r.key]["Id"] == r.external_id for r in results)


def test_a_storm_outlasting_the_wait_bound_fails_the_batch_retryable_not_the_run(
    fake: FakeSalesforce, make_connector: ConnectorFactory
) -> None:
    fake.throttle_next(10_000, path=r".*/composite/.*")
    connector = make_connector(max_wait_seconds=0.3, backoff_seconds=0.02, backoff_max_seconds=0.05)

    results = list(connector.write("Contact", contacts(3)))

    assert outcomes(results) == {WriteOutcome.FAILED: 3}
    assert all(r.retryable and "REQUEST_LIMIT_EXCEEDED" in (r.reason or "") for r in results)
    assert fake.records("Contact") == []


@pytest.mark.parametrize("threshold", [0, 2000])
def test_nothing_to_write_makes_no_call(
    fake: FakeSalesforce, make_connector: ConnectorFactory, threshold: int
) -> None:
    assert list(make_connector(bulk_threshold=threshold).write("Contact", [])) == []
    assert fake.writes == []
