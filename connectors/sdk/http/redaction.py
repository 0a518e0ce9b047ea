"""Keeps secrets out of messages and logs: URLs are shown with sensitive query values masked."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import httpx

MASK = "***"

# Query parameter names that carry credentials at one vendor or another (compared lower-case).
SENSITIVE_PARAMS: frozenset[str] = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "api-key",
        "auth",
        "client_secret",
        "code",
        "key",
        "password",
        "refresh_token",
        "secret",
        "sig",
        "signature",
        "token",
    }
)


def redact_url(url: httpx.URL | str, extra: Iterable[str] = ()) -> str:
    """``url`` as text with the values of sensitive query parameters (and of ``extra``) masked,
    and any user:password in the authority dropped."""
    parsed = httpx.URL(url)
    hidden = SENSITIVE_PARAMS | {name.lower() for name in extra}
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    if not parsed.query:
        return str(parsed)
    pairs = [
        (name, MASK if name.lower() in hidden else value)
        for name, value in parsed.params.multi_items()
    ]
    return str(parsed.copy_with(query=urlencode(pairs).encode("ascii")))
