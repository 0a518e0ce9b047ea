"""The three-way diff of one record and the conflict policies, case by case (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmhub.config.models import ConflictPolicy, DeletionPolicy
from crmhub.sync.diff import create, remove, update
from crmhub.sync.fields import OWNER_KINDS, SYSTEM_OF_RECORD, FieldRule
from crmhub.sync.policies import HUB, OPEN, TARGET, WINNERS, Sides, resolve
from crmhub.sync.records import TargetRecord

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
HUB_OWNED = OWNER_KINDS["hub"]


def rules(
    policy: ConflictPolicy = ConflictPolicy.OWNER_WINS, **owners: str
) -> dict[str, FieldRule]:
    names = ("Email", "Phone")
    out = {}
    for name in names:
        owner = owners.get(name, "hub")
        kind = OWNER_KINDS.get(owner, SYSTEM_OF_RECORD)
        out[name] = FieldRule(name, owner, policy, kind, None if owner in OWNER_KINDS else owner)
    return out


def synced(**values: str) -> TargetRecord:
    """A record last synced with both sides holding ``values``."""
    return TargetRecord("g1", "X1", dict(values), dict(values), {}, stored=True)


def test_a_new_record_is_created_with_every_desired_value_that_is_not_empty():
    change = create(rules(), {"Email": "a@b.it", "Phone": None})

    assert (change.operation, change.payload) == ("upsert", {"Email": "a@b.it"})


def test_only_the_fields_the_hub_changed_are_written():
    record = synced(Email="a@b.it", Phone="+3902")

    change = update(
        rules(),
        {"Email": "new@b.it", "Phone": "+3902"},
        {"Email": "a@b.it", "Phone": "+3902"},
        record,
        T0,
        None,
    )

    assert (change.operation, change.payload, change.conflicts) == (
        "upsert",
        {"Email": "new@b.it"},
        [],
    )


def test_nothing_is_written_when_only_the_target_changed():
    record = synced(Email="a@b.it")

    change = update(rules(), {"Email": "a@b.it"}, {"Email": "theirs@b.it"}, record, T0, T0)

    assert change.operation is None and not change.conflicts
    assert record.base_target == {
        "Email": "a@b.it"
    }  # still unaccepted: a later hub change conflicts


def test_values_in_sync_move_the_base_without_a_write():
    record = synced(Email="old@b.it")

    change = update(rules(), {"Email": "same@b.it"}, {"Email": "same@b.it"}, record, T0, T0)

    assert change.operation is None
    assert record.base_hub == record.base_target == {"Email": "same@b.it"} and record.dirty


def test_first_contact_writes_the_hub_s_value_but_never_clears_the_target_s():
    record = TargetRecord("g1")

    change = update(
        rules(),
        {"Email": "a@b.it", "Phone": None},
        {"Email": "other@b.it", "Phone": "+3902"},
        record,
        T0,
        T0,
    )

    assert change.payload == {"Email": "a@b.it"}
    assert record.base_target == {"Phone": "+3902"} and record.base_hub == {"Phone": None}


def test_a_target_owned_field_is_never_updated():
    record = synced(Email="a@b.it", Phone="+3902")

    change = update(
        rules(Phone="target"),
        {"Email": "a@b.it", "Phone": "+3903"},
        {"Email": "a@b.it", "Phone": "+3902"},
        record,
        T0,
        None,
    )

    assert change.operation is None


@pytest.mark.parametrize(
    ("policy", "owner", "hub_at", "target_at", "expected"),
    [
        (ConflictPolicy.HUB_WINS, "hub", T0, T0, HUB),
        (ConflictPolicy.TARGET_WINS, "hub", T0, T0, TARGET),
        (ConflictPolicy.OWNER_WINS, "hub", T0, T0, HUB),
        (ConflictPolicy.OWNER_WINS, "erp", T0, T0, HUB),  # a system of record is the hub's side
        (ConflictPolicy.NEWEST_WINS, "hub", T0 + timedelta(seconds=1), T0, HUB),
        (ConflictPolicy.NEWEST_WINS, "hub", T0, T0 + timedelta(seconds=1), TARGET),
        (ConflictPolicy.NEWEST_WINS, "hub", T0, T0, HUB),  # a tie goes to the hub
        (ConflictPolicy.MANUAL, "hub", T0, T0, OPEN),
        (ConflictPolicy.STEWARD, "hub", T0, T0, OPEN),
    ],
)
def test_a_conflict_is_decided_by_the_field_s_policy(policy, owner, hub_at, target_at, expected):
    record = synced(Email="a@b.it")

    change = update(
        rules(policy, Email=owner),
        {"Email": "hub@b.it"},
        {"Email": "target@b.it"},
        record,
        hub_at,
        target_at,
    )

    (conflict,) = change.conflicts
    assert (conflict.field, conflict.resolution, conflict.policy) == ("Email", expected, policy)
    assert (conflict.hub_value, conflict.target_value) == ("hub@b.it", "target@b.it")
    written = {HUB: {"Email": "hub@b.it"}, TARGET: {}, OPEN: {}}[expected]
    assert change.payload == written
    bases = {
        HUB: ({"Email": "a@b.it"}, {"Email": "target@b.it"}),  # the target's value seen, overruled
        TARGET: ({"Email": "hub@b.it"}, {"Email": "target@b.it"}),  # both seen, target's stands
        OPEN: ({"Email": "a@b.it"}, {"Email": "a@b.it"}),  # untouched until a steward decides
    }[expected]
    assert (record.base_hub, record.base_target) == bases


def test_every_policy_has_a_decision():
    sides = Sides(owner_is_hub_side=True, hub_changed_at=T0, target_changed_at=None)
    assert set(WINNERS) == set(ConflictPolicy)
    assert {resolve(p, sides) for p in ConflictPolicy} <= {HUB, TARGET, OPEN}


def test_a_decided_conflict_is_not_raised_again_on_the_next_plan():
    record = synced(Email="a@b.it")
    update(
        rules(ConflictPolicy.TARGET_WINS),
        {"Email": "hub@b.it"},
        {"Email": "target@b.it"},
        record,
        T0,
        T0,
    )

    again = update(
        rules(ConflictPolicy.TARGET_WINS),
        {"Email": "hub@b.it"},
        {"Email": "target@b.it"},
        record,
        T0,
        T0,
    )
    later = update(
        rules(ConflictPolicy.TARGET_WINS),
        {"Email": "hub2@b.it"},
        {"Email": "target@b.it"},
        record,
        T0,
        T0,
    )

    assert again.operation is None and not again.conflicts
    assert later.payload == {"Email": "hub2@b.it"} and not later.conflicts  # only the hub moved


HUB_PHONE, TYPED = "+390119998877", "+39 011 999 8877"  # the same number, two spellings


def test_a_target_value_that_is_the_hub_s_in_another_format_is_in_sync():
    record = synced(Phone="+390115550000")

    change = update(
        rules(), {"Phone": HUB_PHONE}, {"Phone": TYPED}, record, T0, T0, {"Phone": HUB_PHONE}
    )

    assert change.operation is None and not change.conflicts
    assert (record.base_hub, record.base_target) == ({"Phone": HUB_PHONE}, {"Phone": HUB_PHONE})


def test_first_contact_with_the_value_in_another_format_writes_nothing():
    record = TargetRecord("g1")

    change = update(
        rules(), {"Phone": HUB_PHONE}, {"Phone": TYPED}, record, T0, T0, {"Phone": HUB_PHONE}
    )

    assert change.operation is None and record.base_target == {"Phone": HUB_PHONE}


def test_without_the_hub_s_terms_a_formatting_difference_is_a_conflict():
    record = synced(Phone="+390115550000")

    change = update(rules(), {"Phone": HUB_PHONE}, {"Phone": TYPED}, record, T0, T0)

    assert [case.field for case in change.conflicts] == ["Phone"]  # what the hub-terms view avoids


def test_a_target_that_only_reformatted_its_value_does_not_conflict_with_a_hub_change():
    record = synced(Phone=HUB_PHONE)  # the hub wrote it

    change = update(
        rules(ConflictPolicy.MANUAL),
        {"Phone": "+390115550000"},
        {"Phone": TYPED},
        record,
        T0,
        T0,
        {"Phone": HUB_PHONE},
    )

    assert (change.payload, change.conflicts) == ({"Phone": "+390115550000"}, [])


def test_a_real_edit_in_another_format_still_conflicts_with_a_hub_change():
    record = synced(Phone=HUB_PHONE)
    typed, seen = "+39 011 444 0000", "+390114440000"

    change = update(
        rules(ConflictPolicy.MANUAL),
        {"Phone": "+390115550000"},
        {"Phone": typed},
        record,
        T0,
        T0,
        {"Phone": seen},
    )

    (conflict,) = change.conflicts
    assert (conflict.hub_value, conflict.target_value, conflict.resolution) == (
        "+390115550000",
        typed,
        OPEN,
    )
    assert change.operation is None and record.base_target == {"Phone": HUB_PHONE}


def test_a_real_edit_alone_is_left_to_the_ingest():
    record = synced(Phone=HUB_PHONE)

    change = update(
        rules(),
        {"Phone": HUB_PHONE},
        {"Phone": "+39 011 444 0000"},
        record,
        T0,
        T0,
        {"Phone": "+390114440000"},
    )

    assert change.operation is None and not change.conflicts
    assert record.base_target == {"Phone": HUB_PHONE} and not record.dirty


@pytest.mark.parametrize(
    ("policy", "held", "expected"),
    [
        ({"mode": "ignore"}, {}, (None, {})),
        ({"mode": "delete"}, {}, ("delete", {})),
        (
            {"mode": "deactivate", "field": "Active__c", "value": False},
            {"Active__c": True},
            ("deactivate", {"Active__c": False}),
        ),
        (
            {"mode": "deactivate", "field": "Active__c", "value": False},
            {"Active__c": "false"},
            (None, {}),
        ),  # already inactive
    ],
)
def test_removal_follows_the_deletion_policy(policy, held, expected):
    change = remove(DeletionPolicy.model_validate(policy), held)

    assert (change.operation, change.payload) == expected
