"""The content hash of a party: Blake2b of its stored dump without provenance, as sorted JSON.

The text hashed is ``json.dumps(content, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` encoded as UTF-8; orjson writes the same bytes several times faster for
what a JSON-mode dump holds (strings, integers up to 64 bits, booleans, null, lists, objects:
no model has a float field), and the standard library takes over for anything orjson
refuses. ``tests/canonical/test_canonical_dump_and_hash.py`` proves the two agree.

The stored dump leaves out ``None`` values as well as defaults; hashing it gives the same
text as the defaults-only dump the hash was first defined on, because no field of any model
may be ``None`` unless ``None`` is its default (the same test checks this of every model).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

NOT_CONTENT = "provenance"  # where and when a record was read is not what it says
_DIGEST_BYTES = 16


def content_hash_of(dump: dict[str, Any]) -> str:
    """The content hash of a party's stored dump (``Party.canonical_dump``'s first item)."""
    content = {k: v for k, v in dump.items() if k != NOT_CONTENT} if NOT_CONTENT in dump else dump
    return hashlib.blake2b(sorted_json(content), digest_size=_DIGEST_BYTES).hexdigest()


def sorted_json(value: Any) -> bytes:
    """``value`` as compact JSON with sorted keys and unescaped non-ASCII text, UTF-8 encoded."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # e.g. integers beyond 64 bits: the standard library copes
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
