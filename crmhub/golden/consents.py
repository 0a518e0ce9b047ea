"""Which consent events a golden record keeps: one per (channel, purpose), under this policy.

For each (channel, purpose), among the events of all live sources:

1. The latest **opt-out** (withdrawal or objection), if any, stands against every opt-in
   captured before it *or at the same instant* (on a tie, the withdrawal wins).
2. It is lifted only by a **re-consent**: an opt-in captured strictly later whose legal basis
   is ``consent`` (an affirmative act by the person). An opt-in on another basis (legitimate
   interest, contract, ...) never overrides a withdrawal: under GDPR art. 21(3) an objection
   to direct marketing cannot be outweighed. The latest such re-consent is kept.
3. Without an opt-out, the latest opt-in is kept.
4. ``pending`` (asked, not yet answered, e.g. an unconfirmed double opt-in) is kept only when
   there is no decided event at all: it neither grants nor withdraws anything.

Events with the same status and instant from several sources are one event; the lineage
names every source holding it. An ``any`` channel is its own group (``Party.consent_status``
already lets an ``any`` event count for every channel). Events with equal status and instant
but different details are decided by the usual tie-break (source priority, recency, identity).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from crmhub.golden.rules import Candidate

OPT_IN, OPT_OUT, PENDING = "opt_in", "opt_out", "pending"
EXPLICIT_CONSENT = "consent"  # the legal basis that can lift a withdrawal (the model's default)


@lru_cache(maxsize=65536)
def instant(text: str) -> float:
    """An ISO 8601 timestamp as a POSIX timestamp (the canonical JSON writes "...Z")."""
    return datetime.fromisoformat(text).timestamp()


def _captured(c: Candidate) -> float:
    return instant(str(c.value["captured_at"]))


def _basis(c: Candidate) -> str:
    return str(c.value.get("legal_basis", EXPLICIT_CONSENT))


def surviving_consents(
    candidates: Sequence[Candidate], tie_break: Callable[[Candidate], tuple[Any, ...]]
) -> list[tuple[Candidate, list[int]]]:
    """The kept event of each (channel, purpose), sorted by channel then purpose, each with the
    ids of the sources holding the same event (same status and instant)."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in candidates:
        groups.setdefault((str(c.value["channel"]), str(c.value["purpose"])), []).append(c)
    kept = []
    for group_key in sorted(groups):
        group = groups[group_key]
        winner = _decide(group, tie_break)
        same = {
            c.source.id
            for c in group
            if c.value["status"] == winner.value["status"] and _captured(c) == _captured(winner)
        }
        kept.append((winner, sorted(same)))
    return kept


def _latest(
    events: list[Candidate], tie_break: Callable[[Candidate], tuple[Any, ...]]
) -> Candidate | None:
    if not events:
        return None
    return min(events, key=lambda c: (-_captured(c), *tie_break(c)))


def _decide(group: list[Candidate], tie_break: Callable[[Candidate], tuple[Any, ...]]) -> Candidate:
    opt_ins = [c for c in group if c.value["status"] == OPT_IN]
    withdrawal = _latest([c for c in group if c.value["status"] == OPT_OUT], tie_break)
    if withdrawal is not None:
        after = _captured(withdrawal)
        re_consents = [c for c in opt_ins if _basis(c) == EXPLICIT_CONSENT and _captured(c) > after]
        return _latest(re_consents, tie_break) or withdrawal
    latest = _latest(opt_ins, tie_break) or _latest(
        [c for c in group if c.value["status"] == PENDING], tie_break
    )
    if latest is None:  # only statuses this policy does not know: keep the latest of them
        latest = _latest(group, tie_break)
    assert latest is not None  # a group is never empty
    return latest
