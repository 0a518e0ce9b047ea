"""Steward overrides: values pinned on a golden record that beat every survivorship rule.

An override belongs to the golden record it was pinned on and survives every recompute.
When that record is merged into another (it then redirects to the survivor), its overrides
keep applying to the survivor for the fields the survivor has not pinned itself (if several
merged-away records pinned the same field, the newest pin wins); undoing the merge takes them
back with it. When a record is split, its overrides stay with the part keeping its id.

Overrides of the ``person`` fields do not apply while the golden record is an organization
(and the other way round); they stay stored and apply again if the kind changes back.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from crmhub.golden.chunks import chunked
from crmhub.golden.errors import InvalidOverride
from crmhub.golden.fields import SUBTREES
from crmhub.store.schema import golden_overrides, golden_records

STEWARD_OVERRIDE = "steward_override"


@dataclass(frozen=True, slots=True)
class Override:
    """A value a steward pinned on a golden record's field (``value`` None: pinned empty)."""

    path: str
    value: Any
    actor: str
    reason: str | None
    pinned_at: datetime
    golden_id: str

    def lineage(self) -> dict[str, Any]:
        """The field's lineage entry while this override is in force."""
        return {
            "rule": STEWARD_OVERRIDE,
            "actor": self.actor,
            "pinned_at": self.pinned_at.isoformat(),
            "reason": self.reason,
            "pinned_on": self.golden_id,
            "sources": [],
            "value_from": None,
        }


def normalised_value(data: dict[str, Any], path: str, value: Any, default_country: str) -> Any:
    """``value`` as the canonical model stores it at ``path`` (a phone as an E.164 contact
    point, a name in display form, ...), checked by validating ``data`` with it in place.

    Raises :class:`InvalidOverride` with the model's own explanation.
    """
    from canonical.party import Party  # the model is only needed when a steward pins a value

    trial = _with_value(data, path, value)
    try:
        party = Party.model_validate(trial, context={"default_country": default_country})
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise InvalidOverride(
            f"value {value!r} for {path} is not valid: {reasons}",
            hint="give the value as the canonical model expects it (see `Party.json_schema()`)",
        ) from None
    dumped = party.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    found = _value_at(dumped, path)
    if found is None and value is not None:  # equal to the model's default: dump it anyway
        found = _value_at(party.model_dump(mode="json", exclude_none=True), path)
    return found


def _with_value(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    trial = copy.deepcopy(data)
    if path == "kind":
        for subtree in SUBTREES.values():
            trial.pop(subtree, None)
        trial["kind"] = value
        trial[SUBTREES.get(str(value), str(value))] = {}
        return trial
    head, dot, leaf = path.partition(".")
    target = trial.setdefault(head, {}) if dot else trial
    key = leaf if dot else path
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value
    return trial


def _value_at(data: dict[str, Any], path: str) -> Any:
    head, dot, leaf = path.partition(".")
    if dot:
        nested = data.get(head)
        return nested.get(leaf) if isinstance(nested, dict) else None
    return data.get(path)


def _row_to_override(row: Any) -> Override:
    return Override(row.field, row.value, row.actor, row.reason, row.pinned_at, row.golden_id)


def pinned_override(conn: Connection, golden_id: str, path: str) -> Override | None:
    """The override pinned on ``golden_id`` itself for ``path``, if any."""
    t = golden_overrides.c
    row = conn.execute(
        sa.select(golden_overrides).where(t.golden_id == golden_id, t.field == path)
    ).first()
    return _row_to_override(row) if row else None


def pin(conn: Connection, override: Override) -> None:
    """Store ``override`` on its golden record, replacing a pin of the same field."""
    t = golden_overrides.c
    conn.execute(
        sa.delete(golden_overrides).where(
            t.golden_id == override.golden_id, t.field == override.path
        )
    )
    conn.execute(
        sa.insert(golden_overrides).values(
            golden_id=override.golden_id,
            field=override.path,
            value=override.value,
            actor=override.actor,
            reason=override.reason,
            pinned_at=override.pinned_at,
        )
    )


def unpin(conn: Connection, golden_id: str, path: str) -> None:
    """Remove the override of ``path`` pinned on ``golden_id`` (if there is one)."""
    t = golden_overrides.c
    conn.execute(sa.delete(golden_overrides).where(t.golden_id == golden_id, t.field == path))


def effective_overrides(
    conn: Connection, golden_ids: Collection[str]
) -> dict[str, dict[str, Override]]:
    """For each of ``golden_ids``: field path -> the override in force (its own, else one
    lent by a record merged into it, newest first). Records without overrides are absent."""
    if (
        not golden_ids
        or conn.execute(sa.select(golden_overrides.c.golden_id).limit(1)).first() is None
    ):
        return {}
    holder = _merged_into(conn, golden_ids)
    in_force: dict[str, dict[str, Override]] = {}
    t = golden_overrides.c
    for chunk in chunked(sorted(holder)):
        for row in conn.execute(sa.select(golden_overrides).where(t.golden_id.in_(chunk))):
            override = _row_to_override(row)
            fields = in_force.setdefault(holder[override.golden_id], {})
            current = fields.get(override.path)
            if current is None or _beats(override, current, holder):
                fields[override.path] = override
    return in_force


def _beats(new: Override, old: Override, holder: dict[str, str]) -> bool:
    """Own pins beat lent ones; among lent ones the newest pin (then the larger id) wins."""
    new_own = holder[new.golden_id] == new.golden_id
    old_own = holder[old.golden_id] == old.golden_id
    if new_own != old_own:
        return new_own
    return (new.pinned_at, new.golden_id) > (old.pinned_at, old.golden_id)


def _merged_into(conn: Connection, golden_ids: Collection[str]) -> dict[str, str]:
    """Every record id that is one of ``golden_ids`` or redirects to one (through any chain)
    -> the one of ``golden_ids`` it ends at."""
    holder = {gid: gid for gid in golden_ids}
    frontier = list(golden_ids)
    t = golden_records.c
    while frontier:
        found = []
        for chunk in chunked(sorted(frontier)):
            for rid, target in conn.execute(
                sa.select(t.id, t.redirect_to).where(t.redirect_to.in_(chunk))
            ):
                if rid not in holder:
                    holder[rid] = holder[target]
                    found.append(rid)
        frontier = found
    return holder
