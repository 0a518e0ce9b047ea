"""Token handling for fake servers: issue bearer tokens that expire, check them on each request,
and serve an OAuth 2.0 client-credentials token endpoint, as the real vendors do."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from urllib.parse import parse_qs

from connectors.testing.fakeserver import FakeRequest, FakeResponse, FakeServer, json_response


class TokenIssuer:
    """Hands out random bearer tokens valid for ``lifetime`` seconds; thread-safe."""

    def __init__(self, lifetime: float = 3600.0) -> None:
        self.lifetime = lifetime
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self, lifetime: float | None = None) -> str:
        """A new token, valid for ``lifetime`` (default: the issuer's) seconds."""
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._expiry[token] = time.monotonic() + (
                self.lifetime if lifetime is None else lifetime
            )
            self.issued += 1
        return token

    def is_valid(self, token: str | None) -> bool:
        """True for a token we issued that has not expired or been revoked."""
        with self._lock:
            return token is not None and self._expiry.get(token, 0.0) > time.monotonic()

    def revoke_all(self) -> None:
        """Expire every token at once (a session invalidated by the vendor)."""
        with self._lock:
            self._expiry.clear()

    def refuse(self, request: FakeRequest) -> FakeResponse | None:
        """A 401 answer unless ``request`` has a valid ``Authorization: Bearer`` token."""
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and self.is_valid(token):
            return None
        return json_response(
            {"message": "invalid or expired access token", "errorCode": "INVALID_SESSION_ID"},
            401,
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


def add_token_endpoint(
    server: FakeServer,
    issuer: TokenIssuer,
    client_id: str,
    client_secret: str,
    path: str = "/oauth/token",
) -> None:
    """Serve the OAuth 2.0 client-credentials grant at ``path`` (basic auth or form fields)."""

    def token(request: FakeRequest) -> FakeResponse:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        given_id, given_secret = form.get("client_id"), form.get("client_secret")
        header = request.header("authorization") or ""
        if header.lower().startswith("basic "):
            given_id, _, given_secret = base64.b64decode(header[6:]).decode().partition(":")
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if (given_id, given_secret) != (client_id, client_secret):
            return json_response(
                {"error": "invalid_client", "error_description": "client authentication failed"},
                401,
            )
        return json_response(
            {"access_token": issuer.issue(), "token_type": "Bearer", "expires_in": issuer.lifetime}
        )

    server.add_route("POST", path, token)
