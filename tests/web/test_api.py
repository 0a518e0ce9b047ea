"""The JSON API: token auth, roles, revocation, and the same actions as the pages."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crmhub.store.schema import api_tokens
from crmhub.web.roles import Role
from crmhub.web.tokens import create_token

from .conftest import Clock


def _token(app: FastAPI, user: str, clock: Clock, role: Role | None = None) -> str:
    return create_token(
        app.state.crmhub.engine, user_name=user, label="test", role=role, actor="test", now=clock()
    ).token


def _api(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def test_a_token_works_until_it_is_revoked(app: FastAPI, clock: Clock, seeded):
    created = create_token(
        app.state.crmhub.engine,
        user_name="sam",
        label="nightly",
        role=None,
        actor="ada",
        now=clock(),
    )
    client = _api(app, created.token)
    assert client.get("/api/v1/me").json() == {"name": "sam", "role": "steward"}
    queue = client.get("/api/v1/queue").json()
    assert queue["total"] == 4 and queue["items"][0]["left_name"] == "Mario Rossi"
    admin = _api(app, _token(app, "ada", clock))
    revoked = admin.post(f"/api/v1/tokens/{created.info.id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/me").status_code == 401


def test_tokens_are_kept_hashed_and_shown_once(app: FastAPI, clock: Clock):
    admin = _api(app, _token(app, "ada", clock))
    created = admin.post("/api/v1/users/vic/tokens", json={"label": "export"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("crmhub_") and len(token) > 40
    with app.state.crmhub.engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens.c.token_hash)).scalars().all()
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert _api(app, token).get("/api/v1/me").json() == {"name": "vic", "role": "viewer"}


def test_a_token_is_scoped_to_its_role_and_capped_by_its_users(app: FastAPI, clock: Clock, seeded):
    read_only = _api(app, _token(app, "ada", clock, role=Role.VIEWER))
    assert read_only.get("/api/v1/me").json() == {"name": "ada", "role": "viewer"}
    refused = read_only.post(
        f"/api/v1/pairs/{seeded.pairs['C001/S-77']}/decision", json={"decision": "same"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "ada is a viewer and cannot decide"
    assert read_only.get("/api/v1/users").status_code == 403
    # A steward's token loses the steward's rights when the steward becomes a viewer.
    steward_token = _token(app, "sam", clock)
    admin = _api(app, _token(app, "ada", clock))
    from crmhub.web.users import set_role

    set_role(app.state.crmhub.engine, "sam", Role.VIEWER, actor="ada", now=clock())
    assert _api(app, steward_token).get("/api/v1/me").json()["role"] == "viewer"
    assert admin.post("/api/v1/users/vic/tokens", json={"role": "admin"}).status_code == 400


def test_a_steward_token_cannot_manage_users(app: FastAPI, clock: Clock):
    steward = _api(app, _token(app, "sam", clock))
    assert steward.get("/api/v1/users").status_code == 403
    assert (
        steward.post(
            "/api/v1/users", json={"name": "eve", "password": "x" * 12, "role": "admin"}
        ).status_code
        == 403
    )
    assert steward.post("/api/v1/users/sam/tokens", json={"role": "steward"}).status_code == 403


def test_deciding_through_the_api_and_reading_it_back(app: FastAPI, clock: Clock, seeded):
    client = _api(app, _token(app, "sam", clock))
    pair_id = seeded.pairs["C002/S-78"]
    done = client.post(
        f"/api/v1/pairs/{pair_id}/decision", json={"decision": "different", "comment": "two firms"}
    )
    assert done.status_code == 200
    assert done.json()["decision"] == "different" and done.json()["previous"] is None
    pair = client.get(f"/api/v1/pairs/{pair_id}").json()
    assert pair["decisions"][0]["actor"] == "sam"
    assert pair["left"]["source_key"] == "C002"
    assert {f["label"] for f in pair["fields"]} >= {"legal name", "VAT id"}
    events = client.get("/api/v1/events", params={"kind": "steward.decided"}).json()
    assert [e["subject_id"] for e in events["events"]] == [str(pair_id)]
    assert client.get("/api/v1/queue").json()["total"] == 3
    bad = client.post(f"/api/v1/pairs/{pair_id}/decision", json={"decision": "perhaps"})
    assert bad.status_code == 422 and "decision" in bad.json()["error"]


def test_customer_search_and_merge_through_the_api(app: FastAPI, clock: Clock, seeded):
    client = _api(app, _token(app, "sam", clock))
    customer = client.get(f"/api/v1/customers/{seeded.golden_merged_away}").json()
    assert customer["id"] == seeded.golden_mario
    assert customer["requested_id"] == seeded.golden_merged_away
    by_path = {f["path"]: f for f in customer["fields"]}
    assert by_path["person.family_name"]["rule"] == "most_frequent"
    assert by_path["person.family_name"]["sources"] == [seeded.records["C001"]]
    hits = client.get("/api/v1/search", params={"q": "mario.rossi@example.it"}).json()
    assert {h["source_key"] for h in hits} == {"C001", "S-77"}
    merge = client.post(
        f"/api/v1/customers/{seeded.golden_mario}/merge",
        json={"other_golden_id": seeded.golden_company},
    )
    assert merge.status_code == 501 and "golden-record engine" in merge.json()["error"]
    assert client.get("/api/v1/customers/nope").status_code == 404
