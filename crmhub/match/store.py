"""The SQL side of matching: what the match job reads from the hub store and writes back.

Reads: live source records' canonical JSON (in id order, batch by batch), the stewards'
standing decisions, the latest stored model, a source record named on the command line.
Writes: the model (``match_models``, keyed by a hash of its parameters), the scored pairs
(``match_pairs``, diffed so that an unchanged rerun writes nothing) and the blocking keys
(``blocking_keys``, diffed, for a later incremental mode that looks candidates up by key).

Match record ids are the source record ids as strings (``"42"``); this module converts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.errors import UsageError
from crmhub.golden.decisions import DIFFERENT, SAME, latest_decisions
from crmhub.match.clustering import StewardDecisions
from crmhub.match.gc_pacing import fewer_collections
from crmhub.match.model import FellegiSunterModel
from crmhub.store.engine import write_transaction
from crmhub.store.schema import (
    blocking_keys,
    match_models,
    match_pairs,
    source_records,
    steward_decisions,
)
from crmhub.store.types import utc_now

#: blocking_keys.key is a String(255); longer keys are cut (they still block, a bit wider).
MAX_KEY_LENGTH = 255
_WRITE_CHUNK = 5_000

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PairRow:
    """One scored pair as ``match_pairs`` holds it (``a_id < b_id``)."""

    a_id: int
    b_id: int
    score: float
    probability: float
    status: str


#: Explains pairs (a_id, b_id): the JSON stored in ``match_pairs.explanation``, one per pair
#: in order (batched: a full run writes hundreds of thousands).
Explainer = Callable[[Sequence[tuple[int, int]]], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class PairWrites:
    """What :func:`write_match_pairs` changed."""

    inserted: int
    updated: int
    deleted: int


def iter_live_canonical(
    engine: Engine, batch_size: int = 5_000
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """(source record id, canonical JSON) of every live record, in batches by ascending id.

    Keyset pagination: each batch is its own short query, so memory stays bounded by
    ``batch_size`` and no cursor is held open across the caller's work.
    """
    t = source_records.c
    last_id = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.id, t.canonical)
                .where(t.deleted.is_(sa.false()), t.canonical.is_not(None), t.id > last_id)
                .order_by(t.id)
                .limit(batch_size)
            ).all()
        if not rows:
            return
        # unpacking a Row costs 2.8 µs, reading its two attributes 4.1 µs
        yield [(int(source_id), canonical) for source_id, canonical in rows]
        last_id = int(rows[-1].id)


def load_steward_decisions(engine: Engine) -> StewardDecisions:
    """The standing (latest) decision of every decided pair: same -> must-link,
    different -> cannot-link; "unsure" constrains nothing."""
    t = steward_decisions.c
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(t.a_id).union(sa.select(t.b_id))).scalars())
        standing = latest_decisions(conn, ids) if ids else {}
    return StewardDecisions.from_pairs(
        same=[(str(a), str(b)) for (a, b), d in standing.items() if d == SAME],
        different=[(str(a), str(b)) for (a, b), d in standing.items() if d == DIFFERENT],
    )


def model_version(model: FellegiSunterModel) -> str:
    """A stable id of the model's parameters: SHA-256 of its JSON without the training
    log (which holds timings), so refitting on unchanged data gives the same version."""
    params = {k: v for k, v in model.to_dict().items() if k != "training"}
    text = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def save_model(engine: Engine, model: FellegiSunterModel) -> str:
    """Store ``model`` in ``match_models`` and return its version. A version already stored
    (a refit that came out the same) gets ``created_at`` moved to now, so that
    :func:`latest_model` returns the model fitted last, and this fit's training log (the
    records it was fitted on drive the refit policy, see :mod:`crmhub.match.refit`)."""
    version = model_version(model)
    t = match_models.c
    with write_transaction(engine) as conn:
        refreshed = conn.execute(
            sa.update(match_models)
            .where(t.version == version)
            .values(created_at=utc_now(), params=model.to_dict())
        ).rowcount
        if not refreshed:
            conn.execute(
                sa.insert(match_models).values(
                    version=version, params=model.to_dict(), created_at=utc_now()
                )
            )
    return version


def latest_model(engine: Engine) -> tuple[str, FellegiSunterModel] | None:
    """The most recently stored model and its version, or None when none was stored."""
    t = match_models.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(t.version, t.params).order_by(t.created_at.desc(), t.version).limit(1)
        ).first()
    if row is None:
        return None
    return row.version, FellegiSunterModel.from_dict(row.params)


def model_by_version(engine: Engine, version: str) -> FellegiSunterModel:
    """The stored model of ``version``; :class:`UsageError` when it is not stored."""
    t = match_models.c
    with engine.connect() as conn:
        params = conn.execute(sa.select(t.params).where(t.version == version)).scalar()
    if params is None:
        raise UsageError(
            f"match model {version[:12]} is not in the store",
            hint="plan the partitioned run again (plan_partitions)",
        )
    return FellegiSunterModel.from_dict(params)


def iter_blocking_keys(engine: Engine, batch_size: int = 50_000) -> Iterator[tuple[int, str]]:
    """(source record id, ``family:key``) of every stored blocking key, read in id ranges."""
    c = blocking_keys.c
    last_id = 0
    while True:
        with engine.connect() as conn:
            high = conn.execute(
                sa.select(c.source_record_id)
                .where(c.source_record_id > last_id)
                .order_by(c.source_record_id)
                .offset(batch_size)
                .limit(1)
            ).scalar()
            query = sa.select(c.source_record_id, c.family, c.key).where(
                c.source_record_id > last_id
            )
            if high is not None:
                query = query.where(c.source_record_id <= high)
            rows = conn.execute(query).all()
        for row in rows:
            yield int(row.source_record_id), f"{row.family}:{row.key}"
        if high is None:
            return
        last_id = int(high)


def load_canonical(
    engine: Engine, ids: Sequence[int], chunk: int = 5_000
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(id, canonical JSON) of the live source records among ``ids``, by ascending id."""
    t = source_records.c
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), chunk):
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.id, t.canonical)
                .where(
                    t.id.in_(wanted[start : start + chunk]),
                    t.deleted.is_(sa.false()),
                    t.canonical.is_not(None),
                )
                .order_by(t.id)
            ).all()
        for row in rows:
            yield int(row.id), row.canonical


def write_match_pairs(
    engine: Engine,
    pairs: Sequence[PairRow],
    version: str,
    decided: StewardDecisions,
    explain: Explainer,
    scope: PairScope | None = None,
) -> PairWrites:
    """Make ``match_pairs`` hold ``pairs``: insert the new, update the changed, delete the
    previous run's pairs no longer scored, and leave decided pairs (a steward's same or
    different) exactly as they are. A rerun with the same pairs writes nothing.

    With a ``scope`` (an incremental run) only the stored pairs in it are compared with
    ``pairs``; the others are left alone.
    ``explain`` is called only for the pairs written, a chunk at a time."""
    wanted = {(p.a_id, p.b_id): p for p in pairs if decided.label(str(p.a_id), str(p.b_id)) is None}
    # explanations: a dict and a tuple per part of every pair written
    with fewer_collections(), write_transaction(engine) as conn:
        existing = _stored_pairs(conn, scope)
        stale = [
            row.id
            for key, row in existing.items()
            if key not in wanted and decided.label(str(key[0]), str(key[1])) is None
        ]
        changed = [
            (existing[key].id, pair)
            for key, pair in wanted.items()
            if key in existing and _differs(existing[key], pair, version)
        ]
        new = [pair for key, pair in wanted.items() if key not in existing]
        _delete_ids(conn, stale)
        _update_pairs(conn, changed, version, explain)
        _insert_pairs(conn, new, version, explain)
    return PairWrites(inserted=len(new), updated=len(changed), deleted=len(stale))


@dataclass(frozen=True, slots=True)
class PairScope:
    """The stored pairs an incremental run recomputed: both records in ``area``, or one of
    them in ``touched`` (records changed or gone: every pair they had is stale)."""

    area: frozenset[int]
    touched: frozenset[int]

    def holds(self, a_id: int, b_id: int) -> bool:
        """Whether the pair (a_id, b_id) is in the scope."""
        both = a_id in self.area and b_id in self.area
        return both or a_id in self.touched or b_id in self.touched


def _stored_pairs(conn: Connection, scope: PairScope | None) -> dict[tuple[int, int], sa.Row]:
    t = match_pairs.c
    query = sa.select(t.id, t.a_id, t.b_id, t.score, t.probability, t.status, t.model_version)
    if scope is None:
        return {(row.a_id, row.b_id): row for row in conn.execute(query)}
    ids = sorted(scope.area | scope.touched)
    out = {}
    for start in range(0, len(ids), 2_000):
        chunk = ids[start : start + 2_000]
        for row in conn.execute(query.where(sa.or_(t.a_id.in_(chunk), t.b_id.in_(chunk)))):
            if scope.holds(row.a_id, row.b_id):
                out[(row.a_id, row.b_id)] = row
    return out


def _differs(row: sa.Row, pair: PairRow, version: str) -> bool:
    return (row.score, row.probability, row.status, row.model_version) != (
        pair.score,
        pair.probability,
        pair.status,
        version,
    )


def _delete_ids(conn: Connection, ids: list[int]) -> None:
    for start in range(0, len(ids), _WRITE_CHUNK):
        conn.execute(
            sa.delete(match_pairs).where(match_pairs.c.id.in_(ids[start : start + _WRITE_CHUNK]))
        )


def _update_pairs(
    conn: Connection, changed: list[tuple[int, PairRow]], version: str, explain: Explainer
) -> None:
    if not changed:
        return
    statement = (
        sa.update(match_pairs)
        .where(match_pairs.c.id == sa.bindparam("pair_id"))
        .values(
            score=sa.bindparam("new_score"),
            probability=sa.bindparam("new_probability"),
            status=sa.bindparam("new_status"),
            explanation=sa.bindparam("new_explanation", type_=match_pairs.c.explanation.type),
            model_version=sa.bindparam("new_version"),
        )
    )
    for chunk in _explained(changed, lambda item: item[1], explain):
        conn.execute(
            statement,
            [
                {
                    "pair_id": pair_id,
                    "new_score": p.score,
                    "new_probability": p.probability,
                    "new_status": p.status,
                    "new_explanation": explanation,
                    "new_version": version,
                }
                for (pair_id, p), explanation in chunk
            ],
        )


def _insert_pairs(conn: Connection, new: list[PairRow], version: str, explain: Explainer) -> None:
    now = utc_now()
    for chunk in _explained(new, lambda pair: pair, explain):
        rows = [
            {
                "a_id": p.a_id,
                "b_id": p.b_id,
                "score": p.score,
                "probability": p.probability,
                "status": p.status,
                "explanation": explanation,
                "model_version": version,
                "created_at": now,
            }
            for p, explanation in chunk
        ]
        conn.execute(sa.insert(match_pairs), rows)


def _explained(
    items: Sequence[T], pair_of: Callable[[T], PairRow], explain: Explainer
) -> Iterator[list[tuple[T, dict[str, Any]]]]:
    """``items`` a write chunk at a time, each with its pair's explanation (explained per
    chunk: one comparison pass for many pairs)."""
    for start in range(0, len(items), _WRITE_CHUNK):
        chunk = items[start : start + _WRITE_CHUNK]
        pairs = [pair_of(item) for item in chunk]
        yield list(zip(chunk, explain([(p.a_id, p.b_id) for p in pairs]), strict=True))


@dataclass(frozen=True, slots=True)
class KeyWrites:
    """What :func:`sync_blocking_keys` changed, in ``blocking_keys`` rows."""

    kept: int
    inserted: int
    deleted: int


def sync_blocking_keys(
    engine: Engine, keys: Iterable[tuple[int, Sequence[str]]], chunk: int = 20_000
) -> KeyWrites:
    """Make ``blocking_keys`` hold exactly ``(source record id, keys)`` (ids ascending; keys
    ``family:value`` as the engine makes them). Diffed id range by id range, so an unchanged
    rerun only reads, and records left out (deleted at their source) lose their keys."""
    kept = inserted = deleted = 0
    with fewer_collections(), write_transaction(engine) as conn:  # a tuple per key
        low = 0  # ids <= low are done
        for batch in _id_chunks(keys, chunk):
            high = batch[-1][0]
            k, i, d = _sync_key_range(conn, low, high, batch)
            kept, inserted, deleted = kept + k, inserted + i, deleted + d
            low = high
        c = blocking_keys.c
        deleted += conn.execute(sa.delete(blocking_keys).where(c.source_record_id > low)).rowcount
    return KeyWrites(kept, inserted, deleted)


KeyRow = tuple[str, str, int]


def _id_chunks(
    keys: Iterable[tuple[int, Sequence[str]]], size: int
) -> Iterator[list[tuple[int, Sequence[str]]]]:
    batch: list[tuple[int, Sequence[str]]] = []
    last = 0
    for source_id, record_keys in keys:
        if source_id <= last:
            raise ValueError(f"blocking keys must come by ascending id: {source_id} after {last}")
        last = source_id
        batch.append((source_id, record_keys))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sync_key_range(
    conn: Connection, low: int, high: int, batch: list[tuple[int, Sequence[str]]]
) -> tuple[int, int, int]:
    """Diff the stored keys of ids in (low, high] against ``batch``; (kept, inserted, deleted)."""
    c = blocking_keys.c
    wanted: set[KeyRow] = set()
    for source_id, record_keys in batch:
        for key in record_keys:
            family, _, value = key[:MAX_KEY_LENGTH].partition(":")
            wanted.add((family, value, source_id))
    stored: set[KeyRow] = {
        (row.family, row.key, row.source_record_id)
        for row in conn.execute(
            sa.select(c.family, c.key, c.source_record_id).where(
                c.source_record_id > low, c.source_record_id <= high
            )
        )
    }
    gone, new = stored - wanted, wanted - stored
    if gone:
        conn.execute(
            sa.delete(blocking_keys).where(
                c.family == sa.bindparam("f"),
                c.key == sa.bindparam("k"),
                c.source_record_id == sa.bindparam("s"),
            ),
            [{"f": f, "k": k, "s": s} for f, k, s in gone],
        )
    if new:
        conn.execute(
            sa.insert(blocking_keys),
            [{"family": f, "key": k, "source_record_id": s} for f, k, s in new],
        )
    return len(stored & wanted), len(new), len(gone)


def resolve_source_record(engine: Engine, ref: str) -> tuple[int, dict[str, Any]]:
    """The (id, canonical JSON) of a live source record named by its id (``"42"``) or by
    ``CONNECTION/STREAM/KEY``; :class:`UsageError` naming ``ref`` when there is none."""
    t = source_records.c
    query = sa.select(t.id, t.canonical, t.deleted)
    if ref.isdigit():
        query = query.where(t.id == int(ref))
    else:
        parts = ref.split("/", 2)
        if len(parts) != 3 or not all(parts):
            raise UsageError(
                f"source record {ref!r} is neither an id nor CONNECTION/STREAM/KEY",
                hint="e.g. 42 or legacy_crm/customers/C001",
            )
        connection, stream, key = parts
        query = query.where(t.connection == connection, t.stream == stream, t.source_key == key)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise UsageError(
            f"no source record {ref!r} in the store",
            hint="name it by source_records.id or as CONNECTION/STREAM/KEY "
            "(the key as the source system gives it)",
        )
    if row.deleted or row.canonical is None:
        raise UsageError(
            f"source record {ref!r} (id {row.id}) is deleted at its source",
            hint="only live records are matched",
        )
    return int(row.id), row.canonical
