"""Login, logout, session expiry, cookie flags, brute-force limit and CSRF."""

from __future__ import annotations

import html
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from crmhub.web.cookies import SESSION_COOKIE

from .conftest import PASSWORD, ClientFor, Clock, csrf_of, log_in, page_csrf


def _try_login(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    ).status_code


def test_login_sets_a_hardened_session_cookie_and_goes_where_the_user_was_going(
    anonymous: TestClient,
):
    asked = anonymous.get("/audit?kind=golden.*", follow_redirects=False)
    assert asked.headers["location"] == "/login?next=%2Faudit"
    page = anonymous.get(asked.headers["location"])
    response = anonymous.post(
        "/login",
        data={
            "name": "sam",
            "password": PASSWORD,
            "next": "/audit",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for flag in ("HttpOnly", "SameSite=lax", "Max-Age=43200", "Path=/"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    assert anonymous.get("/audit").status_code == 200


def test_cookies_are_secure_over_https(app: FastAPI):
    client = TestClient(app, base_url="https://steward.example")
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie
    response = client.post(
        "/login",
        data={"name": "sam", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]


def test_login_refuses_a_wrong_password_an_unknown_user_and_a_foreign_redirect(
    anonymous: TestClient,
):
    assert _try_login(anonymous, "sam", "wrong password!") == 401
    assert _try_login(anonymous, "nobody", PASSWORD) == 401
    assert anonymous.get("/queue", follow_redirects=False).status_code == 303
    page = anonymous.get("/login")
    response = anonymous.post(
        "/login",
        data={
            "name": "sam",
            "password": PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue"


def test_logout_ends_the_session_even_for_a_copied_cookie(client_for: ClientFor, app: FastAPI):
    steward = client_for("sam")
    copy = TestClient(app, cookies={SESSION_COOKIE: steward.cookies[SESSION_COOKIE]})
    assert copy.get("/queue").status_code == 200
    response = steward.post(
        "/logout", data={"csrf_token": page_csrf(steward)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert steward.get("/queue", follow_redirects=False).status_code == 303
    assert copy.get("/queue", follow_redirects=False).status_code == 303


def test_a_session_expires_after_its_lifetime(client_for: ClientFor, clock: Clock):
    steward = client_for("sam")
    clock.advance(timedelta(hours=11, minutes=59))
    assert steward.get("/queue").status_code == 200
    clock.advance(timedelta(minutes=2))
    response = steward.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_tampered_session_cookie_is_refused(client_for: ClientFor, app: FastAPI):
    steward = client_for("sam")
    value = steward.cookies[SESSION_COOKIE]
    # change the signature's second-to-last character (always to a different one: the last
    # may carry padding bits, so changing it can leave the decoded signature as it was)
    swapped = "A" if value[-2] != "A" else "B"
    forged = TestClient(app, cookies={SESSION_COOKIE: value[:-2] + swapped + value[-1]})
    assert forged.get("/queue", follow_redirects=False).status_code == 303


def test_logins_are_rate_limited_per_user_and_address(app: FastAPI, clock: Clock):
    attacker = TestClient(app)
    statuses = [_try_login(attacker, "sam", f"guess number {i}") for i in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password is refused while the limit holds, for this name and address...
    page = attacker.get("/login")
    refused = attacker.post(
        "/login", data={"name": "sam", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 429
    assert "too many failed logins for 'sam'" in html.unescape(refused.text)
    assert int(refused.headers["retry-after"]) > 0
    # ...another user from the same address is not affected...
    assert _try_login(attacker, "vic", PASSWORD) == 303
    # ...and once the window has passed, the right password works again.
    clock.advance(timedelta(minutes=16))
    assert _try_login(TestClient(app), "sam", PASSWORD) == 303


def test_a_successful_login_clears_the_failure_count(app: FastAPI):
    client = TestClient(app)
    assert [_try_login(client, "sam", "bad password 1") for _ in range(4)] == [401] * 4
    assert _try_login(client, "sam", PASSWORD) == 303
    assert [_try_login(TestClient(app), "sam", "bad password 2") for _ in range(5)] == [401] * 5


def test_every_form_post_without_its_csrf_token_is_refused(client_for: ClientFor, seeded):
    steward = client_for("sam")
    pair_id = seeded.pairs["C001/S-77"]
    token = page_csrf(steward)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        response = steward.post(f"/pairs/{pair_id}/decision", data={"decision": "same", **data})
        assert response.status_code == 403, data
        assert "CSRF" in response.text
    assert steward.get("/api/v1/queue").status_code == 401
    accepted = steward.post(
        f"/pairs/{pair_id}/decision",
        data={"decision": "same", "csrf_token": token},
        follow_redirects=False,
    )
    assert accepted.status_code == 303  # the control: the same post with its token works


def test_a_csrf_token_from_another_browser_or_session_is_refused(
    client_for: ClientFor, app: FastAPI, seeded
):
    steward, other = client_for("sam"), client_for("sam")
    foreign_token = page_csrf(other)
    response = steward.post(
        f"/pairs/{seeded.pairs['C001/S-77']}/decision",
        data={"decision": "same", "csrf_token": foreign_token},
    )
    assert response.status_code == 403
    # The login form is protected too.
    anonymous = TestClient(app)
    assert anonymous.post("/login", data={"name": "sam", "password": PASSWORD}).status_code == 403
    # A token from before the login does not work after it (bound to the session).
    fresh = TestClient(app)
    before = csrf_of(fresh.get("/login").text)
    log_in(fresh, "sam")
    assert fresh.post("/logout", data={"csrf_token": before}).status_code == 403
