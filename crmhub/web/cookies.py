"""The workbench's cookies: signed, HttpOnly, SameSite=Lax, Secure over https, scoped to the
app's path (so two apps mounted on one host do not see each other's cookies)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request, Response
from itsdangerous import BadSignature, Signer

SESSION_COOKIE = "crmhub_session"
CSRF_COOKIE = "crmhub_csrf"


class CookieJar:
    """Signs, reads and sets the app's cookies."""

    def __init__(self, secret: str, secure: bool | None) -> None:
        self._signer = Signer(secret, salt="crmhub.web.cookie")
        self._secure = secure

    def read(self, request: Request, name: str) -> str | None:
        """The value of cookie ``name`` if present and its signature is good, else None."""
        signed = request.cookies.get(name)
        if not signed:
            return None
        try:
            return self._signer.unsign(signed).decode()
        except BadSignature:
            return None

    def write(
        self, request: Request, response: Response, name: str, value: str, max_age: timedelta
    ) -> None:
        """Set cookie ``name`` to the signed ``value`` on ``response``."""
        response.set_cookie(
            name,
            self._signer.sign(value).decode(),
            max_age=int(max_age.total_seconds()),
            path=cookie_path(request),
            secure=self._is_secure(request),
            httponly=True,
            samesite="lax",
        )

    def clear(self, request: Request, response: Response, name: str) -> None:
        """Delete cookie ``name`` from the browser."""
        response.delete_cookie(
            name,
            path=cookie_path(request),
            secure=self._is_secure(request),
            httponly=True,
            samesite="lax",
        )

    def _is_secure(self, request: Request) -> bool:
        return request.url.scheme == "https" if self._secure is None else self._secure


def cookie_path(request: Request) -> str:
    """The app's own path: its root path (where it is mounted) or ``/``."""
    root = request.scope.get("root_path", "").rstrip("/")
    return root + "/" if root else "/"
