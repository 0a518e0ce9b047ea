"""``crmhub`` with the canonical record's build replaced by a cheaper stand-in, for
``bench/ingest_ceiling.py``: what the rest of the ingest costs when that part costs less.

    python bench/ingest/ceiling_run.py STAND_IN CRMHUB_ARGS...

STAND_IN is one of ``STAND_INS``. The records this stores are NOT canonical records: run it
only on a throw-away project. Workers are forked from this process, so they see the stand-in.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from connectors.sdk import SourceRecord
from crmhub.ingest import mapper
from crmhub.ingest.writer import NewVersion
from crmhub.mapping.compiler import CompiledMapping


def _stored(record: SourceRecord, raw_hash: str, canonical: dict[str, object]) -> NewVersion:
    return NewVersion(
        key=record.key, raw=record.data, raw_hash=raw_hash, canonical=canonical, content_hash=raw_hash,
        party_kind="person", display_name=None, source_updated_at=None,
    )


def mapped_only(record: SourceRecord, mapping: CompiledMapping, raw_hash: str) -> NewVersion:
    """The mapping runs; the canonical model's validation, normalisation, dump and hash do not."""
    mapped, _ = mapping.apply(record.data)
    return _stored(record, raw_hash, mapped)


def nothing_built(record: SourceRecord, mapping: CompiledMapping, raw_hash: str) -> NewVersion:
    """Nothing of the record is built: what is left is reading, hashing, shipping and storing."""
    return _stored(record, raw_hash, {"kind": "person"})


STAND_INS: dict[str, Callable[[SourceRecord, CompiledMapping, str], NewVersion]] = {
    "mapped-only": mapped_only,
    "nothing-built": nothing_built,
}


def main() -> None:
    stand_in, *args = sys.argv[1:]
    if stand_in not in STAND_INS:
        raise SystemExit(f"unknown stand-in {stand_in!r}: one of {', '.join(STAND_INS)}")
    if not callable(getattr(mapper, "build_version", None)):  # setting it would add a name no one calls
        raise SystemExit("crmhub.ingest.mapper has no build_version any more: update this stand-in")
    mapper.build_version = STAND_INS[stand_in]  # type: ignore[assignment]
    from crmhub.cli.main import app

    app(args, prog_name="crmhub")


if __name__ == "__main__":
    main()
