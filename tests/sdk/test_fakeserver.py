"""The fake-server harness: routes, request log, fault plan, errors in handlers."""

from __future__ import annotations

import httpx
import pytest

from connectors.testing import FakeRequest, FakeResponse, FakeServer, json_response


def test_routes_params_and_the_request_log() -> None:
    server = FakeServer("t")

    @server.route("POST", r"/lists/(?P<list_id>\w+)/members")
    def add_member(request: FakeRequest) -> FakeResponse:
        return json_response(
            {
                "list": request.params["list_id"],
                "got": request.json(),
                "q": request.arg("skip_merge_validation"),
            },
            201,
        )

    with server:
        response = httpx.post(
            server.url + "/lists/abc/members?skip_merge_validation=true",
            json={"email_address": "a@example.com"},
            headers={"X-Trace": "7"},
        )
        assert response.status_code == 201
        assert response.json() == {
            "list": "abc",
            "got": {"email_address": "a@example.com"},
            "q": "true",
        }
        assert httpx.get(server.url + "/lists/abc/members").status_code == 405
        assert httpx.get(server.url + "/nowhere").json()["message"] == "no route for GET /nowhere"
    first = server.requests[0]
    assert (first.method, first.path, first.status, first.headers["x-trace"]) == (
        "POST",
        "/lists/abc/members",
        201,
        "7",
    )
    assert [r.status for r in server.requests] == [201, 405, 404]


def test_fault_plan_next_and_every() -> None:
    server = FakeServer("t")
    server.add_route("GET", r"/x", lambda r: {"ok": True})
    with server, httpx.Client(base_url=server.url) as client:
        storm = server.faults.fail_next(2, 429, headers={"Retry-After": "1"})
        answers = [client.get("/x") for _ in range(3)]
        assert [a.status_code for a in answers] == [429, 429, 200]
        assert answers[0].headers["Retry-After"] == "1" and storm.fired == 2
        server.faults.clear()
        server.faults.fail_every(3, 503)
        assert [client.get("/x").status_code for _ in range(7)] == [
            200,
            200,
            503,
            200,
            200,
            503,
            200,
        ]
        server.faults.clear()
        server.faults.fail_next(1, 500, path=r"^/y")  # only requests to /y are spoiled
        assert client.get("/x").status_code == 200
    assert [r.fault for r in server.requests[:3]] == [
        "HTTP 429 (next 2)",
        "HTTP 429 (next 2)",
        None,
    ]


def test_a_handler_that_raises_answers_500_and_is_recorded() -> None:
    server = FakeServer("t")

    def broken(request: FakeRequest) -> FakeResponse:
        raise KeyError("missing")

    server.add_route("GET", r"/broken", broken)
    with server:
        response = httpx.get(server.url + "/broken")
    assert response.status_code == 500 and "KeyError" in response.json()["trace"]
    assert len(server.errors) == 1


def test_url_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="fake server 'idle' is not started"):
        _ = FakeServer("idle").url
