"""Golden record ids: ULIDs (26 characters, sortable by creation time, never reused)."""

from __future__ import annotations

import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # base 32 without I, L, O, U


def new_golden_id() -> str:
    """A new ULID: 48 bits of milliseconds since the epoch, then 80 random bits, base 32."""
    number = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        number, digit = divmod(number, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))
