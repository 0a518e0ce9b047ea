"""When a stored match model is due for a refit, as policy data (``matching:`` in crmhub.yaml).

A model fitted on a first, partial cycle (only one system read yet) would otherwise be
reused forever: its priors and term frequencies describe a population that no longer
exists, so later runs merge little. A normal run fits a new model when:

* the live records are at least ``refit_when_records_grow`` times those the stored model
  was fitted on (``training.records`` in the stored model; null switches this off);
* a record kind is live that the model has no prior for (it cannot score those at all).

``crmhub match --full`` always refits; ``--full --keep-model`` never does (unless the stored
model cannot be used).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from crmhub.match.model import FellegiSunterModel
from crmhub.store.schema import source_records


def live_records(engine: Engine) -> dict[str, int]:
    """Live source records (the ones matching reads), by party kind."""
    s = source_records.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(s.party_kind, sa.func.count())
            .where(s.deleted.is_(sa.false()), s.canonical.is_not(None))
            .group_by(s.party_kind)
        )
        return {str(kind): int(n) for kind, n in rows if kind is not None}


def fitted_on(model: FellegiSunterModel) -> int | None:
    """How many records ``model`` was fitted on (None when it does not say)."""
    records = model.training.get("records")
    return int(records) if isinstance(records, int | float) else None


def refit_reason(
    model: FellegiSunterModel, live: Mapping[str, int], *, grow_by: float | None
) -> str:
    """Why ``model`` should be refitted for ``live`` (records by kind), or "" to keep it."""
    missing = sorted(kind for kind, n in live.items() if n and kind not in model.priors)
    if missing:
        return f"the stored model has no prior for {' and '.join(missing)} records"
    if grow_by is None:
        return ""
    total, fitted = sum(live.values()), fitted_on(model)
    if fitted is None:
        return "the stored model does not say how many records it was fitted on"
    if total >= grow_by * max(fitted, 1):
        return (
            f"live records grew from {fitted:,} to {total:,} "
            f"(matching.refit_when_records_grow: {grow_by:g})"
        )
    return ""
