"""The store side of incremental matching: what was matched, what changed, what is near.

``match_records`` holds the content hash of each source record as it was last matched.
An incremental run reads the live records whose hash differs or that have no row (new or
changed) and the rows whose record is gone (deleted at its source); it replaces their
blocking keys, looks their candidates up by key, and walks the stored merge-level pairs and
the golden records' cross-references to find every record whose cluster may change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.match.store import MAX_KEY_LENGTH
from crmhub.store.engine import write_transaction
from crmhub.store.schema import blocking_keys, match_pairs, match_records, source_records, xref
from crmhub.store.types import utc_now

_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class Changes:
    """Source record ids to (re)match and ids to unmatch since the last match run."""

    changed: list[int]
    gone: list[int]

    def __bool__(self) -> bool:
        return bool(self.changed or self.gone)


def has_matched_state(engine: Engine) -> bool:
    """True once a match run recorded what it matched."""
    with engine.connect() as conn:
        return (
            conn.execute(sa.select(match_records.c.source_record_id).limit(1)).first() is not None
        )


def find_changes(engine: Engine) -> Changes:
    """Live records new or changed since matched, and matched records now deleted."""
    s, m = source_records.c, match_records.c
    live = sa.and_(s.deleted.is_(sa.false()), s.canonical.is_not(None))
    with engine.connect() as conn:
        changed = conn.execute(
            sa.select(s.id)
            .select_from(source_records.outerjoin(match_records, m.source_record_id == s.id))
            .where(live, sa.or_(m.source_record_id.is_(None), m.content_hash != s.content_hash))
            .order_by(s.id)
        ).scalars()
        changed_ids = [int(i) for i in changed]
        gone = conn.execute(
            sa.select(m.source_record_id)
            .join(source_records, s.id == m.source_record_id)
            .where(sa.not_(live))
            .order_by(m.source_record_id)
        ).scalars()
        return Changes(changed_ids, [int(i) for i in gone])


def load_live(engine: Engine, ids: Collection[int]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(id, canonical JSON, content hash) of the live records among ``ids``, by id."""
    s = source_records.c
    for chunk in _chunks(sorted(ids)):
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(s.id, s.canonical, s.content_hash)
                .where(s.id.in_(chunk), s.deleted.is_(sa.false()), s.canonical.is_not(None))
                .order_by(s.id)
            ).all()
        for row in rows:
            yield int(row.id), row.canonical, str(row.content_hash)


def replace_keys(
    conn: Connection, keys: Mapping[int, Sequence[str]], gone: Sequence[int]
) -> tuple[int, int]:
    """Make the blocking keys of ``keys``' records exactly theirs; drop those of ``gone``.
    Returns (rows deleted, rows inserted)."""
    c = blocking_keys.c
    deleted = 0
    for chunk in _chunks([*keys, *gone]):
        deleted += conn.execute(
            sa.delete(blocking_keys).where(c.source_record_id.in_(chunk))
        ).rowcount
    rows = {
        (family, value, source_id)
        for source_id, record_keys in keys.items()
        for family, _, value in (key[:MAX_KEY_LENGTH].partition(":") for key in record_keys)
    }
    values = [{"family": f, "key": k, "source_record_id": s} for f, k, s in sorted(rows)]
    for start in range(0, len(values), 5_000):
        conn.execute(sa.insert(blocking_keys), values[start : start + 5_000])
    return deleted, len(values)


def count_keys(engine: Engine) -> int:
    """Rows in ``blocking_keys``."""
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(blocking_keys)).scalar_one())


def key_holders(conn: Connection, keys: Iterable[str]) -> dict[str, list[int]]:
    """Every record holding each of ``keys`` (``family:value``).

    Asked family by family (``family = ? AND key IN (...)``): SQLite does not use the
    (family, key) index for a list of (family, key) tuples and scanned the whole table per
    chunk, over a minute for 10,000 new records against a 1M-record store."""
    c = blocking_keys.c
    values_by_family: dict[str, set[str]] = {}
    for key in keys:
        family, _, value = key[:MAX_KEY_LENGTH].partition(":")
        values_by_family.setdefault(family, set()).add(value)
    holders: dict[str, list[int]] = {}
    for family, values in sorted(values_by_family.items()):
        for chunk in _chunks(sorted(values), 500):
            rows = conn.execute(
                sa.select(c.key, c.source_record_id).where(c.family == family, c.key.in_(chunk))
            )
            for value, source_id in rows:
                holders.setdefault(f"{family}:{value}", []).append(int(source_id))
    return holders


def neighbours(conn: Connection, ids: Collection[int], merge_weight: float) -> set[int]:
    """Records linked to ``ids`` by a stored pair at merge level or by a golden record."""
    p, x = match_pairs.c, xref.c
    found: set[int] = set()
    for chunk in _chunks(sorted(ids)):
        strong = p.score >= merge_weight
        found.update(conn.execute(sa.select(p.b_id).where(p.a_id.in_(chunk), strong)).scalars())
        found.update(conn.execute(sa.select(p.a_id).where(p.b_id.in_(chunk), strong)).scalars())
        golden = sa.select(x.golden_id).where(x.source_record_id.in_(chunk))
        found.update(
            conn.execute(sa.select(x.source_record_id).where(x.golden_id.in_(golden))).scalars()
        )
    return {int(i) for i in found}


def stored_pairs_among(conn: Connection, ids: Collection[int]) -> list[tuple[int, int]]:
    """Stored pairs with both records in ``ids``."""
    p = match_pairs.c
    wanted = set(ids)
    out = []
    for chunk in _chunks(sorted(wanted)):
        for a, b in conn.execute(sa.select(p.a_id, p.b_id).where(p.a_id.in_(chunk))):
            if b in wanted:
                out.append((int(a), int(b)))
    return out


def mark_matched(engine: Engine, hashes: Mapping[int, str], gone: Sequence[int]) -> None:
    """Record ``hashes`` as the matched content of their records; forget ``gone``."""
    m = match_records.c
    now = utc_now()
    with write_transaction(engine) as conn:
        for chunk in _chunks([*hashes, *gone]):
            conn.execute(sa.delete(match_records).where(m.source_record_id.in_(chunk)))
        rows = [
            {"source_record_id": sid, "content_hash": h, "matched_at": now}
            for sid, h in hashes.items()
        ]
        for start in range(0, len(rows), 5_000):
            conn.execute(sa.insert(match_records), rows[start : start + 5_000])


def mark_all_matched(engine: Engine, loaded_before: datetime) -> None:
    """After a full run: every live record unchanged since ``loaded_before`` is matched
    (one changed during the run keeps its old state, so the next run picks it up)."""
    s = source_records.c
    with write_transaction(engine) as conn:
        conn.execute(sa.delete(match_records))
        conn.execute(
            sa.insert(match_records).from_select(
                ["source_record_id", "content_hash", "matched_at"],
                sa.select(
                    s.id, s.content_hash, sa.literal(utc_now(), match_records.c.matched_at.type)
                ).where(
                    s.deleted.is_(sa.false()),
                    s.canonical.is_not(None),
                    s.content_hash.is_not(None),
                    s.updated_at <= loaded_before,
                ),
            )
        )


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def golden_ids_of(engine: Engine, ids: Collection[int]) -> dict[int, str]:
    """The golden record id of each of ``ids`` that has one."""
    x = xref.c
    out: dict[int, str] = {}
    with engine.connect() as conn:
        for chunk in _chunks(sorted(ids)):
            rows = conn.execute(
                sa.select(x.source_record_id, x.golden_id).where(x.source_record_id.in_(chunk))
            )
            out.update((int(sid), str(gid)) for sid, gid in rows)
    return out
