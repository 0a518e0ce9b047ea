"""The HTTP toolkit for REST connectors: a client with auth, an error policy as data, retries with
backoff, a rate budget, paginators and webhook signature checks. Built on httpx and tenacity.

    from connectors.sdk.http import HttpClient, BearerToken, RateBudget, TokenBucket

    client = HttpClient("https://api.example.com/v3", auth=BearerToken(config.token),
                        budget=RateBudget(bucket=TokenBucket.per_window(100, 10.0)))
    for page in client.paginate("/contacts", {"type": "cursor", "path": "paging.next.after"},
                                records_path="results"):
        ...
"""

from connectors.sdk.http.auth import (
    ApiKey,
    Auth,
    BasicAuth,
    BearerToken,
    IssuedToken,
    NoAuth,
    OAuth2ClientCredentials,
    TokenAuth,
)
from connectors.sdk.http.client import HttpClient
from connectors.sdk.http.errors import (
    HttpAuthError,
    HttpError,
    HttpRequestRejected,
    HttpUnavailable,
    PaginationLoop,
    RateBudgetExhausted,
    RateLimited,
)
from connectors.sdk.http.paginators import (
    PAGINATORS,
    CursorPaginator,
    GraphQLPaginator,
    LinkHeaderPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    paginator_from_config,
)
from connectors.sdk.http.policy import (
    DEFAULT_POLICY,
    DEFAULT_RULES,
    DEFAULT_TRANSPORT_RULES,
    Action,
    ErrorPolicy,
    ErrorRule,
    JsonErrorCode,
    JsonErrorMessage,
    TransportRule,
)
from connectors.sdk.http.rate_feedback import (
    HubSpotRateHeaders,
    RateFeedback,
    RateSignal,
    RemainingResetHeaders,
    SalesforceLimitInfo,
)
from connectors.sdk.http.ratelimit import RateBudget, TokenBucket
from connectors.sdk.http.redaction import redact_url
from connectors.sdk.http.retrying import RetrySettings, parse_retry_after
from connectors.sdk.http.vendor_errors import vendor_message
from connectors.sdk.http.webhooks import sign_hmac, timestamp_is_fresh, verify_hmac

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_RULES",
    "DEFAULT_TRANSPORT_RULES",
    "PAGINATORS",
    "Action",
    "ApiKey",
    "Auth",
    "BasicAuth",
    "BearerToken",
    "CursorPaginator",
    "ErrorPolicy",
    "ErrorRule",
    "GraphQLPaginator",
    "HttpAuthError",
    "HttpClient",
    "HttpError",
    "HttpRequestRejected",
    "HttpUnavailable",
    "HubSpotRateHeaders",
    "IssuedToken",
    "JsonErrorCode",
    "JsonErrorMessage",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "PaginationLoop",
    "Paginator",
    "RateBudget",
    "RateBudgetExhausted",
    "RateFeedback",
    "RateLimited",
    "RateSignal",
    "RemainingResetHeaders",
    "RetrySettings",
    "SalesforceLimitInfo",
    "TokenAuth",
    "TokenBucket",
    "TransportRule",
    "paginator_from_config",
    "parse_retry_after",
    "redact_url",
    "sign_hmac",
    "timestamp_is_fresh",
    "vendor_message",
    "verify_hmac",
]
