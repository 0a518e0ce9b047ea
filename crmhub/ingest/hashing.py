"""Stable hashes: of a raw record (is it the same as last time?) and of canonical content."""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import orjson


def _digest(text: str) -> str:
    return blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def raw_hash(data: dict[str, Any], mapping_fingerprint: str) -> str:
    """Hash of a source record's payload *and* the mapping that reads it.

    Folding the mapping in means that after a mapping changes every record is mapped again on
    the next sync, while an unchanged record under an unchanged mapping is skipped before any
    mapping work is done (which is what makes an unchanged rerun cheap).
    """
    payload = orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str)
    return blake2b(mapping_fingerprint.encode() + b"\x00" + payload, digest_size=16).hexdigest()


def text_fingerprint(text: str) -> str:
    return _digest(text)
