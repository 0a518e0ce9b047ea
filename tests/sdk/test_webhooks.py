"""Webhook signature checks, with each vendor's way of signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from pydantic import SecretStr

from connectors.sdk.http import sign_hmac, timestamp_is_fresh, verify_hmac

SECRET = "whsec_test"
BODY = b'{"id":820982911946154508,"email":"jon@example.com"}'


def test_shopify_style_base64_signature_accepted_and_tampering_refused() -> None:
    signature = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert verify_hmac(SECRET, BODY, signature, "base64")
    assert verify_hmac(SecretStr(SECRET), BODY, signature, "base64")
    assert not verify_hmac(SECRET, BODY.replace(b"jon", b"eve"), signature, "base64")
    assert not verify_hmac("other-secret", BODY, signature, "base64")
    assert not verify_hmac(SECRET, BODY, signature[:-4] + "AAA=", "base64")
    assert not verify_hmac(SECRET, BODY, None)
    assert not verify_hmac(SECRET, BODY, "")


def test_meta_style_prefixed_hex_signature() -> None:
    signature = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert verify_hmac(SECRET, BODY, signature, "hex", prefix="sha256=")
    assert verify_hmac(
        SECRET, BODY, signature.upper().replace("SHA256=", "sha256="), "hex", prefix="sha256="
    )
    assert not verify_hmac(
        SECRET, BODY, signature[len("sha256=") :], "hex", prefix="sha256="
    )  # prefix missing
    assert not verify_hmac(SECRET, BODY + b" ", signature, "hex", prefix="sha256=")


def test_hubspot_v3_signature_with_timestamp_tolerance() -> None:
    now = 1_790_000_000.0
    fresh_ms = str(int((now - 60) * 1000))
    stale_ms = str(int((now - 301) * 1000))
    uri = "https://hub.example.com/webhooks/hubspot?portal=1"

    def signed(timestamp: str) -> tuple[str, str]:
        payload = "POST" + uri + BODY.decode() + timestamp
        return payload, sign_hmac(SECRET, payload, "base64")

    payload, signature = signed(fresh_ms)
    assert verify_hmac(SECRET, payload, signature, timestamp=fresh_ms, tolerance=300, now=now)
    payload, signature = signed(stale_ms)
    assert not verify_hmac(SECRET, payload, signature, timestamp=stale_ms, tolerance=300, now=now)
    assert not verify_hmac(SECRET, payload, signature, timestamp="not-a-time", now=now)


def test_timestamp_freshness_in_seconds_and_milliseconds() -> None:
    now = time.time()
    assert timestamp_is_fresh(now - 10)
    assert timestamp_is_fresh(int(now * 1000) - 10_000)
    assert not timestamp_is_fresh(now - 600)
    assert not timestamp_is_fresh(now + 600)  # from the future: refused too


def test_unknown_encoding_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown signature encoding 'base32'"):
        sign_hmac(SECRET, BODY, "base32")  # type: ignore[arg-type]
