"""Incremental matching: what ``crmhub match`` does once a run has recorded what it matched.

Only the records new or changed since they were last matched are loaded and keyed; their
candidates come from a look-up of the stored blocking keys (a key held by more records
than the block-size cap makes no pair, as in a full run). Then the *area* is every record
whose cluster may change: the changed records, their candidates, the records that shared a
golden record with a changed or deleted one, the records of the stewards' decisions, the
pinned records (:mod:`crmhub.match.pins`) changed or apart from their anchor, with it, and
everything linked to those by a stored merge-level pair or a golden record, until closed.
A cluster only depends on its connected component of merge-level pairs, so clustering the
area gives what a full run gives there; the rest of the store is left as it is.

Each step is idempotent and the matched state (``match_records``) is written last, so a run
that crashes midway is simply redone by the next one.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy.engine import Connection, Engine

from crmhub.match.blocking import BlockingStats, record_keys
from crmhub.match.clustering import StewardDecisions
from crmhub.match.engine import MatchEngine, MatchResult
from crmhub.match.matched_state import (
    Changes,
    key_holders,
    load_live,
    mark_matched,
    neighbours,
    replace_keys,
    stored_pairs_among,
)
from crmhub.match.party import match_record
from crmhub.match.pins import Pin
from crmhub.match.scoring import ScoredPairs
from crmhub.match.store import MAX_KEY_LENGTH, PairScope
from crmhub.store.engine import write_transaction


class IncrementalMatch:
    """One incremental run over ``changes`` with a matcher holding the stored model."""

    def __init__(
        self,
        engine: Engine,
        matcher: MatchEngine,
        changes: Changes,
        decisions: StewardDecisions,
        constraints: StewardDecisions | None = None,
        pins: Iterable[Pin] = (),
        pending: Iterable[Pin] = (),
    ) -> None:
        """``constraints``: what the clustering obeys (default: ``decisions``, the stewards'
        alone); ``pins``: the pins among them, of which ``pending`` are not held yet. A held
        pin is reached through its golden record when either end is near a change."""
        self.engine = engine
        self.matcher = matcher
        self.changes = changes
        self.decisions = decisions
        self.constraints = constraints or decisions
        self.pins = list(pins)
        self.pending = list(pending)
        self.hashes: dict[int, str] = {}
        self.area: set[int] = set()
        self.candidate_pairs: set[tuple[int, int]] = set()
        self.keys_deleted = self.keys_inserted = 0

    def run(self) -> MatchResult:
        """Key the changed records, find their candidates and the area, cluster the area."""
        keys = self._load_changed()
        with write_transaction(self.engine) as conn:
            self.keys_deleted, self.keys_inserted = replace_keys(conn, keys, self.changes.gone)
            self.candidate_pairs = self._candidates(conn, keys)
        with self.engine.connect() as conn:
            self.area = self._closure(conn, self._seeds())
            self._load(self.area - self.hashes.keys())
            pairs = self._pairs(conn)
        stats = BlockingStats(candidate_pairs=len(self.candidate_pairs))
        return self.matcher.run_scored(pairs, stats, self.constraints)

    def scope(self) -> PairScope:
        """The stored pairs this run recomputed."""
        touched = frozenset(self.changes.changed) | frozenset(self.changes.gone)
        return PairScope(frozenset(self.loaded_ids()), touched)

    def loaded_ids(self) -> list[int]:
        """Source record ids of the records loaded (the live part of the area)."""
        table = self.matcher.table
        return [int(i) for i in table.ids[np.flatnonzero(table.active)].tolist()]

    def mark_matched(self) -> None:
        """Record the changed records' content as matched (the run's last step)."""
        mark_matched(self.engine, self.hashes, self.changes.gone)

    def _load_changed(self) -> dict[int, list[str]]:
        loaded = self._load(self.changes.changed)
        self.hashes = loaded
        rows = np.asarray([self.matcher.table.row_of(str(i)) for i in loaded], dtype=np.int64)
        keys = record_keys(self.matcher.table, rows, self.matcher.families)
        return dict(zip(loaded, keys))

    def _load(self, ids: Iterable[int]) -> dict[int, str]:
        """Load the live records among ``ids``; their content hash by id."""
        hashes: dict[int, str] = {}
        records = []
        for sid, canonical, content_hash in load_live(self.engine, sorted(set(ids))):
            records.append(match_record(sid, canonical))
            hashes[sid] = content_hash
        self.matcher.add(records)
        return hashes

    def _candidates(self, conn: Connection, keys: dict[int, list[str]]) -> set[tuple[int, int]]:
        """Pairs of a changed record and a record sharing a key held by at most cap records."""
        holders = key_holders(conn, (k for ks in keys.values() for k in ks))
        cap = self.matcher.settings.key_cap
        pairs: set[tuple[int, int]] = set()
        for sid, record_keys_ in keys.items():
            for key in record_keys_:
                held = holders.get(key[:MAX_KEY_LENGTH], [])
                if len(held) <= cap:
                    pairs.update((min(sid, o), max(sid, o)) for o in held if o != sid)
        return pairs

    def _seeds(self) -> set[int]:
        seeds = set(self.changes.changed) | set(self.changes.gone)
        seeds.update(i for pair in self.candidate_pairs for i in pair)
        seeds.update(int(i) for i in self.decisions.ids())
        near = [p for p in self.pins if p.record in seeds]
        seeds.update(i for pin in [*near, *self.pending] for i in (pin.record, pin.anchor))
        return seeds

    def _closure(self, conn: Connection, seeds: set[int]) -> set[int]:
        """``seeds`` and every record linked to them, transitively, by a stored merge-level
        pair or a shared golden record."""
        merge_weight = self.matcher.policy.merge_weight
        area, frontier = set(seeds), set(seeds)
        while frontier:
            frontier = neighbours(conn, frontier, merge_weight) - area
            area |= frontier
        return area

    def _pairs(self, conn: Connection) -> ScoredPairs:
        """The new candidate pairs and the stored pairs inside the area that are still valid,
        scored (left = the smaller id, as in a full run)."""
        stale = set(self.changes.changed) | set(self.changes.gone)
        stored = {
            p
            for p in stored_pairs_among(conn, self.loaded_ids())
            if p[0] not in stale and p[1] not in stale
        }
        table = self.matcher.table
        wanted = sorted(
            (a, b) for a, b in stored | self.candidate_pairs if str(a) in table and str(b) in table
        )
        left = np.asarray([table.row_of(str(a)) for a, _ in wanted], dtype=np.int64)
        right = np.asarray([table.row_of(str(b)) for _, b in wanted], dtype=np.int64)
        ok = self.matcher.allowed(left, right) if left.size else np.zeros(0, dtype=bool)
        return self.matcher.scorer.score(table, left[ok], right[ok])
