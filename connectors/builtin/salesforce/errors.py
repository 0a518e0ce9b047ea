"""simple-salesforce's exceptions turned into the SDK's, with what Salesforce said and a hint."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from connectors.sdk import AuthError, ConfigError, ConnectorError, SourceUnavailable

MAX_SAID = 500

# What an error status means for the connection, and what to check; others: SourceUnavailable.
_BY_STATUS: dict[int, tuple[type[ConnectorError], str]] = {
    401: (
        AuthError,
        (
            "Salesforce refused the session: check the credentials (a given access_token cannot "
            "be renewed; with password or client_credentials the connector logs in again once)"
        ),
    ),
    403: (
        AuthError,
        "the integration user lacks a permission this call needs (object, field or API access)",
    ),
    400: (ConfigError, "check the object and field names in the connection's configuration"),
    404: (ConfigError, "check the object name, the external id field and api_version"),
}


def salesforce_said(content: Any) -> str:
    """A short text of what an error answer carried: ``CODE: message`` for each error."""
    if isinstance(content, list):
        parts = [
            f"{item.get('errorCode') or item.get('statusCode')}: {item.get('message')}"
            if isinstance(item, dict)
            else str(item)
            for item in content
        ]
        text = "; ".join(parts)
    elif isinstance(content, bytes):
        text = content.decode("utf-8", errors="replace")
    else:
        text = str(content)
    return text[:MAX_SAID]


def error_code(content: Any) -> str | None:
    """The first ``errorCode`` of an error answer, if it has one."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        code = content[0].get("errorCode") or content[0].get("statusCode")
        return str(code) if code else None
    return None


def error_for(status: int, said: str, doing: str) -> ConnectorError:
    """The SDK error for an answer with ``status``, saying what we were ``doing`` and what
    Salesforce said."""
    cls, hint = _BY_STATUS.get(
        status,
        (SourceUnavailable, "try again later; if it persists, check Salesforce's status page"),
    )
    return cls(f"{doing}: Salesforce answered HTTP {status}: {said}", hint=hint)


def translate(error: SalesforceError, doing: str) -> ConnectorError:
    """The SDK error for one of simple-salesforce's exceptions."""
    return error_for(error.status, salesforce_said(error.content), doing)


def response_error(response: requests.Response, doing: str) -> ConnectorError:
    """The SDK error for an error answer the caller received itself (the Bulk 2.0 client)."""
    try:
        content: Any = response.json()
    except ValueError:
        content = response.content
    return error_for(response.status_code, salesforce_said(content), doing)


@contextmanager
def translated(doing: str) -> Iterator[None]:
    """Raise simple-salesforce's errors inside the block as SDK errors about ``doing``."""
    try:
        yield
    except SalesforceError as error:
        raise translate(error, doing) from error
