"""CSRF protection for forms: a signed double-submit token bound to the login session.

A browser gets a random value in the signed ``crmhub_csrf`` cookie; every form carries
``HMAC(secret, value | session token)``. Another site can make the browser post a form but
can neither read the cookie nor compute the HMAC, and a token from before a login does not
work after it (the session token is part of it).
"""

from __future__ import annotations

import hashlib
import hmac

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token(secret: str, browser_value: str, session_token: str | None) -> str:
    """The token forms must carry for this browser and session."""
    message = f"{browser_value}|{session_token or ''}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def csrf_matches(
    secret: str, browser_value: str | None, session_token: str | None, submitted: str | None
) -> bool:
    """True if ``submitted`` is the token for this browser and session."""
    if not browser_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret, browser_value, session_token), submitted)
