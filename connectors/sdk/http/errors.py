"""Errors the HTTP toolkit raises, each naming the request (method, redacted URL, status) and the
vendor's own words, so the person reading the log knows what was asked and what came back."""

from __future__ import annotations

from connectors.sdk.errors import AuthError, ConnectorError, SourceUnavailable


class HttpError(ConnectorError):
    """A request that ended in failure: ``method``, ``url`` (secrets redacted), ``status`` (None
    when no answer came back) and ``vendor_message`` (what the system said, from its body)."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status: int | None = None,
        vendor_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.method = method
        self.url = url
        self.status = status
        self.vendor_message = vendor_message


class HttpRequestRejected(HttpError):
    """The system refused the request as wrong (400, 404, 422...): retrying would not help."""


class HttpAuthError(HttpError, AuthError):
    """The system refused our credentials, also after re-authenticating where that was possible."""


class HttpUnavailable(HttpError, SourceUnavailable):
    """The system kept failing (or could not be reached) until the retry budget ran out."""


class RateLimited(HttpUnavailable):
    """The system kept throttling us beyond the waits we are allowed to make."""


class RateBudgetExhausted(SourceUnavailable):
    """A rate budget (a daily API allowance) is nearly spent: we stop before the vendor does."""


class PaginationLoop(ConnectorError):
    """A paginator was handed a page token (or URL, or page) it had already seen."""
