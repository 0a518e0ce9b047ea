"""The desired state of a golden record in a target: the target's fields as the hub wants them.

The golden record goes through the reverse direction of the target's mapping
(``CompiledMapping.export``); a field whose owner is a system of record takes its value from
that system's source record instead (through the same reverse rules). Which of these fields
are actually written, and when, is for ``crmhub.sync.diff`` to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crmhub.sync.golden import GoldenView
from crmhub.sync.targets import Target


def desired_values(
    target: Target, golden: GoldenView, systems: Mapping[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """Target field -> the value the hub wants there. A system-of-record field is left out
    when that system holds no record for the golden record.

    Raises ``RecordMappingError`` when a reverse rule fails on the record.
    """
    exported = target.mapping.export(golden.data)
    desired = {
        name: value
        for name, value in exported.items()
        if name in target.fields and target.fields[name].value_from is None
    }
    for system in target.owner_systems:
        canonical = systems.get((golden.id, system))
        if canonical is None:
            continue
        values = target.mapping.export(canonical)
        desired.update(
            (name, values[name])
            for name, rule in target.fields.items()
            if rule.value_from == system and name in values
        )
    return desired
