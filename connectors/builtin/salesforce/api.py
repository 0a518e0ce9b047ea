"""One org's API: simple-salesforce on a ``SalesforceSession``, built from the configuration.

The calls the connector makes live here, so the reader and the writer never build URLs or
sessions themselves: ``query_pages`` (queryAll, following ``nextRecordsUrl``), ``upsert_one``,
``upsert_collection`` and ``limits``; ``session`` and ``data_url`` serve the Bulk 2.0 client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import requests
from simple_salesforce.api import Salesforce

from connectors.builtin.salesforce.auth import GivenToken, LoginTokens, token_source
from connectors.builtin.salesforce.config import SalesforceConfig
from connectors.builtin.salesforce.errors import translated
from connectors.builtin.salesforce.policy import API_POLICY, LOGIN_POLICY
from connectors.builtin.salesforce.session import SalesforceSession
from connectors.sdk.http.rate_feedback import SalesforceLimitInfo
from connectors.sdk.http.ratelimit import RateBudget
from connectors.sdk.http.retrying import RetrySettings

# simple-salesforce puts its own copy of the token in each request; the session replaces it with
# the current one on every attempt, so the copy is a marker, never a credential.
_TOKEN_STAMPED_BY_SESSION = "set-per-request-by-SalesforceSession"
# Throttling is bounded by time (max_wait_seconds), not by a count.
_UNBOUNDED_THROTTLES = 1_000_000


def retry_settings(config: SalesforceConfig) -> RetrySettings:
    """The SDK's retry bounds from the connection's settings."""
    return RetrySettings(
        max_attempts=config.max_retries,
        max_throttles=_UNBOUNDED_THROTTLES,
        backoff_initial=config.backoff_seconds,
        backoff_max=config.backoff_max_seconds,
        throttle_initial=config.backoff_seconds,
        max_total=config.max_wait_seconds,
    )


def external_id_path(field: str, value: str) -> str:
    """``{field}/{value}`` for the sObject-rows-by-external-id resource, the value url-quoted
    with nothing left safe (a ``/`` in it must not split the path)."""
    return f"{field}/{quote(value, safe='')}"


class SalesforceApi:
    """The org, reached with the connection's credentials, retries and rate budget."""

    def __init__(
        self, config: SalesforceConfig, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.config = config
        retry = retry_settings(config)
        timeout = (config.connect_timeout_seconds, config.read_timeout_seconds)
        self.login_session = SalesforceSession(
            policy=LOGIN_POLICY,
            retry=retry,
            budget=RateBudget(sleep=sleep),
            timeout=timeout,
            sleep=sleep,
        )
        self.tokens: GivenToken | LoginTokens = token_source(
            config.auth, config.login_origin, config.api_version, self.login_session
        )
        limit_info = SalesforceLimitInfo(
            pause_at=config.api_usage_pause_at,
            stop_at=config.api_usage_stop_at,
            pause=config.api_usage_pause_seconds,
        )
        self.session = SalesforceSession(
            policy=API_POLICY,
            retry=retry,
            budget=RateBudget(feedback=(limit_info,), sleep=sleep),
            timeout=timeout,
            origin=config.origin,
            tokens=self.tokens,
            client_name=config.client_name,
            sleep=sleep,
        )
        self.data_url = f"{config.origin}/services/data/v{config.api_version}/"
        self.sf = Salesforce(
            session_id=_TOKEN_STAMPED_BY_SESSION,
            instance_url=config.origin,
            version=config.api_version,
            session=self.session,
            object_pairs_hook=None,  # plain dicts: faster than simple-salesforce's OrderedDict
        )

    def query_pages(self, soql: str, doing: str) -> Iterator[list[dict[str, Any]]]:
        """The records of a ``queryAll`` (deleted ones too), one list per batch of the answer."""
        with translated(doing):
            result = self.sf.query(soql, include_deleted=True)
        yield result["records"]
        while not result["done"]:
            with translated(doing):
                result = self.sf.query_more(result["nextRecordsUrl"], identifier_is_url=True)
            yield result["records"]

    def upsert_one(
        self, sobject: str, field: str, value: str, body: dict[str, Any]
    ) -> requests.Response:
        """``PATCH /sobjects/{sobject}/{field}/{value}``; simple-salesforce raises on >= 300."""
        sobject_type = getattr(self.sf, sobject)
        response: requests.Response = sobject_type.upsert(
            external_id_path(field, value), body, raw_response=True
        )
        return response

    def upsert_collection(
        self, sobject: str, field: str, records: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """``PATCH /composite/sobjects/{sobject}/{field}`` (allOrNone false): one result per
        record, in order; simple-salesforce raises when the whole request is refused."""
        results = self.sf.restful(
            f"composite/sobjects/{sobject}/{field}",
            method="PATCH",
            json={"allOrNone": False, "records": records},
        )
        return list(results or [])

    def limits(self) -> dict[str, Any]:
        """``GET /limits``: the org's allowances (a cheap authenticated call)."""
        with translated("reading the org's limits"):
            return dict(self.sf.limits())

    def close(self) -> None:
        """Close both connection pools."""
        self.session.close()
        self.login_session.close()
