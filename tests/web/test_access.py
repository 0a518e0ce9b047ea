"""Nobody reaches anything without logging in; each role reaches only what it may.

The routes are enumerated from the app itself, so a route added later is checked too.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crmhub.web import PUBLIC_PATHS
from crmhub.web.app import route_table

from .conftest import PASSWORD, ClientFor, page_csrf

# A value for every path parameter name used by the routes (the refusal must come first,
# whatever the value).
PATH_VALUES = {
    "pair_id": "1",
    "golden_id": "01JGOLDENMARIO0000000000AA",
    "source_id": "1",
    "name": "sam",
    "token_id": "1",
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every route of the app that is not public."""
    return [
        (method, re.sub(r"{(\w+)}", lambda m: PATH_VALUES[m.group(1)], path))
        for method, path in route_table(app)
        if path not in PUBLIC_PATHS
    ]


def test_the_app_has_the_routes_the_enumeration_relies_on(app: FastAPI):
    routes = _routes(app)
    # A control: the enumeration sees pages and API calls of both kinds.
    assert ("GET", "/queue") in routes
    assert ("POST", "/pairs/1/decision") in routes
    assert ("GET", "/api/v1/queue") in routes
    assert ("POST", "/api/v1/pairs/1/decision") in routes
    assert len(routes) >= 25


def test_every_page_sends_an_anonymous_visitor_to_the_login(app: FastAPI, anonymous: TestClient):
    pages = [(m, p) for m, p in _routes(app) if not p.startswith("/api/")]
    for method, path in pages:
        response = anonymous.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/login"), (method, path)
        assert "Rossi" not in response.text


def test_every_api_call_refuses_a_request_without_a_valid_token(
    app: FastAPI, anonymous: TestClient
):
    calls = [(m, p) for m, p in _routes(app) if p.startswith("/api/")]
    for headers in (
        {},
        {"Authorization": "Bearer crmhub_not-a-real-token"},
        {"Authorization": "Basic c2FtOnB3"},
    ):
        for method, path in calls:
            response = anonymous.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            assert "API token" in response.json()["error"]


def test_a_session_cookie_does_not_open_the_api(client_for: ClientFor):
    steward = client_for("sam")
    assert steward.get("/queue").status_code == 200
    assert steward.get("/api/v1/queue").status_code == 401


def test_public_paths_serve_no_customer_data(anonymous: TestClient):
    assert anonymous.get("/healthz").text == "ok"
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    schema = anonymous.get("/api/v1/openapi.json").json()
    assert "/api/v1/pairs/{pair_id}/decision" in schema["paths"]
    login = anonymous.get("/login")
    assert "Rossi" not in login.text
    assert login.headers["cache-control"] == "no-store"
    assert login.headers["x-frame-options"] == "SAMEORIGIN"
    assert "script-src" not in login.headers["content-security-policy"]  # default-src 'self'
    assert login.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_viewer_reads_but_cannot_decide(client_for: ClientFor, seeded):
    viewer = client_for("vic")
    pair_id = seeded.pairs["C001/S-77"]
    page = viewer.get(f"/pairs/{pair_id}")
    assert page.status_code == 200 and "Mario Rossi" in page.text
    assert 'id="decision-form"' not in page.text
    response = viewer.post(
        f"/pairs/{pair_id}/decision", data={"decision": "same", "csrf_token": page_csrf(viewer)}
    )
    assert response.status_code == 403
    assert "vic is a viewer and cannot decide" in response.text
    assert viewer.get("/api/v1/queue").status_code == 401  # and no session use of the API


def test_a_viewer_cannot_merge_or_unmerge(client_for: ClientFor, seeded):
    viewer = client_for("vic")
    token = page_csrf(viewer)
    gid = seeded.golden_mario
    assert (
        viewer.post(
            f"/customers/{gid}/unmerge", data={"source_ids": "1", "csrf_token": token}
        ).status_code
        == 403
    )
    assert (
        viewer.post(
            f"/customers/{gid}/merge", data={"other_golden_id": "x", "csrf_token": token}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("path", ["/admin/users"])
def test_a_steward_cannot_manage_users(client_for: ClientFor, path: str):
    steward = client_for("sam")
    assert steward.get(path).status_code == 403
    token = page_csrf(steward)
    refused = [
        steward.post(
            "/admin/users",
            data={"name": "eve", "password": "x" * 12, "role": "admin", "csrf_token": token},
        ),
        steward.post("/admin/users/sam/role", data={"role": "admin", "csrf_token": token}),
        steward.post("/admin/users/vic/active", data={"active": "false", "csrf_token": token}),
        steward.post("/admin/tokens", data={"user": "sam", "csrf_token": token}),
        steward.post("/admin/tokens/1/revoke", data={"csrf_token": token}),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert "sam is a steward and cannot manage users" in refused[1].text
    admin = client_for("ada")
    users_page = admin.get("/admin/users").text
    assert "eve" not in users_page  # nothing the steward sent took effect
    assert users_page.count("<option selected>steward</option>") == 1


def test_an_admin_manages_users_through_the_pages(client_for: ClientFor):
    admin = client_for("ada")
    token = page_csrf(admin, "/admin/users")
    added = admin.post(
        "/admin/users",
        data={"name": "eve", "password": PASSWORD, "role": "viewer", "csrf_token": token},
    )
    assert added.status_code == 200 and "user added" in added.text
    promoted = admin.post("/admin/users/eve/role", data={"role": "steward", "csrf_token": token})
    assert promoted.status_code == 200
    eve = client_for("eve")
    assert 'eve <small class="role role-steward">steward</small>' in eve.get("/queue").text
    admin.post("/admin/users/eve/active", data={"active": "false", "csrf_token": token})
    assert eve.get("/queue", follow_redirects=False).status_code == 303  # logged out everywhere


def test_the_last_admin_cannot_be_demoted_or_deactivated(client_for: ClientFor):
    admin = client_for("ada")
    token = page_csrf(admin, "/admin/users")
    demoted = admin.post("/admin/users/ada/role", data={"role": "viewer", "csrf_token": token})
    assert demoted.status_code == 409
    assert "ada is the last active admin" in demoted.text
    assert (
        admin.post(
            "/admin/users/ada/active", data={"active": "false", "csrf_token": token}
        ).status_code
        == 409
    )
    # With a second admin, the first may step down.
    admin.post("/admin/users/sam/role", data={"role": "admin", "csrf_token": token})
    stepped_down = admin.post("/admin/users/ada/role", data={"role": "viewer", "csrf_token": token})
    assert stepped_down.status_code == 403  # done: ada is a viewer now and cannot see the page
    assert client_for("sam").get("/admin/users").status_code == 200
