"""The rate budget over real sockets: a request storm stays under the window's allowance, the
concurrency cap holds, vendor rate headers slow us down (or stop us) before the vendor does."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from connectors.sdk.http import (
    HttpClient,
    HubSpotRateHeaders,
    RateBudget,
    RateBudgetExhausted,
    RemainingResetHeaders,
    RetrySettings,
    SalesforceLimitInfo,
    TokenBucket,
)
from connectors.testing import FakeRequest, FakeResponse, FakeServer, json_response

FAST = RetrySettings(max_attempts=3, backoff_initial=0.02)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer("limits")
    fake.add_route("GET", r"/ping", lambda r: {"pong": True})

    def slow(request: FakeRequest) -> dict[str, bool]:
        time.sleep(0.1)
        return {"done": True}

    fake.add_route("GET", r"/slow", slow)
    with fake:
        yield fake
    assert not fake.errors, fake.errors


class SendTimes(httpx.HTTPTransport):
    """The real transport, noting when each request leaves (free of the server's thread jitter)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.times.append(time.monotonic())
        return super().handle_request(request)


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` falling in one half-open window of ``window`` seconds."""
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window) for i, start in enumerate(ordered))


def storm(client: HttpClient, path: str, calls: int, threads: int) -> None:
    with ThreadPoolExecutor(threads) as pool:
        for response in pool.map(lambda _: client.get(path), range(calls)):
            assert response.status_code == 200


def test_a_storm_of_concurrent_calls_stays_under_the_window_allowance(server: FakeServer) -> None:
    budget = RateBudget(bucket=TokenBucket.per_window(10, 0.5))
    sent = SendTimes()
    with HttpClient(server.url, budget=budget, retry=FAST, transport=sent) as client:
        storm(client, "/ping", calls=30, threads=12)
    assert len(server.requests) == len(sent.times) == 30
    # The bucket spaces the starts; a thread descheduled on a busy machine can still send a
    # moment late, next to the following one. Two of slack for that; the control below
    # shows an unthrottled storm lands far above it.
    assert most_in_any_window(sent.times, 0.5) <= 12


def test_without_a_budget_the_same_storm_breaks_the_allowance(server: FakeServer) -> None:
    # The control for the test above: the window check does catch an unthrottled storm.
    sent = SendTimes()
    with HttpClient(server.url, retry=FAST, transport=sent) as client:
        storm(client, "/ping", calls=30, threads=12)
    assert most_in_any_window(sent.times, 0.5) > 12


def test_the_concurrency_cap_limits_requests_in_flight(server: FakeServer) -> None:
    with HttpClient(server.url, budget=RateBudget(max_in_flight=3), retry=FAST) as client:
        storm(client, "/slow", calls=12, threads=12)
    assert 2 <= server.max_in_flight <= 3
    server.reset_log()
    with HttpClient(server.url, retry=FAST) as client:  # control: uncapped, they overlap more
        storm(client, "/slow", calls=12, threads=12)
    assert server.max_in_flight > 3


def test_token_bucket_spaces_requests_after_the_burst() -> None:
    now = [100.0]
    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    now[0] += 1.5  # three tokens came in: the debt of two is paid, one is free
    assert bucket.reserve() == pytest.approx(0.0)
    assert bucket.reserve() == pytest.approx(0.5)


def gap_after_first(server: FakeServer, path: str) -> float:
    first, second = server.requests_to("GET", path)[:2]
    return second.received - first.received


def headers_route(server: FakeServer, path: str, first_headers: dict[str, str]) -> None:
    """A route answering its first call with ``first_headers`` and later ones without."""
    calls = {"n": 0}

    def handler(request: FakeRequest) -> FakeResponse:
        calls["n"] += 1
        return json_response({"n": calls["n"]}, headers=first_headers if calls["n"] == 1 else {})

    server.add_route("GET", path, handler)


def test_remaining_and_reset_headers_pause_before_the_limit(server: FakeServer) -> None:
    headers_route(server, "/limited", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"})
    budget = RateBudget(feedback=[RemainingResetHeaders()])
    with HttpClient(server.url, budget=budget, retry=FAST) as client:
        client.get("/limited")
        client.get("/limited")
    assert gap_after_first(server, "/limited") >= 0.95


def test_hubspot_interval_headers_pause_for_the_interval(server: FakeServer) -> None:
    headers_route(
        server,
        "/crm/v3/objects/contacts",
        {
            "X-HubSpot-RateLimit-Max": "100",
            "X-HubSpot-RateLimit-Remaining": "1",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "600",
            "X-HubSpot-RateLimit-Daily-Remaining": "5000",
        },
    )
    budget = RateBudget(feedback=[HubSpotRateHeaders()])
    with HttpClient(server.url, budget=budget, retry=FAST) as client:
        client.get("/crm/v3/objects/contacts")
        client.get("/crm/v3/objects/contacts")
    assert gap_after_first(server, "/crm/v3/objects/contacts") >= 0.55


def test_hubspot_daily_allowance_spent_stops_before_sending(server: FakeServer) -> None:
    headers_route(server, "/crm/v3/objects/contacts", {"X-HubSpot-RateLimit-Daily-Remaining": "0"})
    budget = RateBudget(feedback=[HubSpotRateHeaders()])
    with HttpClient(server.url, budget=budget, retry=FAST) as client:
        client.get("/crm/v3/objects/contacts")
        with pytest.raises(RateBudgetExhausted, match="daily API allowance"):
            client.get("/crm/v3/objects/contacts")
    assert len(server.requests) == 1


def test_salesforce_usage_near_the_cap_pauses_then_stops(server: FakeServer) -> None:
    usage = {"value": "api-usage=95/100"}
    server.add_route(
        "GET",
        r"/services/data/v62.0/limits",
        lambda r: json_response({}, headers={"Sforce-Limit-Info": usage["value"]}),
    )
    budget = RateBudget(feedback=[SalesforceLimitInfo(pause_at=0.9, stop_at=0.98, pause=0.3)])
    with HttpClient(server.url, budget=budget, retry=FAST) as client:
        client.get("/services/data/v62.0/limits")
        usage["value"] = "api-usage=99/100"
        client.get(
            "/services/data/v62.0/limits"
        )  # paused first, then learns it is past the stop mark
        with pytest.raises(RateBudgetExhausted, match="99/100"):
            client.get("/services/data/v62.0/limits")
    assert gap_after_first(server, "/services/data/v62.0/limits") >= 0.28
    assert len(server.requests) == 2


def test_a_throttle_holds_every_thread_sharing_the_budget(server: FakeServer) -> None:
    server.faults.fail_next(1, 429, headers={"Retry-After": "1"})
    budget = RateBudget()
    with HttpClient(server.url, budget=budget, retry=FAST) as client:
        first = threading.Thread(target=client.get, args=("/ping",))
        first.start()
        time.sleep(0.2)  # the 429 has arrived: the budget is on hold
        client.get("/ping")  # another caller, sharing the budget
        first.join()
    throttled = server.requests[0]
    later = server.requests[1:]
    assert throttled.status == 429
    assert all(r.received - throttled.received >= 0.95 for r in later)
