"""The Airflow pools of a project: one per connection, ``max_parallel`` slots.

``pools_document`` is the JSON ``airflow pools import FILE`` reads; ``apply_pools`` creates or
updates the pools directly through Airflow's local API client (the one ``airflow pools
import`` uses), on a machine configured for the Airflow metadata database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crmhub.errors import CrmhubError
from crmhub.orchestration.plan import PoolSpec


class AirflowUnavailable(CrmhubError):
    """Airflow is not installed here, or its metadata database cannot be reached."""


@dataclass(frozen=True, slots=True)
class PoolChange:
    """What applying one pool did: ``created``, ``updated`` (slots or text) or ``unchanged``."""

    name: str
    slots: int
    action: str
    previous_slots: int | None = None


def pools_document(pools: Iterable[PoolSpec]) -> dict[str, dict[str, Any]]:
    """``{name: {slots, description, include_deferred}}``, the ``airflow pools import`` format."""
    return {
        pool.name: {"slots": pool.slots, "description": pool.description, "include_deferred": False}
        for pool in pools
    }


def pools_json(pools: Iterable[PoolSpec]) -> str:
    return json.dumps(pools_document(pools), indent=2, sort_keys=True) + "\n"


def apply_pools(pools: Iterable[PoolSpec]) -> list[PoolChange]:
    """Create or update every pool in Airflow's metadata database; what each one did."""
    client = _client()
    try:
        existing = {row[0]: (row[1], row[2]) for row in client.get_pools()}
        changes = []
        for pool in pools:
            before = existing.get(pool.name)
            changes.append(_change(pool, before))
            if before != (pool.slots, pool.description):
                client.create_pool(
                    name=pool.name,
                    slots=pool.slots,
                    description=pool.description,
                    include_deferred=False,
                )
    except Exception as exc:
        if isinstance(exc, CrmhubError):
            raise
        raise AirflowUnavailable(
            f"cannot write Airflow's pools: {type(exc).__name__}: {exc}",
            hint="run this where Airflow is configured (AIRFLOW_HOME or "
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN) and its database is migrated, or use "
            "`crmhub airflow pools --json pools.json` and `airflow pools import pools.json`",
        ) from exc
    return changes


def _change(pool: PoolSpec, before: tuple[int, str] | None) -> PoolChange:
    if before is None:
        return PoolChange(pool.name, pool.slots, "created")
    if before == (pool.slots, pool.description):
        return PoolChange(pool.name, pool.slots, "unchanged", before[0])
    return PoolChange(pool.name, pool.slots, "updated", before[0])


def _client() -> Any:
    try:
        from airflow.api.client import get_current_api_client
    except ImportError as exc:
        raise AirflowUnavailable(
            "Airflow is not installed in this environment",
            hint='install crmhub with its airflow extra: pip install "crmhub[airflow]"',
        ) from exc
    return get_current_api_client()
