"""What crosses between the ingest's main process and its workers, per record, and how.

Pickling a batch of ``SourceRecord`` objects to the workers and their ``NewVersion`` results
back cost about 60 µs of CPU a record (pickling a ``NewVersion`` with its nested canonical dict
~25 µs in the worker, unpickling it ~21 µs in the main process): more than writing the record.
So a worker gets each record as a plain tuple and sends back only what the main process does not
already hold, as flat values: the canonical record as the store's JSON text, its content hash,
kind, display name and update time; or, for a rejection, its stage and reason. The main process
puts the ``NewVersion`` or ``Rejected`` back together from those and the record it sent, and
decodes the canonical dict only if something reads it (on SQLite nothing does: the writer stores
the text). About 18 µs a record remain for the round trip.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from connectors.sdk import SourceRecord
from crmhub.ingest.writer import NewVersion, Rejected
from crmhub.store.engine import dumps_json

# To a worker: (stream, key, data, position, raw hash) ...
Sent = tuple[str, str, dict[str, Any], str | None, str]
# ... and back: (canonical JSON, content hash, kind, display name, source_updated_at ISO) for a
# record built, (stage, reason) for one rejected.
Built = tuple[str, str, str, str | None, str | None]
Refused = tuple[str, str]


def sent(record: SourceRecord, raw_hash: str) -> Sent:
    """What a worker needs of ``record`` to build it."""
    return (record.stream, record.key, record.data, record.position, raw_hash)


def compact(result: NewVersion | Rejected) -> Built | Refused:
    """What a worker sends back for one record."""
    if isinstance(result, Rejected):
        return (result.stage, result.reason)
    updated = result.source_updated_at.isoformat() if result.source_updated_at else None
    return (dumps_json(result.canonical), result.content_hash, result.party_kind, result.display_name, updated)


class _Undecoded:
    """Marks a ``_FromWorker`` whose canonical dict has not been decoded yet."""


_UNDECODED: Any = _Undecoded()
_CANONICAL_SLOT: Any = NewVersion.__dict__["canonical"]  # the dataclass's own storage


class _FromWorker(NewVersion):
    """A ``NewVersion`` built by a worker: ``canonical`` is decoded from ``canonical_json`` the
    first time it is read. Decoding cost the main process more than anything else it does for
    a record, and on SQLite nothing reads it: the writer stores ``canonical_json`` as it is.

    Once ``canonical`` has been read or set, ``canonical_json`` is dropped (the dict may be
    changed in place), and a writer serialises the dict again.
    """

    __slots__ = ()

    @property  # type: ignore[override]
    def canonical(self) -> dict[str, Any]:
        value = _CANONICAL_SLOT.__get__(self, NewVersion)
        if value is _UNDECODED:
            value = orjson.loads(self.canonical_json)  # type: ignore[arg-type]
            _CANONICAL_SLOT.__set__(self, value)
            self.canonical_json = None
        return value  # type: ignore[no-any-return]

    @canonical.setter
    def canonical(self, value: dict[str, Any]) -> None:
        _CANONICAL_SLOT.__set__(self, value)
        if value is not _UNDECODED:  # (``_UNDECODED`` only comes from ``restored``)
            self.canonical_json = None


def restored(item: tuple[SourceRecord, str], answer: Built | Refused) -> NewVersion | Rejected:
    """The worker's ``answer`` for ``item``, put back together with what the main process holds."""
    record, digest = item
    if len(answer) == 2:
        return Rejected(record.key, record.data, answer[0], answer[1], record.position)
    canonical, content_hash, kind, name, updated = answer
    return _FromWorker(
        key=record.key,
        raw=record.data,
        raw_hash=digest,
        canonical=_UNDECODED,
        content_hash=content_hash,
        party_kind=kind,
        display_name=name,
        source_updated_at=datetime.fromisoformat(updated) if updated is not None else None,
        canonical_json=canonical,
    )
