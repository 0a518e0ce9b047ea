"""The ``requests.Session`` simple-salesforce runs on: timeouts, retries, throttling, re-login.

simple-salesforce has no timeout, retry or backoff of its own, but it accepts a session; every
call it makes (REST, queries, upserts) and every call of the connector's own Bulk 2.0 client goes
through ``SalesforceSession.request``, which

* sends it to the configured origin (simple-salesforce writes ``https://`` into every URL; a
  loopback ``http://`` instance, the fake in tests, keeps its scheme),
* stamps the current session token and ``Sforce-Call-Options: client=<name>``,
* waits for the rate budget (paused near the org's daily API allowance, read from
  ``Sforce-Limit-Info`` after every answer; stopped past ``api_usage_stop_at``),
* applies the error policy (``policy.py``): throttling (403 REQUEST_LIMIT_EXCEEDED) is waited out
  with backoff up to ``max_wait_seconds``; 5xx and network failures are retried ``max_retries``
  times; a 401 fetches a new token once and tries again;
* hands every other answer back as it came, so simple-salesforce raises its own typed error
  (300 -> ``SalesforceMoreThanOneRecord``, 400 -> ``SalesforceMalformedRequest`` ...).

Retries that run out raise the SDK's ``RateLimited`` / ``HttpUnavailable``, naming the call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
import requests
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception_type

from connectors.sdk.http.errors import HttpError, HttpUnavailable, RateLimited
from connectors.sdk.http.policy import Action, ErrorPolicy, ErrorRule
from connectors.sdk.http.ratelimit import RateBudget
from connectors.sdk.http.retrying import (
    RetryableOutcome,
    RetrySettings,
    RetryTally,
    WaitForOutcome,
    parse_retry_after,
    stop_condition,
)
from connectors.sdk.http.vendor_errors import vendor_message

log = logging.getLogger("connectors.salesforce")

# Upserts by external id and job-state changes are PATCHes that may safely be sent twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
_NOT_FORWARDED = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_DROPPED_HEADERS = frozenset({"x-prettyprint"})  # simple-salesforce asks for indented JSON


class TokenSource(Protocol):
    """Where the session token comes from (``auth.py``)."""

    def token(self) -> str:
        """The current session token (logging in first if there is none yet)."""
        ...

    def refresh(self, refused: str) -> bool:
        """Get a new token after ``refused`` was answered 401; False when that is impossible."""
        ...


class TimeoutAdapter(HTTPAdapter):
    """Applies a default (connect, read) timeout to every request that names none."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__(max_retries=0)  # retries are the session's, under the error policy
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with the default timeout when the caller gave none."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def as_httpx(response: requests.Response) -> httpx.Response:
    """``response`` as the ``httpx.Response`` the SDK's policy and rate readers take."""
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_FORWARDED]
    return httpx.Response(response.status_code, headers=headers, content=response.content)


@dataclass(slots=True)
class _Call:
    method: str
    url: str
    idempotent: bool
    started: float
    tally: RetryTally = field(default_factory=RetryTally)

    @property
    def shown(self) -> str:
        """The call for messages: method and URL without its query (SOQL can be long)."""
        return f"{self.method} {self.url.split('?', 1)[0]}"


class SalesforceSession(requests.Session):
    """A ``requests.Session`` with the policy, retries, rate budget and auth described above."""

    def __init__(
        self,
        *,
        policy: ErrorPolicy,
        retry: RetrySettings,
        budget: RateBudget,
        timeout: tuple[float, float],
        origin: str | None = None,
        tokens: TokenSource | None = None,
        client_name: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        adapter = TimeoutAdapter(timeout)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self.policy = policy
        self.retry = retry
        self.budget = budget
        self.tokens = tokens
        self.client_name = client_name
        self._origin = urlsplit(origin) if origin else None
        self._sleep = sleep

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send under the policy and retry settings; the final answer, or an ``HttpError``."""
        method = (method.decode() if isinstance(method, bytes) else method).upper()
        url = self.pinned(url.decode() if isinstance(url, bytes) else url)
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        call = _Call(method, url, method in IDEMPOTENT_METHODS, time.monotonic())
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableOutcome),
            wait=WaitForOutcome(self.retry, call.tally),
            stop=stop_condition(self.retry, call.tally),
            sleep=self._sleep,
            before_sleep=lambda state: _log_retry(call, state.upcoming_sleep),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(call, args, kwargs)
        except RetryableOutcome as outcome:
            raise self._gave_up(call, outcome) from (outcome.error or outcome)
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    def pinned(self, url: str) -> str:
        """``url`` with the configured scheme when it points at the configured host and port."""
        if self._origin is None:
            return url
        parts = urlsplit(url)
        if parts.netloc == self._origin.netloc and parts.scheme != self._origin.scheme:
            return urlunsplit(parts._replace(scheme=self._origin.scheme))
        return url

    # -- one attempt ---------------------------------------------------------------------------

    def _headers(self, given: Mapping[str, str] | None) -> dict[str, str]:
        headers = {k: v for k, v in (given or {}).items() if k.lower() not in _DROPPED_HEADERS}
        if self.client_name:
            headers["Sforce-Call-Options"] = f"client={self.client_name}"
        return headers

    def _attempt(
        self, call: _Call, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> requests.Response:
        call.tally.attempts += 1
        token = self.tokens.token() if self.tokens else None
        if token is not None:
            kwargs["headers"]["Authorization"] = f"Bearer {token}"
        with self.budget.slot():
            try:
                response = super().request(call.method, call.url, *args, **kwargs)
            except requests.RequestException as error:
                self._on_transport_error(call, error)
        seen = as_httpx(response)
        self.budget.observe(seen)
        rule = self.policy.resolve(seen)
        if rule is None or rule.action in (Action.IGNORE, Action.FAIL):
            return response  # simple-salesforce (or the caller) turns it into its own error
        if rule.action is Action.REAUTH:
            return self._reauthenticate(call, response, seen, rule, token)
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if rule.action is Action.THROTTLE and wait:
            self.budget.hold(wait)
        call.tally.count(rule.action)
        raise RetryableOutcome(rule.action, rule=rule, wait=wait, response=seen)

    def _reauthenticate(
        self,
        call: _Call,
        response: requests.Response,
        seen: httpx.Response,
        rule: ErrorRule,
        token: str | None,
    ) -> requests.Response:
        if call.tally.reauthenticated or self.tokens is None or token is None:
            return response
        if not self.tokens.refresh(token):
            return response
        call.tally.reauthenticated = True
        log.info("%s: session refused (401); logged in again, retrying once", call.shown)
        raise RetryableOutcome(Action.REAUTH, rule=rule, wait=0.0, response=seen)

    def _on_transport_error(self, call: _Call, error: requests.RequestException) -> NoReturn:
        rule = self.policy.resolve_transport(error)
        if rule is None or rule.action is not Action.RETRY:
            description = rule.description if rule else "transport error"
            raise HttpUnavailable(
                f"{call.shown} failed: {description} ({error})",
                method=call.method,
                url=call.url,
                hint=rule.hint if rule else None,
            ) from error
        if not (call.idempotent or rule.safe_to_repeat):
            raise HttpUnavailable(
                f"{call.shown} failed: {rule.description} ({error}); not sent again, because "
                "Salesforce may have applied it and it is not safe to repeat",
                method=call.method,
                url=call.url,
                hint="check in Salesforce whether the job or record was created, then rerun",
            ) from error
        call.tally.count(Action.RETRY)
        raise RetryableOutcome(Action.RETRY, rule=rule, error=error) from error

    def _gave_up(self, call: _Call, outcome: RetryableOutcome) -> HttpError:
        elapsed = time.monotonic() - call.started
        tries = f"gave up after {call.tally.attempts} attempts in {elapsed:.1f}s"
        if outcome.response is None:
            return HttpUnavailable(
                f"{call.shown} failed: {outcome.rule.description} ({outcome.error}); {tries}",
                method=call.method,
                url=call.url,
                hint="check the network and instance_url; raise read_timeout_seconds if the org is slow",
            )
        said = vendor_message(outcome.response)
        status = outcome.response.status_code
        throttled = outcome.action is Action.THROTTLE
        cls = RateLimited if throttled else HttpUnavailable
        return cls(
            f"{call.shown} kept failing ({outcome.rule.description}); {tries}: HTTP {status}"
            + (f": {said}" if said else ""),
            method=call.method,
            url=call.url,
            status=status,
            vendor_message=said or None,
            hint=outcome.rule.hint
            or (
                "Salesforce keeps throttling: run the sync later, or raise max_wait_seconds"
                if throttled
                else "Salesforce keeps failing: try again later"
            ),
        )


def _log_retry(call: _Call, wait: float) -> None:
    log.warning(
        "%s: attempt %d failed (%d failures, %d throttles); retrying in %.2fs",
        call.shown,
        call.tally.attempts,
        call.tally.failures,
        call.tally.throttles,
        wait,
    )
