"""The shape of the requests the connector sends, checked with ``responses`` (simple-salesforce
runs on requests): URLs and quoting, headers, bodies, SOQL, timeouts, and which failures are
retried. No server: ``responses`` answers at the transport adapter."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, cast

import pytest
import requests
import responses

from connectors.builtin.salesforce import SalesforceConnector
from connectors.sdk import AuthError, WriteOutcome

INSTANCE = "https://acme.my.salesforce.com"
DATA = f"{INSTANCE}/services/data/v62.0"
TOKEN = "00Dacme!token"
LIMIT_INFO = {"Sforce-Limit-Info": "api-usage=10/100000"}


@pytest.fixture
def sf_mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def connector(**overrides: Any) -> SalesforceConnector:
    config = {
        "instance_url": INSTANCE,
        "auth": {"method": "access_token", "access_token": TOKEN},
        "backoff_seconds": 0.001,
        "backoff_max_seconds": 0.002,
        "connect_timeout_seconds": 3.5,
        "read_timeout_seconds": 45,
        **overrides,
    }
    built = SalesforceConnector.from_dict(config)
    assert isinstance(built, SalesforceConnector)
    return built


def sent_json(call: Any) -> Any:
    return json.loads(call.request.body)


def test_a_single_upsert_quotes_the_external_id_with_nothing_safe(
    sf_mock: responses.RequestsMock,
) -> None:
    sf_mock.add(
        responses.PATCH,
        re.compile(rf"{DATA}/sobjects/Contact/Crmhub_Id__c/.+"),
        json={"id": "0035g00000000AAAAA", "success": True, "errors": [], "created": True},
        status=201,
        headers=LIMIT_INFO,
    )

    results = list(
        connector().write("Contact", [{"__key__": "acme/2024 #7?&", "LastName": "Neri"}])
    )

    assert (
        results[0].outcome is WriteOutcome.CREATED
        and results[0].external_id == "0035g00000000AAAAA"
    )
    (call,) = sf_mock.calls
    assert (
        call.request.path_url
        == "/services/data/v62.0/sobjects/Contact/Crmhub_Id__c/acme%2F2024%20%237%3F%26"
    )
    assert sent_json(call) == {"LastName": "Neri"}  # the external id is in the URL only
    headers = call.request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Sforce-Call-Options"] == "client=crmhub"
    assert "X-PrettyPrint" not in headers
    assert call.request.req_kwargs["timeout"] == (3.5, 45.0)  # type: ignore[attr-defined]


def test_an_external_id_with_a_dot_is_sent_in_a_collection_body(
    sf_mock: responses.RequestsMock,
) -> None:
    sf_mock.add(
        responses.PATCH,
        f"{DATA}/composite/sobjects/Contact/Crmhub_Id__c",
        json=[{"id": "0035g00000000BBBBB", "success": True, "errors": [], "created": False}],
        headers=LIMIT_INFO,
    )

    results = list(connector().write("Contact", [{"__key__": "mario.rossi", "LastName": "Rossi"}]))

    assert results[0].outcome is WriteOutcome.UPDATED
    assert sent_json(sf_mock.calls[0]) == {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Contact"}, "Crmhub_Id__c": "mario.rossi", "LastName": "Rossi"}
        ],
    }


def test_the_incremental_query_goes_to_query_all_with_the_keyset_predicate(
    sf_mock: responses.RequestsMock,
) -> None:
    sf_mock.add(
        responses.GET,
        f"{DATA}/queryAll/",
        json={"totalSize": 0, "done": True, "records": []},
        headers=LIMIT_INFO,
    )
    state = {"cursor": "2026-03-01T10:20:30+00:00", "key": "0035g00000000AAAAA"}

    items = list(
        connector(lookback_seconds=0, page_size=500, objects={"Lead": {"fields": ["Email"]}}).read(
            "Lead", state
        )
    )

    (call,) = sf_mock.calls
    url = call.request.url or ""
    assert url.startswith(f"{DATA}/queryAll/?q=")  # https kept: no rewriting
    query = requests.utils.unquote(url.split("q=", 1)[1]).replace("+", " ")
    assert query == (
        "SELECT Id, SystemModstamp, IsDeleted, LastModifiedById, Email, Crmhub_Id__c FROM Lead "
        "WHERE SystemModstamp >= 2026-03-01T10:20:30Z AND (SystemModstamp > 2026-03-01T10:20:30Z "
        "OR Id > '0035g00000000AAAAA') ORDER BY SystemModstamp, Id LIMIT 500"
    )
    assert items[-1].state == state  # type: ignore[union-attr]


def test_503_and_request_limit_403_are_retried_other_403s_are_not(
    sf_mock: responses.RequestsMock,
) -> None:
    url = f"{DATA}/limits/"
    throttled = [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    sf_mock.add(
        responses.GET,
        url,
        status=503,
        json=[{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}],
    )
    sf_mock.add(responses.GET, url, status=403, json=throttled)
    sf_mock.add(
        responses.GET,
        url,
        json={"DailyApiRequests": {"Max": 100, "Remaining": 90}},
        headers=LIMIT_INFO,
    )

    assert connector().check().ok
    assert [cast(requests.Response, c.response).status_code for c in sf_mock.calls] == [
        503,
        403,
        200,
    ]

    sf_mock.replace(
        responses.GET, url, status=403, json=[{"errorCode": "INSUFFICIENT_ACCESS", "message": "no"}]
    )
    result = connector().check()
    assert result.ok is False and "INSUFFICIENT_ACCESS" in result.message
    assert len(sf_mock.calls) == 4  # refused once, not retried


def test_a_lost_answer_to_a_job_creation_is_not_sent_again(sf_mock: responses.RequestsMock) -> None:
    sf_mock.add(responses.POST, f"{DATA}/jobs/ingest", body=requests.exceptions.ReadTimeout("slow"))
    records = [{"__key__": f"k{i}", "LastName": "L"} for i in range(3)]

    results = list(connector(bulk_threshold=2).write("Contact", records))

    assert len(sf_mock.calls) == 1
    assert all(r.outcome is WriteOutcome.FAILED and r.retryable for r in results)
    assert "not sent again" in (results[0].reason or "")


def test_a_lost_answer_to_a_query_is_asked_again(sf_mock: responses.RequestsMock) -> None:
    url = f"{DATA}/queryAll/"
    sf_mock.add(responses.GET, url, body=requests.exceptions.ConnectionError("reset"))
    sf_mock.add(responses.GET, url, json={"totalSize": 0, "done": True, "records": []})

    items = list(connector().read("Contact", None))

    assert len(sf_mock.calls) == 2 and items[-1].state == {}  # type: ignore[union-attr]


def test_a_refused_session_with_a_given_token_stops_the_write(
    sf_mock: responses.RequestsMock,
) -> None:
    sf_mock.add(
        responses.PATCH,
        f"{DATA}/composite/sobjects/Contact/Crmhub_Id__c",
        status=401,
        json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
    )
    records = [{"__key__": "a", "LastName": "A"}, {"__key__": "b", "LastName": "B"}]

    with pytest.raises(AuthError, match="INVALID_SESSION_ID"):
        list(connector().write("Contact", records))
    assert len(sf_mock.calls) == 1
