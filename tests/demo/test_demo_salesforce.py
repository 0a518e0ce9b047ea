"""The demo's Salesforce: the fake org kept in a JSON file between commands, edits made in
the file seen as changes, and the foreground server saving every write."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from connectors.testing.fake_salesforce import INTEGRATION_USER_ID, OTHER_USER_ID, FakeSalesforce
from connectors.testing.fake_salesforce.org import Org
from crmhub.demo.salesforce import (
    CLIENT_ID,
    CLIENT_SECRET,
    ORG_FILE,
    free_port,
    load_org,
    save_org,
    seeded_org,
    serve,
)
from crmhub.errors import UsageError

START = datetime(2026, 11, 1, 10, tzinfo=UTC)
CONTACTS = [
    {"FirstName": "Anna", "LastName": "Neri", "Email": "anna@neri.it"},
    {"FirstName": "Ugo", "LastName": "Sala", "Phone": None},
]


def test_the_org_comes_back_from_its_file_as_it_was(tmp_path):
    org, contact_ids, account_ids = seeded_org(CONTACTS, [{"Name": "Sala S.r.l."}], START)
    org.upsert("Contact", "Crmhub_Id__c", "g-1", {"LastName": "Hub"}, INTEGRATION_USER_ID)
    save_org(org.to_state(), tmp_path / ORG_FILE)

    loaded, edited = load_org(tmp_path / ORG_FILE)
    assert edited == 0
    assert loaded.to_state() == org.to_state()
    assert loaded.matches("Contact", "Crmhub_Id__c", "g-1") == org.matches(
        "Contact", "Crmhub_Id__c", "g-1"
    )
    assert "Phone" not in {k for k, v in loaded.records["Contact"][contact_ids[1]].items() if v}
    new_id = loaded.insert("Contact", {"LastName": "Nuovo"}, OTHER_USER_ID)
    assert new_id not in contact_ids + account_ids  # Ids go on from where they were


def test_a_record_edited_in_the_file_is_stamped_as_changed_by_a_salesforce_user(tmp_path):
    org, contact_ids, _ = seeded_org(CONTACTS, [], START)
    path = tmp_path / ORG_FILE
    save_org(org.to_state(), path)
    state = json.loads(path.read_text("utf-8"))
    state["records"]["Contact"][0]["Phone"] = "+39 02 123456"
    path.write_text(json.dumps(state), "utf-8")

    now = datetime(2026, 11, 22, 15, 30, 12, 500, tzinfo=UTC)
    loaded, edited = load_org(path, now)
    assert edited == 1
    changed, untouched = (loaded.records["Contact"][i] for i in contact_ids)
    assert changed["Phone"] == "+39 02 123456"
    assert changed["SystemModstamp"] == now.replace(microsecond=0)
    assert changed["LastModifiedById"] == OTHER_USER_ID
    assert untouched["SystemModstamp"] < now


def test_a_broken_file_is_refused_with_its_line(tmp_path):
    (tmp_path / ORG_FILE).write_text('{"now": "x",\n  "records": [}\n', "utf-8")
    with pytest.raises(UsageError, match=r"line 2: not valid JSON") as caught:
        load_org(tmp_path / ORG_FILE)
    assert "--force" in (caught.value.hint or "")
    with pytest.raises(UsageError, match="does not exist"):
        load_org(tmp_path / "missing.json")


def test_in_real_time_the_org_stamps_api_writes_with_the_current_second():
    org = Org()
    with FakeSalesforce(org=org, real_time=True) as fake:
        before = datetime.now(UTC).replace(microsecond=0)
        answer = httpx.patch(
            f"{fake.url}/services/data/v62.0/sobjects/Contact/Crmhub_Id__c/g-9",
            json={"LastName": "Ora"},
            headers={"Authorization": f"Bearer {fake.token}"},
        )
        assert answer.status_code == 201
        (record,) = fake.find("Contact", "Crmhub_Id__c", "g-9")
    assert record["SystemModstamp"] >= before.strftime("%Y-%m-%dT%H:%M:%S")


def _token(url: str) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return httpx.post(f"{url}/services/oauth2/token", data=form).json()["access_token"]


def _wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_foreground_server_saves_every_write_and_refuses_a_taken_port(tmp_path):
    org, _, _ = seeded_org(CONTACTS, [], START)
    path = tmp_path / ORG_FILE
    save_org(org.to_state(), path)
    port, stop = free_port(), threading.Event()
    server = threading.Thread(
        target=serve, args=(tmp_path, port), kwargs={"stop": stop, "poll_seconds": 0.05}
    )
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _reachable(url))
        with pytest.raises(UsageError, match=f"127.0.0.1:{port}"):
            serve(tmp_path, port, stop=threading.Event())
        answer = httpx.patch(
            f"{url}/services/data/v62.0/sobjects/Contact/Crmhub_Id__c/g-1",
            json={"LastName": "Salvato"},
            headers={"Authorization": f"Bearer {_token(url)}"},
        )
        assert answer.status_code == 201
        _wait_for(lambda: "Salvato" in path.read_text("utf-8"))
    finally:
        stop.set()
        server.join(timeout=10)
    loaded, edited = load_org(path)
    assert edited == 0 and loaded.matches("Contact", "Crmhub_Id__c", "g-1")


def _reachable(url: str) -> bool:
    try:
        httpx.get(url, timeout=0.5)
    except httpx.TransportError:
        return False
    return True
