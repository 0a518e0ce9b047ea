"""The fake Salesforce itself, spoken to over HTTP with plain requests: it must behave as the
vendor documents, since the connector's tests, the sync tests and the demo rely on it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.testing.fake_salesforce import ApiError, FakeSalesforce, parse_soql
from connectors.testing.fake_salesforce.schema import case_safe_id

V = "/services/data/v62.0"


class Client:
    """Plain HTTP calls to the fake with its integration user's session."""

    def __init__(self, fake: FakeSalesforce) -> None:
        self.fake = fake
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {fake.token}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.fake.url + path, timeout=10, **kwargs)

    def query(self, soql: str, kind: str = "query", **kwargs: Any) -> requests.Response:
        return self.call("GET", f"{V}/{kind}/", params={"q": soql}, **kwargs)


@pytest.fixture
def client(fake: FakeSalesforce) -> Iterator[Client]:
    client = Client(fake)
    yield client
    client.http.close()


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert isinstance(body, list) and body, body
    return str(body[0]["errorCode"])


def test_ids_carry_the_case_safe_checksum() -> None:
    assert case_safe_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's own example


def test_a_bad_session_is_answered_401_invalid_session_id(fake: FakeSalesforce) -> None:
    response = requests.get(
        f"{fake.url}{V}/limits/", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_every_answer_counts_against_the_daily_limit_until_it_throttles(
    fake: FakeSalesforce, client: Client
) -> None:
    fake.daily_limit = 3
    seen = [client.call("GET", f"{V}/limits/") for _ in range(4)]
    assert [r.headers["Sforce-Limit-Info"] for r in seen[:3]] == [
        f"api-usage={n}/3" for n in (1, 2, 3)
    ]
    assert seen[3].status_code == 403 and error_code(seen[3]) == "REQUEST_LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT COUNT() FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE LastName LIKE 'R%'", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact ORDER BY SystemModstamp DESC", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE SystemModstamp >= '2026-01-01T00:00:00Z'", "INVALID_QUERY_FILTER_OPERATOR"),
        ("SELECT Id, Shoe_Size__c FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity", "INVALID_TYPE"),
        ("SELECT Id FROM Contact LIMIT", "MALFORMED_QUERY"),
        ("DELETE FROM Contact", "MALFORMED_QUERY"),
    ],
)  # fmt: skip
def test_soql_outside_the_supported_subset_is_refused(client: Client, soql: str, code: str) -> None:
    response = client.query(soql)
    assert response.status_code == 400 and error_code(response) == code
    with pytest.raises(ApiError):
        parse_soql(soql)


def test_queries_page_by_2000_and_query_all_adds_deleted_records(
    fake: FakeSalesforce, client: Client
) -> None:
    ids = fake.seed("Contact", 4500, same_second=True)
    fake.delete("Contact", ids[:10])
    soql = "SELECT Id, IsDeleted FROM Contact ORDER BY SystemModstamp, Id"

    first = client.query(soql, "queryAll").json()
    assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 2000)
    second = client.call("GET", first["nextRecordsUrl"]).json()
    third = client.call("GET", second["nextRecordsUrl"]).json()
    assert (len(second["records"]), len(third["records"]), third["done"]) == (2000, 500, True)
    assert "nextRecordsUrl" not in third
    live = client.query(soql, headers={"Sforce-Query-Options": "batchSize=100"}).json()
    assert live["totalSize"] == 4490 and len(live["records"]) == 200  # batchSize floors at 200
    assert first["records"][0] == {
        "attributes": {"type": "Contact", "url": f"{V}/sobjects/Contact/{ids[10]}"},
        "Id": ids[10],
        "IsDeleted": False,
    }
    # deleting stamps a new SystemModstamp: the deleted records come last
    assert [r["Id"] for r in third["records"] if r["IsDeleted"]] == ids[:10]
    assert [r["IsDeleted"] for r in third["records"][-10:]] == [True] * 10


def test_keyset_filters_order_and_limit_as_salesforce_does(
    fake: FakeSalesforce, client: Client
) -> None:
    early = fake.seed("Lead", 2)
    tied = fake.seed("Lead", 5, same_second=True)
    stamp = fake.records("Lead")[2]["SystemModstamp"][:19] + "Z"
    soql = (
        f"select Id from Lead where SystemModstamp >= {stamp} and (SystemModstamp > {stamp} "
        f"or Id > '{tied[1]}') order by SystemModstamp asc, Id limit 2"
    )
    records = client.query(soql).json()["records"]
    assert [r["Id"] for r in records] == tied[2:4]
    assert early[0] < tied[0]


def test_single_upsert_answers_201_204_300_and_refuses_the_id_in_the_body(
    fake: FakeSalesforce, client: Client
) -> None:
    path = f"{V}/sobjects/Contact/Crmhub_Id__c/a%2Fb"
    created = client.call("PATCH", path, json={"LastName": "A"})
    updated = client.call("PATCH", path, json={"LastName": "B"})
    in_body = client.call("PATCH", path, json={"LastName": "C", "Crmhub_Id__c": "a/b"})
    assert (created.status_code, updated.status_code, in_body.status_code) == (201, 204, 400)
    assert created.json()["created"] is True and error_code(in_body) == "INVALID_FIELD"
    assert fake.find("Contact", "Crmhub_Id__c", "a/b")[0]["LastName"] == "B"

    twins = fake.seed("Contact", 2, make=lambda i: {"LastName": "T", "Legacy_Id__c": "L"})
    several = client.call("PATCH", f"{V}/sobjects/Contact/Legacy_Id__c/L", json={"LastName": "X"})
    assert several.status_code == 300
    assert several.json() == [f"{V}/sobjects/Contact/{i}" for i in twins]


def test_collection_upsert_answers_in_order_and_all_or_none_rolls_back(
    fake: FakeSalesforce, client: Client
) -> None:
    path = f"{V}/composite/sobjects/Contact/Crmhub_Id__c"

    def record(key: str, **fields: Any) -> dict[str, Any]:
        return {"attributes": {"type": "Contact"}, "Crmhub_Id__c": key, **fields}

    mixed = [record("x", LastName="X"), record("y"), record("z", LastName="Z")]
    answer = client.call("PATCH", path, json={"allOrNone": False, "records": mixed}).json()
    assert [a["success"] for a in answer] == [True, False, True]
    assert answer[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"

    before = fake.records("Contact")
    rolled = client.call(
        "PATCH", path, json={"allOrNone": True, "records": [record("w", LastName="W"), record("v")]}
    )
    codes = [a["errors"][0]["statusCode"] for a in rolled.json()]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING"]
    assert fake.records("Contact") == before

    too_many = [record(f"k{i}", LastName="L") for i in range(201)]
    assert client.call("PATCH", path, json={"records": too_many}).status_code == 400
    duplicated = client.call(
        "PATCH", path, json={"records": [record("d", LastName="1"), record("d", LastName="2")]}
    )
    assert {a["errors"][0]["statusCode"] for a in duplicated.json()} == {"DUPLICATE_VALUE"}


def test_a_bulk_ingest_job_runs_its_life_cycle_and_answers_results_out_of_order(
    fake: FakeSalesforce, client: Client
) -> None:
    job = client.call(
        "POST",
        f"{V}/jobs/ingest",
        json={"object": "Contact", "operation": "upsert", "externalIdFieldName": "Crmhub_Id__c"},
    ).json()
    rows = "".join(f"k{i},Name {i}\n" if i % 50 else f"k{i},\n" for i in range(300))
    upload = client.call(
        "PUT",
        f"{V}/jobs/ingest/{job['id']}/batches",
        data=f"Crmhub_Id__c,LastName\n{rows}",
        headers={"Content-Type": "text/csv"},
    )
    closed = client.call("PATCH", f"{V}/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    states = [client.call("GET", f"{V}/jobs/ingest/{job['id']}").json()["state"] for _ in range(3)]

    assert (job["state"], upload.status_code, closed.json()["state"]) == (
        "Open",
        201,
        "UploadComplete",
    )
    assert states == ["InProgress", "JobComplete", "JobComplete"]

    def results(kind: str) -> list[dict[str, str]]:
        text = client.call("GET", f"{V}/jobs/ingest/{job['id']}/{kind}/").text
        return list(csv.DictReader(io.StringIO(text)))

    succeeded, failed = results("successfulResults"), results("failedResults")
    assert len(succeeded) == 294 and len(failed) == 6 and results("unprocessedrecords") == []
    order = [int(r["Crmhub_Id__c"][1:]) for r in succeeded]
    assert order != sorted(order)
    assert {r["sf__Created"] for r in succeeded} == {"true"}
    assert failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    assert len(fake.records("Contact")) == 294


def test_logins_issue_sessions_for_the_integration_user(fake: FakeSalesforce) -> None:
    sessions = fake.sessions
    token = requests.post(
        f"{fake.url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(sessions.client_id, sessions.client_secret),
        timeout=10,
    )
    refused = requests.post(
        f"{fake.url}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        timeout=10,
    )
    assert token.json()["instance_url"] == fake.url and refused.json()["error"] == "invalid_client"
    limits = requests.get(
        f"{fake.url}{V}/limits/",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        timeout=10,
    )
    assert limits.status_code == 200 and sessions.logins == 1
