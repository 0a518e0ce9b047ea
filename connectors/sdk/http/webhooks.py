"""Webhook signatures: HMAC-SHA256 in base64 or hex, compared in constant time, with an optional
freshness check on the sender's timestamp.

What gets signed differs by vendor; the caller builds ``payload`` accordingly:
Shopify and WooCommerce sign the raw body (base64); Meta the raw body (hex, ``sha256=`` prefix);
HubSpot v3 signs ``method + uri + body + timestamp`` (base64) and sends the timestamp in ms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Literal

from pydantic import SecretStr

Encoding = Literal["base64", "hex"]
# A timestamp above this is in milliseconds (about year 2286 in seconds).
_MILLISECONDS_THRESHOLD = 10_000_000_000


def _as_bytes(value: str | bytes | SecretStr) -> bytes:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value.encode("utf-8") if isinstance(value, str) else value


def sign_hmac(
    secret: str | bytes | SecretStr, payload: str | bytes, encoding: Encoding = "base64"
) -> str:
    """The HMAC-SHA256 of ``payload`` under ``secret``, encoded as ``encoding``."""
    digest = hmac.new(_as_bytes(secret), _as_bytes(payload), hashlib.sha256).digest()
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return base64.b64encode(digest).decode("ascii")
    raise ValueError(f"unknown signature encoding {encoding!r}: use 'base64' or 'hex'")


def timestamp_is_fresh(
    timestamp: float | str, tolerance: float = 300.0, now: float | None = None
) -> bool:
    """True when ``timestamp`` (epoch seconds or milliseconds) is within ``tolerance`` s of now."""
    try:
        value = float(timestamp)
    except (TypeError, ValueError):
        return False
    if value > _MILLISECONDS_THRESHOLD:
        value /= 1000.0
    return abs((time.time() if now is None else now) - value) <= tolerance


def verify_hmac(
    secret: str | bytes | SecretStr,
    payload: str | bytes,
    signature: str | None,
    encoding: Encoding = "base64",
    *,
    prefix: str = "",
    timestamp: float | str | None = None,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when ``signature`` is the HMAC-SHA256 of ``payload`` under ``secret``.

    ``prefix`` is a required marker before the digest (Meta's ``"sha256="``). With ``timestamp``,
    a signature older or newer than ``tolerance`` seconds is refused too (replay protection).
    """
    if not signature or not signature.startswith(prefix):
        return False
    if timestamp is not None and not timestamp_is_fresh(timestamp, tolerance, now):
        return False
    expected = sign_hmac(secret, payload, encoding)
    given = signature[len(prefix) :].strip()
    if encoding == "hex":
        given = given.lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", errors="replace"))
