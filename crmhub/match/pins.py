"""Hub-made links: a record a target holds for the hub stays with the golden record it names.

A target with an ``id_field`` (Salesforce ``Crmhub_Id__c``) stores, in each record the hub
wrote there, the id of that record's golden record; the hub reads the target's stream back
as source records. Such a source record is *pinned*: whatever it scores, it ends in the
cluster of the golden record its raw payload names (merged-away ids lead to their survivor).

A pin is a must-link made by the system, not by a steward: it is rebuilt from the records on
every run, never stored as a decision, so the workbench never shows it. A steward's standing
"different" decision wins: a pin that would put in one cluster two records a steward keeps
apart is dropped, with a log line.

Each pinned record is linked to one *anchor* of its golden record: its live member with the
smallest id among those not pinned themselves (when every member is pinned, the smallest
pinned one). One link is enough to hold the record in the cluster and leaves the golden
record's own members free to split.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from crmhub.config.models import TargetConfig
from crmhub.match.clustering import StewardDecisions
from crmhub.store.schema import golden_records, source_records, xref

log = logging.getLogger(__name__)

_CHUNK = 2_000
_MAX_REDIRECTS = 100  # as crmhub.golden.records: a longer chain is a loop
_EXAMPLES = 5  # unknown ids named in the log line


@dataclass(frozen=True, slots=True)
class Pin:
    """Source record ``record`` must share a cluster with ``anchor`` (both of ``golden_id``)."""

    record: int
    anchor: int
    golden_id: str  # current: redirects followed


@dataclass(frozen=True)
class Pins:
    """The pins of one run and the live members of the golden records they name."""

    pins: tuple[Pin, ...] = ()
    members: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pins)

    def kept(self, decisions: StewardDecisions) -> list[Pin]:
        """The pins no standing steward decision contradicts (see :class:`_Components`)."""
        components = _Components(decisions)
        kept = []
        for pin in self.pins:
            reason = components.conflict(pin, self.members.get(pin.golden_id, frozenset()))
            if reason:
                log.info(
                    "source record %s is not held in golden record %s: %s",
                    pin.record,
                    pin.golden_id,
                    reason,
                )
                continue
            components.link(str(pin.record), str(pin.anchor))
            kept.append(pin)
        return kept


def unsatisfied(pins: Iterable[Pin], golden_of: Mapping[int, str]) -> list[Pin]:
    """The ``pins`` whose record is not in its anchor's golden record (yet): ``golden_of``
    gives the golden id of the pinned records and the anchors."""
    return [
        p
        for p in pins
        if p.record not in golden_of or golden_of.get(p.record) != golden_of.get(p.anchor)
    ]


def with_pins(decisions: StewardDecisions, pins: Iterable[Pin]) -> StewardDecisions:
    """The stewards' decisions plus ``pins`` as must-links (for the clustering only)."""
    return StewardDecisions.from_pairs(
        same=[*decisions.must_link, *((str(p.record), str(p.anchor)) for p in pins)],
        different=decisions.cannot_link,
    )


def load_pins(engine: Engine, targets: Mapping[str, TargetConfig]) -> Pins:
    """The pins of the live source records read from targets that have an ``id_field``."""
    with engine.connect() as conn:
        claims = _claims(conn, targets)
        if not claims:
            return Pins()
        current = _follow_redirects(conn, set(claims.values()))
        _log_unknown(claims, current)
        pinned = {sid: current[gid] for sid, gid in claims.items() if gid in current}
        members = _live_members(conn, set(pinned.values()))
    return Pins(tuple(_pins(pinned, members)), members)


def _pins(pinned: Mapping[int, str], members: Mapping[str, frozenset[int]]) -> Iterable[Pin]:
    by_golden: dict[str, list[int]] = {}
    for sid, gid in sorted(pinned.items()):
        by_golden.setdefault(gid, []).append(sid)
    for gid, records in sorted(by_golden.items()):
        anchors = sorted(m for m in members.get(gid, ()) if m not in pinned)
        anchor = anchors[0] if anchors else records[0]
        yield from (Pin(sid, anchor, gid) for sid in records if sid != anchor)


def _claims(conn: Connection, targets: Mapping[str, TargetConfig]) -> dict[int, str]:
    """Source record id -> the golden id its raw payload holds in its target's id_field."""
    s = source_records.c
    claims: dict[int, str] = {}
    streams = {(t.connection, t.stream, t.id_field) for t in targets.values() if t.id_field}
    for connection, stream, id_field in sorted(streams):  # type: ignore[type-var]
        held = s.raw[id_field].as_string()
        rows = conn.execute(
            sa.select(s.id, held).where(
                s.connection == connection,
                s.stream == stream,
                s.deleted.is_(sa.false()),
                s.canonical.is_not(None),
                held.is_not(None),
            )
        )
        for sid, value in rows:
            text = str(value).strip()
            if text:
                claims[int(sid)] = text
    return claims


def _follow_redirects(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    """Each of ``ids`` that is a golden id -> the golden record it stands for now."""
    g = golden_records.c
    redirect_of: dict[str, str | None] = {}
    asked: set[str] = set()
    wanted = set(ids)
    for _ in range(_MAX_REDIRECTS):
        missing = sorted(wanted - asked)
        if not missing:
            break
        asked.update(missing)
        for start in range(0, len(missing), _CHUNK):
            query = sa.select(g.id, g.redirect_to).where(g.id.in_(missing[start : start + _CHUNK]))
            redirect_of.update((str(gid), to) for gid, to in conn.execute(query))
        wanted = {str(to) for to in redirect_of.values() if to is not None}
    out = {}
    for gid in ids:
        at, hops = gid, 0
        while redirect_of.get(at) is not None and hops < _MAX_REDIRECTS:
            at, hops = str(redirect_of[at]), hops + 1
        if at in redirect_of and redirect_of[at] is None:
            out[gid] = at
    return out


def _log_unknown(claims: Mapping[int, str], current: Mapping[str, str]) -> None:
    unknown = sorted((sid, gid) for sid, gid in claims.items() if gid not in current)
    if unknown:
        examples = ", ".join(f"record {sid}: {gid!r}" for sid, gid in unknown[:_EXAMPLES])
        log.warning(
            "%d source records hold an id that is no golden record in their target's id_field "
            "(%s); they are matched like any other record",
            len(unknown),
            examples,
        )


def _live_members(conn: Connection, golden_ids: Collection[str]) -> dict[str, frozenset[int]]:
    s, x = source_records.c, xref.c
    found: dict[str, set[int]] = {gid: set() for gid in golden_ids}
    ordered = sorted(golden_ids)
    for start in range(0, len(ordered), _CHUNK):
        rows = conn.execute(
            sa.select(x.golden_id, x.source_record_id)
            .join(source_records, s.id == x.source_record_id)
            .where(
                x.golden_id.in_(ordered[start : start + _CHUNK]),
                s.deleted.is_(sa.false()),
                s.canonical.is_not(None),
            )
        )
        for gid, sid in rows:
            found[gid].add(int(sid))
    return {gid: frozenset(ids) for gid, ids in found.items()}


class _Components:
    """Must-link components (union-find over record ids) with the stewards' cannot-links: a
    pin is refused when it would join a component holding a record a steward keeps apart
    from a record of the other component or of the golden record it names."""

    def __init__(self, decisions: StewardDecisions) -> None:
        self._parent: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._apart: dict[str, set[str]] = {}
        for a, b in decisions.cannot_link:
            self._apart.setdefault(a, set()).add(b)
            self._apart.setdefault(b, set()).add(a)
        for a, b in sorted(decisions.must_link):
            self.link(a, b)

    def find(self, x: str) -> str:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        self._parent[x] = root
        return root

    def component(self, x: str) -> set[str]:
        return self._members.get(self.find(x), {x})

    def link(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ma, mb = self.component(a), self.component(b)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self._parent[rb] = ra
        self._members[ra] = ma | mb
        self._members.pop(rb, None)

    def conflict(self, pin: Pin, golden_members: frozenset[int]) -> str | None:
        """Why ``pin`` may not hold (a steward's "different" decision it would break), or None."""
        other = self.component(str(pin.anchor))
        together = {str(m) for m in golden_members} | other
        for mine in sorted(self.component(str(pin.record))):
            for apart in sorted(self._apart.get(mine, ())):
                if apart in together or self.find(apart) == self.find(str(pin.anchor)):
                    return f"a steward decided {mine} and {apart} are different"
        return None
