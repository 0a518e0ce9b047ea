"""The customer page with lineage, search by each key, the audit log's filters, and the app
mounted under a path prefix."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crmhub.store.schema import source_records
from crmhub.web.audit import EventFilter, event_page
from crmhub.web.errors import InvalidInput
from crmhub.web.search import guess_keys, search

from .conftest import PASSWORD, ClientFor, csrf_of, page_csrf
from .seed import RECORDS, T0, canonical_of


def test_the_customer_page_shows_values_with_their_lineage(client_for: ClientFor, seeded):
    text = client_for("vic").get(f"/customers/{seeded.golden_mario}").text
    assert "<h1>Mario Rossi" in text
    row = re.search(
        r'<th scope="row">person.family_name</th><td>Rossi</td><td>(.*?)</td>', text, re.DOTALL
    )
    assert row and "most_frequent" in row.group(1) and "erp/customers/C001" in row.group(1)
    assert "(value taken from here)" in row.group(1)
    override = re.search(
        r"person.birth_date</th><td>1980-01-01</td><td>(.*?)</td>", text, re.DOTALL
    )
    assert override and "steward_override" in override.group(1)
    assert "actor: anna" in override.group(1) and "reason: ID card seen" in override.group(1)
    for section in ("Contact points", "Consents", "Orders"):
        assert f"<h2>{section}" in text
    assert "<h2>Identifiers" not in text  # an empty section is left out
    assert "RSSMRA80A01F205X" in text and "+39021234567" in text
    assert "email/newsletter: opt_in" in text
    assert "golden.override_set" in text  # its history


def test_a_merged_away_id_leads_to_its_survivor(client_for: ClientFor, seeded):
    response = client_for("vic").get(
        f"/customers/{seeded.golden_merged_away}", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/customers/{seeded.golden_mario}"
    missing = client_for("vic").get("/customers/nope")
    assert missing.status_code == 404 and "no customer with golden id" in html.unescape(
        missing.text
    )


def test_merge_and_unmerge_are_integration_points_answering_501(client_for: ClientFor, seeded):
    steward = client_for("sam")
    token = page_csrf(steward)
    response = steward.post(
        f"/customers/{seeded.golden_mario}/unmerge",
        data={"source_ids": str(seeded.records["C001"]), "csrf_token": token},
    )
    assert response.status_code == 501
    assert "unmerging a golden record needs the golden-record engine" in response.text
    assert (
        steward.post(
            f"/customers/{seeded.golden_mario}/merge",
            data={"other_golden_id": seeded.golden_company, "csrf_token": token},
        ).status_code
        == 501
    )


# (query as a steward types it, key, source keys it must find)
SEARCHES: list[tuple[str, str, set[str]]] = [
    ("rossi", "name", {"C001", "S-77", "C002", "S-78"}),
    ("MARIO.ROSSI@example.IT", "email", {"C001", "S-77"}),
    ("02 1234567", "phone", {"C001", "S-77"}),
    ("+39 02 765 4321", "phone", {"S-78"}),
    ("IT 007 431 101 57", "vat", {"C002", "S-78"}),
    ("rssmra80a01f205x", "cf", {"C001"}),
    ("S-77", "external_id", {"S-77"}),
    ("giulia.bianchi@example.com", "any", {"L-9"}),
    ("00743110157", "any", {"C002", "S-78"}),
    ("C003", "any", {"C003"}),
    ("verd", "any", {"L-10", "S-90"}),
    ("nobody@example.org", "email", set()),
]


def test_search_finds_by_each_key(store_engine, seeded):
    # One store for every case: a fresh one per case would cost a migration each.
    found = {
        (query, key): {
            h.source_key for h in search(store_engine, query, key=key, limit=50, timeout_ms=5000)
        }
        for query, key, _ in SEARCHES
    }
    assert found == {(query, key): expected for query, key, expected in SEARCHES}


def test_external_id_search_finds_a_stream_without_saved_state(store_engine, seeded):
    canonical, name = canonical_of(RECORDS[6][3], "legacy", "X-1")
    with store_engine.begin() as conn:
        conn.execute(
            sa.insert(source_records).values(
                connection="legacy",
                stream="people",
                source_key="X-1",
                raw={},
                raw_hash="f" * 32,
                canonical=canonical,
                content_hash="f" * 32,
                party_kind="person",
                display_name=name,
                deleted=False,
                created_at=T0,
                updated_at=T0,
            )
        )
    hits = search(store_engine, "X-1", key="external_id", limit=50, timeout_ms=5000)
    assert [(h.connection, h.source_key) for h in hits] == [("legacy", "X-1")]
    # and a key known in a stream with state is found by the index probe alone
    assert [
        h.source_key
        for h in search(store_engine, "C001", key="external_id", limit=50, timeout_ms=5000)
    ] == ["C001"]


def test_search_tells_which_key_it_used_and_links_the_customer(client_for: ClientFor, seeded):
    text = client_for("vic").get("/search", params={"q": "RSSMRA80A01F205X"}).text
    assert "codice fiscale" in text
    assert f'href="/customers/{seeded.golden_mario}"' in text


def test_search_refuses_a_value_that_cannot_be_of_the_key(store_engine, seeded, client_for):
    with pytest.raises(InvalidInput, match="'abc' is not a valid e-mail"):
        search(store_engine, "abc", key="email", limit=50, timeout_ms=5000)
    with pytest.raises(InvalidInput, match="unknown search key"):
        search(store_engine, "abc", key="shoe_size", limit=50, timeout_ms=5000)
    page = client_for("vic").get("/search", params={"q": "abc", "key": "phone"})
    assert page.status_code == 200 and "is not a valid phone" in html.unescape(page.text)


def test_guessing_the_key_of_a_query():
    assert guess_keys("a@b.it") == ["email", "external_id"]
    assert guess_keys("RSSMRA80A01F205X") == ["cf", "external_id"]
    assert "vat" in guess_keys("IT00743110157")
    assert "phone" in guess_keys("+39 02 1234567")
    assert guess_keys("Rossi") == ["external_id", "name"]


def test_audit_filters_by_kind_actor_subject_and_dates(store_engine, seeded):
    def kinds(**wanted):
        return [e.kind for e in event_page(store_engine, EventFilter(**wanted), limit=50).events]

    assert kinds() == ["golden.created", "golden.override_set", "golden.created"]
    assert kinds(kind="golden.override_set") == ["golden.override_set"]
    assert kinds(kind="golden.*") == kinds()
    assert kinds(kind="golden") == []  # exact unless it ends in *
    assert kinds(actor="anna") == ["golden.override_set"]
    assert kinds(subject_type="golden", subject_id=seeded.golden_company) == ["golden.created"]
    assert kinds(since=datetime(2026, 11, 3, tzinfo=UTC)) == [
        "golden.created",
        "golden.override_set",
    ]
    assert kinds(until=datetime(2026, 11, 3, tzinfo=UTC)) == ["golden.created"]


def test_audit_pages_go_back_in_time_by_keyset(store_engine, seeded):
    first = event_page(store_engine, EventFilter(), limit=2)
    assert len(first.events) == 2 and first.older == first.events[-1].id
    second = event_page(store_engine, EventFilter(), limit=2, before=first.older)
    assert len(second.events) == 1 and second.older is None
    assert {e.id for e in first.events}.isdisjoint(e.id for e in second.events)


def test_the_audit_page_shows_a_decision_just_taken(client_for: ClientFor, seeded):
    steward = client_for("sam")
    steward.post(
        f"/pairs/{seeded.pairs['C002/S-78']}/decision",
        data={"decision": "different", "comment": "two firms", "csrf_token": page_csrf(steward)},
    )
    text = (
        client_for("vic")
        .get(
            "/audit",
            params={"kind": "steward.decided", "since": "2026-11-09", "until": "2026-11-09"},
        )
        .text
    )
    assert "<code>steward.decided</code>" in text and "different: two firms" in text
    assert "golden.created" not in text
    assert "two firms" not in client_for("vic").get("/audit", params={"until": "2026-11-08"}).text
    bad = client_for("vic").get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since &#39;yesterday&#39; is not a date" in bad.text


@pytest.mark.parametrize("store_backend", ["sqlite"], indirect=True)
def test_the_app_works_mounted_under_a_path_prefix(app: FastAPI, seeded):
    parent = FastAPI()
    parent.mount("/tools/crmhub", app)
    client = TestClient(parent)
    asked = client.get("/tools/crmhub/queue", follow_redirects=False)
    assert asked.headers["location"] == "/tools/crmhub/login?next=%2Ftools%2Fcrmhub%2Fqueue"
    page = client.get(asked.headers["location"])
    assert 'action="/tools/crmhub/login"' in page.text
    assert 'href="/tools/crmhub/static/app.css"' in page.text
    assert "Path=/tools/crmhub/" in page.headers["set-cookie"]
    logged_in = client.post(
        "/tools/crmhub/login",
        data={
            "name": "vic",
            "password": PASSWORD,
            "next": "/tools/crmhub/queue",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert logged_in.headers["location"] == "/tools/crmhub/queue"
    queue = client.get("/tools/crmhub/queue").text
    assert f'data-href="/tools/crmhub/pairs/{seeded.pairs["C001/S-77"]}?pos=0"' in queue
    assert client.get("/tools/crmhub/static/app.js").status_code == 200
    assert client.get("/tools/crmhub/api/v1/me").status_code == 401
