"""The speed work changed no result: 2,000 records validate exactly as they did before it.

``data/identity_2000.json.gz`` was written by ``make_identity_fixture.py`` with the canonical
package as it was before the fast paths and the leaner validators (see that script for what
the records hold: the benchmark's ERP export as mapped by the ingest, and messier variants
with foreign phones, odd e-mails, other EU VAT numbers, every legal-form spelling, stored
values, other default countries and inputs the model refuses). Each record must give the
same stored dump, the same full JSON dump, the same content hash, the same Python ``repr``
(types included: enums, time zones, decimals) or the same validation errors.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from canonical import Party

FIXTURE = Path(__file__).parent / "data" / "identity_2000.json.gz"
# Party.model_json_schema() before the speed work; the ingest fingerprints the model by it
# (crmhub.mapping.loader.model_fingerprint), so a change would make every source map again.
SCHEMA = Path(__file__).parent / "data" / "party_json_schema.json"


def _cases() -> list[dict[str, Any]]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
        cases: list[dict[str, Any]] = json.load(handle)
    return cases


CASES = _cases()


def _outcome(case: dict[str, Any]) -> dict[str, Any]:
    """What the current code makes of one recorded input, in the fixture's terms."""
    try:
        party = Party.model_validate(case["input"], context={"default_country": case["country"]})
    except ValidationError as exc:
        return {
            "errors": [
                {"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
        }
    dump, content_hash = party.canonical_dump()
    assert party.content_hash() == content_hash, "content_hash() and canonical_dump() disagree"
    return {
        "dump": dump,
        "full": party.model_dump(mode="json"),
        "hash": content_hash,
        "repr": hashlib.blake2b(repr(party).encode(), digest_size=16).hexdigest(),
    }


def test_the_json_schema_is_unchanged() -> None:
    assert Party.model_json_schema() == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_the_fixture_covers_valid_invalid_and_refused_records() -> None:
    refused = [c for c in CASES if "errors" in c]
    kept = [c for c in CASES if "dump" in c]
    invalid_values = [
        c
        for c in kept
        for key in ("phones", "emails", "identifiers")
        for item in c["full"][key]
        if not item["valid"]
    ]
    assert len(CASES) == 2000
    assert len(refused) > 100 and len(kept) > 1700 and len(invalid_values) > 300
    assert {c["country"] for c in CASES} > {"IT", "DE", "FR"}


@pytest.mark.parametrize("chunk", range(10))
def test_every_record_validates_as_before(chunk: int) -> None:
    mismatches = []
    for index in range(chunk, len(CASES), 10):
        case = CASES[index]
        expected = {k: case[k] for k in ("errors", "dump", "full", "hash", "repr") if k in case}
        got = _outcome(case)
        if got != expected:
            differing = sorted(k for k in expected if got.get(k) != expected[k])
            mismatches.append((index, differing, case["input"], got, expected))
    assert not mismatches, _describe(mismatches)


def _describe(mismatches: list[tuple[Any, ...]]) -> str:
    lines = [f"{len(mismatches)} records differ; the first ones:"]
    for index, differing, data, got, expected in mismatches[:3]:
        lines.append(f"record {index}: {', '.join(differing)} differ; input {data!r}")
        for key in differing:
            lines.append(f"  {key}: now {got.get(key)!r}")
            lines.append(f"  {key}: was {expected[key]!r}")
    return "\n".join(lines)
