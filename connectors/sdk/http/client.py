"""``HttpClient``: httpx underneath, with auth, the error policy, retries and a rate budget on top.

Every request goes through one loop (``request``): take a slot from the rate budget, stamp the
credentials, send, let the budget read the rate headers, and let the error policy decide the
answer's fate (success, retry, throttle, re-authenticate, fail, ignore). Retries are run by
tenacity under ``RetrySettings``; what finally fails raises an ``HttpError`` subclass naming the
method, the URL (secrets masked), the status and what the vendor said.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn, Self

import httpx
from tenacity import Retrying, retry_if_exception_type

from connectors.sdk.errors import ConfigError
from connectors.sdk.http.auth import Auth, NoAuth
from connectors.sdk.http.errors import (
    HttpAuthError,
    HttpError,
    HttpRequestRejected,
    HttpUnavailable,
    RateLimited,
)
from connectors.sdk.http.paginators import (
    Page,
    PageRequest,
    Paginator,
    paginator_from_config,
    walk_pages,
)
from connectors.sdk.http.policy import DEFAULT_POLICY, Action, ErrorPolicy, ErrorRule
from connectors.sdk.http.ratelimit import RateBudget
from connectors.sdk.http.redaction import redact_url
from connectors.sdk.http.retrying import (
    RetryableOutcome,
    RetrySettings,
    RetryTally,
    WaitForOutcome,
    parse_retry_after,
    stop_condition,
)
from connectors.sdk.http.vendor_errors import vendor_message

log = logging.getLogger("connectors.sdk.http")

DEFAULT_USER_AGENT = "crmhub-connector/0.1 (+https://github.com/crmhub/crmhub)"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures that are the credentials' fault raise HttpAuthError, the rest HttpRequestRejected.
_AUTH_STATUSES = frozenset({401, 403})


class HttpClient:
    """A synchronous HTTP client for one API; thread-safe, so one instance serves many threads.

    ``base_url`` is the API root (relative request URLs are appended to it); ``auth`` an ``Auth``
    strategy; ``policy`` the error table (``DEFAULT_POLICY.extend(...)`` for vendor rows);
    ``budget`` a ``RateBudget`` (share one between clients hitting the same allowance).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        user_agent: str = DEFAULT_USER_AGENT,
        headers: Mapping[str, str] | None = None,
        policy: ErrorPolicy = DEFAULT_POLICY,
        retry: RetrySettings | None = None,
        budget: RateBudget | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool | str = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(
                f"base URL {redact_url(base_url)!r} is not an http(s) URL",
                hint="write it in full, e.g. https://api.example.com/v1",
            )
        self.auth = auth or NoAuth()
        self.policy = policy
        self.retry = retry or RetrySettings()
        self.budget = budget or RateBudget()
        self._sleep = sleep
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._http = httpx.Client(
            base_url=url,
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json", **(headers or {})},
            transport=transport,
            verify=verify,
            follow_redirects=False,
        )

    # -- the public verbs ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        policy: ErrorPolicy | None = None,
    ) -> httpx.Response:
        """Send a request under the error policy and retry settings; the final answer, or an
        ``HttpError`` subclass. ``idempotent`` (default: by method) allows resending a request
        whose answer was lost (read timeout, dropped connection); pass True for upserts and
        search-by-POST endpoints."""
        method = method.upper()
        request = self._http.build_request(
            method, url, params=params, json=json, data=data, content=content, headers=headers
        )
        call = _Call(
            request=request,
            policy=policy or self.policy,
            idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
            tally=RetryTally(),
            started=time.monotonic(),
        )
        retrying = Retrying(
            retry=retry_if_exception_type(RetryableOutcome),
            wait=WaitForOutcome(self.retry, call.tally),
            stop=stop_condition(self.retry, call.tally),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(call, state.upcoming_sleep),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(call)
        except RetryableOutcome as outcome:
            raise self._gave_up(call, outcome) from (outcome.error or outcome)
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("GET", url, ...)``."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("POST", url, ...)``; a lost answer is not resent unless ``idempotent=True``."""
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PUT", url, ...)``."""
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("PATCH", url, ...)``; a lost answer is resent only if ``idempotent=True``."""
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        """``request("DELETE", url, ...)``."""
        return self.request("DELETE", url, **kwargs)

    def paginate(
        self,
        url: str,
        paginator: Paginator[Any] | Mapping[str, Any],
        *,
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        records_path: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[Page]:
        """Walk the pages of ``url``; ``paginator`` is a ``Paginator`` or its declarative dict.

        Pagination reads, so POST pages (search, GraphQL) are treated as idempotent.
        """
        walker = paginator if isinstance(paginator, Paginator) else paginator_from_config(paginator)

        def send(page: PageRequest) -> httpx.Response:
            return self.request(
                page.method,
                page.url,
                params=page.params,
                json=page.json,
                headers=headers,
                idempotent=True,
            )

        first = PageRequest(method.upper(), url, dict(params) if params else None, json)
        return walk_pages(send, first, walker, records_path)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one attempt -----------------------------------------------------------------------------

    def _attempt(self, call: _Call) -> httpx.Response:
        call.tally.attempts += 1
        self.auth.apply(call.request)
        with self.budget.slot():
            try:
                response = self._http.send(call.request)
            except httpx.TransportError as error:
                self._on_transport_error(call, error)
        self.budget.observe(response)
        rule = call.policy.resolve(response)
        if rule is None or rule.action is Action.IGNORE:
            return response
        return self._on_rule(call, response, rule)

    def _on_rule(self, call: _Call, response: httpx.Response, rule: ErrorRule) -> httpx.Response:
        if rule.action is Action.FAIL:
            raise self._error(call, response, rule, f"was refused ({rule.description})")
        if rule.action is Action.REAUTH:
            if call.tally.reauthenticated or not self.auth.reauthenticate(call.request):
                raise self._error(
                    call, response, rule, f"was refused ({rule.description})", cls=HttpAuthError
                )
            call.tally.reauthenticated = True
            raise RetryableOutcome(Action.REAUTH, rule=rule, wait=0.0, response=response)
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None and wait > self.retry.max_retry_after:
            raise self._error(
                call,
                response,
                rule,
                f"asked us to wait {wait:.0f}s (Retry-After), more than max_retry_after="
                f"{self.retry.max_retry_after:.0f}s",
                cls=RateLimited,
                hint="run the sync later, or raise RetrySettings.max_retry_after",
            )
        if rule.action is Action.THROTTLE and wait:
            self.budget.hold(wait)  # every thread sharing the budget waits, not only this one
        call.tally.count(rule.action)
        raise RetryableOutcome(rule.action, rule=rule, wait=wait, response=response)

    def _on_transport_error(self, call: _Call, error: httpx.TransportError) -> NoReturn:
        rule = call.policy.resolve_transport(error)
        url = self._shown_url(call.request.url)
        if rule is None or rule.action is not Action.RETRY:
            description = rule.description if rule else "transport error"
            raise HttpUnavailable(
                f"{call.request.method} {url} failed: {description} ({error})",
                method=call.request.method,
                url=url,
                hint=rule.hint if rule else None,
            ) from error
        if not (call.idempotent or rule.safe_to_repeat):
            raise HttpUnavailable(
                f"{call.request.method} {url} failed: {rule.description} ({error}); not resent, "
                "because the request may have been applied and is not idempotent",
                method=call.request.method,
                url=url,
                hint="pass idempotent=True if repeating this request is harmless (an upsert)",
            ) from error
        call.tally.count(Action.RETRY)
        raise RetryableOutcome(Action.RETRY, rule=rule, error=error) from error

    # -- messages ----------------------------------------------------------------------------

    def _shown_url(self, url: httpx.URL) -> str:
        return redact_url(url, self.auth.secret_params())

    def _error(
        self,
        call: _Call,
        response: httpx.Response,
        rule: ErrorRule,
        what: str,
        *,
        cls: type[HttpError] | None = None,
        hint: str | None = None,
    ) -> HttpError:
        url = self._shown_url(call.request.url)
        said = vendor_message(response)
        if cls is None:
            cls = HttpAuthError if response.status_code in _AUTH_STATUSES else HttpRequestRejected
        status = f"{response.status_code} {response.reason_phrase}".strip()
        return cls(
            f"{call.request.method} {url} {what}: HTTP {status}" + (f": {said}" if said else ""),
            method=call.request.method,
            url=url,
            status=response.status_code,
            vendor_message=said or None,
            hint=hint or rule.hint,
        )

    def _gave_up(self, call: _Call, outcome: RetryableOutcome) -> HttpError:
        elapsed = time.monotonic() - call.started
        tries = f"gave up after {call.tally.attempts} attempts in {elapsed:.1f}s"
        rule = outcome.rule
        if outcome.response is not None and isinstance(rule, ErrorRule):
            throttled = outcome.action is Action.THROTTLE
            return self._error(
                call,
                outcome.response,
                rule,
                f"kept failing ({rule.description}); {tries}",
                cls=RateLimited if throttled else HttpUnavailable,
                hint="the system keeps throttling us: lower the request rate or run later"
                if throttled
                else "the system keeps failing: try again later",
            )
        url = self._shown_url(call.request.url)
        return HttpUnavailable(
            f"{call.request.method} {url} failed: {rule.description} ({outcome.error}); {tries}",
            method=call.request.method,
            url=url,
            hint="check the network and the base URL; raise read_timeout if the system is slow",
        )

    def _log_retry(self, call: _Call, wait: float) -> None:
        log.warning(
            "%s %s: attempt %d failed (%d failures, %d throttles); retrying in %.2fs",
            call.request.method,
            self._shown_url(call.request.url),
            call.tally.attempts,
            call.tally.failures,
            call.tally.throttles,
            wait,
        )


class _Call:
    """The state of one ``request()`` call across its attempts."""

    __slots__ = ("idempotent", "policy", "request", "started", "tally")

    def __init__(
        self,
        *,
        request: httpx.Request,
        policy: ErrorPolicy,
        idempotent: bool,
        tally: RetryTally,
        started: float,
    ) -> None:
        self.request = request
        self.policy = policy
        self.idempotent = idempotent
        self.tally = tally
        self.started = started
