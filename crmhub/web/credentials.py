"""Random secrets handed to a client (session and API tokens) and how they are kept at rest.

Tokens are 256 random bits, so a plain SHA-256 is enough to keep them at rest: nobody can
guess their way back from the hash, and a look-up by hash is one index probe. Passwords are
weak secrets and get argon2 instead (``passwords.py``).
"""

from __future__ import annotations

import hashlib
import secrets

API_TOKEN_PREFIX = "crmhub_"


def new_token(prefix: str = "") -> str:
    """A fresh URL-safe token with 256 bits of randomness (``prefix`` in front)."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest of ``token``: what the store keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()
