"""Authentication strategies for ``HttpClient``.

A strategy stamps each outgoing request (``apply``) and, when it can, fetches fresh credentials
after the system refused the old ones (``reauthenticate``). Static credentials (a fixed bearer
token, basic auth, an API key) cannot: a 401 with them is final. Fetched tokens (``TokenAuth``,
``OAuth2ClientCredentials``) are cached, refreshed ahead of their expiry, and fetched again once
on a 401. Secrets are held as ``SecretStr`` so they never show in a repr or a log.
"""

from __future__ import annotations

import base64
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx
from pydantic import SecretStr

from connectors.sdk.errors import AuthError
from connectors.sdk.http.errors import HttpAuthError, HttpRequestRejected

if TYPE_CHECKING:
    from connectors.sdk.http.client import HttpClient

Secret = str | SecretStr


def reveal(secret: Secret) -> str:
    """The plain value of a secret given as ``str`` or ``SecretStr``."""
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


class Auth(ABC):
    """Base class of the authentication strategies."""

    @abstractmethod
    def apply(self, request: httpx.Request) -> None:
        """Add the credentials to ``request`` (replacing any from an earlier attempt)."""

    def reauthenticate(self, refused: httpx.Request) -> bool:
        """Get fresh credentials after ``refused`` was answered 401; False when we cannot."""
        return False

    def secret_params(self) -> frozenset[str]:
        """Names of query parameters this strategy fills with secrets (masked in messages)."""
        return frozenset()


class NoAuth(Auth):
    """For public endpoints and token endpoints that authenticate in the body."""

    def apply(self, request: httpx.Request) -> None:
        return None


class BearerToken(Auth):
    """A fixed token sent as ``Authorization: Bearer <token>`` (header and scheme adjustable)."""

    def __init__(
        self, token: Secret, *, header: str = "Authorization", scheme: str = "Bearer"
    ) -> None:
        self._token = SecretStr(reveal(token))
        self.header = header
        self.scheme = scheme

    def apply(self, request: httpx.Request) -> None:
        value = self._token.get_secret_value()
        request.headers[self.header] = f"{self.scheme} {value}" if self.scheme else value


class BasicAuth(Auth):
    """HTTP basic authentication (Mailchimp: any user name, the API key as password)."""

    def __init__(self, username: str, password: Secret) -> None:
        self.username = username
        self._password = SecretStr(reveal(password))

    def apply(self, request: httpx.Request) -> None:
        pair = f"{self.username}:{self._password.get_secret_value()}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")


class ApiKey(Auth):
    """An API key in a header (``X-Shopify-Access-Token: <key>``) or a query parameter."""

    def __init__(
        self,
        key: Secret,
        *,
        name: str,
        location: Literal["header", "query"] = "header",
        prefix: str = "",
    ) -> None:
        if location not in ("header", "query"):
            raise ValueError(f"ApiKey location must be 'header' or 'query', not {location!r}")
        self._key = SecretStr(reveal(key))
        self.name = name
        self.location = location
        self.prefix = prefix

    def apply(self, request: httpx.Request) -> None:
        value = self.prefix + self._key.get_secret_value()
        if self.location == "header":
            request.headers[self.name] = value
        else:
            request.url = request.url.copy_merge_params({self.name: value})

    def secret_params(self) -> frozenset[str]:
        return frozenset({self.name}) if self.location == "query" else frozenset()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as an issuer handed it out; ``expires_in`` seconds from now (None: no expiry)."""

    value: Secret
    expires_in: float | None = None


class TokenAuth(Auth):
    """A token fetched by ``fetch`` (a login call), cached, refreshed ``refresh_margin`` seconds
    before it expires, and fetched again once when the system answers 401. Thread-safe: one thread
    fetches while the others wait for its token."""

    def __init__(
        self,
        fetch: Callable[[], IssuedToken],
        *,
        header: str = "Authorization",
        scheme: str = "Bearer",
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.header = header
        self.scheme = scheme
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: SecretStr | None = None
        self._renew_at: float = float("inf")
        self.fetches = 0  # how many tokens were fetched (for tests and diagnostics)

    def _renew(self) -> None:
        issued = self._fetch()
        self.fetches += 1
        self._token = SecretStr(reveal(issued.value))
        if issued.expires_in is None:
            self._renew_at = float("inf")
        else:
            # Renew ahead of expiry, but never sooner than half-way through a short-lived token.
            margin = min(self.refresh_margin, issued.expires_in / 2)
            self._renew_at = self._clock() + issued.expires_in - margin

    def current_token(self) -> str:
        """The token to send now, fetching or renewing it when due."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._renew()
            assert self._token is not None
            return self._token.get_secret_value()

    def apply(self, request: httpx.Request) -> None:
        token = self.current_token()
        request.headers[self.header] = f"{self.scheme} {token}" if self.scheme else token

    def reauthenticate(self, refused: httpx.Request) -> bool:
        with self._lock:
            sent = refused.headers.get(self.header, "")
            current = self._token.get_secret_value() if self._token else None
            # Another thread may have renewed the token since ``refused`` was sent: reuse it.
            if current is None or sent.endswith(current):
                self._renew()
        return True


class OAuth2ClientCredentials(TokenAuth):
    """OAuth 2.0 client credentials grant (RFC 6749 section 4.4) against ``token_url``.

    ``credentials_in`` chooses where the client id and secret travel: HTTP basic auth (the RFC's
    preference) or the form body. Token endpoint failures raise ``AuthError`` when the client
    is refused and the toolkit's usual errors when the endpoint is unreachable.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        *,
        scope: str | None = None,
        extra: Mapping[str, str] | None = None,
        credentials_in: Literal["basic", "body"] = "basic",
        refresh_margin: float = 60.0,
        http: HttpClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(self._request_token, refresh_margin=refresh_margin, clock=clock)
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = SecretStr(reveal(client_secret))
        self.scope = scope
        self.extra = dict(extra or {})
        self.credentials_in = credentials_in
        self._http = http

    def _token_client(self) -> HttpClient:
        if self._http is None:
            from connectors.sdk.http.client import HttpClient  # a cycle only at import time

            self._http = HttpClient(self.token_url)
        return self._http

    def _request_token(self) -> IssuedToken:
        form = {"grant_type": "client_credentials", **self.extra}
        if self.scope:
            form["scope"] = self.scope
        headers: dict[str, str] = {}
        secret = self._client_secret.get_secret_value()
        if self.credentials_in == "basic":
            pair = f"{self.client_id}:{secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form.update(client_id=self.client_id, client_secret=secret)
        try:
            response = self._token_client().post(
                self.token_url, data=form, headers=headers, idempotent=True
            )
        except (HttpRequestRejected, HttpAuthError) as exc:
            raise AuthError(
                f"the token endpoint {self.token_url} refused client {self.client_id!r}: "
                f"{exc.vendor_message or exc}",
                hint="check the client id and secret, and that the client may use this grant",
            ) from exc
        return _parse_token_answer(response, self.token_url)


def _parse_token_answer(response: httpx.Response, token_url: str) -> IssuedToken:
    try:
        body = response.json()
        token = body["access_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AuthError(
            f"the token endpoint {token_url} answered without an access_token",
            hint="check token_url: it must be the OAuth 2.0 token endpoint",
        ) from exc
    expires_in = body.get("expires_in")
    return IssuedToken(SecretStr(str(token)), float(expires_in) if expires_in is not None else None)
