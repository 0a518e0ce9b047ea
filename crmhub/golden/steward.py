"""A steward pins (or unpins) a field's value on a golden record.

    set_override(engine, gid, "person.birth_date", "1980-03-01", actor="anna", why="ID card seen")
    clear_override(engine, gid, "person.birth_date", actor="anna")

The value is normalised and checked as the canonical model would (a phone becomes an E.164
contact point, "01/03/1980" a date); ``None`` pins "no value". Single-valued fields and the
multi-valued lists (``emails``, ``phones``, ...; given as the whole list) can be pinned.
The pin survives every recompute and shows in the lineage as ``steward_override`` with the
actor; see ``crmhub.golden.overrides`` for what merges and splits do with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from crmhub.golden.errors import InvalidOverride, UnknownField
from crmhub.golden.events import (
    OVERRIDE_CLEARED,
    OVERRIDE_SET,
    EventDraft,
    new_change_id,
    write_event,
)
from crmhub.golden.fields import ruled_field_path
from crmhub.golden.overrides import Override, normalised_value, pin, pinned_override, unpin
from crmhub.golden.policy import PolicyLike, as_policy
from crmhub.golden.records import lock_current
from crmhub.golden.refresh import refresh
from crmhub.store.engine import write_transaction
from crmhub.store.types import utc_now


def _pinnable(field: str) -> str:
    try:
        return ruled_field_path(field)
    except UnknownField as exc:
        raise InvalidOverride(f"cannot pin {field!r}: {exc.message}", hint=exc.hint) from None


def _as_json(override: Override | None) -> dict[str, Any] | None:
    if override is None:
        return None
    return {
        "value": override.value,
        "actor": override.actor,
        "reason": override.reason,
        "pinned_at": override.pinned_at.isoformat(),
    }


def set_override(
    engine: Engine,
    golden_id: str,
    field: str,
    value: Any,
    actor: str,
    why: str | None = None,
    *,
    policy: PolicyLike = None,
    default_country: str = "IT",
) -> int:
    """Pin ``value`` on ``field`` of golden record ``golden_id``; returns the event id.

    ``default_country`` is the country of a phone number or address written without one.
    Raises :class:`InvalidOverride` for a field that cannot be pinned or an invalid value.
    """
    path = _pinnable(field)
    compiled = as_policy(policy)
    with write_transaction(engine) as conn:
        now = utc_now()
        (row,) = lock_current(conn, [golden_id])
        normalised = normalised_value(row.data, path, value, default_country)
        previous = pinned_override(conn, row.id, path)
        pin(conn, Override(path, normalised, actor, why, now, row.id))
        payload = {
            "change": new_change_id(),
            "why": why,
            "field": path,
            "value": normalised,
            "previous": _as_json(previous),
        }
        drafts = refresh(
            conn, [row.id], compiled, now, {row.id: EventDraft(OVERRIDE_SET, row.id, payload)}
        )
        return write_event(conn, drafts[row.id], actor, now)


def clear_override(
    engine: Engine,
    golden_id: str,
    field: str,
    actor: str,
    why: str | None = None,
    *,
    policy: PolicyLike = None,
) -> int:
    """Remove the pin of ``field`` from golden record ``golden_id``; returns the event id.

    The field goes back to its survivorship rule. Raises :class:`InvalidOverride` when the
    field is not pinned on that record.
    """
    path = _pinnable(field)
    compiled = as_policy(policy)
    with write_transaction(engine) as conn:
        now = utc_now()
        (row,) = lock_current(conn, [golden_id])
        previous = pinned_override(conn, row.id, path)
        if previous is None:
            raise InvalidOverride(
                f"golden record {row.id} has no override of {path}",
                hint="its pinned fields show in its lineage with rule steward_override",
            )
        unpin(conn, row.id, path)
        payload = {
            "change": new_change_id(),
            "why": why,
            "field": path,
            "previous": _as_json(previous),
        }
        drafts = refresh(
            conn, [row.id], compiled, now, {row.id: EventDraft(OVERRIDE_CLEARED, row.id, payload)}
        )
        return write_event(conn, drafts[row.id], actor, now)
