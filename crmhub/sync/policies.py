"""Conflict policies: who wins a field that both the hub and the target changed since the last
sync. A table from policy to decision; every decision is recorded in ``conflicts``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crmhub.config.models import ConflictPolicy

HUB = "hub"  # the hub's value is written to the target
TARGET = "target"  # the target's value stands (it reaches the hub through the ingest)
OPEN = "open"  # nothing is written; a data steward decides


@dataclass(frozen=True, slots=True)
class Sides:
    """What a policy may look at: who owns the field and when each side last changed."""

    owner_is_hub_side: bool  # the owner is the hub or a system of record feeding it
    hub_changed_at: datetime
    target_changed_at: datetime | None


def _newest(sides: Sides) -> str:
    target_at = sides.target_changed_at
    return TARGET if target_at is not None and target_at > sides.hub_changed_at else HUB


WINNERS: dict[ConflictPolicy, Callable[[Sides], str]] = {
    ConflictPolicy.OWNER_WINS: lambda s: HUB if s.owner_is_hub_side else TARGET,
    ConflictPolicy.NEWEST_WINS: _newest,
    ConflictPolicy.MANUAL: lambda s: OPEN,
    ConflictPolicy.STEWARD: lambda s: OPEN,
    ConflictPolicy.HUB_WINS: lambda s: HUB,
    ConflictPolicy.TARGET_WINS: lambda s: TARGET,
}


def resolve(policy: ConflictPolicy, sides: Sides) -> str:
    """``hub``, ``target`` or ``open``: the decision of ``policy`` for a conflict."""
    return WINNERS[policy](sides)
