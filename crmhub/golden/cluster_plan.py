"""Planning how a batch of clusters changes the golden records: a pure function.

A cluster is the complete set of source records that describe one customer. After it is
applied, the records of each cluster share one golden record and no other record is in it.
Records of an existing golden record that no cluster names ("the remainder") stay together.
Source records deleted at their source (tombstones) that no cluster names follow their
golden record's id.

Which id each group gets, so that ids stay stable:

* each group (cluster or remainder) can keep the id of a golden record it shares source
  records with; the pairs are taken greedily, largest overlap first. On equal overlap the
  older golden record (created first, then the smaller id) goes first, and a remainder goes
  before a cluster (what did not move keeps the id), then clusters by their smallest id.
  So a merge keeps the id of the record with the most sources (then the older one), and a
  split leaves the id with the part keeping the most sources;
* a group left without an id gets a new one;
* a golden record whose id no group kept has given all its sources away: it redirects to the
  group that took the most of them (the merge survivor).

The outcome depends only on the clusters and the store, not on the order of the input,
except through which batch a cluster is in (``apply_clusters`` documents this).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class GoldenState:
    """What the planner knows of an existing golden record."""

    id: str
    created_at: datetime
    members: frozenset[int]


@dataclass(slots=True)
class Group:
    """Source records that end up in one golden record."""

    members: frozenset[int]
    remainder_of: str | None  # the golden record a remainder stays in; None for a cluster
    golden_id: str = ""
    is_new: bool = False

    @property
    def order(self) -> tuple[int, str, int]:
        """Remainders before clusters, then by golden id or smallest source id."""
        if self.remainder_of is not None:
            return (0, self.remainder_of, 0)
        return (1, "", min(self.members))


@dataclass(slots=True)
class BatchPlan:
    """Where every source record of the batch goes, and what happens to the golden records."""

    groups: list[Group]
    owner: dict[int, str]  # source record id -> golden id after the batch
    redirects: dict[str, str] = field(default_factory=dict)  # merged-away id -> survivor id

    def members(self) -> dict[str, list[int]]:
        """Golden id -> its source record ids after the batch, for every group's golden id
        (what xref holds once the plan is written)."""
        found: dict[str, list[int]] = {group.golden_id: [] for group in self.groups}
        for sid, gid in self.owner.items():
            if gid in found:
                found[gid].append(sid)
        return found

    @property
    def new_ids(self) -> list[str]:
        """Golden ids the plan creates, in group order."""
        return [g.golden_id for g in self.groups if g.is_new]


def plan_batch(
    clusters: Sequence[frozenset[int]],
    goldens: Mapping[str, GoldenState],
    link_of: Mapping[int, str],
    dead: Collection[int],
    new_id: Callable[[], str],
) -> BatchPlan:
    """Plan ``clusters`` (disjoint) against the golden records they touch.

    Args:
        goldens: every golden record linked to a source record of ``clusters``, with all its members.
        link_of: source record id -> its golden id, for the linked ones.
        dead: source record ids deleted at their source.
        new_id: makes a new golden id.
    """
    named = frozenset().union(*clusters)
    groups = [Group(cluster, None) for cluster in clusters]
    for gid in sorted(goldens):
        rest = goldens[gid].members - named
        live_rest = frozenset(s for s in rest if s not in dead)
        if live_rest:
            groups.append(Group(live_rest, gid))
    taken = _assign_ids(groups, goldens, link_of)
    for group in groups:
        if not group.golden_id:
            group.golden_id, group.is_new = new_id(), True
    owner = {s: group.golden_id for group in groups for s in group.members}
    plan = BatchPlan(groups, owner)
    for gid in sorted(goldens):
        if gid not in taken:
            plan.redirects[gid] = _survivor(goldens[gid].members, groups)
    for gid, state in goldens.items():  # unnamed tombstones follow their record's id
        final = plan.redirects.get(gid, gid)
        for s in state.members:
            if s not in owner:
                owner[s] = final
    return plan


def _assign_ids(
    groups: list[Group], goldens: Mapping[str, GoldenState], link_of: Mapping[int, str]
) -> set[str]:
    """Give groups the ids of existing golden records, greedily; returns the ids taken."""
    edges: list[tuple[int, datetime, str, tuple[int, str, int], int]] = []
    for index, group in enumerate(groups):
        if group.remainder_of is not None:
            overlaps = Counter({group.remainder_of: len(group.members)})
        else:
            overlaps = Counter(link_of[s] for s in group.members if s in link_of)
        for gid, count in overlaps.items():
            edges.append((-count, goldens[gid].created_at, gid, group.order, index))
    edges.sort()
    taken: set[str] = set()
    for _count, _created, gid, _order, index in edges:
        if gid not in taken and not groups[index].golden_id:
            groups[index].golden_id = gid
            taken.add(gid)
    return taken


def _survivor(members: frozenset[int], groups: list[Group]) -> str:
    """The id of the group holding most of ``members`` (then the first in group order)."""
    best = min(
        (g for g in groups if g.members & members),
        key=lambda g: (-len(g.members & members), g.order),
    )
    return best.golden_id
